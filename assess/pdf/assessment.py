"""The assessment report: cover, one-page summary, chart, every shown question, review, decision, appendices.

The running text is words only; the rule trace (the rules module's notation) is in the last appendix,
"Bilaga: Regelspår". Every static text goes through `_` (the report's translate function, see labels.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    NextPageTemplate,
    PageBreak,
    Spacer,
    Table,
    TableStyle,
)

from assess.pdf import labels
from assess.pdf.archive import ArchiveMeta, make_pdfa
from assess.pdf.chart import outcome_chart
from assess.pdf.data import (
    AREAS,
    AreaSection,
    AssessmentReport,
    Condition,
    Mitigation,
    Question,
    Reference,
    Unknown,
)
from assess.pdf.fonts import BOLD, REGULAR
from assess.pdf.labels import N_, Translate, _, word
from assess.pdf.layout import (
    AREA_RESULT_COLOUR,
    MARGIN,
    MUTED,
    OUTCOME_COLOUR,
    RED,
    RULE,
    SHADE,
    TINT,
    VERDICT_COLOUR,
    Band,
    ContinuedTable,
    KeepBlock,
    PageInfo,
    Paragraph,
    badge,
    build_pdf,
    continued_label,
    esc,
    fitted_style,
    grid,
    markup,
    name,
    para,
    styles,
)

PAGE = A4
WIDTH = PAGE[0] - 2 * MARGIN
#: Table cells are padded 4 pt on each side (layout.grid).
CELL_PADDING = 8
TRACE_HEADING = N_("Bilaga: Regelspår")
#: A part that starts on a new page only when less than this is left of the page (else it follows on).
PART_ROOM = 110 * mm
#: A space before a number in a reference ("art. 28", "regel 11") is kept unbroken, as the rules module does.
_KEEP_NUMBER = re.compile(r" (?=\d)")


def assessment_story(data: AssessmentReport) -> list[Flowable]:
    """Return the flowables of the assessment report, cover first (inside `labels.translating`)."""
    story: list[Flowable] = []
    story += _cover(data)
    story += [NextPageTemplate("body"), PageBreak()]
    story += _summary(data)
    story += _areas(data)
    story += _review(data)
    story += _decision(data)
    story += _appendix(data)
    story += _trace(data)
    return story


def render_assessment_report(data: AssessmentReport, tr: Translate | None = None) -> bytes:
    """Render an assessment report as PDF/A-2b bytes.

    tr translates the report's static texts from Swedish to `data.language` (None: Swedish as written); the
    data's own texts are already in that language.
    """
    with labels.translating(tr):
        return _render(data)


def _render(data: AssessmentReport) -> bytes:
    story = assessment_story(data)
    title = _title(data)
    info = PageInfo(
        document=title,
        case=f"{data.case_title} – {data.alternative}",
        date=labels.fmt_date(data.generated),
        status=word(labels.STATUS, data.status),
        is_draft=data.is_draft,
        reference=_("Post %(record)s") % {"record": data.record_id},
        watermark=_("UTKAST"),
        page_label=_("Sida %(page)s av %(total)s"),
    )
    subject = f"{data.case_title} – {data.alternative} ({data.scope}): {_verdict_words(data)}"
    meta = ArchiveMeta(
        title=f"{title}: {data.case_title} – {data.alternative} – {data.scope}",
        author=data.author or "Molnbedömning",
        subject=subject,
        created=data.generated,
        record_id=data.record_id,
        record_hash=data.record_hash or "",
        ruleset_id=data.ruleset.id,
        ruleset_version=data.ruleset.version,
        ruleset_sha256=data.ruleset.sha256,
        language=labels.LANGUAGE_TAG.get(data.language, data.language),
    )
    raw = build_pdf(
        story,
        info,
        PAGE,
        title=meta.title,
        author=meta.author,
        subject=subject,
        keywords=meta.keywords(),
        cover=True,
        lang=meta.language,
    )
    return make_pdfa(raw, meta)


def _title(data: AssessmentReport) -> str:
    return data.title or _("Lämplighetsbedömning av molntjänst")


def _verdict_words(data: AssessmentReport) -> str:
    return labels.verdict_phrase(data.verdict, data.worst_case)


def _reference_words(ref: Reference) -> str:
    """Return a reference as markup: its text (numbers kept with their word), "att verifiera" as a word."""
    line = esc(_KEEP_NUMBER.sub("\u00a0", ref.text))
    if ref.verify:
        line += f' <font color="{RED.hexval()}"><b>({esc(_("att verifiera"))})</b></font>'
    return line


def _refs(references: Sequence[Reference], separator: str = "<br/>") -> str:
    """Return references as markup, each escaped, with "att verifiera" where it applies."""
    return separator.join(_reference_words(ref) for ref in references)


def _verdict_box(data: AssessmentReport, width: float) -> Flowable:
    s = styles()
    colour = VERDICT_COLOUR.get(data.verdict, MUTED)
    rows: list[list[Flowable]] = [
        [markup([("font size=10", _("Bedömning")), "\n", _verdict_words(data)], s.cover_verdict)]
    ]
    if labels.VERDICT_SEVERITY[data.worst_case] > labels.VERDICT_SEVERITY[data.verdict]:
        worst = word(labels.VERDICT, data.worst_case)
        text = _(
            "Obesvarade frågor kan ännu ge %(worst)s. Vilka och vem som ska besvara dem står i sammanfattningen."
        ) % {"worst": worst}
        rows.append([para(text, s.head)])
    table = Table(rows, colWidths=[width], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("BACKGROUND", (0, 0), (-1, -1), colour),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ("TOPPADDING", (0, 0), (-1, 0), 8),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 9),
            ]
        )
    )
    return table


def _facts(
    rows: Sequence[tuple[str, str]],
    width: float,
    label_width: float = 45 * mm,
    *,
    mono: frozenset[int] = frozenset(),
    names: frozenset[int] = frozenset(),
) -> Flowable:
    """Return label–value rows; rows in `mono` are hashes (monospaced), rows in `names` name people."""
    s = styles()
    value_width = width - label_width
    data = []
    for index, (key, value) in enumerate(rows):
        if index in mono:
            cell = para(value, s.mono)  # a reader compares a hash character by character
        elif index in names:
            cell = name(value, s.cell, value_width - 4)
        else:
            cell = para(value, s.cell)
        data.append([continued_label(para(key, s.label)), cell])
    table = ContinuedTable(data, colWidths=[label_width, value_width], hAlign="LEFT", splitInRow=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _language_fact(data: AssessmentReport) -> str:
    language = labels.capital(word(labels.LANGUAGE_NAME, data.language))
    if data.archived:
        return _("%(language)s: beslutspostens språk. Detta är rapporten som arkiverades med posten.") % {
            "language": language
        }
    if data.record_hash and data.language != "sv":
        return _("%(language)s. Beslutsposten och rapporten som arkiverades med den är på svenska.") % {
            "language": language
        }
    return language


def _cover(data: AssessmentReport) -> list[Flowable]:
    s = styles()
    status = word(labels.STATUS, data.status)
    story: list[Flowable] = [
        para(_title(data).upper(), s.label),
        Spacer(0, 3 * mm),
        para(data.case_title, s.cover_title),
        Spacer(0, 2 * mm),
        Paragraph(
            esc(f"{data.alternative} – {data.scope}, " + _("rev %(revision)s") % {"revision": data.revision}),
            fitted_style([data.alternative], s.cover_sub, WIDTH),
        ),
        Spacer(0, 10 * mm),
        _verdict_box(data, WIDTH),
        Spacer(0, 6 * mm),
        _area_results(data),
        Spacer(0, 5 * mm),
        para(_("Utfall per område"), s.h3),
        outcome_chart(_ordered(data.areas), WIDTH),
        Spacer(0, 6 * mm),
    ]
    facts = [
        (_("Status"), status),
        (_("Datum"), labels.fmt_time(data.generated)),
        (_("Post"), data.record_id),
        (
            _("Regelverk"),
            _("%(ruleset)s, version %(version)s") % {"ruleset": data.ruleset.id, "version": data.ruleset.version},
        ),
        (_("Regelverkets SHA-256"), data.ruleset.sha256),
        (_("Postens SHA-256"), data.record_hash or _("Ej låst: posten är inte beslutad")),
        (_("Språk"), _language_fact(data)),
    ]
    mono = {4, 5} if data.record_hash else {4}
    names: set[int] = set()
    if data.decision is not None:
        template = (
            _("Godkänd av %(person)s, %(time)s") if data.decision.approved else _("Avslagen av %(person)s, %(time)s")
        )
        names.add(len(facts))
        facts.append(
            (
                _("Beslut"),
                template % {"person": data.decision.decision_maker, "time": labels.fmt_time(data.decision.time)},
            )
        )
    if data.author:
        names.add(len(facts))
        facts.append((_("Upprättad av"), data.author))
    story.append(_facts(facts, WIDTH, mono=frozenset(mono), names=frozenset(names)))
    if data.is_draft:
        story += [
            Spacer(0, 8 * mm),
            para(
                _(
                    "Utkast: bedömningen är inte beslutad. Resultatet kan ändras när svar kompletteras och "
                    "områdena granskas."
                ),
                s.body,
            ),
        ]
    return story


def _area_results(data: AssessmentReport) -> Flowable:
    s = styles()
    header = [_("Område"), _("Resultat"), _("Stoppträffar"), _("Okända"), _("Villkor"), _("Frågor")]
    # The four counting columns are as wide as their heads need (translated heads differ in length).
    count_widths = [max(18 * mm, stringWidth(text, BOLD, s.head.fontSize) + CELL_PADDING + 2) for text in header[2:]]
    first = (WIDTH - sum(count_widths)) / 2
    rows: list[list[Flowable | str]] = []
    extra: list[tuple[object, ...]] = []
    for index, section in enumerate(_ordered(data.areas), start=1):
        counts = section.outcome_counts()
        colour = AREA_RESULT_COLOUR.get(section.result, MUTED)
        rows.append(
            [
                para(word(labels.AREA, section.area), s.cell_bold),
                para(word(labels.AREA_RESULT, section.result), s.cell_bold),
                str(counts["KO"]),
                str(counts["UB"] + counts["UN"]),
                str(counts["C"]),
                str(len(section.questions)),
            ]
        )
        extra.append(("BACKGROUND", (1, index), (1, index), TINT.get(colour, SHADE)))
    return grid(header, rows, [first, first, *count_widths], extra=extra)


def _ordered(sections: Sequence[AreaSection]) -> list[AreaSection]:
    order = {code: index for index, code in enumerate(AREAS)}
    return sorted(sections, key=lambda section: order.get(section.area, len(order)))


def _mitigation_text(mitigation: Mitigation) -> str:
    if mitigation.id == "override":
        return _("Hävd stoppträff: den dokumenterade bedömningen gäller och ska omprövas")
    return (
        f"{mitigation.id} {mitigation.text}" if mitigation.text and mitigation.id else mitigation.text or mitigation.id
    )


def _unknown_rows(items: Sequence[Unknown]) -> list[list[Flowable | str]]:
    s = styles()
    return [
        [
            para(item.question_id, s.cell_bold),
            markup([("b", item.title), *(("\n", item.reason) if item.reason else ())], s.cell),
            word(labels.ANSWERED_BY, item.answered_by),
        ]
        for item in items
    ]


def _deadline_lines(mitigation: Mitigation) -> list[str]:
    """Return a condition's one deadline: its date, its gate, or (records before 2026-12) both."""
    if mitigation.deadline is not None and mitigation.gate:
        return [labels.fmt_date(mitigation.deadline), "\n", labels.gate_label(mitigation.gate)]
    if mitigation.gate:
        return [labels.gate_label(mitigation.gate)]
    return [labels.fmt_date(mitigation.deadline)]


