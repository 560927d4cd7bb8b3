"""PDF/A-2b, checked structurally (no full validator is installable here).

The checks, named for the README:
1. fonts-embedded: every font (walked through pages, form XObjects and Type0 descendants) has FontFile2/3;
   no standard-14 font.
2. output-intent: OutputIntents holds /S /GTS_PDFA1 with an ICC DestOutputProfile stream, N=3, header 'acsp'.
3. xmp-identification: XMP has pdfaid:part 2 and pdfaid:conformance B, dc:title, dc:creator, the custom
   record properties (record id, rule-set version, record hash) and a pdfaExtension schema describing them;
   the metadata stream is not filtered.
4. info-matches-xmp: the info dictionary's Title, Author, Subject and Keywords equal the XMP values; Keywords
   hold record id, rule-set version and record hash.
5. no-encryption, no-javascript: no /Encrypt; no /JavaScript, /JS, /OpenAction or /AA anywhere.
6. trailer-id: the trailer has an /ID of two byte strings.
7. no-transparency: no soft mask, no constant alpha below 1, no blend mode other than Normal.
8. header: version 1.4–1.7 and a binary comment line; catalog /Lang set.
9. reproducible: equal report data gives byte-identical files.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pikepdf
import pytest

from assess.pdf import render_assessment_report, render_comparison_report

from .factories import RECORD_HASH, make_assessment, make_comparison, make_draft

STANDARD_14 = {
    "Courier",
    "Courier-Bold",
    "Courier-Oblique",
    "Courier-BoldOblique",
    "Helvetica",
    "Helvetica-Bold",
    "Helvetica-Oblique",
    "Helvetica-BoldOblique",
    "Times-Roman",
    "Times-Bold",
    "Times-Italic",
    "Times-BoldItalic",
    "Symbol",
    "ZapfDingbats",
}
PDFAID = "http://www.aiim.org/pdfa/ns/id/"
MB = "https://molnbedomning.se/ns/rapport/1.0/"

RENDERERS: dict[str, Callable[[], bytes]] = {
    "assessment": lambda: render_assessment_report(make_assessment()),
    "draft": lambda: render_assessment_report(make_draft()),
    "comparison": lambda: render_comparison_report(make_comparison()),
}


@pytest.fixture(scope="module", params=sorted(RENDERERS))
def pdf_bytes(request: pytest.FixtureRequest) -> bytes:
    return RENDERERS[request.param]()


@pytest.fixture
def pdf(pdf_bytes: bytes) -> Iterator[pikepdf.Pdf]:
    with pikepdf.open(io.BytesIO(pdf_bytes)) as document:
        yield document


def _fonts(resources: pikepdf.Dictionary, seen: set[tuple[int, int]]) -> Iterator[pikepdf.Dictionary]:
    for font in resources.get("/Font", {}).values():
        yield font
        yield from font.get("/DescendantFonts", [])
    for xobject in resources.get("/XObject", {}).values():
        key = xobject.objgen
        if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject and key not in seen:
            seen.add(key)
            yield from _fonts(xobject.Resources, seen)


def _all_fonts(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    seen: set[tuple[int, int]] = set()
    fonts = []
    for page in pdf.pages:
        fonts += list(_fonts(page.Resources, seen))
    return fonts


def test_fonts_embedded(pdf: pikepdf.Pdf) -> None:
    fonts = _all_fonts(pdf)
    assert fonts
    for font in fonts:
        name = str(font.get("/BaseFont", "")).lstrip("/")
        assert name.split("+")[-1] not in STANDARD_14, f"standard-14 font {name} is not embedded"
        if font.get("/Subtype") == "/Type0":
            continue  # its descendant carries the descriptor and is checked itself
        descriptor = font.get("/FontDescriptor")
        assert descriptor is not None, f"{name} has no font descriptor"
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), f"{name} not embedded"


def test_swedish_text_uses_the_embedded_font(pdf: pikepdf.Pdf) -> None:
    names = {str(font.get("/BaseFont", "")).split("+")[-1] for font in _all_fonts(pdf)}
    assert "DejaVuSans" in names
    assert "DejaVuSans-Bold" in names


def test_output_intent(pdf: pikepdf.Pdf) -> None:
    intents = pdf.Root.OutputIntents
    assert len(intents) == 1
    intent = intents[0]
    assert intent.S == "/GTS_PDFA1"
    assert str(intent.OutputConditionIdentifier)
    profile = intent.DestOutputProfile
    assert isinstance(profile, pikepdf.Stream)
    assert int(profile.N) == 3
    icc = profile.read_bytes()
    assert icc[36:40] == b"acsp"
    assert icc[16:20] == b"RGB "


def test_xmp_identification(pdf: pikepdf.Pdf, pdf_bytes: bytes) -> None:
    metadata = pdf.Root.Metadata
    assert "/Filter" not in metadata
    xml = metadata.read_bytes().decode("utf-8")
    assert "pdfaExtension:schemas" in xml
    assert f"<pdfaSchema:namespaceURI>{MB}</pdfaSchema:namespaceURI>" in xml
    meta = pdf.open_metadata()
    assert meta[f"{{{PDFAID}}}part"] == "2"
    assert meta[f"{{{PDFAID}}}conformance"] == "B"
    assert meta["dc:title"]
    assert meta["dc:creator"] == ["Sara Lindqvist, arkitekt"]
    assert meta[f"{{{MB}}}ruleSetVersion"] == "1"
    assert f"{{{MB}}}recordId" in meta


def test_record_identity_in_xmp_and_keywords() -> None:
    with pikepdf.open(io.BytesIO(render_assessment_report(make_assessment()))) as pdf:
        meta = pdf.open_metadata()
        assert meta[f"{{{MB}}}recordHash"] == RECORD_HASH
        assert meta[f"{{{MB}}}recordId"] == "A-2026-0142 v3"
        assert meta["dc:title"] == "Lämplighetsbedömning av molntjänst: Framtida vårdinformationssystem – " + (
            "Alternativ D: leverantörsdrift i EU-moln – modul D2 Journal och dokumentation, vårdinformation K3"
        )
        keywords = str(pdf.docinfo.Keywords)
        assert RECORD_HASH in keywords
        assert "recordId=A-2026-0142 v3" in keywords
        assert "ruleSetVersion=1" in keywords


def test_info_matches_xmp(pdf: pikepdf.Pdf) -> None:
    meta = pdf.open_metadata()
    info = pdf.docinfo
    assert str(info.Title) == meta["dc:title"]
    assert [str(info.Author)] == meta["dc:creator"]
    assert str(info.Subject) == meta["dc:description"]
    assert str(info.Keywords) == meta["pdf:Keywords"]
    assert str(info.Producer) == meta["pdf:Producer"]


def test_no_encryption_and_no_javascript(pdf: pikepdf.Pdf) -> None:
    assert "/Encrypt" not in pdf.trailer
    assert not pdf.is_encrypted
    forbidden = {"/JavaScript", "/JS", "/OpenAction", "/AA", "/Launch"}
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            keys = set(obj.keys())
            assert not keys & forbidden, f"{keys & forbidden} in object {obj.objgen}"
            assert obj.get("/S") not in ("/JavaScript", "/Launch")


def test_trailer_id(pdf: pikepdf.Pdf) -> None:
    ids = pdf.trailer.ID
    assert len(ids) == 2
    assert len(bytes(ids[0])) >= 16
    assert len(bytes(ids[1])) >= 16


def test_no_transparency(pdf: pikepdf.Pdf) -> None:
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            continue
        assert "/SMask" not in obj or obj.SMask == "/None"
        for key in ("/CA", "/ca"):
            if key in obj:
                assert float(obj[key]) == 1.0
        if "/BM" in obj:
            assert obj.BM in ("/Normal", "/Compatible")


def test_header_and_language(pdf_bytes: bytes, pdf: pikepdf.Pdf) -> None:
    header, binary = pdf_bytes.split(b"\n", 2)[:2]
    assert header in (b"%PDF-1.4", b"%PDF-1.5", b"%PDF-1.6", b"%PDF-1.7")
    assert binary.startswith(b"%")
    assert all(byte > 127 for byte in binary[1:5])
    assert str(pdf.Root.Lang) == "sv-SE"
    assert set(pdf.open_metadata()["dc:language"]) == {"sv-SE"}


@pytest.mark.parametrize("kind", ["assessment", "comparison"])
def test_an_english_report_says_so(kind: str) -> None:
    render = render_assessment_report if kind == "assessment" else render_comparison_report
    data = make_assessment(language="en") if kind == "assessment" else make_comparison(language="en")
    with pikepdf.open(io.BytesIO(render(data))) as pdf:  # type: ignore[operator]
        assert str(pdf.Root.Lang) == "en-GB"
        assert set(pdf.open_metadata()["dc:language"]) == {"en-GB"}


def test_equal_data_gives_equal_bytes() -> None:
    # An archived report can be rendered again from its frozen record and compared by SHA-256.
    assert render_assessment_report(make_assessment()) == render_assessment_report(make_assessment())
    assert render_comparison_report(make_comparison()) == render_comparison_report(make_comparison())


def test_control_characters_in_titles_keep_the_xmp_well_formed() -> None:
    data = make_assessment(case_title="Fall\x00 <ett> & \x0btvå")
    with pikepdf.open(io.BytesIO(render_assessment_report(data))) as pdf:
        meta = pdf.open_metadata()
        assert "Fall <ett> & två" in meta["dc:title"]
        assert str(pdf.docinfo.Title) == meta["dc:title"]
