"""The assessment report: cover, one-page summary, chart, every shown question, review, decision, appendix."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
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
from assess.pdf.fonts import REGULAR
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
    KeepBlock,
    PageInfo,
    Paragraph,
    badge,
    build_pdf,
    esc,
    grid,
    markup,
    para,
    styles,
)

PAGE = A4
WIDTH = PAGE[0] - 2 * MARGIN
VERIFY_MARK = "[verifiera]"


def assessment_story(data: AssessmentReport) -> list[Flowable]:
    """Return the flowables of the assessment report, cover first."""
    story: list[Flowable] = []
    story += _cover(data)
    story += [NextPageTemplate("body"), PageBreak()]
    story += _summary(data)
    story += _areas(data)
    story += _review(data)
    story += _decision(data)
    story += _appendix(data)
    return story


def render_assessment_report(data: AssessmentReport) -> bytes:
    """Render an assessment report as PDF/A-2b bytes."""
    story = assessment_story(data)
    status = labels.STATUS.get(data.status, data.status)
    info = PageInfo(
        document=data.title,
        case=f"{data.case_title} – {data.alternative}",
        date=labels.fmt_date(data.generated),
        status=status,
        is_draft=data.is_draft,
        reference=f"Post {data.record_id}",
    )
    subject = f"{data.case_title} – {data.alternative} ({data.scope}): {_verdict_words(data)}"
    meta = ArchiveMeta(
        title=f"{data.title}: {data.case_title} – {data.alternative}",
        author=data.author or "Molnbedömning",
        subject=subject,
        created=data.generated,
        record_id=data.record_id,
        record_hash=data.record_hash or "",
        ruleset_id=data.ruleset.id,
        ruleset_version=data.ruleset.version,
        ruleset_sha256=data.ruleset.sha256,
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
    )
    return make_pdfa(raw, meta)


def _verdict_words(data: AssessmentReport) -> str:
    return labels.verdict_phrase(data.verdict, data.worst_case)


def _refs(references: Sequence[Reference]) -> str:
    """Return references as markup lines, each escaped, with a visible verify mark."""
    lines = []
    for ref in references:
        line = esc(ref.text)
        if ref.verify:
            line += f' <font color="{RED.hexval()}"><b>{VERIFY_MARK}</b></font>'
        lines.append(line)
    return "<br/>".join(lines)


def _verdict_box(data: AssessmentReport, width: float) -> Flowable:
    s = styles()
    colour = VERDICT_COLOUR.get(data.verdict, MUTED)
    rows: list[list[Flowable]] = [
        [markup([("font size=10", "Bedömning"), "\n", _verdict_words(data)], s.cover_verdict)]
    ]
    if labels.VERDICT_SEVERITY[data.worst_case] > labels.VERDICT_SEVERITY[data.verdict]:
        worst = labels.VERDICT[data.worst_case]
        text = f"Obesvarade frågor kan ännu ge {worst}. Vilka och vem som ska besvara dem står i sammanfattningen."
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


def _facts(rows: Sequence[tuple[str, str]], width: float, label_width: float = 45 * mm) -> Flowable:
    s = styles()
    # Hashes in a monospaced face, so that a reader can compare them character by character.
    data = [[para(key, s.label), para(value, s.mono if "SHA-256" in key else s.cell)] for key, value in rows]
    table = Table(data, colWidths=[label_width, width - label_width], hAlign="LEFT", splitInRow=1)
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


def _cover(data: AssessmentReport) -> list[Flowable]:
    s = styles()
    status = labels.STATUS.get(data.status, data.status)
    story: list[Flowable] = [
        para(data.title.upper(), s.label),
        Spacer(0, 3 * mm),
        para(data.case_title, s.cover_title),
        Spacer(0, 2 * mm),
        para(f"{data.alternative} – {data.scope}", s.cover_sub),
        Spacer(0, 10 * mm),
        _verdict_box(data, WIDTH),
        Spacer(0, 6 * mm),
        _area_results(data),
        Spacer(0, 5 * mm),
        para("Utfall per område", s.h3),
        outcome_chart(_ordered(data.areas), WIDTH),
        Spacer(0, 6 * mm),
    ]
    facts = [
        ("Status", status),
        ("Datum", labels.fmt_time(data.generated)),
        ("Post", data.record_id),
        ("Regelverk", f"{data.ruleset.id}, version {data.ruleset.version}"),
        ("Regelverkets SHA-256", data.ruleset.sha256),
        ("Postens SHA-256", data.record_hash or "Ej låst: posten är inte beslutad"),
    ]
    if data.decision is not None:
        verdict = "Godkänd" if data.decision.approved else "Avslagen"
        facts.append(("Beslut", f"{verdict} av {data.decision.decision_maker}, {labels.fmt_time(data.decision.time)}"))
    if data.author:
        facts.append(("Upprättad av", data.author))
    story.append(_facts(facts, WIDTH))
    if data.is_draft:
        story += [
            Spacer(0, 8 * mm),
            para(
                "UTKAST: bedömningen är inte beslutad. Resultatet kan ändras när svar kompletteras och "
                "områdena granskas.",
                s.body,
            ),
        ]
    return story


def _area_results(data: AssessmentReport) -> Flowable:
    s = styles()
    rows: list[list[Flowable | str]] = []
    extra: list[tuple[object, ...]] = []
    for index, section in enumerate(_ordered(data.areas), start=1):
        counts = section.outcome_counts()
        colour = AREA_RESULT_COLOUR.get(section.result, MUTED)
        rows.append(
            [
                para(labels.AREA[section.area], s.cell_bold),
                para(labels.AREA_RESULT[section.result], s.cell_bold),
                str(counts["KO"]),
                str(counts["UB"] + counts["UN"]),
                str(counts["C"]),
                str(len(section.questions)),
            ]
        )
        extra.append(("BACKGROUND", (1, index), (1, index), TINT.get(colour, SHADE)))
    widths = [44 * mm, 44 * mm, 20 * mm, 22 * mm, 22 * mm, WIDTH - 152 * mm]
    return grid(["Område", "Resultat", "Stopp", "Okända", "Villkor", "Frågor"], rows, widths, extra=extra)


def _ordered(sections: Sequence[AreaSection]) -> list[AreaSection]:
    order = {code: index for index, code in enumerate(AREAS)}
    return sorted(sections, key=lambda section: order.get(section.area, len(order)))


def _mitigation_text(mitigation: Mitigation) -> str:
    if mitigation.id == "override":
        return "Hävd stoppträff (override)"
    return f"{mitigation.id}: {mitigation.text}" if mitigation.text else mitigation.id


def _unknown_rows(items: Sequence[Unknown]) -> list[list[Flowable | str]]:
    s = styles()
    return [
        [
            para(item.question_id, s.cell_bold),
            markup([item.title, *(("\n", ("font color='#555555'", item.reason)) if item.reason else ())], s.cell),
            labels.ANSWERED_BY.get(item.answered_by, item.answered_by),
        ]
        for item in items
    ]


def _condition_rows(conditions: Sequence[Condition]) -> list[list[Flowable | str]]:
    s = styles()
    rows: list[list[Flowable | str]] = []
    for condition in conditions:
        mitigations = condition.mitigations or (Mitigation(id="", text="Villkoret anges i skälet"),)
        for index, mitigation in enumerate(mitigations):
            first = index == 0
            title = condition.title + (" (hävd stoppträff)" if condition.overridden else "")
            status = "Uppfyllt" if mitigation.fulfilled else "Öppet"
            rows.append(
                [
                    markup([("b", condition.question_id), "\n", title] if first else [], s.cell),
                    para(_mitigation_text(mitigation), s.cell),
                    mitigation.owner or "–",
                    labels.fmt_date(mitigation.deadline),
                    labels.gate_label(mitigation.gate),
                    status,
                ]
            )
    return rows


def _summary(data: AssessmentReport) -> list[Flowable]:
    s = styles()
    story: list[Flowable] = [para("Sammanfattning", s.h1)]
    colour = VERDICT_COLOUR.get(data.verdict, MUTED)
    story.append(badge(f"Bedömning: {_verdict_words(data)}", colour, WIDTH, s.summary_verdict))
    story.append(Spacer(0, 2 * mm))
    story.append(
        para(
            f"{data.alternative} – {data.scope}. Bedömt enligt regelverket {data.ruleset.id} version "
            f"{data.ruleset.version}. Status: {labels.STATUS.get(data.status, data.status)}.",
            s.muted,
        )
    )
    story += [para("Resultat per område", s.h2), _area_results(data)]

    heading = para("Stoppträffar", s.h2)
    if data.knockouts:
        for index, ko in enumerate(data.knockouts):
            # A KeepTogether is never kept with a heading before it, so the first one holds the heading.
            parts: list[Flowable] = [heading] if index == 0 else []
            parts += [
                markup([("b", f"{ko.question_id} · {ko.title}")], s.body),
                para(ko.reason, s.small),
            ]
            if ko.references:
                parts.append(Paragraph(f"<b>Referenser:</b> {_refs(ko.references).replace('<br/>', '; ')}", s.muted))
            if ko.fixes:
                parts.append(markup([("b", "Kan ändras genom:")], s.muted))
                parts += [Paragraph(esc(_mitigation_text(fix)), s.numbered_muted, bulletText="–") for fix in ko.fixes]
            parts.append(Spacer(0, 2 * mm))
            story.append(KeepBlock(parts))
    else:
        story += [heading, para("Inga stoppträffar.", s.small)]

    if data.overrides:
        story.append(para("Hävda stoppträffar", s.h2))
        story.append(
            para(
                "Stoppträffen är hävd genom en dokumenterad bedömning av att dess premiss inte gäller här. "
                "Rättsläget kan vara omstritt; bedömningen ska omprövas.",
                s.intro,
            )
        )
        rows: list[list[Flowable | str]] = [
            [
                para(item.question_id, s.cell_bold),
                markup(
                    [
                        item.title,
                        *(("\n", ("font color='#555555'", item.original_reason)) if item.original_reason else ()),
                    ],
                    s.cell,
                ),
                item.reference,
                f"{item.author}, {labels.fmt_date(item.date)}"
                + (f" ({labels.OVERRIDE_KIND[item.kind]})" if item.kind else ""),
                labels.fmt_date(item.review_date),
            ]
            for item in data.overrides
        ]
        story.append(
            grid(
                ["Fråga", "Stoppträff", "Bedömning", "Av", "Omprövas"],
                rows,
                [15 * mm, WIDTH - 120 * mm, 35 * mm, 45 * mm, 25 * mm],
            )
        )

    unknown_widths = [15 * mm, WIDTH - 47 * mm, 32 * mm]
    story.append(para("Avgörande okända svar", s.h2))
    if data.decisive_unknowns:
        story.append(para("Dessa obesvarade frågor kan ännu leda till Ej lämplig.", s.intro))
        story.append(
            grid(
                ["Fråga", "Vad som saknas", "Besvaras av"],
                _unknown_rows(data.decisive_unknowns),
                unknown_widths,
            )
        )
    else:
        story.append(para("Inga okända svar kan längre leda till Ej lämplig.", s.small))

    story.append(para("Blockerande okända svar", s.h2))
    if data.blocking_unknowns:
        story.append(para("Området kan inte bedömas förrän dessa frågor är besvarade.", s.intro))
        story.append(
            grid(
                ["Fråga", "Vad som saknas", "Besvaras av"],
                _unknown_rows(data.blocking_unknowns),
                unknown_widths,
            )
        )
    else:
        story.append(para("Inga blockerande okända svar.", s.small))

    story.append(para("Villkor", s.h2))
    if data.conditions:
        story.append(
            grid(
                ["Fråga", "Åtgärd", "Ansvarig", "Senast", "Grind", "Status"],
                _condition_rows(data.conditions),
                [32 * mm, WIDTH - 125 * mm, 32 * mm, 21 * mm, 24 * mm, 16 * mm],
            )
        )
    else:
        story.append(para("Inga villkor.", s.small))
    return story


def _question(question: Question) -> Flowable:
    s = styles()
    colour = OUTCOME_COLOUR.get(question.outcome, MUTED)
    outcome = labels.OUTCOME.get(question.outcome, question.outcome)
    if question.overridden:
        outcome += " (hävd)"
    head = Band(
        markup([("b", question.id), "  ", ("b", question.title)], s.body),
        para(outcome, s.badge),
        36 * mm,
        TINT.get(colour, SHADE),
        colour,
    )
    parts: list[Flowable] = [head, Spacer(0, 1.5 * mm), para(question.text, s.question)]

    def field(label: str, text: str) -> None:
        parts.append(Paragraph(text, s.field, bulletText=label))

    field("Svar", esc(question.answer) if question.answer is not None else "<i>Obesvarad</i>")
    evidence = esc(labels.evidence_phrase(question.evidence))
    if question.evidence_reference:
        evidence += " – " + esc(question.evidence_reference)
    field("Underlag", evidence)
    if question.motivation:
        field("Motivering", esc(question.motivation))
    reason = f"<b>{esc(outcome)}</b>"
    if question.reason:
        reason += " – " + esc(question.reason)
    if question.mitigations:
        reason += " <i>(" + esc(", ".join(question.mitigations)) + ")</i>"
    field("Utfall", reason)
    if question.answered_by and question.outcome in ("UB", "UN"):
        field("Besvaras av", esc(labels.ANSWERED_BY[question.answered_by]))
    if question.references:
        field("Referenser", _refs(question.references))
    parts.append(Spacer(0, 4 * mm))
    return KeepBlock(parts)


def _areas(data: AssessmentReport) -> list[Flowable]:
    s = styles()
    story: list[Flowable] = []
    for number, section in enumerate(_ordered(data.areas), start=1):
        story.append(PageBreak())
        colour = AREA_RESULT_COLOUR.get(section.result, MUTED)
        story.append(para(f"{number}. {labels.AREA[section.area]}", s.h1))
        story.append(badge(f"Resultat: {labels.AREA_RESULT[section.result]}", colour, 70 * mm))
        story.append(
            para(
                f"{len(section.questions)} visade frågor. Svar på frågor som inte visas räknas inte.",
                s.muted,
            )
        )
        story.append(Spacer(0, 5 * mm))
        if not section.questions:
            story.append(para("Inga frågor visas i detta område.", s.small))
        story += [_question(question) for question in section.questions]
        if section.ignored_answers:
            story.append(CondPageBreak(30 * mm))
            story.append(para("Svar som inte räknas (frågan visas inte)", s.h3))
            rows: list[list[Flowable | str]] = [
                [para(item.question_id, s.cell_bold), item.title, item.answer] for item in section.ignored_answers
            ]
            story.append(grid(["Fråga", "Titel", "Lagrat svar"], rows, [15 * mm, 90 * mm, WIDTH - 105 * mm]))
    return story


def _review(data: AssessmentReport) -> list[Flowable]:
    s = styles()
    story: list[Flowable] = [PageBreak(), para("Granskning", s.h1), para("Godkända områden", s.h2)]
    if data.approvals:
        rows: list[list[Flowable | str]] = [
            [labels.AREA[a.area], a.reviewer, a.role or "–", labels.fmt_time(a.time)] for a in data.approvals
        ]
        story.append(grid(["Område", "Granskare", "Roll", "Tid"], rows, [42 * mm, 40 * mm, 60 * mm, WIDTH - 142 * mm]))
    else:
        story.append(para("Inget område är godkänt ännu.", s.small))
    missing = [code for code in AREAS if code not in {a.area for a in data.approvals}]
    if data.approvals and missing:
        names = ", ".join(labels.AREA[code] for code in missing)
        story.append(para(f"Ej godkända ännu: {names}.", s.muted))

    story.append(para("Kommentarer", s.h2))
    if data.comments:
        rows = [
            [
                para(labels.AREA[c.target], s.cell) if c.target in labels.AREA else para(c.target, s.cell_bold),
                markup([c.author, "\n", ("font color='#555555'", labels.fmt_time(c.time))], s.cell),
                c.text,
            ]
            for c in data.comments
        ]
        story.append(grid(["Gäller", "Av", "Kommentar"], rows, [42 * mm, 60 * mm, WIDTH - 102 * mm]))
    else:
        story.append(para("Inga kommentarer.", s.small))
    return story


def _decision(data: AssessmentReport) -> list[Flowable]:
    s = styles()
    story: list[Flowable] = [CondPageBreak(80 * mm), para("Beslut", s.h1)]
    decision = data.decision
    if decision is None:
        story.append(para("Inget beslut är fattat.", s.small))
        return story
    outcome = (
        "Godkänt: tjänsten får användas inom angiven omfattning och på angivna villkor."
        if decision.approved
        else "Avslaget: tjänsten får inte användas inom angiven omfattning."
    )
    colour = VERDICT_COLOUR["suitable"] if decision.approved else VERDICT_COLOUR["not_suitable"]
    story += [badge(outcome, colour, WIDTH, s.head), Spacer(0, 3 * mm)]
    facts = [
        ("Beslutsfattare", decision.decision_maker + (f", {decision.role}" if decision.role else "")),
        ("Tid", labels.fmt_time(decision.time)),
        ("Bedömning vid beslutet", _verdict_words(data)),
        ("Nästa omprövning", labels.fmt_date(decision.next_review)),
    ]
    if decision.text:
        facts.append(("Beslutstext", decision.text))
    facts.append(("Accepterade kvarstående risker", decision.residual_risks or "Inga"))
    story.append(_facts(facts, WIDTH))
    if decision.conditions:
        story.append(para("Villkor i beslutet", s.h3))
        for number, text in enumerate(decision.conditions, start=1):
            story.append(Paragraph(esc(text), s.numbered, bulletText=f"{number}."))
    return story


def _appendix(data: AssessmentReport) -> list[Flowable]:
    s = styles()
    story: list[Flowable] = [PageBreak(), para("Bilaga: spårbarhet och kontroll", s.h1)]
    story.append(
        _facts(
            [
                ("Regelverk", data.ruleset.id),
                ("Version", data.ruleset.version),
                ("Regelverkets SHA-256", data.ruleset.sha256),
                ("Post", data.record_id),
                ("Postens SHA-256", data.record_hash or "Ej låst: posten är inte beslutad"),
            ],
            WIDTH,
        )
    )
    story.append(para("Så kontrolleras rapporten", s.h2))
    steps: list[tuple[str, str]] = [
        (
            "Rapporten visar den lagrade bedömningen; den räknas inte om. Resultatet följer av svaren och av "
            "regelverket ovan, vars SHA-256 identifierar exakt den fil som användes.",
            "",
        ),
        (
            "Kontrollera posten på servern. Kommandot räknar om postens SHA-256 och jämför med värdet ovan:",
            f"flask --app assess records verify {data.record_id}",
        ),
        (
            "Kontrollera filen. Jämför summan med rapportens SHA-256 i den låsta posten (värdet lagras vid "
            "beslutet, efter att filen skapats):",
            "sha256sum rapport.pdf",
        ),
        (
            "Filen är PDF/A-2b. Post, regelverk och postens SHA-256 står också i filens metadata (XMP och "
            "dokumentinformationens nyckelord).",
            "",
        ),
    ]
    for number, (text, command) in enumerate(steps, start=1):
        story.append(Paragraph(esc(text), s.numbered, bulletText=f"{number}."))
        if command:
            story.append(para(command, s.code))
    story.append(para("Förklaringar", s.h2))
    rows: list[list[Flowable | str]] = [[f"{code}", text] for code, text in labels.EVIDENCE.items()]
    story.append(grid(["Underlag", "Betydelse"], rows, [25 * mm, WIDTH - 25 * mm]))
    story.append(Spacer(0, 3 * mm))
    meanings = {
        "OK": "Godtagbart.",
        "C": "Godtagbart med villkor (åtgärd med ansvarig, tidpunkt och grind).",
        "KO": "Stoppträff: kan bara hävas genom ändrade fakta eller en dokumenterad bedömning.",
        "UB": "Blockerande okänd: området kan inte bedömas förrän frågan är besvarad.",
        "UN": "Icke blockerande okänd: ska klaras ut före avtal.",
        "NA": "Ej tillämplig: räknas som OK.",
    }
    rows = [[labels.OUTCOME[code], text] for code, text in meanings.items()]
    story.append(grid(["Utfall", "Betydelse"], rows, [45 * mm, WIDTH - 45 * mm]))
    return story
