"""The comparison report: the alternatives × areas matrix and each alternative's findings, in landscape.

Words only, for a steering group; every static text goes through `_` (the report's translate function).
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Spacer

from assess.pdf import labels
from assess.pdf.archive import ArchiveMeta, make_pdfa
from assess.pdf.data import AREAS, ComparisonReport, ComparisonRow, QuestionRef, ScenarioRow
from assess.pdf.fonts import BOLD
from assess.pdf.labels import N_, Translate, _, word
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
    continued_label,
    esc,
    fitted_style,
    grid,
    markup,
    para,
    styles,
)

PAGE = landscape(A4)
# Column heads broken where the language breaks them, so that narrow columns never split a word arbitrarily
# (a translation gives its own break, or none).
MATRIX_AREA = {
    "context": N_("Förutsätt-\nningar"),
    "legal": N_("Juridik"),
    "infosec": N_("Informations-\nsäkerhet"),
    "patient_safety": N_("Patient-\nsäkerhet"),
}
WIDTH = PAGE[0] - 2 * MARGIN
CELL_PADDING = 8


def render_comparison_report(data: ComparisonReport, tr: Translate | None = None) -> bytes:
    """Render the comparison of a case's alternatives as PDF/A-2b bytes.

    tr translates the report's static texts from Swedish to `data.language` (None: Swedish as written).
    """
    with labels.translating(tr):
        return _render(data)


def _render(data: ComparisonReport) -> bytes:
    decided = sum(1 for row in data.rows if row.status == "decided")
    status = _("%(decided)s av %(total)s bedömningar beslutade") % {"decided": decided, "total": len(data.rows)}
    title = data.title or _("Jämförelse av alternativ")
    story: list[Flowable] = _heading(data, title, status)
    story.append(_matrix(data.rows))
    story += [Spacer(0, 2 * mm), _legend()]
    story += _details(data.rows)
    info = PageInfo(
        document=title,
        case=data.case_title,
        date=labels.fmt_date(data.generated),
        status=status,
        is_draft=data.is_draft,
        watermark=_("UTKAST"),
        page_label=_("Sida %(page)s av %(total)s"),
    )
    names = ", ".join(f"{row.alternative} ({row.module})" for row in data.rows)
    meta = ArchiveMeta(
        title=f"{title}: {data.case_title}",
        author=data.author or "Molnbedömning",
        subject=f"{data.case_title}: {names}",
        created=data.generated,
        ruleset_id=data.ruleset.id if data.ruleset else "",
        ruleset_version=data.ruleset.version if data.ruleset else "",
        ruleset_sha256=data.ruleset.sha256 if data.ruleset else "",
        language=labels.LANGUAGE_TAG.get(data.language, data.language),
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
        lang=meta.language,
    )
    return make_pdfa(raw, meta)


def _heading(data: ComparisonReport, title: str, status: str) -> list[Flowable]:
    s = styles()
    alternatives, assessments = data.alternative_count, len(data.rows)
    counts = ", ".join(
        (
            _("1 alternativ") if alternatives == 1 else _("%(n)s alternativ") % {"n": alternatives},
            _("1 bedömning") if assessments == 1 else _("%(n)s bedömningar") % {"n": assessments},
        )
    )
    facts = [counts, status, _("Datum %(date)s") % {"date": labels.fmt_date(data.generated)}]
    if data.ruleset:
        facts.append(
            _("Regelverk %(ruleset)s, version %(version)s")
            % {"ruleset": data.ruleset.id, "version": data.ruleset.version}
        )
    story: list[Flowable] = [
        para(title.upper(), s.label),
        para(data.case_title, s.h1),
        para(" · ".join(facts), s.muted),
    ]
    story += [para(note, s.small) for note in data.notes]
    story.append(Spacer(0, 4 * mm))
    return story


#: Above this many ids a matrix cell gives the count instead; the ids are listed under the details.
MAX_IDS_IN_CELL = 6


def _ids(refs: Sequence[QuestionRef]) -> str:
    if len(refs) > MAX_IDS_IN_CELL:
        return _("%(n)s frågor (se detaljerna)") % {"n": len(refs)}
    return ", ".join(ref.question_id for ref in refs) or "–"


def _alternative_cell(row: ComparisonRow, width: float, last: tuple[str, str]) -> Flowable:
    """Return an alternative's name, module and a last line (tag, text); names break between words only."""
    s = styles()
    style = fitted_style([row.alternative, row.module], s.cell, width - CELL_PADDING)
    cell = markup([("b", row.alternative), "\n", row.module, "\n", last], style)
    return continued_label(cell, row.alternative)


