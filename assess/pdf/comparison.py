"""The comparison report: the alternatives × areas matrix and each alternative's findings, in landscape."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from assess.pdf import labels
from assess.pdf.archive import ArchiveMeta, make_pdfa
from assess.pdf.data import AREAS, ComparisonReport, ComparisonRow, QuestionRef
from assess.pdf.layout import (
    AREA_RESULT_COLOUR,
    MARGIN,
    MUTED,
    SHADE,
    TINT,
    VERDICT_COLOUR,
    PageInfo,
    Paragraph,
    build_pdf,
    esc,
    grid,
    markup,
    para,
    styles,
)

PAGE = landscape(A4)
# Column heads broken where Swedish breaks them, so that narrow columns never split a word arbitrarily.
MATRIX_AREA = {
    "context": "Förutsätt-\nningar",
    "legal": "Juridik",
    "infosec": "Informations-\nsäkerhet",
    "patient_safety": "Patient-\nsäkerhet",
}
WIDTH = PAGE[0] - 2 * MARGIN


def render_comparison_report(data: ComparisonReport) -> bytes:
    """Render the comparison of a case's alternatives as PDF/A-2b bytes."""
    decided = sum(1 for row in data.rows if row.status == "decided")
    status = f"{decided} av {len(data.rows)} bedömningar beslutade"
    story: list[Flowable] = _heading(data, status)
    story.append(_matrix(data.rows))
    story += [Spacer(0, 2 * mm), _legend()]
    story += _details(data.rows)
    info = PageInfo(
        document=data.title,
        case=data.case_title,
        date=labels.fmt_date(data.generated),
        status=status,
        is_draft=data.is_draft,
    )
    names = ", ".join(f"{row.alternative} ({row.module})" for row in data.rows)
    meta = ArchiveMeta(
        title=f"{data.title}: {data.case_title}",
        author=data.author or "Molnbedömning",
        subject=f"{data.case_title}: {names}",
        created=data.generated,
        ruleset_id=data.ruleset.id if data.ruleset else "",
        ruleset_version=data.ruleset.version if data.ruleset else "",
        ruleset_sha256=data.ruleset.sha256 if data.ruleset else "",
    )
    raw = build_pdf(
        story,
        info,
        PAGE,
        title=meta.title,
        author=meta.author,
        subject=meta.subject,
        keywords=meta.keywords(),
        cover=False,
    )
    return make_pdfa(raw, meta)


def _heading(data: ComparisonReport, status: str) -> list[Flowable]:
    s = styles()
    facts = [f"{len(data.rows)} alternativ", status, f"Datum {labels.fmt_date(data.generated)}"]
    if data.ruleset:
        facts.append(f"Regelverk {data.ruleset.id}, version {data.ruleset.version}")
    story: list[Flowable] = [
        para(data.title.upper(), s.label),
        para(data.case_title, s.h1),
        para(" · ".join(facts), s.muted),
    ]
    story += [para(note, s.small) for note in data.notes]
    story.append(Spacer(0, 4 * mm))
    return story


#: Above this many ids a matrix cell gives the count instead; the ids are listed under Detaljer.
MAX_IDS_IN_CELL = 6


def _ids(refs: Sequence[QuestionRef]) -> str:
    if len(refs) > MAX_IDS_IN_CELL:
        return f"{len(refs)} frågor (se Detaljer)"
    return ", ".join(ref.question_id for ref in refs) or "–"


def _matrix(rows: Sequence[ComparisonRow]) -> Flowable:
    s = styles()
    header = [
        "Alternativ",
        "Bedömning",
        *(MATRIX_AREA[area] for area in AREAS),
        "Stopp",
        "Avgörande\nokända",
        "Villkor",
    ]
    widths = [62 * mm, 42 * mm, *(26 * mm for _ in AREAS), 17 * mm, 22 * mm, 15 * mm]
    widths[0] = WIDTH - sum(widths[1:])
    body: list[list[Flowable | str]] = []
    extra: list[tuple[object, ...]] = []
    for index, row in enumerate(rows, start=1):
        verdict_colour = VERDICT_COLOUR.get(row.verdict, MUTED)
        cells: list[Flowable | str] = [
            markup(
                [
                    ("b", row.alternative),
                    "\n",
                    row.module,
                    "\n",
                    ("font color='#555555'", labels.STATUS.get(row.status, row.status)),
                ],
                s.cell,
            ),
            para(labels.verdict_phrase(row.verdict, row.worst_case), s.cell_bold),
        ]
        extra.append(("BACKGROUND", (1, index), (1, index), TINT.get(verdict_colour, SHADE)))
        for column, area in enumerate(AREAS, start=2):
            result = row.area_results.get(area)
            cells.append(para(labels.AREA_RESULT[result], s.cell))
            colour = AREA_RESULT_COLOUR.get(result, MUTED)
            extra.append(("BACKGROUND", (column, index), (column, index), TINT.get(colour, SHADE)))
        cells += [
            para(_ids(row.knockouts), s.cell),
            para(_ids(row.decisive_unknowns), s.cell),
            para(str(len(row.conditions)), s.cell),
        ]
        body.append(cells)
    extra.append(("LINEAFTER", (1, 0), (1, -1), 0.4, MUTED))
    return grid(header, body, widths, extra=extra)


def _legend() -> Flowable:
    s = styles()
    return para(
        "Bedömningen och områdesresultaten står i ord; färgen upprepar bara ordet. "
        "»Risk för Ej lämplig« betyder att obesvarade frågor (avgörande okända) ännu kan ge Ej lämplig. "
        f"Stopp och avgörande okända anges med fråge-id (fler än {MAX_IDS_IN_CELL} som antal); "
        "frågornas id och titlar står under Detaljer.",
        s.muted,
    )


def _refs_lines(refs: Sequence[QuestionRef], empty: str = "Inga") -> str:
    return "<br/>".join(f"<b>{esc(ref.question_id)}</b> {esc(ref.title)}" for ref in refs) or empty


def _details(rows: Sequence[ComparisonRow]) -> list[Flowable]:
    s = styles()
    body: list[list[Flowable | str]] = []
    extra: list[tuple[object, ...]] = []
    for index, row in enumerate(rows, start=1):
        colour = VERDICT_COLOUR.get(row.verdict, MUTED)
        unknowns = _refs_lines(row.decisive_unknowns)
        if row.blocking_unknown_count:
            unknowns += f"<br/><i>Blockerande okända: {row.blocking_unknown_count}</i>"
        body.append(
            [
                markup(
                    [
                        ("b", row.alternative),
                        "\n",
                        row.module,
                        "\n",
                        ("b", labels.verdict_phrase(row.verdict, row.worst_case)),
                    ],
                    s.cell,
                ),
                Paragraph(_refs_lines(row.knockouts), s.cell),
                Paragraph(unknowns, s.cell),
                Paragraph(_refs_lines(row.conditions), s.cell),
            ]
        )
        extra.append(("LINEBEFORE", (0, index), (0, index), 3, colour))
    widths = [70 * mm, 62 * mm, 62 * mm]
    widths.append(WIDTH - sum(widths))
    table = grid(["Alternativ och bedömning", "Stopp", "Avgörande okända", "Villkor"], body, widths, extra=extra)
    return [para("Detaljer per alternativ", s.h2), table]
