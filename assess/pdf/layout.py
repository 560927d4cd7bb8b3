"""Shared layout: colours, paragraph styles, page templates, header and footer, "Sida X av Y", watermark.

Every static word is translated with `_` (assess.pdf.labels): the renderer sets the report's translate function
around the layout, so these functions are only called inside `labels.translating`.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, KeepTogether, PageTemplate, Table, TableStyle
from reportlab.platypus import Paragraph as _Paragraph

from assess.pdf import outline
from assess.pdf.fonts import BOLD, FONT_DIR, MONO, OBLIQUE, REGULAR, register_fonts
from assess.pdf.labels import _

# Colours: dark enough for white text (contrast at least 4.5:1), each always paired with words.
INK = colors.HexColor("#1A1A1A")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#BFBFBF")
SHADE = colors.HexColor("#F2F4F7")
ACCENT = colors.HexColor("#1F3A5F")
WATERMARK = colors.HexColor("#CCCCCC")
WHITE = colors.HexColor("#FFFFFF")

GREEN = colors.HexColor("#1E6B33")
AMBER = colors.HexColor("#8A5300")
RED = colors.HexColor("#B3261E")
SLATE = colors.HexColor("#4A5560")

VERDICT_COLOUR = {
    "suitable": GREEN,
    "suitable_with_conditions": AMBER,
    "not_suitable": RED,
    "cannot_assess": SLATE,
}
AREA_RESULT_COLOUR = {"met": GREEN, "met_with_conditions": AMBER, "not_met": RED, "cannot_assess": SLATE}
OUTCOME_COLOUR = {"OK": GREEN, "NA": GREEN, "C": AMBER, "KO": RED, "UB": SLATE, "UN": SLATE}
# Light tints for table cells that carry dark text.
TINT = {
    GREEN: colors.HexColor("#E3F1E6"),
    AMBER: colors.HexColor("#FBEBD0"),
    RED: colors.HexColor("#F8DEDC"),
    SLATE: colors.HexColor("#E4E7EA"),
}


#: Parsed markup per (text, style, bullet): (the style given, the style parsed, cleaned text, fragments, bullet).
_PARSED: dict[tuple[str, int, str | None], tuple[ParagraphStyle, ParagraphStyle, str, list[Any], Any]] = {}
#: Enough for the distinct texts of a few reports; the cache starts over when full.
_PARSED_MAX = 4096


def _clones(frags: Any) -> Any:
    return [f.clone() for f in frags] if isinstance(frags, list) else frags


class Paragraph(_Paragraph):  # type: ignore[misc]
    """A Paragraph that parses each distinct markup once and breaks its lines once per width.

    ReportLab parses every Paragraph's markup with an HTML parser, and a report repeats many texts ("OK", "Ja",
    the same reference under many questions): a text seen before gets copies of the fragments parsed then.
    KeepTogether and tables ask a flowable for its size several times at the same width before drawing it;
    breaking the lines again each time was the largest avoidable cost of the render.
    """

    _wrapped: tuple[float, float, float] | None = None

    def __init__(
        self,
        text: Any,
        style: ParagraphStyle | None = None,
        bulletText: Any = None,  # noqa: N803 - ReportLab's names
        frags: Any = None,
        caseSensitive: int = 1,  # noqa: N803
        encoding: str = "utf8",
    ) -> None:
        bullet = bulletText or getattr(style, "bulletText", None)
        plain = frags is None and style is not None and caseSensitive == 1 and isinstance(text, str)
        if not plain or not (bullet is None or isinstance(bullet, str)):  # ReportLab's own splits pass fragments
            super().__init__(text, style, bulletText, frags, caseSensitive, encoding)
            return
        key = (text, id(style), bullet)
        cached = _PARSED.get(key)
        if cached is None or cached[0] is not style:
            super().__init__(text, style, bulletText, frags, caseSensitive, encoding)
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.clear()
            # Copies are kept, so that nothing done to this paragraph's fragments reaches the next one.
            state = vars(self)
            _PARSED[key] = (style, state["style"], state["text"], _clones(state["frags"]), _clones(state["bulletText"]))
            return
        self.caseSensitive = caseSensitive
        self.encoding = encoding
        _given, self.style, self.text, parsed, parsed_bullet = cached
        self.frags = _clones(parsed)
        self.bulletText = _clones(parsed_bullet)
        self.debug = 0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 - ReportLab's names
        """Return the size at this width, breaking lines only when the width changes."""
        cached = self._wrapped
        if cached is not None and cached[0] == availWidth:
            self.width, self.height = cached[1], cached[2]
            return cached[1], cached[2]
        width, height = super().wrap(availWidth, availHeight)
        self._wrapped = (availWidth, width, height)
        return width, height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        """Split as ReportLab does, on fresh line breaks for the split width."""
        self._wrapped = None
        parts: list[Flowable] = super().split(availWidth, availHeight)
        return parts


class KeepBlock(KeepTogether):  # type: ignore[misc]
    """Keep a block on one page when it fits there; otherwise move it on only if little of the page is left.

    ReportLab's KeepTogether moves even a block taller than a page to a new page, leaving a blank one behind;
    a heading kept with a long table (keepWithNext) did the same. A block that does not fit where it starts
    flows on from there when it cannot fit on any page, or when more than half of the page is still free
    (moving it would leave a mostly blank page); else it moves to the next page whole.
    """

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803 - ReportLab's names
        """Split in place when the block cannot fit on any page, or when moving it would waste half a page."""
        if getattr(self, "_wrapInfo", None) != (availWidth, availHeight):
            self.wrap(availWidth, availHeight)
        frame = getattr(self, "_frame", None)
        fits_nowhere = frame is not None and frame._height < self._H
        half_free = frame is not None and availHeight >= frame._height / 2
        if availHeight < self._H and availHeight >= 60 * mm and (fits_nowhere or half_free):
            return list(self._content)
        parts: list[Flowable] = super().split(availWidth, availHeight)
        return parts


class Band(Flowable):  # type: ignore[misc]
    """A heading band: text on a tinted field and a word on a coloured field at the right.

    Drawn directly rather than as a one-row Table: the report has one per question, and a Table's layout
    machinery was a noticeable share of the render time.
    """

    PAD = 4.0

    def __init__(self, left: Flowable, right: Flowable, right_width: float, left_fill: Any, right_fill: Any):
        super().__init__()
        self.left, self.right = left, right
        self.right_width = right_width
        self.left_fill, self.right_fill = left_fill, right_fill
        self._sizes = (0.0, 0.0, 0.0)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 - ReportLab's names
        """Return the band's size: the taller of its two texts plus padding."""
        pad = self.PAD
        _, left_height = self.left.wrap(availWidth - self.right_width - 2 * pad, availHeight)
        _, right_height = self.right.wrap(self.right_width - 2 * pad, availHeight)
        self.width = availWidth
        self.height = max(left_height, right_height) + 2 * pad
        self._sizes = (availWidth, left_height, right_height)
        return self.width, self.height

    def draw(self) -> None:
        """Draw both fields and centre each text vertically."""
        width, left_height, right_height = self._sizes
        pad, canvas = self.PAD, self.canv
        split = width - self.right_width
        canvas.saveState()
        canvas.setFillColor(self.left_fill)
        canvas.rect(0, 0, split, self.height, stroke=0, fill=1)
        canvas.setFillColor(self.right_fill)
        canvas.rect(split, 0, self.right_width, self.height, stroke=0, fill=1)
        canvas.restoreState()
        self.left.drawOn(canvas, pad, (self.height - left_height) / 2)
        self.right.drawOn(canvas, split + pad, (self.height - right_height) / 2)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def esc(text: str) -> str:
    """Escape user or rule text for a Paragraph, drop control characters and keep its line breaks."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    return escape(text).replace("\n", "<br/>")


def _style(name: str, **kwargs: Any) -> ParagraphStyle:
    base: dict[str, Any] = {
        "fontName": REGULAR,
        "bulletFontName": REGULAR,
        "fontSize": 9.5,
        "leading": 12.5,
        "textColor": INK,
        "splitLongWords": 1,
        "allowOrphans": 0,
        "allowWidows": 0,
    }
    base.update(kwargs)
    return ParagraphStyle(name, **base)


@dataclass(frozen=True)
class Styles:
    """The paragraph styles of both reports."""

    body: ParagraphStyle
    small: ParagraphStyle
    muted: ParagraphStyle
    intro: ParagraphStyle
    question: ParagraphStyle
    field: ParagraphStyle
    numbered: ParagraphStyle
    numbered_muted: ParagraphStyle
    code: ParagraphStyle
    wide_field: ParagraphStyle
    label: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    head: ParagraphStyle
    badge: ParagraphStyle
    cover_title: ParagraphStyle
    cover_sub: ParagraphStyle
    cover_verdict: ParagraphStyle
    summary_verdict: ParagraphStyle
    mono: ParagraphStyle
    right: ParagraphStyle


_styles: Styles | None = None


def styles() -> Styles:
    """Return the shared paragraph styles (fonts registered first)."""
    global _styles
    if _styles is None:
        register_fonts()
        _styles = Styles(
            body=_style("body"),
            small=_style("small", fontSize=8.5, leading=11),
            muted=_style("muted", fontSize=8.5, leading=11, textColor=MUTED),
            intro=_style("intro", fontSize=8.5, leading=11, textColor=MUTED, spaceAfter=2, keepWithNext=1),
            question=_style(
                "question",
                fontName=OBLIQUE,
                fontSize=8.5,
                leading=11,
                textColor=MUTED,
                leftIndent=24 * mm,
                spaceAfter=2,
            ),
            wide_field=_style(
                "wide_field",
                fontSize=8.8,
                leading=11.5,
                leftIndent=38 * mm,
                bulletIndent=0,
                bulletFontName=BOLD,
                bulletFontSize=8,
                spaceAfter=1.5,
            ),
            field=_style(
                "field",
                fontSize=8.8,
                leading=11.5,
                leftIndent=24 * mm,
                bulletIndent=0,
                bulletFontName=BOLD,
                bulletFontSize=8,
                spaceAfter=1.5,
            ),
            label=_style("label", fontSize=8.5, leading=11, fontName=BOLD, textColor=MUTED),
            h1=_style("h1", fontName=BOLD, fontSize=16, leading=20, textColor=ACCENT, spaceBefore=14, spaceAfter=6),
            numbered=_style(
                "numbered",
                fontSize=8.8,
                leading=11.5,
                leftIndent=7 * mm,
                bulletIndent=0,
                bulletFontName=BOLD,
                spaceAfter=2.5,
            ),
            numbered_muted=_style(
                "numbered_muted", fontSize=8.5, leading=11, textColor=MUTED, leftIndent=5 * mm, bulletIndent=1 * mm
            ),
            code=_style("code", fontName=MONO, fontSize=8, leading=10.5, leftIndent=7 * mm, spaceAfter=3),
            h2=_style(
                "h2",
                fontName=BOLD,
                fontSize=12.5,
                leading=16,
                textColor=ACCENT,
                spaceBefore=10,
                keepWithNext=1,
                spaceAfter=4,
            ),
            h3=_style("h3", fontName=BOLD, fontSize=10.5, leading=13.5, spaceBefore=6, spaceAfter=2, keepWithNext=1),
            cell=_style("cell", fontSize=8.5, leading=10.8),
            cell_bold=_style("cell_bold", fontSize=8.5, leading=10.8, fontName=BOLD),
            head=_style("head", fontSize=8.5, leading=10.8, fontName=BOLD, textColor=WHITE),
            badge=_style("badge", fontSize=8.5, leading=10.5, fontName=BOLD, textColor=WHITE, alignment=TA_CENTER),
            cover_title=_style("cover_title", fontName=BOLD, fontSize=24, leading=30, textColor=ACCENT),
            cover_sub=_style("cover_sub", fontSize=13, leading=17, textColor=INK),
            summary_verdict=_style("summary_verdict", fontName=BOLD, fontSize=14, leading=18, textColor=WHITE),
            cover_verdict=_style(
                "cover_verdict", fontName=BOLD, fontSize=18, leading=23, textColor=WHITE, alignment=TA_LEFT
            ),
            mono=_style("mono", fontName=MONO, fontSize=7.8, leading=10.5, textColor=INK),
            right=_style("right", fontSize=8.5, leading=10.8, alignment=TA_RIGHT),
        )
    return _styles


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """Return a Paragraph of literal (escaped) text."""
    return Paragraph(esc(text), style)


#: The smallest size a name is set in to keep its longest word whole (below it, the word is broken).
MIN_NAME_SIZE = 6.5


@functools.lru_cache(maxsize=256)
def _shrunk(style: ParagraphStyle, size: float) -> ParagraphStyle:
    return ParagraphStyle(
        f"{style.name}-{size:.2f}",
        parent=style,
        fontSize=size,
        leading=style.leading * size / style.fontSize,
        splitLongWords=0,
    )


def fitted_style(texts: Sequence[str], style: ParagraphStyle, width: float) -> ParagraphStyle:
    """Return the style, smaller where needed, in which the longest word of the texts fits the width whole.

    A name (a person, an alternative, a role) breaks only between words: its longest word sets the size. A word
    too long even at MIN_NAME_SIZE is left to break, rather than to run out of its cell.
    """
    longest = max((stringWidth(w, style.fontName, style.fontSize) for t in texts for w in t.split()), default=0.0)
    if longest <= width:
        return style
    size = style.fontSize * width / longest * 0.98
    if size < MIN_NAME_SIZE:
        return style
    return _shrunk(style, round(size, 2))


def name(text: str, style: ParagraphStyle, width: float) -> Paragraph:
    """Return a Paragraph of a name that breaks between words only, set smaller when a word is too long."""
    return Paragraph(esc(text), fitted_style([text], style, width))


def markup(fragments: Sequence[str | tuple[str, str]], style: ParagraphStyle) -> Paragraph:
    """Return a Paragraph of literal fragments; a (tag, text) pair wraps its escaped text in the tag."""
    parts: list[str] = []
    for fragment in fragments:
        if isinstance(fragment, tuple):
            tag, text = fragment
            parts.append(f"<{tag}>{esc(text)}</{tag.split()[0]}>")
        else:
            parts.append(esc(fragment))
    return Paragraph("".join(parts), style)


def fit(text: str, font: str, size: float, width: float) -> str:
    """Shorten text with an ellipsis so that it fits the width."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