def _condition_rows(conditions: Sequence[Condition]) -> list[list[Flowable | str]]:
    """Return a row per mitigation: the question, the action and its owner, the deadline and gate, the status.

    The owner stands under the action, in the widest column, so that a long title of a person is not broken.
    """
    s = styles()
    rows: list[list[Flowable | str]] = []
    for condition in conditions:
        mitigations = condition.mitigations or (Mitigation(id="", text=_("Villkoret anges i skälet")),)
        title = condition.title + (" " + _("(hävd stoppträff)") if condition.overridden else "")
        for index, mitigation in enumerate(mitigations):
            first = index == 0
            label = markup([("b", condition.question_id), "\n", title] if first else [], s.cell)
            rows.append(
                [
                    continued_label(label, condition.question_id),
                    markup(
                        [
                            _mitigation_text(mitigation),
                            *(
                                ("\n", ("font color='#555555'", _("Ansvarig: %(owner)s") % {"owner": mitigation.owner}))
                                if mitigation.owner
                                else ()
                            ),
                        ],
                        s.cell,
                    ),
                    markup(_deadline_lines(mitigation), s.cell),
                    _("Uppfyllt") if mitigation.fulfilled else _("Försenat") if mitigation.overdue else _("Öppet"),
                ]
            )
    return rows


