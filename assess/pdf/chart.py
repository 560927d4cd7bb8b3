"""The chart of outcomes per area: stacked horizontal bars with a legend and the counts in words."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib.colors import Color
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from assess.pdf import labels
from assess.pdf.data import AreaSection, Outcome
from assess.pdf.fonts import BOLD, REGULAR
from assess.pdf.labels import N_, _, word
from assess.pdf.layout import AMBER, GREEN, INK, MUTED, RED, RULE, SLATE, WHITE

# The four groups the chart shows; NA counts like OK (criteria.md §1.4), both unknowns are "Okänd".
GROUPS: tuple[tuple[str, tuple[Outcome, ...], Color], ...] = (
    (N_("OK"), ("OK", "NA"), GREEN),
    (N_("Villkor"), ("C",), AMBER),
    (N_("Okänd"), ("UB", "UN"), SLATE),
    (N_("Stoppträff"), ("KO",), RED),
)


def grouped_counts(section: AreaSection) -> list[tuple[str, int]]:
    """Return the area's counts per chart group (the group's translated word), in chart order."""
    counts = section.outcome_counts()
    return [(_(name), sum(counts[code] for code in codes)) for name, codes, _colour in GROUPS]


def outcome_chart(sections: Sequence[AreaSection], width: float) -> Drawing:
    """Draw one stacked bar per area with its counts in words and a legend."""
    label_width = 38 * mm
    words_width = 58 * mm
    bar_width = width - label_width - words_width - 4 * mm
    row = 9 * mm
    bar_height = 6 * mm
    legend_height = 9 * mm
    height = legend_height + row * len(sections) + 2 * mm
    drawing = Drawing(width, height)
    # The renderer's initial state would otherwise name Helvetica, which PDF/A cannot have unembedded.
    drawing.initialFontName = REGULAR
    drawing.initialFontSize = 8
    largest = max((len(section.questions) for section in sections), default=0) or 1

    # Legend on top: a swatch and the word for each group.
    x = label_width
    legend_y = height - 5 * mm
    for msgid, _codes, colour in GROUPS:
        name = _(msgid)
        drawing.add(Rect(x, legend_y - 1, 3.2 * mm, 3.2 * mm, fillColor=colour, strokeColor=None))
        drawing.add(String(x + 4.5 * mm, legend_y, name, fontName=REGULAR, fontSize=8, fillColor=INK))
        x += 4.5 * mm + stringWidth(name, REGULAR, 8) + 7 * mm
    drawing.add(
        String(
            width,
            legend_y,
            _("Antal frågor per utfall"),
            fontName=REGULAR,
            fontSize=7.5,
            fillColor=MUTED,
            textAnchor="end",
        )
    )

    for index, section in enumerate(sections):
        y = height - legend_height - (index + 1) * row + (row - bar_height) / 2
        text_y = y + bar_height / 2 - 3
        drawing.add(String(0, text_y, word(labels.AREA, section.area), fontName=BOLD, fontSize=8.5, fillColor=INK))
        # A faint track shows the scale (the area with the most questions fills it).
        drawing.add(Rect(label_width, y, bar_width, bar_height, fillColor=None, strokeColor=RULE, strokeWidth=0.4))
        groups = grouped_counts(section)
        x = label_width
        for (_name, count), (_msgid, _codes, colour) in zip(groups, GROUPS, strict=True):
            if not count:
                continue
            segment = bar_width * count / largest
            drawing.add(Rect(x, y, segment, bar_height, fillColor=colour, strokeColor=WHITE, strokeWidth=0.6))
            if segment >= stringWidth(str(count), BOLD, 7.5) + 2 * mm:
                drawing.add(
                    String(
                        x + segment / 2,
                        text_y + 0.5,
                        str(count),
                        fontName=BOLD,
                        fontSize=7.5,
                        fillColor=WHITE,
                        textAnchor="middle",
                    )
                )
            x += segment
        words = " · ".join(f"{name} {count}" for name, count in groups if count) or _("Inga visade frågor")
        drawing.add(
            String(
                label_width + bar_width + 4 * mm,
                text_y,
                words,
                fontName=REGULAR,
                fontSize=8,
                fillColor=INK,
            )
        )
    return drawing