@dataclass(frozen=True)
class PageInfo:
    """What the header and footer print on every page."""

    document: str
    case: str
    date: str
    status: str
    is_draft: bool
    reference: str = ""
    #: The watermark of a draft, e.g. "UTKAST".
    watermark: str = "UTKAST"
    #: The page number, with %(page)s and %(total)s.
    page_label: str = "Sida %(page)s av %(total)s"


class NumberedCanvas(Canvas):  # type: ignore[misc]
    """A canvas that defers its pages so that each can print "Sida X av Y"."""

    def __init__(self, *args: Any, page_label: str = "Sida %(page)s av %(total)s", **kwargs: Any) -> None:
        kwargs.setdefault("initialFontName", REGULAR)
        super().__init__(*args, **kwargs)
        self._saved_pages: list[dict[str, Any]] = []
        self._page_label = page_label

    def showPage(self) -> None:  # noqa: N802 - ReportLab's name
        """Keep the page until the total is known."""
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        """Print the page numbers, then write every page."""
        total = len(self._saved_pages)
        for number, state in enumerate(self._saved_pages, start=1):
            self.__dict__.update(state)
            width = self._pagesize[0]
            self.saveState()
            self.setFont(REGULAR, 8)
            self.setFillColor(MUTED)
            self.drawRightString(width - MARGIN, 10 * mm, self._page_label % {"page": number, "total": total})
            self.restoreState()
            super().showPage()
        super().save()


