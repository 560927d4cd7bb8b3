"""The steering group's *Beslutsunderlag*: per alternative and module, now, at worst, and what it takes.

Words only, one sitting to read; every static text goes through `_` (the report's translate function).
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from assess.pdf import labels
from assess.pdf.archive import ArchiveMeta, make_pdfa
from assess.pdf.data import PartyFacts, SteeringBrief, SteeringModule
from assess.pdf.labels import N_, Translate, _, capital, word
from assess.pdf.layout import (
    MARGIN,
    MUTED,
    SHADE,
    TINT,
    VERDICT_COLOUR,
    KeepBlock,
    PageInfo,
    Paragraph,
    build_pdf,
    esc,
    grid,
    para,
    styles,
)

PAGE = A4
WIDTH = PAGE[0] - 2 * MARGIN
#: A second-level item of the summary (under "Kan ej bedömas ännu").
SUB = ParagraphStyle("steering_sub", parent=styles().numbered, leftIndent=14 * mm, bulletIndent=7 * mm)
#: Shown in place of a part whose service is not available.
UNAVAILABLE = N_("(ej tillgängligt)")


def render_steering_report(data: SteeringBrief, tr: Translate | None = None) -> bytes:
    """Render the steering group's brief of a case as PDF/A-2b bytes.

    tr translates the report's static texts from Swedish to `data.language` (None: Swedish as written).
    """
    with labels.translating(tr):
        return _render(data)


def _render(data: SteeringBrief) -> bytes:
    decided = sum(1 for m in data.modules if m.status == "decided")
    status = _("%(decided)s av %(total)s bedömningar beslutade") % {"decided": decided, "total": len(data.modules)}
    title = data.title or _("Beslutsunderlag")
    story: list[Flowable] = _heading(data, title, status)
    story += _summary(data)
    story += _terms()
    for name, modules in data.alternatives():
        story += _alternative(data, name, modules)
    info = PageInfo(
        document=title,
        case=data.case_title,
        date=labels.fmt_date(data.generated),
        status=status,
        is_draft=data.is_draft,
        watermark=_("UTKAST"),
        page_label=_("Sida %(page)s av %(total)s"),
    )
    names = ", ".join(f"{m.alternative} ({m.module})" for m in data.modules)
    meta = ArchiveMeta(
        title=f"{title}: {data.case_title}",
        author=data.author or "Molnbedömning",
        subject=f"{data.case_title}: {names}",
        created=data.generated,
        record_id=data.case_id,
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


def _heading(data: SteeringBrief, title: str, status: str) -> list[Flowable]:
    s = styles()
    alternatives, assessments = len(data.alternatives()), len(data.modules)
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
        Spacer(0, 2 * mm),
        para(
            _(
                "Underlag för styrgruppen, per alternativ och modul. Bedömningen gäller omfattningen, aldrig "
                "tjänsten i allmänhet."
            ),
            s.body,
        ),
    ]
    story += [para(note, s.small) for note in data.notes]
    return story


def _name(data: SteeringBrief, m: SteeringModule) -> str:
    """Return a module's name as the summary gives it: the alternative, and the module when it has several."""
    several = (
        sum(
            1
            for other in data.modules
            if (other.alternative_id or other.alternative) == (m.alternative_id or m.alternative)
        )
        > 1
    )
    return f"{m.alternative}: {m.module}" if several else m.alternative


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _party_counts(facts: Sequence[PartyFacts]) -> str:
    return ", ".join(
        _("%(count)s från %(who)s") % {"count": p.count, "who": word(labels.ANSWERED_BY, p.answered_by)} for p in facts
    )


def _facts_phrase(m: SteeringModule) -> str:
    n = m.facts_total
    counted = _("1 öppen fråga att ta reda på") if n == 1 else _("%(n)s öppna frågor att ta reda på") % {"n": n}
    return f"{counted} ({_party_counts(m.facts)})" if m.facts else counted