def _summary(data: AssessmentReport) -> list[Flowable]:
    s = styles()
    story: list[Flowable] = [para(_("Sammanfattning"), s.h1)]
    colour = VERDICT_COLOUR.get(data.verdict, MUTED)
    story.append(
        badge(_("Bedömning: %(verdict)s") % {"verdict": _verdict_words(data)}, colour, WIDTH, s.summary_verdict)
    )
    story.append(Spacer(0, 2 * mm))
    story.append(
        para(
            _(
                "%(alternative)s – %(scope)s. Bedömt enligt regelverket %(ruleset)s version %(version)s. "
                "Status: %(status)s."
            )
            % {
                "alternative": data.alternative,
                "scope": data.scope,
                "ruleset": data.ruleset.id,
                "version": data.ruleset.version,
                "status": word(labels.STATUS, data.status),
            },
            s.muted,
        )
    )
    story += [para(_("Resultat per område"), s.h2), _area_results(data)]

    heading = para(_("Stoppträffar"), s.h2)
    if data.knockouts:
        for index, ko in enumerate(data.knockouts):
            # A KeepTogether is never kept with a heading before it, so the first one holds the heading.
            parts: list[Flowable] = [heading] if index == 0 else []
            parts += [
                markup([("b", f"{ko.question_id} · {ko.title}")], s.body),
                para(ko.reason, s.small),
            ]
            if ko.references:
                parts.append(Paragraph(f"<b>{esc(_('Referenser:'))}</b> {_refs(ko.references, '; ')}", s.muted))
            if ko.fixes:
                parts.append(markup([("b", _("Kan ändras genom:"))], s.muted))
                parts += [Paragraph(esc(_mitigation_text(fix)), s.numbered_muted, bulletText="–") for fix in ko.fixes]
            parts.append(Spacer(0, 2 * mm))
            story.append(KeepBlock(parts))
    else:
        story += [heading, para(_("Inga stoppträffar."), s.small)]

    if data.overrides:
        story.append(para(_("Hävda stoppträffar"), s.h2))
        story.append(
            para(
                _(
                    "Stoppträffen är hävd genom en dokumenterad bedömning av att dess premiss inte gäller här. "
                    "Rättsläget kan vara omstritt; bedömningen ska omprövas."
                ),
                s.intro,
            )
        )
        widths = [15 * mm, WIDTH - 120 * mm, 35 * mm, 45 * mm, 25 * mm]
        rows: list[list[Flowable | str]] = [
            [
                para(item.question_id, s.cell_bold),
                markup(
                    [("b", item.title), *(("\n", item.original_reason) if item.original_reason else ())],
                    s.cell,
                ),
                item.reference,
                name(
                    f"{item.author}, {labels.fmt_date(item.date)}"
                    + (f" ({word(labels.OVERRIDE_KIND, item.kind)})" if item.kind else ""),
                    s.cell,
                    widths[3] - CELL_PADDING,
                ),
                labels.fmt_date(item.review_date),
            ]
            for item in data.overrides
        ]
        story.append(grid([_("Fråga"), _("Stoppträff"), _("Bedömning"), _("Av"), _("Omprövas")], rows, widths))

    unknown_widths = [15 * mm, WIDTH - 47 * mm, 32 * mm]
    unknown_header = [_("Fråga"), _("Vad som saknas"), _("Besvaras av")]
    story.append(para(_("Avgörande okända svar"), s.h2))
    if data.decisive_unknowns:
        story.append(para(_("Dessa obesvarade frågor kan ännu leda till Ej lämplig."), s.intro))
        story.append(grid(unknown_header, _unknown_rows(data.decisive_unknowns), unknown_widths))
    else:
        story.append(para(_("Inga okända svar kan längre leda till Ej lämplig."), s.small))

    story.append(para(_("Blockerande okända svar"), s.h2))
    if data.blocking_unknowns:
        story.append(para(_("Området kan inte bedömas förrän dessa frågor är besvarade."), s.intro))
        story.append(grid(unknown_header, _unknown_rows(data.blocking_unknowns), unknown_widths))
    else:
        story.append(para(_("Inga blockerande okända svar."), s.small))

    story.append(para(_("Villkor"), s.h2))
    if data.conditions:
        widths = [36 * mm, WIDTH - 88 * mm, 32 * mm, 20 * mm]
        story.append(
            grid(
                [_("Fråga"), _("Åtgärd och ansvarig"), _("Senast, grind"), _("Status")],
                _condition_rows(data.conditions),
                widths,
            )
        )
    else:
        story.append(para(_("Inga villkor."), s.small))
    return story