MARGIN = 18 * mm
# Frames without inner padding: the text column is exactly the page minus MARGIN, as the header rule is.
NO_PADDING = {"leftPadding": 0, "rightPadding": 0, "topPadding": 0, "bottomPadding": 0}


def _watermark(word: str) -> Callable[[Canvas, BaseDocTemplate], None]:
    def draw(canvas: Canvas, doc: BaseDocTemplate) -> None:
        # Drawn after the content as outlined letters: no table background can hide it, no text is covered,
        # and no transparency is needed (PDF/A). The letters are paths, not text, so that the page's text
        # (copied, extracted, read aloud) is the page's own words only.
        width, height = doc.pagesize
        font = outline.outlines(FONT_DIR / "DejaVuSans-Bold.ttf")
        angle = 45 if height > width else 30
        diagonal = (width**2 + height**2) ** 0.5
        size = min(width, height) / 4.2
        size = min(size, size * 0.8 * diagonal / max(1.0, outline.word_width(font, word, size)))
        canvas.saveState()
        canvas.setStrokeColor(WATERMARK)
        canvas.setLineWidth(1)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(angle)
        outline.draw_word(canvas, font, word, -outline.word_width(font, word, size) / 2, -size * 0.35, size, fill=False)
        canvas.restoreState()

    return draw