def _summary(data: SteeringBrief) -> list[Flowable]:
    s = styles()
    story: list[Flowable] = [para(_("Sammanfattning"), s.h2)]
    suitable = data.with_verdict("suitable", "suitable_with_conditions")
    unsuitable = data.with_verdict("not_suitable")
    open_ = data.with_verdict("cannot_assess")
    lines: list[str] = []
    if suitable:
        items = []
        for m in suitable:
            detail = _lower(word(labels.VERDICT, m.verdict))
            if m.conditions:
                detail += ", " + (
                    _("1 villkor") if len(m.conditions) == 1 else _("%(n)s villkor") % {"n": len(m.conditions)}
                )
            items.append(f"<b>{esc(_name(data, m))}</b> ({esc(detail)})")
        lines.append(esc(_("Kan vara lämpliga nu:")) + " " + "; ".join(items) + ".")
    else:
        lines.append(esc(_("Inget alternativ är lämpligt ännu.")))
    if unsuitable:
        items = [
            f"<b>{esc(_name(data, m))}</b> ("
            + esc(_("stoppträffar:") + " " + ", ".join(_lower(k.title) for k in m.knockouts))
            + ")"
            for m in unsuitable
        ]
        lines.append(esc(_("Ej lämpliga:")) + " " + "; ".join(items) + ".")
    story += [Paragraph(line, s.numbered, bulletText="•") for line in lines]
    if open_:
        story.append(Paragraph(esc(_("Kan ej bedömas ännu; det som krävs:")), s.numbered, bulletText="•"))
        for m in open_:
            range_ = _("i värsta fall %(worst)s") % {"worst": _lower(word(labels.VERDICT, m.worst_case))}
            if m.favourable_verdict:
                range_ = _("med gynnsamma besked %(verdict)s, %(worst)s") % {
                    "verdict": _lower(word(labels.VERDICT, m.favourable_verdict)),
                    "worst": range_,
                }
            text = f"<b>{esc(_name(data, m))}</b>: {esc(range_)}; {esc(_facts_phrase(m))}"
            unnamed = sum(p.unnamed for p in m.facts)
            if unnamed:
                text += esc("; " + _("för %(n)s av dem är ingen person utsedd") % {"n": unnamed})
            story.append(Paragraph(text + ".", SUB, bulletText="–"))
    return story


#: The brief's terms, each with what it means: a steering group reads them once, before the alternatives.
TERMS = (
    (N_("Bedömning nu"), N_("resultatet med svaren som de är i dag.")),
    (N_("Värsta fall"), N_("det allvarligaste resultat som de öppna frågorna fortfarande kan ge.")),
    (
        N_("Vad som krävs"),
        N_(
            "det mildaste resultat som gynnsamma besked i de öppna frågorna kan ge (med tillräckligt underlag), "
            "och hur många besked det kräver från vem. Det är en beräkning, ingen prognos."
        ),
    ),
    (N_("Stoppträff"), N_("ett svar som ensamt gör alternativet ej lämpligt.")),
    (
        N_("Villkor"),
        N_("ett svar som gör alternativet lämpligt bara om åtgärder genomförs; åtgärderna står i bedömningen."),
    ),
    (
        N_("Scenario"),
        N_("hypotetiska svar som prövas ovanpå de verkliga. De ändrar inga svar och inget resultat."),
    ),
)


def _terms() -> list[Flowable]:
    s = styles()
    story: list[Flowable] = [para(_("Så läser du underlaget"), s.h3)]
    story += [Paragraph(f"<b>{esc(_(term))}</b>: {esc(_(meaning))}", s.small) for term, meaning in TERMS]
    story.append(Spacer(0, 2 * mm))
    return [KeepBlock(story)]


def _alternative(data: SteeringBrief, name: str, modules: Sequence[SteeringModule]) -> list[Flowable]:
    s = styles()
    story: list[Flowable] = []
    for index, m in enumerate(modules):
        # The alternative's heading is kept with its first module, never left alone at the foot of a page.
        story += _module(m, several=len(modules) > 1, heading=para(name, s.h2) if index == 0 else None)
    return story


def _status_line(m: SteeringModule) -> str:
    status = word(labels.STATUS, m.status)
    return f"{status} · " + _("rev %(revision)s") % {"revision": m.revision}


def _module(m: SteeringModule, several: bool, heading: Flowable | None = None) -> list[Flowable]:
    s = styles()
    head: list[Flowable] = [heading] if heading is not None else []
    if several:
        head += [para(m.module, s.h3), para(_status_line(m), s.muted)]
    else:  # the one module of the alternative: its name needs no heading of its own
        head.append(para(f"{m.module} · {_status_line(m)}", s.muted))
    head.append(Spacer(0, 1 * mm))
    rows: list[list[Flowable | str]] = [
        [_("Bedömning nu"), para(word(labels.VERDICT, m.verdict), s.cell_bold)],
        [_("Värsta fall"), word(labels.VERDICT, m.worst_case)],
    ]
    if m.decided_revision is not None and m.decided_verdict is not None:
        decided = {"revision": m.decided_revision, "verdict": word(labels.VERDICT, m.decided_verdict)}
        rows.append(
            [
                _("Beslut som står kvar"),
                _("Beslutad rev %(revision)s: %(verdict)s") % decided
                if m.decided_approved is not False
                else _("Beslutad rev %(revision)s: avslagen (%(verdict)s)") % decided,
            ]
        )
    rows.append([_("Vad som krävs"), m.favourable if m.favourable is not None else _(UNAVAILABLE)])
    colour = VERDICT_COLOUR.get(m.verdict, MUTED)
    summary = grid(
        [_("Läget"), ""],
        rows,
        [40 * mm, WIDTH - 40 * mm],
        extra=[("BACKGROUND", (1, 1), (1, 1), TINT.get(colour, SHADE)), ("LINEBEFORE", (0, 1), (0, -1), 3, colour)],
    )
    head.append(summary)
    # The head and the facts to find are read together: they move to a new page rather than come apart.
    story: list[Flowable] = [KeepBlock(head + _facts(m))]
    story += _lists(m)
    story.append(Spacer(0, 3 * mm))
    return story