@functools.lru_cache(maxsize=8)
def _field_styles(widest_label: float) -> tuple[ParagraphStyle, ParagraphStyle]:
    """Return the styles of a question's fields and its text, indented past the widest field label."""
    s = styles()
    indent = max(s.field.leftIndent, widest_label + 3 * mm)
    if indent == s.field.leftIndent:
        return s.field, s.question
    field = ParagraphStyle(f"field-{indent:.0f}", parent=s.field, leftIndent=indent)
    question = ParagraphStyle(f"question-{indent:.0f}", parent=s.question, leftIndent=indent)
    return field, question


FIELD_LABELS = (
    N_("Svar"),
    N_("Underlag"),
    N_("Motivering"),
    N_("Utfall"),
    N_("Villkor"),
    N_("Besvaras av"),
    N_("Referenser"),
)


def _question(question: Question) -> Flowable:
    """Return a question's block, kept on one page where it fits (see KeepBlock)."""
    return KeepBlock(_question_parts(question))


def _question_parts(question: Question) -> list[Flowable]:
    s = styles()
    colour = OUTCOME_COLOUR.get(question.outcome, MUTED)
    outcome = word(labels.OUTCOME, question.outcome)
    if question.overridden:
        outcome = _("%(outcome)s (hävd)") % {"outcome": outcome}
    widest = max(stringWidth(_(label), BOLD, s.field.bulletFontSize) for label in FIELD_LABELS)
    field_style, question_style = _field_styles(round(widest, 1))
    head = Band(
        markup([("b", question.id), "  ", ("b", question.title)], s.body),
        para(outcome, s.badge),
        36 * mm,
        TINT.get(colour, SHADE),
        colour,
    )
    parts: list[Flowable] = [head, Spacer(0, 1.5 * mm), para(question.text, question_style)]

    def field(label: str, text: str) -> None:
        parts.append(Paragraph(text, field_style, bulletText=label))

    field(_("Svar"), esc(question.answer) if question.answer is not None else f"<i>{esc(_('Obesvarad'))}</i>")
    evidence = esc(labels.evidence_phrase(question.evidence))
    if question.evidence_reference:
        evidence += " – " + esc(question.evidence_reference)
    field(_("Underlag"), evidence)
    if question.motivation:
        field(_("Motivering"), esc(question.motivation))
    reason = f"<b>{esc(outcome)}</b>"
    if question.summary:
        reason += " – " + esc(question.summary)
    field(_("Utfall"), reason)
    if question.mitigations:
        field(_("Villkor"), "<br/>".join(esc(_mitigation_text(m)) for m in question.mitigations))
    if question.answered_by and question.outcome in ("UB", "UN"):
        field(_("Besvaras av"), esc(word(labels.ANSWERED_BY, question.answered_by)))
    if question.references:
        field(_("Referenser"), _refs(question.references))
    parts.append(Spacer(0, 4 * mm))
    return parts