def _draw_footer(canvas: Canvas, info: PageInfo, width: float) -> None:
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, 14 * mm, width - MARGIN, 14 * mm)
    canvas.setFont(REGULAR, 8)
    canvas.setFillColor(MUTED)
    left = info.document if not info.reference else f"{info.document} · {info.reference}"
    canvas.drawString(MARGIN, 10 * mm, fit(left, REGULAR, 8, width - 2 * MARGIN - 40 * mm))


def _nothing(canvas: Canvas, doc: BaseDocTemplate) -> None:
    return None


def _on_cover(info: PageInfo) -> Callable[[Canvas, BaseDocTemplate], None]:
    def draw(canvas: Canvas, doc: BaseDocTemplate) -> None:
        width, height = doc.pagesize
        canvas.saveState()
        canvas.setFillColor(ACCENT)
        canvas.rect(0, height - 12 * mm, width, 12 * mm, stroke=0, fill=1)
        _draw_footer(canvas, info, width)
        canvas.restoreState()

    return draw


def _on_body(info: PageInfo) -> Callable[[Canvas, BaseDocTemplate], None]:
    def draw(canvas: Canvas, doc: BaseDocTemplate) -> None:
        width, height = doc.pagesize
        canvas.saveState()
        top = height - 11 * mm
        right = f"{info.date} · {info.status}"
        canvas.setFont(REGULAR, 8)
        canvas.setFillColor(MUTED)
        right_width = stringWidth(right, REGULAR, 8)
        canvas.drawRightString(width - MARGIN, top, right)
        canvas.setFont(BOLD, 8)
        canvas.setFillColor(INK)
        canvas.drawString(MARGIN, top, fit(info.case, BOLD, 8, width - 2 * MARGIN - right_width - 8 * mm))
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, top - 2.5 * mm, width - MARGIN, top - 2.5 * mm)
        _draw_footer(canvas, info, width)
        canvas.restoreState()

    return draw


