"""One question of the questionnaire, and one question's outcome, written in Python (Jinja globals).

They were the macros of templates/assessments/_question.html and _outcome_line.html. A step writes 10 to 60
questions, and in the macros Jinja's per-call and per-lookup costs were a third of the questionnaire's server time
after the controls had become Python (issue 14). The markup is what the macros wrote: tests/assess/
test_questionnaire_markup.py compares the controls with WTForms' own widgets and the questionnaire's other tests
read the page as a user does. The texts are the catalogue's, translated as the templates' `{{ _() }}` translates:
the translation trusted, the variables escaped.

What only the rule set and the language decide (a question's title, text, help, who answers it, its references,
the labels of its options and fields) is written once per language and question and kept with the form class,
which is cached per rule set and area.
"""

from __future__ import annotations

import re
from typing import Any

from flask import g, url_for
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from assess import labels
from assess.i18n import _template_gettext, format_date, language, text
from assess.views import controls

#: A question id that url_for would write as it is (the rule sets' ids: "L-05", "G-01", ...).
_PLAIN_ID = re.compile(r"[A-Za-z0-9_.-]+")
_MARK = "Q-ID-MARK"


def _(message: str, **variables: Any) -> Markup:
    """Return a text of the page as the templates' {{ _() }} writes it: translated and trusted, variables escaped."""
    translated = Markup(_template_gettext(message))
    return translated % variables if variables else translated


def _trace_url(assessment_id: int, question_id: str, memo: dict[Any, str]) -> str:
    """Return the rule trace's URL of a question: url_for once per page, the question's id put in its place."""
    if not _PLAIN_ID.fullmatch(question_id):
        return url_for("trace.question", assessment_id=assessment_id, question_id=question_id)
    key = ("trace", assessment_id)
    pattern = memo.get(key)
    if pattern is None:
        pattern = memo[key] = url_for("trace.question", assessment_id=assessment_id, question_id=_MARK)
    return pattern.replace(_MARK, question_id)


def _memo() -> dict[Any, str]:
    """Return what this request's questions share (the trace URL's pattern), kept in flask.g."""
    memo: dict[Any, str] = g.setdefault("questions_memo", {})
    return memo


def outcome_html(qr: Any, ruleset: Any, assessment_id: int, memo: dict[Any, str]) -> Markup:
    """Return one question's outcome as a person reads it: the outcome as a word, the rule set's own reason, and a
    link to the rule trace (which rule matched on which answers) for reviewers and auditors."""
    if not qr.shown:
        hidden = _("Frågan visas inte för de svar som getts; ett sparat svar räknas inte.")
        return Markup(f'<p class="outcome-line muted">{hidden}</p>')
    said = _("Utfall:")
    out = [f'<div class="outcome-line">\n  <p><span class="outcome-line__label">{said}</span> ']
    if qr.outcome:
        out.append(f'<span class="outcome outcome--{escape(qr.outcome)}">{escape(labels.OUTCOME[qr.outcome])}</span>')
    if qr.overridden:
        lifted = _("hävd stoppträff")
        out.append(f' <span class="override-mark">{lifted}</span>')
    out.append("\n</p>")
    mitigations = [m for m in qr.mitigations if m != "override"]
    if qr.outcome == "C" and mitigations:
        items = "".join(
            f"<li><strong>{escape(m)}</strong> {escape(text(ruleset.mitigation(m).text))}</li>" for m in mitigations
        )
        out.append(f'\n  <ul class="outcome-line__mitigations">{items}</ul>')
    if qr.brief:
        out.append(f'<p class="outcome-line__reason">{escape(text(qr.brief))}</p>')
    trace = escape(_trace_url(assessment_id, qr.id, memo))
    show, which = _("Visa regel"), _("för %(question)s", question=qr.id)
    out.append(
        f'\n  <p class="outcome-line__trace"><a href="{trace}">{show}<span class="visually-hidden"> '
        f"{which}</span></a></p>\n</div>"
    )
    return Markup("".join(out))


@pass_context
def outcome_line(ctx: Context, qr: Any) -> Markup:
    """Return one question's outcome (a Jinja global; reads the template's `ruleset` and `a`)."""
    return outcome_html(qr, ctx["ruleset"], ctx["a"].id, _memo())