def _areas(data: AssessmentReport) -> list[Flowable]:
    s = styles()
    story: list[Flowable] = []
    for number, section in enumerate(_ordered(data.areas), start=1):
        # The first area starts on a page of its own, after the summary; the others follow on where more than
        # PART_ROOM is left, so that the last question of an area never stands alone on a page.
        story.append(PageBreak() if number == 1 else CondPageBreak(PART_ROOM))
        colour = AREA_RESULT_COLOUR.get(section.result, MUTED)
        # The heading is kept with the first question (a heading never ends a page).
        opening: list[Flowable] = [
            para(f"{number}. {word(labels.AREA, section.area)}", s.h1),
            badge(_("Resultat: %(result)s") % {"result": word(labels.AREA_RESULT, section.result)}, colour, 70 * mm),
            para(
                _("%(count)s visade frågor. Svar på frågor som inte visas räknas inte.")
                % {"count": len(section.questions)},
                s.muted,
            ),
            Spacer(0, 5 * mm),
        ]
        if not section.questions:
            story += [*opening, para(_("Inga frågor visas i detta område."), s.small)]
        else:
            story.append(KeepBlock(opening + _question_parts(section.questions[0])))
        story += [_question(question) for question in section.questions[1:]]
        if section.ignored_answers:
            story.append(CondPageBreak(30 * mm))
            story.append(para(_("Svar som inte räknas (frågan visas inte)"), s.h3))
            rows: list[list[Flowable | str]] = [
                [para(item.question_id, s.cell_bold), item.title, item.answer] for item in section.ignored_answers
            ]
            story.append(grid([_("Fråga"), _("Titel"), _("Lagrat svar")], rows, [15 * mm, 90 * mm, WIDTH - 105 * mm]))
    return story