def _status_line(row: ComparisonRow) -> str:
    """Return a row's status and revision, or the decision that stands beside the revision in progress."""
    status = word(labels.STATUS, row.status)
    if row.decided_revision is None or row.decided_verdict is None:
        return f"{status} · " + _("rev %(revision)s") % {"revision": row.revision}
    decided = {"revision": row.decided_revision, "verdict": word(labels.VERDICT, row.decided_verdict)}
    words = (
        _("Beslutad rev %(revision)s: %(verdict)s") % decided
        if row.decided_approved is not False
        else _("Beslutad rev %(revision)s: avslagen (%(verdict)s)") % decided
    )
    return f"{words} · " + _("rev %(revision)s pågår (%(status)s)") % {"revision": row.revision, "status": status}


def _matrix(rows: Sequence[ComparisonRow]) -> Flowable:
    s = styles()
    header = [
        _("Alternativ"),
        _("Bedömning"),
        *(_(MATRIX_AREA[area]) for area in AREAS),
        _("Stoppträffar"),
        _("Avgörande\nokända"),
        _("Villkor"),
    ]
    widths = [62 * mm, 42 * mm, *(26 * mm for _area in AREAS), 24 * mm, 22 * mm, 15 * mm]
    # The counting columns are as wide as their heads' longest words need (translations differ in length).
    for column in range(len(widths) - 3, len(widths)):
        longest = max(stringWidth(w, BOLD, s.head.fontSize) for w in header[column].split())
        widths[column] = max(widths[column], longest + CELL_PADDING + 2)
    widths[0] = WIDTH - sum(widths[1:])
    body: list[list[Flowable | str]] = []
    extra: list[tuple[object, ...]] = []
    index = 0
    for row in rows:
        index += 1
        verdict_colour = VERDICT_COLOUR.get(row.verdict, MUTED)
        status = ("font color='#555555'", _status_line(row))
        cells: list[Flowable | str] = [
            _alternative_cell(row, widths[0], status),
            para(labels.verdict_phrase(row.verdict, row.worst_case), s.cell_bold),
        ]
        extra.append(("BACKGROUND", (1, index), (1, index), TINT.get(verdict_colour, SHADE)))
        for column, area in enumerate(AREAS, start=2):
            result = row.area_results.get(area)
            cells.append(para(word(labels.AREA_RESULT, result), s.cell))
            colour = AREA_RESULT_COLOUR.get(result, MUTED)
            extra.append(("BACKGROUND", (column, index), (column, index), TINT.get(colour, SHADE)))
        cells += [
            para(_ids(row.knockouts), s.cell),
            para(_ids(row.decisive_unknowns), s.cell),
            para(str(len(row.conditions)), s.cell),
        ]
        body.append(cells)
        for scenario in row.scenarios:
            # A hypothetical row: marked in words, set in italics on a plain background (never the verdict).
            index += 1
            body.append(
                [
                    _scenario_cell(row, scenario, widths[0]),
                    markup([("i", labels.verdict_phrase(scenario.verdict, scenario.worst_case))], s.cell),
                    *(markup([("i", word(labels.AREA_RESULT, scenario.area_results.get(a)))], s.cell) for a in AREAS),
                    para(_ids(scenario.knockouts), s.cell),
                    para(_ids(scenario.decisive_unknowns), s.cell),
                    para(str(len(scenario.conditions)), s.cell),
                ]
            )
            extra.append(("LINEBEFORE", (0, index), (0, index), 2, MUTED))
    extra.append(("LINEAFTER", (1, 0), (1, -1), 0.4, MUTED))
    return grid(header, body, widths, extra=extra)


