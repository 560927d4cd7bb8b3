"""Read rendered PDFs the way a reader (or an archive) would: text, pages as images, PDF objects."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader


def page_texts(pdf: bytes) -> list[str]:
    """Return the extracted text of every page, whitespace collapsed to single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in reader.pages]


def all_text(pdf: bytes) -> str:
    """Return the text of the whole document, whitespace collapsed."""
    return " ".join(page_texts(pdf))


def squashed(text: str) -> str:
    """Return text without any whitespace (to find phrases that wrap across lines)."""
    return re.sub(r"\s+", "", text)


def require_pdftoppm() -> str:
    """Return the path of pdftoppm; skip when it is missing, but fail in CI, which installs it."""
    path = shutil.which("pdftoppm")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("pdftoppm is missing in CI: .ci/run installs poppler-utils")
        pytest.skip("pdftoppm (poppler-utils) is not installed: apt-get install poppler-utils")
    return path


def render_page(pdf: bytes, page: int, tmp_path: Path, dpi: int = 50) -> Image.Image:
    """Render one page (1-based) to an RGB image with pdftoppm."""
    tool = require_pdftoppm()
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)
    prefix = tmp_path / f"page{page}"
    subprocess.run(
        [tool, "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", str(source), str(prefix)],
        check=True,
        capture_output=True,
    )
    with Image.open(prefix.with_suffix(".png")) as image:
        return image.convert("RGB")


def ink_share(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> float:
    """Return the share of pixels that are not (near) white, in the whole image or a box."""
    region = image.crop(box) if box else image
    grey = region.convert("L")
    histogram = grey.histogram()
    dark = sum(histogram[:240])
    return dark / max(1, grey.width * grey.height)


def changed_share(one: Image.Image, other: Image.Image) -> float:
    """Return the share of pixels that differ between two renderings of a page."""
    from PIL import ImageChops

    difference = ImageChops.difference(one.convert("L"), other.convert("L"))
    histogram = difference.histogram()
    return sum(histogram[8:]) / max(1, difference.width * difference.height)


#: The rules module's notation and the data's raw codes: allowed only in the appendix "Regelspår".
NOTATION = (
    re.compile(r"→"),
    re.compile(r"\bregel 1(?!\d)"),
    re.compile(r"\brule 1(?!\d)"),
    re.compile(r"\((?:UB|UN|KO)\)"),
    re.compile(r"\bC\["),
    re.compile(r"\[verify\]"),
    re.compile(r"\[verifiera\]"),
    re.compile(r"\b(?:suitable_with_conditions|not_suitable|cannot_assess|met_with_conditions|not_met)\b"),
)
TRACE_HEADINGS = ("Bilaga: Regelspår", "Appendix: Rule trace")

#: A few of the catalogue's texts in English: enough to tell that the renderer translates what it prints.
GLOSSARY = {
    "Sammanfattning": "Summary",
    "Resultat per område": "Results by area",
    "Stoppträffar": "Knock-outs",
    "Avgörande okända svar": "Decisive unknowns",
    "Blockerande okända svar": "Blocking unknowns",
    "Villkor": "Conditions",
    "Granskning": "Review",
    "Beslut": "Decision",
    "Bilaga: spårbarhet och kontroll": "Appendix: traceability and verification",
    "Bilaga: Regelspår": "Appendix: Rule trace",
    "Detaljer per alternativ": "Details by alternative",
    "Jämförelse av alternativ": "Comparison of alternatives",
    "Lämplighetsbedömning av molntjänst": "Cloud service suitability assessment",
    "UTKAST": "DRAFT",
    "Sida %(page)s av %(total)s": "Page %(page)s of %(total)s",
    "%(n)s alternativ": "%(n)s alternatives",
    "%(n)s bedömningar": "%(n)s assessments",
    "%(label)s (forts.)": "%(label)s (cont.)",
    "Förutsätt-\nningar": "Context",
    "Informations-\nsäkerhet": "Information\nsecurity",
    "Patient-\nsäkerhet": "Patient\nsafety",
    "Förutsättningar": "Context",
    "Juridik": "Legal",
    "Informationssäkerhet": "Information security",
    "Patientsäkerhet": "Patient safety",
    "svenska": "Swedish",
    "engelska": "English",
    "Språk": "Language",
    "att verifiera": "to be verified",
}
ENGLISH_HEADINGS = tuple(value for key, value in GLOSSARY.items() if "\n" not in key and "%" not in key)


def english(message: str) -> str:
    """Translate with the glossary (the Swedish text where it has none), as a catalogue with gaps would."""
    return GLOSSARY.get(message, message)


_PLACEHOLDER = re.compile(r"(%\([^)]*\)s)")


def shout(message: str) -> str:
    """Translate every text to upper case (placeholders kept): a text not translated stays as written."""
    return "".join(part if _PLACEHOLDER.fullmatch(part) else part.upper() for part in _PLACEHOLDER.split(message))


def split_at_trace(pdf: bytes) -> tuple[str, str]:
    """Return the report's text before the appendix "Regelspår" and the appendix itself."""
    text = all_text(pdf)
    for heading in TRACE_HEADINGS:
        index = text.rfind(heading)
        if index >= 0:
            return text[:index], text[index:]
    return text, ""


def notation_in(text: str) -> list[str]:
    """Return the notation found in a text (with some context, to tell where)."""
    found = []
    for pattern in NOTATION:
        for match in pattern.finditer(text):
            found.append(text[max(0, match.start() - 40) : match.end() + 20])
    return found


def content_lines(pdf: bytes) -> list[int]:
    """Return the number of text lines on each page, less the header and footer (two lines each)."""
    reader = PdfReader(io.BytesIO(pdf))
    counts = []
    for page in reader.pages:
        lines = [line for line in (page.extract_text() or "").splitlines() if line.strip()]
        counts.append(len(lines) - 4)
    return counts


#: A page with fewer lines of its own (header and footer aside) than this is mostly blank.
FEW_LINES = 12


def mostly_blank_pages(pdf: bytes) -> list[int]:
    """Return the numbers of the mostly blank pages, the last page aside (the report ends where it ends)."""
    counts = content_lines(pdf)
    return [number for number, count in enumerate(counts[:-1], start=1) if count < FEW_LINES]


def pdf_language(pdf: bytes) -> tuple[str, list[str]]:
    """Return the catalog's /Lang and the XMP dc:language."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        meta = document.open_metadata()
        return str(document.Root.Lang), list(meta.get("dc:language", []))


def pdf_title(pdf: bytes) -> tuple[str, str]:
    """Return the info dictionary's title and the XMP dc:title."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        return str(document.docinfo.Title), str(document.open_metadata()["dc:title"])