def _review(data: AssessmentReport) -> list[Flowable]:
    s = styles()
    story: list[Flowable] = [CondPageBreak(PART_ROOM), para(_("Granskning"), s.h1), para(_("Godkända områden"), s.h2)]
    if data.approvals:
        widths = [42 * mm, 46 * mm, 54 * mm, WIDTH - 142 * mm]
        rows: list[list[Flowable | str]] = [
            [
                word(labels.AREA, a.area),
                name(a.reviewer, s.cell, widths[1] - CELL_PADDING),
                name(a.role or "–", s.cell, widths[2] - CELL_PADDING),
                labels.fmt_time(a.time),
            ]
            for a in data.approvals
        ]
        story.append(grid([_("Område"), _("Granskare"), _("Roll"), _("Tid")], rows, widths))
    else:
        story.append(para(_("Inget område är godkänt ännu."), s.small))
    missing = [code for code in AREAS if code not in {a.area for a in data.approvals}]
    if data.approvals and missing:
        names = ", ".join(word(labels.AREA, code) for code in missing)
        story.append(para(_("Ej godkända ännu: %(areas)s.") % {"areas": names}, s.muted))

    story.append(para(_("Kommentarer"), s.h2))
    if data.comments:
        widths = [42 * mm, 60 * mm, WIDTH - 102 * mm]
        rows = [
            [
                para(word(labels.AREA, c.target), s.cell) if c.target in labels.AREA else para(c.target, s.cell_bold),
                markup(
                    [c.author, "\n", ("font color='#555555'", labels.fmt_time(c.time))],
                    fitted_style([c.author], s.cell, widths[1] - CELL_PADDING),
                ),
                c.text,
            ]
            for c in data.comments
        ]
        story.append(grid([_("Gäller"), _("Av"), _("Kommentar")], rows, widths))
    else:
        story.append(para(_("Inga kommentarer."), s.small))
    return story


def _decision(data: AssessmentReport) -> list[Flowable]:
    s = styles()
    story: list[Flowable] = [CondPageBreak(80 * mm), para(_("Beslut"), s.h1)]
    decision = data.decision
    if decision is None:
        story.append(para(_("Inget beslut är fattat."), s.small))
        return story
    outcome = (
        _("Godkänt: tjänsten får användas inom angiven omfattning och på angivna villkor.")
        if decision.approved
        else _("Avslaget: tjänsten får inte användas inom angiven omfattning.")
    )
    colour = VERDICT_COLOUR["suitable"] if decision.approved else VERDICT_COLOUR["not_suitable"]
    story += [badge(outcome, colour, WIDTH, s.head), Spacer(0, 3 * mm)]
    facts = [
        (_("Beslutsfattare"), decision.decision_maker + (f", {decision.role}" if decision.role else "")),
        (_("Tid"), labels.fmt_time(decision.time)),
        (_("Bedömning vid beslutet"), _verdict_words(data)),
        (_("Nästa omprövning"), labels.fmt_date(decision.next_review)),
    ]
    if decision.text:
        facts.append((_("Beslutstext"), decision.text))
    facts.append((_("Accepterade kvarstående risker"), decision.residual_risks or _("Inga")))
    story.append(_facts(facts, WIDTH, names=frozenset({0})))
    if decision.conditions:
        story.append(para(_("Villkor i beslutet"), s.h3))
        for number, text in enumerate(decision.conditions, start=1):
            story.append(Paragraph(esc(text), s.numbered, bulletText=f"{number}."))
    return story