def _scenario_label(scenario: ScenarioRow) -> str:
    """Return the words that mark a scenario row as hypothetical, with its name."""
    return _("Scenario (hypotetiskt): %(name)s") % {"name": scenario.name}


def _scenario_cell(row: ComparisonRow, scenario: ScenarioRow, width: float) -> Flowable:
    """Return a scenario's marker and name, the module it belongs to and the questions it answers."""
    s = styles()
    label = _scenario_label(scenario)
    answers = _("Hypotetiska svar: %(qids)s") % {"qids": ", ".join(scenario.changed) or "–"}
    style = fitted_style([label], s.cell, width - CELL_PADDING)
    where = f"{row.alternative} · {row.module}"
    cell = markup([("i", label), "\n", where, "\n", ("font color='#555555'", answers)], style)
    return continued_label(cell, label)


def _legend() -> Flowable:
    s = styles()
    return para(
        _(
            "Bedömningen och områdesresultaten står i ord; färgen upprepar bara ordet. "
            "»Risk för Ej lämplig« betyder att obesvarade frågor (avgörande okända) ännu kan ge Ej lämplig. "
            "Stoppträffar och avgörande okända anges med frågans id (fler än %(max)s som antal); "
            "frågornas id och titlar står i detaljerna per alternativ."
        )
        % {"max": MAX_IDS_IN_CELL},
        s.muted,
    )


def _refs_lines(refs: Sequence[QuestionRef], empty: str) -> str:
    """Return questions as markup lines, id and title; open ones grouped under who is to answer them."""
    lines: list[str] = []
    groups: dict[str, list[QuestionRef]] = {}
    for ref in refs:
        groups.setdefault(ref.answered_by or "", []).append(ref)
    for who, items in groups.items():
        if who:
            answer = _("Besvaras av %(who)s:") % {"who": word(labels.ANSWERED_BY, who)}
            lines.append(f"<i>{esc(answer)}</i>")
        lines += [f"<b>{esc(ref.question_id)}</b> {esc(ref.title)}" for ref in items]
    return "<br/>".join(lines) or esc(empty)


def _details(rows: Sequence[ComparisonRow]) -> list[Flowable]:
    s = styles()
    body: list[list[Flowable | str]] = []
    extra: list[tuple[object, ...]] = []
    widths = [70 * mm, 62 * mm, 62 * mm]
    widths.append(WIDTH - sum(widths))
    index = 0
    for row in rows:
        index += 1
        colour = VERDICT_COLOUR.get(row.verdict, MUTED)
        unknowns = _refs_lines(row.decisive_unknowns, _("Inga"))
        if row.blocking_unknown_count:
            unknowns += "<br/><i>" + esc(_("Blockerande okända: %(n)s") % {"n": row.blocking_unknown_count}) + "</i>"
        verdict = ("b", labels.verdict_phrase(row.verdict, row.worst_case))
        body.append(
            [
                _alternative_cell(row, widths[0], verdict),
                Paragraph(_refs_lines(row.knockouts, _("Inga")), s.cell),
                Paragraph(unknowns, s.cell),
                Paragraph(_refs_lines(row.conditions, _("Inga")), s.cell),
            ]
        )
        extra.append(("LINEBEFORE", (0, index), (0, index), 3, colour))
        for scenario in row.scenarios:
            index += 1
            phrase = ("i", labels.verdict_phrase(scenario.verdict, scenario.worst_case))
            body.append(
                [
                    markup([("i", _scenario_label(scenario)), "\n", row.alternative, "\n", phrase], s.cell),
                    Paragraph(_refs_lines(scenario.knockouts, _("Inga")), s.cell),
                    Paragraph(_refs_lines(scenario.decisive_unknowns, _("Inga")), s.cell),
                    Paragraph(_refs_lines(scenario.conditions, _("Inga")), s.cell),
                ]
            )
            extra.append(("LINEBEFORE", (0, index), (0, index), 2, MUTED))
    header = [_("Alternativ och bedömning"), _("Stoppträffar"), _("Avgörande okända"), _("Villkor")]
    table = grid(header, body, widths, extra=extra)
    return [para(_("Detaljer per alternativ"), s.h2), table]
