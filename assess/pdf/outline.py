"""A word drawn as the outlines of its letters (vector paths), read from the embedded TrueType font.

The draft watermark is drawn this way, not as text: a reader's copy-and-paste and a text extractor see the page's
own words only, and a screen reader does not read "UTKAST" between two sentences. The outlines come from the
font's `glyf` table (quadratic curves, turned into the cubic curves a PDF path has); no other library needed.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Iterator
from pathlib import Path

from reportlab.pdfbase.ttfonts import TTFontFile
from reportlab.pdfgen.canvas import Canvas

Point = tuple[float, float]
# A contour as path operations: ("M", [p]), ("L", [p]), ("C", [c1, c2, p]), ("Z", []).
Op = tuple[str, list[Point]]

_ON_CURVE = 0x01
_X_SHORT, _Y_SHORT, _REPEAT, _X_SAME, _Y_SAME = 0x02, 0x04, 0x08, 0x10, 0x20
# Composite glyph flags.
_WORDS, _XY_VALUES, _SCALE, _MORE, _XY_SCALE, _TWO_BY_TWO = 0x01, 0x02, 0x08, 0x20, 0x40, 0x80


class GlyphOutlines:
    """The outlines and advance widths of a TrueType font's glyphs, in font units."""

    def __init__(self, path: Path) -> None:
        font = TTFontFile(str(path))
        self.units_per_em = float(font.unitsPerEm)
        self._glyf = font.get_table("glyf")
        self._positions = list(font.glyphPos)
        self._char_to_glyph = dict(font.charToGlyph)
        self._advances = [advance for advance, _lsb in font.hmetrics]

    def glyph(self, char: str) -> int:
        """Return the glyph index of a character (0, the missing glyph, when the font has none)."""
        return int(self._char_to_glyph.get(ord(char), 0))

    def advance(self, glyph: int) -> float:
        """Return a glyph's advance width."""
        return float(self._advances[min(glyph, len(self._advances) - 1)])

    def contours(self, glyph: int, depth: int = 0) -> list[list[tuple[Point, bool]]]:
        """Return a glyph's contours as (point, on-curve) lists; composite glyphs are resolved."""
        start, end = self._positions[glyph], self._positions[glyph + 1]
        if end <= start or depth > 8:
            return []
        data = self._glyf[start:end]
        (count,) = struct.unpack_from(">h", data, 0)
        if count >= 0:
            return _simple(data, count)
        return self._composite(data, depth)

    def _composite(self, data: bytes, depth: int) -> list[list[tuple[Point, bool]]]:
        result: list[list[tuple[Point, bool]]] = []
        offset = 10
        while True:
            flags, component = struct.unpack_from(">HH", data, offset)
            offset += 4
            if flags & _WORDS:
                dx, dy = struct.unpack_from(">hh", data, offset)
                offset += 4
            else:
                dx, dy = struct.unpack_from(">bb", data, offset)
                offset += 2
            a, b, c, d = 1.0, 0.0, 0.0, 1.0
            if flags & _SCALE:
                (a,) = struct.unpack_from(">h", data, offset)
                a = d = a / 16384
                offset += 2
            elif flags & _XY_SCALE:
                a, d = (v / 16384 for v in struct.unpack_from(">hh", data, offset))
                offset += 4
            elif flags & _TWO_BY_TWO:
                a, b, c, d = (v / 16384 for v in struct.unpack_from(">hhhh", data, offset))
                offset += 8
            if not flags & _XY_VALUES:
                dx = dy = 0  # point matching: not used by the letters of a watermark
            for contour in self.contours(component, depth + 1):
                result.append([((a * x + c * y + dx, b * x + d * y + dy), on) for (x, y), on in contour])
            if not flags & _MORE:
                return result