#: What each outcome means (the appendix's explanations).
OUTCOME_MEANING = {
    "OK": N_("Godtagbart."),
    "C": N_("Godtagbart med villkor (åtgärd med ansvarig, tidpunkt och grind)."),
    "KO": N_("Stoppträff: kan bara hävas genom ändrade fakta eller en dokumenterad bedömning."),
    "UB": N_("Blockerande okänd: området kan inte bedömas förrän frågan är besvarad."),
    "UN": N_("Icke blockerande okänd: ska klaras ut före avtal."),
    "NA": N_("Ej tillämplig: räknas som OK."),
}


def _appendix(data: AssessmentReport) -> list[Flowable]:
    s = styles()
    story: list[Flowable] = [CondPageBreak(PART_ROOM), para(_("Bilaga: spårbarhet och kontroll"), s.h1)]
    facts = [
        (_("Regelverk"), data.ruleset.id),
        (_("Version"), data.ruleset.version),
        (_("Regelverkets SHA-256"), data.ruleset.sha256),
        (_("Post"), data.record_id),
        (_("Postens SHA-256"), data.record_hash or _("Ej låst: posten är inte beslutad")),
    ]
    story.append(_facts(facts, WIDTH, mono=frozenset({2, 4} if data.record_hash else {2})))
    story.append(para(_("Så kontrolleras rapporten"), s.h2))
    steps: list[tuple[str, str]] = [
        (
            _(
                "Rapporten visar den lagrade bedömningen; den räknas inte om. Resultatet följer av svaren och av "
                "regelverket ovan, vars SHA-256 identifierar exakt den fil som användes."
            ),
            "",
        ),
        (
            _("Kontrollera posten på servern. Kommandot räknar om postens SHA-256 och jämför med värdet ovan:"),
            f"flask --app assess records verify {data.record_id}",
        ),
        (
            _(
                "Kontrollera filen. Jämför summan med rapportens SHA-256 i den låsta posten (värdet lagras vid "
                "beslutet, efter att filen skapats):"
            ),
            "sha256sum rapport.pdf",
        ),
        (
            _(
                "Filen är PDF/A-2b. Post, regelverk och postens SHA-256 står också i filens metadata (XMP och "
                "dokumentinformationens nyckelord)."
            ),
            "",
        ),
    ]
    for number, (text, command) in enumerate(steps, start=1):
        story.append(Paragraph(esc(text), s.numbered, bulletText=f"{number}."))
        if command:
            story.append(para(command, s.code))
    story.append(para(_("Förklaringar"), s.h2))
    rows: list[list[Flowable | str]] = [[code, _(text)] for code, text in labels.EVIDENCE.items()]
    story.append(grid([_("Underlag"), _("Betydelse")], rows, [25 * mm, WIDTH - 25 * mm]))
    story.append(Spacer(0, 3 * mm))
    rows = [[word(labels.OUTCOME, code), _(text)] for code, text in OUTCOME_MEANING.items()]
    story.append(grid([_("Utfall"), _("Betydelse")], rows, [45 * mm, WIDTH - 45 * mm]))
    return story


def _trace(data: AssessmentReport) -> list[Flowable]:
    """Return the last appendix: each shown question's rule trace, in the rules module's notation."""
    s = styles()
    story: list[Flowable] = [CondPageBreak(PART_ROOM), para(_(TRACE_HEADING), s.h1)]
    story.append(
        para(
            _(
                "Regelspåret visar för varje visad fråga hur regelverket kom fram till utfallet, i regelverkets "
                "egen notation: svaret och underlaget, regeln som gällde med sitt villkor och utfall, och "
                "referenserna. Det är till för granskare och revisorer; rapportens övriga delar säger samma sak "
                "i ord."
            ),
            s.muted,
        )
    )
    story.append(Spacer(0, 3 * mm))
    rows: list[list[Flowable | str]] = []
    for section in _ordered(data.areas):
        for question in section.questions:
            outcome = word(labels.OUTCOME, question.outcome)
            rows.append(
                [
                    para(question.id, s.cell_bold),
                    para(outcome if outcome == question.outcome else f"{outcome} ({question.outcome})", s.cell),
                    para(question.reason or "–", s.mono),
                ]
            )
    if rows:
        story.append(grid([_("Fråga"), _("Utfall"), _("Regelspår")], rows, [15 * mm, 36 * mm, WIDTH - 51 * mm]))
    else:
        story.append(para(_("Inga frågor visas."), s.small))
    return story