def _facts(m: SteeringModule) -> list[Flowable]:
    s = styles()
    title = para(_("Öppna frågor att ta reda på"), s.h3)
    if not m.facts:
        return [_empty(_("Öppna frågor att ta reda på"), _("inga, alla frågor är besvarade."))]
    block: list[Flowable] = [title]
    # Not when the knock-outs stand whatever the answers: no number of answers makes a difference there.
    if (
        m.favourable_needed is not None
        and m.favourable_needed != m.facts_total
        and m.favourable_verdict != "not_suitable"
    ):
        block.append(
            para(
                _(
                    "Tabellen räknar alla %(total)s öppna frågor. Det gynnsamma utfallet ovan kräver besked i "
                    "%(needed)s av dem; de övriga %(rest)s behövs inte för det utfallet."
                )
                % {
                    "total": m.facts_total,
                    "needed": m.favourable_needed,
                    "rest": m.facts_total - m.favourable_needed,
                },
                s.muted,
            )
        )
    body: list[list[Flowable | str]] = []
    for p in m.facts:
        people = ", ".join(p.people)
        if p.unnamed:
            unnamed = (
                _("1 utan namngiven person") if p.unnamed == 1 else _("%(n)s utan namngiven person") % {"n": p.unnamed}
            )
            people = f"{people}; {unnamed}" if people else unnamed
        body.append(
            [
                capital(word(labels.ANSWERED_BY, p.answered_by)),
                str(p.count),
                labels.fmt_date(p.earliest_due) if p.earliest_due else _("inget datum satt"),
                people,
            ]
        )
    widths = [28 * mm, 16 * mm, 38 * mm]
    widths.append(WIDTH - sum(widths))
    header = [_("Besvaras av"), _("Antal"), _("Tidigaste svarsdag"), _("Tas fram av")]
    return [*block, grid(header, body, widths)]


def _empty(title: str, text: str) -> Flowable:
    """Return a part with nothing in it as one line: its title and what it holds ("Stoppträffar: inga.")."""
    s = styles()
    line = ParagraphStyle("steering_line", parent=s.body, spaceBefore=2 * mm)
    return Paragraph(f"<b>{esc(title)}:</b> {esc(text)}", line)


def _lists(m: SteeringModule) -> list[Flowable]:
    s = styles()
    story: list[Flowable] = []
    if m.knockouts:
        knockouts = [para(_("Stoppträffar"), s.h3)]
        for k in m.knockouts:
            text = f"<b>{esc(k.question_id)} {esc(k.title)}</b>"
            if k.reason:
                text += f" – {esc(k.reason)}"
            knockouts.append(Paragraph(text, s.numbered, bulletText="•"))
        story.append(KeepBlock(knockouts))
    else:
        story.append(_empty(_("Stoppträffar"), _("inga.")))
    if m.conditions:
        text = "; ".join(f"<b>{esc(c.question_id)}</b> {esc(c.title)}" for c in m.conditions)
        story.append(KeepBlock([para(_("Villkor med svaren som de är nu"), s.h3), Paragraph(text + ".", s.body)]))
    else:
        story.append(_empty(_("Villkor med svaren som de är nu"), _("inga.")))
    title = _("Sparade scenarier (hypotetiska)")
    if m.scenarios is None:
        story.append(_empty(title, _(UNAVAILABLE)))
    elif not m.scenarios:
        story.append(_empty(title, _("inga.")))
    else:
        scenarios: list[Flowable] = [para(title, s.h3)]
        for sc in m.scenarios:
            text = esc(_("Scenario »%(name)s«:") % {"name": sc.name}) + " <b>"
            text += esc(word(labels.VERDICT, sc.verdict)) + "</b>"
            details = []
            if sc.worst_case != sc.verdict:
                details.append(_("i värsta fall %(worst)s") % {"worst": _lower(word(labels.VERDICT, sc.worst_case))})
            if sc.knockouts:
                details.append(
                    _("1 stoppträff") if sc.knockouts == 1 else _("%(n)s stoppträffar") % {"n": sc.knockouts}
                )
            if sc.conditions:
                details.append(_("1 villkor") if sc.conditions == 1 else _("%(n)s villkor") % {"n": sc.conditions})
            if details:
                text += esc(" (" + ", ".join(details) + ")")
            text += " – " + esc(_("hypotetiskt, inget svar är ändrat"))
            scenarios.append(Paragraph(text, s.numbered, bulletText="•"))
        story.append(KeepBlock(scenarios))
    return story