def _parts(q: Any, f: dict[str, Any], lang: str) -> dict[str, Any]:
    """Return the parts of a question only the rule set and the language decide, as the page writes them."""
    value = f[""]
    qid = escape(q.id)
    if q.type == "text":
        head = (
            f'<div class="question__head">\n      <label class="question__title" id="q-{qid}-title" '
            f'for="{escape(value.id)}"><span class="qid">{qid}</span> {escape(text(q.title, lang))}</label>\n    </div>'
        )
    else:
        head = (
            f'<legend class="question__title" id="q-{qid}-title"><span class="qid">{qid}</span> '
            f"{escape(text(q.title, lang))}</legend>"
        )
    intro = [head, f'\n    <p class="question__text" id="{escape(value.id)}-text">{escape(text(q.text, lang))}</p>']
    if q.help:
        help_ = _("Hjälp")
        intro.append(
            f'\n    <details class="help"><summary>{help_}</summary><p>{escape(text(q.help, lang))}</p></details>'
        )
    who = Markup(f"<strong>{escape(labels.ANSWERED_BY[q.answered_by])}</strong>")
    answered_by = _("Besvaras av: %(who)s", who=who)
    meta = [f'<div class="question__meta">\n      <span>{answered_by}</span>']
    if q.volatile:
        volatile = _("Rörlig rättslig grund – ompröva regelbundet")
        meta.append(f'\n      <span class="volatile">{volatile}</span>')
    if q.min_evidence:
        some = _("Kräver underlag minst %(level)s för vissa svar", level=next(iter(q.min_evidence.values())))
        meta.append(f"\n      <span>{some}</span>")
    if q.min_evidence_any:
        every = _("Kräver underlag minst %(level)s", level=q.min_evidence_any)
        meta.append(f"\n      <span>{every}</span>")
    meta.append("\n    </div>")
    if q.refs:
        some_unconfirmed, unconfirmed = _("någon att verifiera"), _("att verifiera")
        why = _("hänvisningen är inte bekräftad, regionens jurister ska kontrollera den")
        verify = f' <span class="verify">({unconfirmed})<span class="visually-hidden">: {why}</span></span>'
        items = "".join(f"<li>{escape(r.plain_text())}{verify if r.verify else ''}</li>" for r in q.refs)
        summary = _("Referenser (%(count)s)", count=len(q.refs))
        if any(r.verify for r in q.refs):
            summary += Markup(f' <span class="verify">({some_unconfirmed})</span>')
        meta.append(
            f'\n    <details class="refs">\n      <summary>{summary}</summary>\n      <ul>{items}</ul>\n    </details>'
        )
    if q.type == "text":
        options = [controls.label(f["_unknown"])]
    else:
        options = [
            controls.label(value, "option__label", f"{value.id}-{index}", choice.label or choice.value)
            for index, choice in enumerate(value.iter_choices())
        ]
    small = {
        suffix: controls.label(f[suffix], "field__label field__label--small")
        for suffix in ("_evidence", "_ref", "_motivation", "_owner", "_due")
    }
    who_finds_out = _("Om svaret är okänt: vem tar reda på det, och när?")
    return {
        "intro": Markup("".join(intro)),
        "meta": Markup("".join(meta)),
        "options": options,
        "labels": small,
        "unknown_summary": f"<summary>{who_finds_out}</summary>",
    }


def _assignee(q: Any, f: dict[str, Any], data: Any, legacy: str, today: Any) -> str:
    """Return who finds out an unknown, and by when (the paragraph the question shows under its answer)."""
    who = data.assignee(q.id)
    out = [f'\n    <p class="assignee" id="q-{escape(q.id)}-assignee">']
    if who:
        finds_out = _("Tar reda på:")
        out.append(f"{finds_out} <strong>{escape(who.label)}</strong>")
        if who.default:
            default = _("(standard enligt ärendets team)")
            out.append(f' <span class="muted">{default}</span>')
    else:
        nobody = _("Ej tilldelad")
        out.append(f"<strong>{nobody}</strong>")
        if legacy:
            before = _("(tidigare angivet som fritext: %(text)s)", text=legacy)
            out.append(f' <span class="muted">{before}</span>')
    due = f["_due"].data
    if due:
        by = _("senast %(date)s", date=format_date(due))
        out.append(f" · {by}")
        if due < today():
            late = _("försenat")
            out.append(f' <strong class="overdue">{late}</strong>')
    out.append("</p>")
    return "".join(out)


