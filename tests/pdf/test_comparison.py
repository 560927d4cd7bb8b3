"""The comparison report puts every alternative, its verdict and findings side by side."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from assess.pdf import render_comparison_report
from assess.pdf.data import ComparisonReport

from .factories import make_comparison
from .helpers import (
    all_text,
    changed_share,
    content_lines,
    ink_share,
    mostly_blank_pages,
    page_texts,
    render_page,
    squashed,
)


@pytest.fixture(scope="module")
def report() -> ComparisonReport:
    return make_comparison(6)


@pytest.fixture(scope="module")
def pdf(report: ComparisonReport) -> bytes:
    return render_comparison_report(report)


def test_every_alternative_and_module_is_named(pdf: bytes, report: ComparisonReport) -> None:
    text = squashed(all_text(pdf))
    assert len(report.rows) == 6
    for row in report.rows:
        assert squashed(row.alternative) in text
        assert squashed(row.module) in text


def test_the_matrix_gives_verdicts_and_area_results_in_words(pdf: bytes) -> None:
    first = page_texts(pdf)[0]
    for words in ("Lämplig med villkor", "Ej lämplig", "Uppfyllt med villkor", "Ej uppfyllt", "Kan ej bedömas"):
        assert words in first
    assert "Kan ej bedömas ännu – risk för Ej lämplig" in first


def test_knockouts_decisive_unknowns_and_conditions_are_listed_with_titles(pdf: bytes) -> None:
    text = all_text(pdf)
    assert "L-04 Tredjelandsåtkomst till klartext" in text
    assert "L-05 Personuppgiftsbiträdesavtal" in text
    assert "Blockerande okända: 2" in text
    assert "G-07 Skyddade personuppgifter" in text


def test_pages_are_landscape_and_numbered(pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    total = len(reader.pages)
    assert total <= 3
    for number, page in enumerate(reader.pages, start=1):
        assert float(page.mediabox.width) > float(page.mediabox.height)
        assert f"Sida {number} av {total}" in page_texts(pdf)[number - 1]


def test_header_states_how_many_assessments_are_decided(pdf: bytes) -> None:
    assert "2 av 6 bedömningar beslutade" in page_texts(pdf)[0]


def test_header_counts_alternatives_and_assessments_apart(pdf: bytes, report: ComparisonReport) -> None:
    # Six assessments of five alternatives: alternative D is assessed in two modules.
    assert report.alternative_count == 5
    assert "5 alternativ, 6 bedömningar" in page_texts(pdf)[0]
    one = dataclasses.replace(report, rows=report.rows[:1])
    assert "1 alternativ, 1 bedömning ·" in page_texts(render_comparison_report(one))[0]


def test_decisive_unknowns_say_who_is_to_answer(pdf: bytes) -> None:
    assert "Besvaras av juristen: L-05 Personuppgiftsbiträdesavtal" in all_text(pdf)


def test_watermark_only_while_an_alternative_is_undecided(pdf: bytes, report: ComparisonReport, tmp_path: Path) -> None:
    assert report.is_draft
    assert all("UTKAST" not in text for text in page_texts(pdf))  # drawn as outlines, not as text
    decided_report = dataclasses.replace(
        report, rows=tuple(dataclasses.replace(r, status="decided") for r in report.rows)
    )
    decided = render_comparison_report(decided_report)
    assert "UTKAST" not in all_text(decided)
    marked, plain = render_page(pdf, 1, tmp_path, dpi=100), render_page(decided, 1, tmp_path, dpi=100)
    assert changed_share(marked, plain) > 0.01  # the outlines of the word, across the page


def test_no_page_is_mostly_blank(pdf: bytes) -> None:
    assert mostly_blank_pages(pdf) == [], content_lines(pdf)


def test_alternative_names_break_between_words_only(pdf: bytes, report: ComparisonReport) -> None:
    text = all_text(pdf)
    for row in report.rows:
        assert row.alternative in text, row.alternative


def test_many_alternatives_split_across_pages_with_repeated_headers() -> None:
    pdf = render_comparison_report(make_comparison(30))
    pages = page_texts(pdf)
    assert len(pages) > 2
    matrix_pages = [text for text in pages if "Förutsätt" in text and "Bedömning" in text]
    assert len(matrix_pages) >= 2


def test_the_first_page_renders_with_content(pdf: bytes, tmp_path: Path) -> None:
    image = render_page(pdf, 1, tmp_path)
    assert image.width > image.height
    assert ink_share(image) > 0.04
