"""Both reports in Swedish and in English, in words: the translate function, the notation, the metadata."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file

from assess.catalogs import KEYWORDS
from assess.pdf import render_assessment_report, render_comparison_report
from assess.pdf.labels import identity

from .factories import make_assessment, make_comparison, make_draft
from .helpers import (
    ENGLISH_HEADINGS,
    GLOSSARY,
    all_text,
    english,
    notation_in,
    pdf_language,
    pdf_title,
    shout,
    split_at_trace,
)

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES: dict[str, tuple[str, Callable[[str], str]]] = {"sv": ("sv-SE", identity), "en": ("en-GB", english)}
#: Catalogue texts the test data also holds as data (an alternative's name, a trace, a reason): not told apart.
IN_THE_DATA = {"Alternativ", "Inga", "Okänd", "Referenser", "före driftstart", "juristen", "leverantören", "regionen"}


def _render(kind: str, lang: str, tr: Callable[[str], str] | None = None) -> bytes:
    translate = tr or LANGUAGES[lang][1]
    if kind == "comparison":
        return render_comparison_report(make_comparison(language=lang), translate)
    data = make_draft(language=lang) if kind == "draft" else make_assessment(language=lang)
    return render_assessment_report(data, translate)


@pytest.fixture(scope="module", params=[(k, lang) for k in ("assessment", "draft", "comparison") for lang in LANGUAGES])
def rendered(request: pytest.FixtureRequest) -> tuple[str, str, bytes]:
    kind, lang = request.param
    return kind, lang, _render(kind, lang)


def test_no_notation_outside_the_rule_trace(rendered: tuple[str, str, bytes]) -> None:
    kind, lang, pdf = rendered
    running, trace = split_at_trace(pdf)
    assert notation_in(running) == []
    if kind != "comparison":
        # The notation is in the appendix, which is the last part of the report.
        assert trace.startswith("Bilaga: Regelspår" if lang == "sv" else "Appendix: Rule trace")
        assert "→" in trace
        assert "[verify]" in trace
        assert "regel 11" in trace


def test_the_report_is_in_its_language(rendered: tuple[str, str, bytes]) -> None:
    kind, lang, pdf = rendered
    text = all_text(pdf)
    tag = LANGUAGES[lang][0]
    assert pdf_language(pdf) == (tag, [tag])
    if lang == "en":
        assert "Page 1 of" in text
        assert "Sida 1 av" not in text
        headings = [h for h in ENGLISH_HEADINGS if h in text]
        assert len(headings) >= (4 if kind == "comparison" else 12), headings
        for swedish in ("Sammanfattning", "Granskning", "Bilaga: spårbarhet", "Detaljer per alternativ", "forts."):
            assert swedish not in text, swedish
    else:
        assert "Sida 1 av" in text
        assert "Summary" not in text
        assert "Appendix" not in text


def test_the_title_names_the_module(rendered: tuple[str, str, bytes]) -> None:
    kind, lang, pdf = rendered
    info, xmp = pdf_title(pdf)
    assert info == xmp
    if kind == "comparison":
        assert xmp.endswith("Framtida vårdinformationssystem")
    else:
        assert "modul D2 Journal och dokumentation" in xmp
        assert xmp.startswith(
            GLOSSARY["Lämplighetsbedömning av molntjänst"] if lang == "en" else "Lämplighetsbedömning"
        )


def test_the_draft_watermark_is_in_the_report_language() -> None:
    # Not text (it is drawn as outlines), so read the translate function's calls instead.
    asked: list[str] = []

    def tr(message: str) -> str:
        asked.append(message)
        return english(message)

    pdf = render_assessment_report(make_draft(language="en"), tr)
    assert "UTKAST" in asked
    assert "DRAFT" not in all_text(pdf)
    assert "UTKAST" not in all_text(pdf)


def _catalogue_texts() -> set[str]:
    """Return every text the renderer room marks for the catalogue (as `python -m assess.catalogs` finds them)."""
    texts: set[str] = set()
    for path in [*sorted((ROOT / "assess" / "pdf").glob("*.py")), ROOT / "assess" / "texts.py"]:
        for _line, message, _comments, _context in extract_from_file("python", str(path), keywords=KEYWORDS):
            if isinstance(message, str):
                texts.add(message)
    return texts


@pytest.mark.parametrize("kind", ["assessment", "draft", "comparison"])
def test_every_static_text_goes_through_the_translate_function(kind: str) -> None:
    # Translated to upper case, a report holds none of the catalogue's texts as written: a text printed
    # without the translate function would still be there.
    catalogue = _catalogue_texts()
    assert {"Sammanfattning", "Bilaga: Regelspår", "%(label)s (forts.)", "Stoppträff"} <= catalogue
    text = all_text(_render(kind, "sv", shout))
    left = []
    for message in sorted(catalogue - IN_THE_DATA):
        words = " ".join(re.split(r"%\([^)]*\)s", message)[0].split())  # the words before a first variable
        if len(words) < 4 or words == words.upper():
            continue
        if re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text):
            left.append(message)
    assert left == []