class ReportDocTemplate(BaseDocTemplate):  # type: ignore[misc]
    """A document whose first- and second-level headings become the PDF outline (bookmarks).

    A heading kept with what follows it (keepWithNext) is kept in a KeepBlock, which lets a long table start
    under its heading instead of moving both to a new page.
    """

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 - ReportLab's name
        """Add a bookmark for a heading."""
        if not isinstance(flowable, _Paragraph):
            return
        level = OUTLINE_LEVELS.get(flowable.style.name)
        if level is None:
            return
        self._headings = getattr(self, "_headings", 0) + 1
        key = f"h{self._headings}"  # numbered, not id(): equal data gives equal bytes
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(flowable.getPlainText(), key, level=level, closed=True)


OUTLINE_LEVELS = {"h1": 0, "h2": 1}


def build_pdf(
    story: list[Flowable],
    info: PageInfo,
    pagesize: tuple[float, float],
    *,
    title: str,
    author: str,
    subject: str,
    keywords: str,
    cover: bool,
    lang: str = "sv-SE",
) -> bytes:
    """Lay out the story on cover and body page templates and return the PDF bytes (before PDF/A)."""
    register_fonts()
    buffer = io.BytesIO()
    width, height = pagesize
    doc = ReportDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=20 * mm,
        bottomMargin=19 * mm,
        title=title,
        author=author,
        subject=subject,
        keywords=keywords,
        creator="Molnbedömning (assess)",
        initialFontName=REGULAR,
        initialFontSize=9.5,
        lang=lang,
        keepTogetherClass=KeepBlock,
        invariant=1,
        # pikepdf compresses every stream when it writes the PDF/A file; compressing (and ASCII85-encoding)
        # the page streams here as well would only cost time.
        pageCompression=0,
    )
    body_frame = Frame(MARGIN, 19 * mm, width - 2 * MARGIN, height - 39 * mm, id="body", showBoundary=0, **NO_PADDING)
    cover_frame = Frame(MARGIN, 19 * mm, width - 2 * MARGIN, height - 45 * mm, id="cover", showBoundary=0, **NO_PADDING)
    end = _watermark(info.watermark) if info.is_draft else _nothing
    templates = [PageTemplate(id="body", frames=[body_frame], onPage=_on_body(info), onPageEnd=end)]
    if cover:
        templates.insert(0, PageTemplate(id="cover", frames=[cover_frame], onPage=_on_cover(info), onPageEnd=end))
    doc.addPageTemplates(templates)
    doc.build(story, canvasmaker=functools.partial(NumberedCanvas, page_label=info.page_label))
    return buffer.getvalue()


