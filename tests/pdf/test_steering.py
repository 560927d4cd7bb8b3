"""The steering group's Beslutsunderlag: PDF/A like the other reports, in words, in the reader's language."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pikepdf
import pytest

from assess.pdf.data import (
    KnockoutLine,
    PartyFacts,
    QuestionRef,
    RuleSetIdentity,
    ScenarioLine,
    SteeringBrief,
    SteeringModule,
)
from assess.pdf.steering import render_steering_report

from . import test_archive as archive
from .helpers import all_text, ink_share, mostly_blank_pages, notation_in, page_texts, render_page, squashed

GENERATED = datetime(2026, 11, 29, 10, 30, tzinfo=ZoneInfo("Europe/Stockholm"))
#: The report's own words in English, as the catalogue will have them (the new texts and those shared).
ENGLISH = {
    "Beslutsunderlag": "Decision brief",
    "Sammanfattning": "Summary",
    "Kan vara lämpliga nu:": "Could be suitable now:",
    "Ej lämpliga:": "Not suitable:",
    "Kan ej bedömas ännu; det som krävs:": "Cannot be assessed yet; what it takes:",
    "Inget alternativ är lämpligt ännu.": "No alternative is suitable yet.",
    "stoppträffar:": "knock-outs:",
    "Bedömning nu": "Verdict now",
    "Värsta fall": "Worst case",
    "Med gynnsamma svar": "With favourable answers",
    "Läget": "Where it stands",
    "Öppna frågor att ta reda på": "Open questions to find out",
    "Besvaras av": "Answered by",
    "Antal": "Number",
    "Tidigast senast": "Earliest due",
    "Tas fram av": "Found out by",
    "inget datum satt": "no date set",
    "Stoppträffar": "Knock-outs",
    "Villkor": "Conditions",
    "Sparade scenarier (hypotetiska)": "Saved scenarios (hypothetical)",
    "Inga sparade scenarier.": "No saved scenarios.",
    "Inga.": "None.",
    "(ej tillgängligt)": "(not available)",
    "hypotetiskt, inget svar är ändrat": "hypothetical, no answer is changed",
    "Om »%(name)s«:": "If “%(name)s”:",
    "Scenario »%(name)s«:": "Scenario “%(name)s”:",
    "Vad som krävs": "What it would take",
    "Tidigaste svarsdag": "Earliest due date",
    "Villkor med svaren som de är nu": "Conditions with the answers as they are now",
    "Så läser du underlaget": "How to read this brief",
    "i värsta fall %(worst)s": "at worst %(worst)s",
    "med gynnsamma besked %(verdict)s, %(worst)s": "with favourable answers %(verdict)s, %(worst)s",
    "inga.": "none.",
    "leverantören": "the provider",
    "juristen": "legal counsel",
    "regionen": "the region",
    "Lämplig": "Suitable",
    "Lämplig med villkor": "Suitable with conditions",
    "Ej lämplig": "Not suitable",
    "Kan ej bedömas ännu": "Cannot be assessed yet",
    "%(verdict)s – risk för %(worst)s": "%(verdict)s – risk of %(worst)s",
    "Utkast": "Draft",
    "UTKAST": "DRAFT",
    "Sida %(page)s av %(total)s": "Page %(page)s of %(total)s",
    "%(n)s öppna frågor att ta reda på": "%(n)s open questions to find out",
    "%(n)s alternativ": "%(n)s alternatives",
    "%(n)s bedömningar": "%(n)s assessments",
}


def english(message: str) -> str:
    return ENGLISH.get(message, message)


def _module(alternative: str, module: str, alt_id: str, record: str, **kwargs: object) -> SteeringModule:
    values: dict[str, object] = {
        "alternative": alternative,
        "module": module,
        "status": "draft",
        "verdict": "cannot_assess",
        "worst_case": "not_suitable",
        "record_id": record,
        "alternative_id": alt_id,
        "favourable": "Med gynnsamma besked: Lämplig med villkor (3 villkor) – kräver besked i 5 frågor.",
        "favourable_verdict": "suitable_with_conditions",
        "favourable_needed": 5,
        "facts": (
            PartyFacts("provider", 4, date(2027, 1, 15), ("Olivia Ek (Leverantören AB)",)),
            PartyFacts("legal", 2, None, ("Johan Jurist",)),
            PartyFacts("region", 1, None, (), unnamed=1),
        ),
        "conditions": (QuestionRef("G-07", "Skyddade personuppgifter"),),
        "scenarios": (),
    }
    values.update(kwargs)
    return SteeringModule(**values)  # type: ignore[arg-type]


def make_brief(language: str = "sv") -> SteeringBrief:
    modules = (
        _module("A – Egen molnleverantör <test> & co", "Hela alternativet", "1", "11"),
        _module(
            "B – Nordisk SaaS",
            "Hela alternativet",
            "2",
            "12",
            scenarios=(ScenarioLine("Leverantören svarar ja", "suitable_with_conditions", "suitable_with_conditions"),),
        ),
        _module(
            "D – Hybrid",
            "D1 – AI-diktering",
            "4",
            "14",
            verdict="not_suitable",
            knockouts=(
                KnockoutLine(
                    "L-01", "Sekretessbrytande grund", "Sakliga uppgifter omfattas inte av 10 kap. 2 a § OSL."
                ),
                KnockoutLine(
                    "L-04", "Tredjelandsåtkomst till klartext", "En part under tredjelandslag kan nå klartext."
                ),
            ),
            favourable=None,
            favourable_verdict=None,
            favourable_needed=None,
            scenarios=None,
        ),
        _module(
            "D – Hybrid",
            "D2 – Patientens e-tjänster",
            "4",
            "15",
            verdict="suitable_with_conditions",
            worst_case="suitable_with_conditions",
            facts=(),
            favourable="Inga öppna frågor: resultatet ovan är det som gäller.",
            decided_revision=1,
            decided_verdict="suitable_with_conditions",
            decided_approved=True,
            revision=2,
        ),
    )
    return SteeringBrief(
        case_title="Framtida vårdinformationssystem",
        generated=GENERATED,
        modules=modules,
        case_id="7",
        author="Sara Lindqvist, arkitekt",
        ruleset=RuleSetIdentity("vgr-molnlamplighet", "1", "ab" * 32),
        language=language,
    )


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    return render_steering_report(make_brief())


@pytest.fixture
def pdf(pdf_bytes: bytes) -> Iterator[pikepdf.Pdf]:
    with pikepdf.open(io.BytesIO(pdf_bytes)) as document:
        yield document


def test_pdfa_like_the_other_reports(pdf: pikepdf.Pdf, pdf_bytes: bytes) -> None:
    # The same structural PDF/A-2b checks as tests/pdf/test_archive.py runs on the other reports.
    archive.test_fonts_embedded(pdf)
    archive.test_swedish_text_uses_the_embedded_font(pdf)
    archive.test_output_intent(pdf)
    archive.test_info_matches_xmp(pdf)
    archive.test_no_encryption_and_no_javascript(pdf)
    archive.test_trailer_id(pdf)
    archive.test_no_transparency(pdf)
    archive.test_header_and_language(pdf_bytes, pdf)
    meta = pdf.open_metadata()
    assert meta[f"{{{archive.PDFAID}}}part"] == "2"
    assert meta[f"{{{archive.PDFAID}}}conformance"] == "B"
    assert "/Filter" not in pdf.Root.Metadata
    assert meta["dc:title"] == "Beslutsunderlag: Framtida vårdinformationssystem"
    assert meta["dc:creator"] == ["Sara Lindqvist, arkitekt"]
    assert meta[f"{{{archive.MB}}}ruleSetVersion"] == "1"


def test_equal_data_gives_equal_bytes(pdf_bytes: bytes) -> None:
    assert render_steering_report(make_brief()) == pdf_bytes


def test_every_alternative_and_the_title_in_words(pdf_bytes: bytes) -> None:
    text = all_text(pdf_bytes)
    assert "BESLUTSUNDERLAG" in text
    assert "Beslutsunderlag" in text
    for module in make_brief().modules:
        assert squashed(module.alternative) in squashed(text), module.alternative
        assert squashed(module.module) in squashed(text) or module.module == "Hela alternativet"
    assert "Bedömning nu Kan ej bedömas ännu Värsta fall Ej lämplig" in text
    assert notation_in(text) == []
    for code in ("not_suitable", "cannot_assess", "provider", "UB"):
        assert code not in text


def test_summary_says_what_could_be_suitable_what_not_and_what_it_takes(pdf_bytes: bytes) -> None:
    first = page_texts(pdf_bytes)[0]
    assert "Kan vara lämpliga nu: D – Hybrid: D2 – Patientens e-tjänster (lämplig med villkor" in first
    assert "Ej lämpliga: D – Hybrid: D1 – AI-diktering (stoppträffar: sekretessbrytande grund" in first
    assert "7 öppna frågor att ta reda på (4 från leverantören, 2 från juristen, 1 från regionen)" in first
    assert "med gynnsamma besked lämplig med villkor, i värsta fall ej lämplig" in first


def test_facts_per_party_with_due_date_and_people(pdf_bytes: bytes) -> None:
    text = all_text(pdf_bytes)
    assert "Leverantören 4 2027-01-15 Olivia Ek (Leverantören AB)" in text
    assert "Juristen 2 inget datum satt Johan Jurist" in text
    assert "Regionen 1 inget datum satt 1 utan namngiven person" in text


def test_knockouts_conditions_scenarios_and_missing_parts(pdf_bytes: bytes) -> None:
    text = all_text(pdf_bytes)
    assert "L-01 Sekretessbrytande grund – Sakliga uppgifter omfattas inte av 10 kap. 2 a § OSL." in text
    assert "G-07 Skyddade personuppgifter" in text
    assert "Scenario »Leverantören svarar ja«: Lämplig med villkor" in text
    assert "hypotetiskt, inget svar är ändrat" in text
    assert "(ej tillgängligt)" in text  # D1: neither the favourable completion nor the scenarios
    assert "Beslutad rev 1: Lämplig med villkor" in text


def test_english_version_is_in_english(tmp_path: Path) -> None:
    pdf = render_steering_report(make_brief("en"), english)
    text = all_text(pdf)
    for words in ("DECISION BRIEF", "Summary", "Could be suitable now:", "Verdict now", "Open questions to find out"):
        assert words in text
    assert "Verdict now Cannot be assessed yet Worst case Not suitable" in text
    assert "The provider 4 2027-01-15" in text
    for swedish in ("Sammanfattning", "Bedömning nu", "Stoppträffar", "inget datum satt"):
        assert swedish not in text
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert str(document.Root.Lang) == "en-GB"
        assert set(document.open_metadata()["dc:language"]) == {"en-GB"}


def test_renders_with_pdftoppm_and_no_page_is_mostly_blank(pdf_bytes: bytes, tmp_path: Path) -> None:
    image = render_page(pdf_bytes, 1, tmp_path)
    assert image.height > image.width  # portrait: one page to read in a sitting
    assert ink_share(image) > 0.04
    assert mostly_blank_pages(pdf_bytes) == []


def test_many_alternatives_still_read(tmp_path: Path) -> None:
    brief = make_brief()
    many = dataclasses.replace(
        brief,
        modules=tuple(
            dataclasses.replace(m, alternative=f"Alternativ {n}", alternative_id=str(n), record_id=str(100 + n))
            for n, m in enumerate(brief.modules * 5)
        ),
    )
    pdf = render_steering_report(many)
    assert mostly_blank_pages(pdf) == []
    assert "Alternativ 19" in all_text(pdf)