@pass_context
def question(ctx: Context, q: Any, qr: Any, form: Any, editable: bool) -> Markup:
    """Return one question: value, evidence, motivation, reference, and for unknowns who finds out by when.

    Everything about the question sits inside one group named by the question: a fieldset with the question as
    legend, or for a text question a group labelled by the question's label, so a screen reader says which
    question "Underlag" or "Motivering" belongs to. Reads the template's `data`, `full_editor`, `review`,
    `ruleset` and `a`.
    """
    lang = language()
    f = form.question_fields(q.id)
    value = f[""]
    is_unknown = value.data == "unknown" or ("_unknown" in f and f["_unknown"].data)
    cache = getattr(form, "html_cache", None)
    key = (lang, q.id)
    parts = cache.get(key) if cache is not None else None
    if parts is None:
        parts = _parts(q, f, lang)
        if cache is not None:
            cache[key] = parts
    qid = escape(q.id)
    vid = escape(value.id)
    out = [
        f'<div class="question{" question--error" if value.errors else ""}" id="q-{qid}" data-question="{qid}" '
        f'data-type="{escape(q.type)}"{"" if qr.shown else " hidden"}>\n  '
    ]
    if q.type == "text":
        describedby = f"{value.id}-text" + (f" {value.id}-error" if value.errors else "")
        textarea = controls.control(
            value, "field__input question__textarea", not editable, describedby, rows=3, memo=cache
        )
        unknown = f["_unknown"]
        toggle = controls.control(unknown, "unknown-toggle") if editable else controls.control(unknown, disabled=True)
        out.append(
            f'<div class="question__fieldset" role="group" aria-labelledby="q-{qid}-title">\n    {parts["intro"]}'
            f"\n    {controls.field_error(value)}\n    "
            f"{textarea}"
            f'\n    <div class="checkbox">\n      {toggle}\n      {parts["options"][0]}\n    </div>'
        )
    else:
        error_id = f" {vid}-error" if value.errors else ""
        out.append(
            f'<fieldset class="question__fieldset" aria-describedby="{vid}-text{error_id}">\n    {parts["intro"]}\n    '
        )
        if value.errors:
            out.append(controls.field_error(value))
        stacked = " options--stacked" if len(q.options) > 4 else ""
        out.append(f'\n    <div class="options{stacked}">')
        option_labels = parts["options"]
        for index, radio in enumerate(controls.radios(value, "option__input", not editable, cache)):
            out.append(f'\n      <div class="option">\n        {radio}\n        {option_labels[index]}\n      </div>')
        out.append("\n    </div>")
    small = parts["labels"]
    evidence = controls.small_field(f["_evidence"], editable, None, small["_evidence"], cache)
    ref = controls.small_field(f["_ref"], editable, None, small["_ref"], cache)
    motivation = controls.small_field(f["_motivation"], editable, None, small["_motivation"], cache)
    out.append(
        f'\n    {parts["meta"]}\n    <div class="question__details">\n      {evidence}\n      {ref}'
        f'\n      <div class="question__motivation">{motivation}</div>\n    </div>'
    )
    data = ctx["data"]
    legacy = data.legacy_owner(q.id) if qr.shown else ""
    if qr.shown and (is_unknown or value.data in (None, "") or legacy):
        out.append(_assignee(q, f, data, legacy, ctx["today"]))
    owner, due = f["_owner"], f["_due"]
    opened = " open" if is_unknown or owner.data or due.errors or owner.errors else ""
    full = editable and ctx["full_editor"]
    out.append(
        f'\n    <details class="unknown-extra"{opened}>\n      {parts["unknown_summary"]}'
        f'\n      <div class="question__details">\n        {controls.small_field(owner, full, None, small["_owner"])}'
        f"\n        {controls.small_field(due, full, 'date', small['_due'], cache)}\n      </div>\n    </details>"
        f'\n    <div class="question__outcome" id="outcome-{qid}">'
        f"{outcome_html(qr, ctx['ruleset'], ctx['a'].id, _memo())}</div>"
    )
    review = ctx.get("review")
    threads = review.threads.get(q.id) if review is not None else None
    if threads:
        thread = ctx.environment.get_template("assessments/_thread.html")
        out.append(thread.render({**ctx.get_all(), "threads": threads, "thread_of": q.id}))
    out.append("\n  </div>\n</div>" if q.type == "text" else "\n  </fieldset>\n</div>")
    return Markup("".join(out))


GLOBALS = {"question": question, "outcome_line": outcome_line}
