"""The assessment report says what a steering group needs, on pages that render and read correctly."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from assess.pdf import render_assessment_report
from assess.pdf.data import AssessmentReport, Reference

from .factories import make_assessment, make_draft
from .helpers import (
    all_text,
    content_lines,
    ink_share,
    mostly_blank_pages,
    page_texts,
    render_page,
    split_at_trace,
    squashed,
)

A4_WIDTH_PT = 595.2756
MARGIN_PT = 18 * 72 / 25.4


@pytest.fixture(scope="module")
def report() -> AssessmentReport:
    return make_assessment()


@pytest.fixture(scope="module")
def pdf(report: AssessmentReport) -> bytes:
    return render_assessment_report(report)


@pytest.fixture(scope="module")
def pages(pdf: bytes) -> list[str]:
    return page_texts(pdf)


def test_the_result_is_a_pdf(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF-1.")
    assert pdf.rstrip().endswith(b"%%EOF")


def test_the_cover_states_the_verdict_and_identity(pages: list[str], report: AssessmentReport) -> None:
    cover = pages[0]
    assert "Ej lämplig" in cover
    assert report.case_title in cover
    assert report.alternative in cover
    assert "Beslutad" in cover
    assert "2026-11-25" in cover
    assert "molnlamplighet, version 1" in cover
    assert report.record_hash is not None
    assert report.record_hash in squashed(cover)


def test_the_summary_lists_knockouts_unknowns_conditions_and_overrides(pages: list[str]) -> None:
    start = next(index for index, text in enumerate(pages) if "Sammanfattning" in text)
    end = next(index for index, text in enumerate(pages) if "1. Förutsättningar" in text)
    summary = " ".join(pages[start:end])
    for heading in ("Stoppträffar", "Hävda stoppträffar", "Avgörande okända svar", "Blockerande okända svar"):
        assert heading in summary
    assert "Juridiskt PM 2026:12" in summary
    assert "Chefsjurist Anna Berg" in summary
    # Who must answer each unknown, and the owner, deadline and gate of each condition.
    assert "juristen" in summary
    assert "Förvaltningsledare Karin Åström" in squashed(summary) or "Karin Åström" in summary
    assert "2027-03-31" in summary
    assert "Före avtal" in summary


def test_every_shown_question_id_is_printed(pdf: bytes, report: AssessmentReport) -> None:
    text = all_text(pdf)
    ids = [question.id for section in report.areas for question in section.questions]
    assert len(ids) == 60
    missing = [qid for qid in ids if qid not in text]
    assert missing == []


def test_knockout_rule_texts_are_printed_in_full(pdf: bytes, report: AssessmentReport) -> None:
    text = squashed(all_text(pdf))
    assert report.knockouts
    for knockout in report.knockouts:
        assert squashed(knockout.reason) in text


def test_approvers_and_decision_maker_are_named_with_times(pdf: bytes, report: AssessmentReport) -> None:
    text = all_text(pdf)
    for approval in report.approvals:
        assert approval.reviewer in text
        assert approval.time.strftime("%Y-%m-%d %H:%M") in text
    assert report.decision is not None
    assert report.decision.decision_maker in text
    assert "Avslaget" in text
    assert "Inga kvarstående risker accepteras" in text
    for comment in report.comments:
        assert squashed(comment.text) in squashed(text)


def test_every_page_says_sida_x_av_y(pages: list[str]) -> None:
    total = len(pages)
    assert total > 10
    for number, text in enumerate(pages, start=1):
        assert f"Sida {number} av {total}" in text


def test_body_pages_carry_case_date_and_status_in_the_header(pages: list[str], report: AssessmentReport) -> None:
    for text in pages[1:]:
        assert report.case_title in text
        assert "2026-11-25 · Beslutad" in text


def test_references_marked_for_verification_say_so_in_words(pdf: bytes) -> None:
    running, _trace = split_at_trace(pdf)
    assert "(att verifiera)" in running
    assert "[verifiera]" not in running
    plain = make_assessment()
    areas = tuple(
        dataclasses.replace(
            section,
            questions=tuple(
                dataclasses.replace(q, references=(Reference("OSL (2009:400), 10 kap. 2 a §"),))
                for q in section.questions
            ),
        )
        for section in plain.areas
    )
    unmarked = dataclasses.replace(plain, areas=areas, knockouts=())
    assert "att verifiera" not in all_text(render_assessment_report(unmarked))


def test_a_reference_keeps_a_number_with_its_word(pdf: bytes) -> None:
    # "10 kap. 2 a §": the renderer never breaks "kap." from "2", nor "2" from what it numbers.
    text = page_texts(pdf)
    assert any("10 kap. 2 a §" in page for page in text)


def test_the_worst_case_is_phrased_as_a_risk() -> None:
    data = make_assessment(verdict="cannot_assess", worst_case="not_suitable", knockouts=())
    text = all_text(render_assessment_report(data))
    assert "Kan ej bedömas ännu – risk för Ej lämplig" in text


def test_user_text_prints_literally() -> None:
    hostile = "<b>fet</b> & <script>alert(1)</script> <para> &amp; ]]>"
    report = make_assessment()
    legal = report.areas[1]
    first = dataclasses.replace(legal.questions[0], motivation=hostile, answer="<i>Ja</i> & nej")
    areas = (report.areas[0], dataclasses.replace(legal, questions=(first, *legal.questions[1:])), *report.areas[2:])
    data = dataclasses.replace(report, areas=areas, case_title="Fall <1> & 2", alternative="A&B")
    text = all_text(render_assessment_report(data))
    assert hostile in text
    assert "<i>Ja</i> & nej" in text
    assert "Fall <1> & 2" in text


def test_only_a_draft_is_watermarked_and_the_watermark_is_not_text(tmp_path: Path) -> None:
    decided_data = make_assessment()
    draft_data = dataclasses.replace(decided_data, status="in_review")
    draft, decided = render_assessment_report(draft_data), render_assessment_report(decided_data)
    draft_pages = page_texts(draft)
    assert "Under granskning" in draft_pages[1]
    # The word is drawn as the outlines of its letters: no page's text holds it, not even between two words.
    assert all("UTKAST" not in text for text in draft_pages)
    assert "UTKAST" not in all_text(decided)
    # ... and it is drawn: on every page of the draft, the same page of the decided report has fewer grey pixels.
    for number in (1, 2, len(draft_pages)):
        marked, plain = render_page(draft, number, tmp_path), render_page(decided, number, tmp_path)
        width, height = marked.size
        centre = (width // 4, height // 3, 3 * width // 4, 2 * height // 3)
        assert ink_share(marked, centre) > ink_share(plain, centre) + 0.01, f"page {number} has no watermark"
    reader = PdfReader(io.BytesIO(draft))
    for page in reader.pages:
        stream = page.get_contents().get_data()  # type: ignore[union-attr]
        assert b".8 .8 .8 RG" in stream  # the watermark's grey outline (layout.WATERMARK), drawn last


def _right_margin(image: Image.Image) -> tuple[int, int, int, int]:
    """Return the right page margin, less half a millimetre where rules and table lines end (anti-aliased)."""
    scale = image.width / A4_WIDTH_PT
    left = int((A4_WIDTH_PT - MARGIN_PT + 0.5 * 72 / 25.4) * scale) + 1
    return (left, 0, image.width, image.height)


def test_a_long_unbroken_token_wraps_inside_the_page(tmp_path: Path) -> None:
    token = "https://example.org/" + "x" * 280
    assert len(token) == 300
    report = make_assessment()
    context = report.areas[0]
    first = dataclasses.replace(context.questions[0], motivation=f"Se {token} för underlaget.", answer=token)
    areas = (dataclasses.replace(context, questions=(first, *context.questions[1:])), *report.areas[1:])
    data = dataclasses.replace(report, areas=areas, alternative=token)
    pdf = render_assessment_report(data)
    pages = page_texts(pdf)
    assert token in squashed(" ".join(pages))
    for number, text in enumerate(pages, start=1):
        if "xxxxxxxxxx" in text and number > 1:
            image = render_page(pdf, number, tmp_path)
            assert ink_share(image, _right_margin(image)) == 0.0, f"page {number} prints into the right margin"


def test_the_cover_and_the_summary_render_with_content(pdf: bytes, pages: list[str], tmp_path: Path) -> None:
    summary = next(number for number, text in enumerate(pages, start=1) if "Sammanfattning" in text)
    for number in (1, summary):
        image = render_page(pdf, number, tmp_path)
        assert image.width > 300
        assert ink_share(image) > 0.04, f"page {number} is (nearly) blank"
        if number > 1:  # the cover's colour band runs across the whole page on purpose
            assert ink_share(image, _right_margin(image)) == 0.0


def test_an_assessment_without_findings_still_renders() -> None:
    report = make_assessment()
    areas = tuple(dataclasses.replace(s, result="met", questions=s.questions[:1]) for s in report.areas)
    empty = dataclasses.replace(
        report,
        areas=areas,
        verdict="suitable",
        worst_case="suitable",
        knockouts=(),
        overrides=(),
        decisive_unknowns=(),
        blocking_unknowns=(),
        conditions=(),
        comments=(),
        approvals=(),
        decision=None,
        status="draft",
        record_hash=None,
    )
    text = all_text(render_assessment_report(empty))
    assert "Lämplig" in text
    assert "Inga stoppträffar." in text
    assert "Inget beslut är fattat." in text


def test_texts_longer_than_a_page_split_instead_of_failing() -> None:
    sentence = "Leverantören redovisar underbiträden, lagringsplatser och supportåtkomst i bilaga 7. "
    huge = sentence * 120  # about 10,000 characters: more than one page in a question block or a table cell
    report = make_assessment()
    legal = report.areas[1]
    first = dataclasses.replace(legal.questions[0], motivation=huge, summary=huge[:3000])
    areas = (report.areas[0], dataclasses.replace(legal, questions=(first, *legal.questions[1:])), *report.areas[2:])
    comment = dataclasses.replace(report.comments[0], text=huge)
    assert report.decision is not None
    decision = dataclasses.replace(report.decision, residual_risks=huge)
    data = dataclasses.replace(report, areas=areas, comments=(comment, *report.comments[1:]), decision=decision)
    pages = page_texts(render_assessment_report(data))
    # Nothing is cut off: every sentence is printed, except where a page break (with its header and footer)
    # falls inside one.
    printed = squashed(" ".join(pages)).count(squashed(sentence))
    expected = 3 * 120 + huge[:3000].count(sentence)
    assert expected - len(pages) <= printed <= expected
    # A table row continued on the next page names what it continues.
    continued = " ".join(pages)
    assert "L-04 (forts.)" in continued  # the comment on L-04
    assert "Accepterade kvarstående risker (forts.)" in continued  # the decision's residual risks


def test_the_outline_leads_to_every_part(pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles == [
        "Sammanfattning",
        "1. Förutsättningar",
        "2. Juridik",
        "3. Informationssäkerhet",
        "4. Patientsäkerhet",
        "Granskning",
        "Beslut",
        "Bilaga: spårbarhet och kontroll",
        "Bilaga: Regelspår",
    ]


def test_no_page_is_mostly_blank(pdf: bytes) -> None:
    draft = render_assessment_report(make_draft())
    for document in (pdf, draft):
        assert mostly_blank_pages(document) == [], content_lines(document)


def test_names_break_between_words_only(pdf: bytes, report: AssessmentReport) -> None:
    text = all_text(pdf)
    names = {approval.reviewer for approval in report.approvals} | {a.role for a in report.approvals}
    names |= {comment.author for comment in report.comments}
    names |= {m.owner for c in report.conditions for m in c.mitigations if m.owner}
    assert "Informationssäkerhetssamordnare Jörgen Öberg" in names
    for person in names:
        assert person in text, person  # a word broken across lines would read "Informationssäkerhetssam ordnare"


def test_an_approved_decision_names_the_accepted_residual_risks() -> None:
    report = make_assessment()
    assert report.decision is not None
    decision = dataclasses.replace(
        report.decision, approved=True, residual_risks="Restrisk R-3: driftstörning hos leverantören, accepterad."
    )
    data = dataclasses.replace(
        report, verdict="suitable_with_conditions", worst_case="suitable_with_conditions", decision=decision
    )
    text = all_text(render_assessment_report(data))
    assert "Godkänt: tjänsten får användas inom angiven omfattning och på angivna villkor." in text
    assert "Restrisk R-3: driftstörning hos leverantören, accepterad." in text
    assert "Godkänd av Regiondirektör Åsa Grönlund" in text