class ContinuedTable(Table):  # type: ignore[misc]
    """A table whose row, split across two pages, repeats its first cell's label on the second ("(forts.)").

    The first cell of each row carries its continuation (`continued_label`); when ReportLab splits a row inside
    it and that cell's content all stays on the first page, the continuation takes its place on the next.
    """

    def _splitCell(  # noqa: N802 - ReportLab's name
        self,
        value: Any,
        style: Any,
        oldHeight: float,
        newHeight: float,
        width: float,  # noqa: N803
    ) -> Any:
        parts = super()._splitCell(value, style, oldHeight, newHeight, width)
        if not parts or not isinstance(value, list | tuple):
            return parts
        first, rest = parts
        label = next((getattr(f, "continuation", None) for f in value if getattr(f, "continuation", None)), None)
        if label is not None and first and not rest:
            text, style = label
            return first, (Paragraph(esc(text), style),)
        return parts


def continued_label(cell: Flowable | str, label: str | None = None) -> Flowable:
    """Return the first cell of a row, carrying its continuation: its label (or the given one) and "(forts.)"."""
    flowable = para(cell, styles().cell) if isinstance(cell, str) else cell
    if isinstance(flowable, _Paragraph) and getattr(flowable, "continuation", None) is None:
        if label is None:
            label = " ".join((cell if isinstance(cell, str) else flowable.getPlainText()).split())
        # The text and style only: the paragraph is made in the rare case a row is split inside that cell.
        flowable.continuation = (_("%(label)s (forts.)") % {"label": label}, flowable.style)
    return flowable


def grid(
    header: Sequence[str],
    rows: Sequence[Sequence[Flowable | str]],
    widths: Sequence[float],
    *,
    extra: Sequence[tuple[Any, ...]] = (),
) -> Flowable:
    """Return a table with a repeated header row that splits across pages (also inside a tall row).

    A row split across pages repeats its first cell's label ("(forts.)"); the header row is repeated on every
    page the table runs to.
    """
    s = styles()
    # A head breaks between words only: one too long for its column is set smaller.
    data: list[list[Flowable | str]] = [
        [
            Paragraph(esc(text), fitted_style([text], s.head, width - 8))
            for text, width in zip(header, widths, strict=True)
        ]
    ]
    for row in rows:
        cells = [para(cell, s.cell) if isinstance(cell, str) else cell for cell in row]
        if cells:
            cells[0] = continued_label(cells[0])
        data.append(cells)
    table = ContinuedTable(data, colWidths=list(widths), repeatRows=1, splitInRow=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                *extra,
            ]
        )
    )
    return table


def badge(text: str, colour: colors.Color, width: float, style: ParagraphStyle | None = None) -> Flowable:
    """Return a coloured box with white words (colour is never the only signal)."""
    table = Table([[Paragraph(esc(text), style or styles().badge)]], colWidths=[width], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("BACKGROUND", (0, 0), (-1, -1), colour),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table