def _simple(data: bytes, count: int) -> list[list[tuple[Point, bool]]]:
    ends = struct.unpack_from(f">{count}H", data, 10)
    total = ends[-1] + 1 if ends else 0
    offset = 10 + 2 * count
    (instructions,) = struct.unpack_from(">H", data, offset)
    offset += 2 + instructions
    flags: list[int] = []
    while len(flags) < total:
        flag = data[offset]
        offset += 1
        flags.append(flag)
        if flag & _REPEAT:
            flags += [flag] * data[offset]
            offset += 1

    def coordinates(short: int, same: int) -> list[int]:
        nonlocal offset
        values, value = [], 0
        for flag in flags[:total]:
            if flag & short:
                delta = data[offset]
                offset += 1
                value += delta if flag & same else -delta
            elif not flag & same:
                (delta,) = struct.unpack_from(">h", data, offset)
                offset += 2
                value += delta
            values.append(value)
        return values

    xs = coordinates(_X_SHORT, _X_SAME)
    ys = coordinates(_Y_SHORT, _Y_SAME)
    contours: list[list[tuple[Point, bool]]] = []
    first = 0
    for last in ends:
        contours.append([((float(xs[i]), float(ys[i])), bool(flags[i] & _ON_CURVE)) for i in range(first, last + 1)])
        first = last + 1
    return contours


def _midpoint(p: Point, q: Point) -> Point:
    return ((p[0] + q[0]) / 2, (p[1] + q[1]) / 2)


def contour_ops(contour: list[tuple[Point, bool]]) -> Iterator[Op]:
    """Turn a TrueType contour (quadratic B-spline) into path operations with cubic curves."""
    if not contour:
        return
    points = list(contour)
    # Start on a point on the curve (between two off-curve points there is an implied one).
    start = next((i for i, (_, on) in enumerate(points) if on), None)
    if start is None:
        points.insert(0, (_midpoint(points[-1][0], points[0][0]), True))
        start = 0
    points = points[start:] + points[:start]
    current = points[0][0]
    yield ("M", [current])
    control: Point | None = None
    for point, on in [*points[1:], points[0]]:
        if on:
            if control is None:
                yield ("L", [point])
            else:
                yield _quadratic(current, control, point)
                control = None
            current = point
        elif control is None:
            control = point
        else:
            middle = _midpoint(control, point)
            yield _quadratic(current, control, middle)
            current, control = middle, point
    yield ("Z", [])


def _quadratic(p0: Point, c: Point, p1: Point) -> Op:
    c1 = (p0[0] + 2 / 3 * (c[0] - p0[0]), p0[1] + 2 / 3 * (c[1] - p0[1]))
    c2 = (p1[0] + 2 / 3 * (c[0] - p1[0]), p1[1] + 2 / 3 * (c[1] - p1[1]))
    return ("C", [c1, c2, p1])


@functools.cache
def outlines(path: Path) -> GlyphOutlines:
    """Return the outlines of a font file (read once per process)."""
    return GlyphOutlines(path)


def word_width(font: GlyphOutlines, text: str, size: float) -> float:
    """Return the advance width of a word at a font size, in points."""
    return sum(font.advance(font.glyph(char)) for char in text) * size / font.units_per_em


def draw_word(canvas: Canvas, font: GlyphOutlines, text: str, x: float, y: float, size: float, *, fill: bool) -> None:
    """Draw a word's letter outlines with its baseline starting at (x, y), as one path (no text object)."""
    scale = size / font.units_per_em
    path = canvas.beginPath()
    pen = x
    for char in text:
        glyph = font.glyph(char)
        for contour in font.contours(glyph):
            for kind, points in contour_ops(contour):
                coords = [(pen + px * scale, y + py * scale) for px, py in points]
                if kind == "M":
                    path.moveTo(*coords[0])
                elif kind == "L":
                    path.lineTo(*coords[0])
                elif kind == "C":
                    path.curveTo(*coords[0], *coords[1], *coords[2])
                else:
                    path.close()
        pen += font.advance(glyph) * scale
    canvas.drawPath(path, stroke=0 if fill else 1, fill=1 if fill else 0)
