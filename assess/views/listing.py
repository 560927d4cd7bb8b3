"""The rows of the paged lists, written in Python (Jinja globals): the case list's cases, every list of *Mina
uppgifter* (its condition tables with their forms), and a module's history.

A list page writes up to a full page of rows; in Jinja each row's macro calls, lookups and `{{ _() }}` calls cost
more than the page's fixed part, so a full page took 2.7 times the page with one row (issue 14). The markup is the
template's: the texts are the catalogue's, translated as `{{ _() }}` translates them (the translation trusted,
the variables escaped), and every value is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import url_for
from markupsafe import Markup, escape

from assess import labels
from assess.i18n import _template_ngettext, format_date, format_time
from assess.views import controls
from assess.views.questions import _

_ID_MARK = "987654321987654321"


def verdict_badge(code: str) -> str:
    """Return a verdict as its badge (the template macro `verdict_badge` writes the same)."""
    return f'<span class="verdict verdict--{escape(code)}">{escape(labels.VERDICT[code])}</span>'


def case_rows(cases: Iterable[Any], rows: Mapping[int, Any]) -> Markup:
    """Return the case list's table rows: each case's title (a link), information owner, counts, verdicts and
    status with its marks (a condition overdue, a question late, a re-assessment required)."""
    link = url_for("cases.view_case", case_id=int(_ID_MARK))  # url_for once a page, each case's id put in
    owner_label, alternatives_label = _("Informationsägare"), _("Alternativ")
    assessments_label, verdict_label, status_label = _("Bedömningar"), _("Utfall"), _("Status")
    out = []
    # Each verdict's badge and each status's label once a page (a label is a lookup in the reader's catalogue).
    badges: dict[str, str] = {}
    statuses: dict[Any, str] = {}
    for case in cases:
        row = rows[case.id]
        shown = []
        for code, count in row.verdicts.items():
            badge = badges.get(code)
            if badge is None:
                badge = badges[code] = verdict_badge(code)
            shown.append(f"{badge} {count}")
        verdicts = "<br>".join(shown) or "–"
        status = statuses.get(case.status)
        if status is None:
            status = statuses[case.status] = str(escape(labels.CASE_STATUS[case.status]))
        marks = []
        if row.overdue:
            overdue = _("Villkor förfallet (%(count)s)", count=row.overdue)
            marks.append(f' <strong class="overdue">{overdue}</strong>')
        if row.late:
            late = _("Uppgift försenad (%(count)s)", count=row.late)
            marks.append(f' <strong class="overdue">{late}</strong>')
        if row.flagged:
            flagged = _("Omprövning krävs (%(count)s)", count=row.flagged)
            marks.append(f' <strong class="overdue reassessment">{flagged}</strong>')
        href = link.replace(_ID_MARK, str(int(case.id)))
        out.append(
            f'\n    <tr>\n      <th scope="row"><a href="{href}">{escape(case.title)}</a></th>'
            f'\n      <td data-label="{owner_label}">{escape(case.information_owner)}</td>'
            f'\n      <td data-label="{alternatives_label}">{int(row.alternatives)}</td>'
            f'\n      <td data-label="{assessments_label}">{int(row.assessments)}</td>'
            f'\n      <td data-label="{verdict_label}">{verdicts}</td>'
            f'\n      <td data-label="{status_label}">{status}{"".join(marks)}</td>'
            "\n    </tr>"
        )
    return Markup("".join(out))


# --- the condition tables of *Mina uppgifter* (templates/review/tasks.html) ---------------------------------------
# They write what the macros of templates/review/_conditions.html write (the review page keeps those); a test
# (tests/assess/test_conditions_followup.py) compares both, fresh and with a failed post's errors.


def field(f: Any) -> str:
    """Return a form field with its label, hint and errors, as the `field` macro of macros.html writes it."""
    fid = escape(f.id)
    out = [f'\n  <div class="field{" field--error" if f.errors else ""}">\n    {controls.label(f, "field__label")}\n']
    described = []
    if f.description:
        out.append(f'    <p class="field__hint" id="{fid}-hint">{escape(f.description)}</p>\n')
        described.append(f"{f.id}-hint")
    if f.errors:
        out.append(f"    {controls.field_error(f)}\n")
        described.append(f"{f.id}-error")
    if described:
        invalid = "true" if f.errors else "false"
        out.append(f"      {controls.control(f, 'field__input', describedby=' '.join(described), invalid=invalid)}")
    else:
        out.append(f"      {controls.control(f, 'field__input')}")
    out.append("\n  </div>\n")
    return "".join(out)


def _gate_words(c: Any) -> str:
    if c.gate == "within_months" and c.gate_months:
        singular, plural = "Inom %(num)s månad från beslutet", "Inom %(num)s månader från beslutet"
        return str(Markup(_template_ngettext(singular, plural, c.gate_months)) % {"num": c.gate_months})
    if c.gate:
        words = str(labels.GATE[c.gate])
        return f"{escape(words[:1].upper())}{escape(words[1:])}"
    return ""


def deadline(c: Any, today: Any) -> str:
    """Return a condition's one deadline in words, overdue marked (the macro `deadline`)."""
    if c.deadline:
        out = str(escape(format_date(c.deadline)))
        if c.gate:
            out += f" · {_gate_words(c)}"
        if c.overdue(today):
            overdue = _("försenat")
            out += f' <strong class="overdue">{overdue}</strong>'
        return out
    if c.gate:
        return _gate_words(c)
    return "–"


def _who(user: Any) -> Markup:
    return escape(user.display_name) if user else Markup("–")


def _by(message: str, user: Any, when: Any) -> Markup:
    return _(message, who=_who(user), when=format_time(when))


def status(c: Any) -> str:
    """Return a condition's follow-up status (the macro `status`)."""
    claimed_by = "Anmält som uppfyllt av %(who)s den %(when)s"
    if c.fulfilled and c.claimed_at:
        verified = _by("Verifierat av %(who)s den %(when)s", c.fulfilled_by, c.fulfilled_at)
        claimed = _by(claimed_by, c.claimed_by, c.claimed_at)
        out = f'<span class="approved">✓ {verified}</span><br><span class="small">{claimed}</span>'
    elif c.fulfilled:
        marked = _by("Uppfyllt, markerat av %(who)s den %(when)s", c.fulfilled_by, c.fulfilled_at)
        out = f'<span class="approved">✓ {marked}</span>'
    elif c.claimed:
        claimed = _by(claimed_by, c.claimed_by, c.claimed_at)
        waiting = _("– väntar på verifiering")
        out = f'<strong>{claimed}</strong> <span class="muted">{waiting}</span>'
    elif c.returned_reason:
        returned = _("Återskickat:")
        out = f'<strong>{returned}</strong> <span class="prewrap">{escape(c.returned_reason)}</span>'
    else:
        out = str(_("Öppet"))
    if c.fulfilled_note and (c.fulfilled or c.claimed):
        out += f'<p class="small prewrap">{escape(c.fulfilled_note)}'
        if c.fulfilled_evidence:
            reference = _("underlag: %(reference)s", reference=c.fulfilled_evidence)
            out += f' <span class="muted">({reference})</span>'
        out += "</p>"
    return out


#: Stands for a condition's id prefix in a follow-up form's markup kept for a page (never in the HTML: a NUL).
_PREFIX_MARK = "\x00prefix\x00"


def _pristine(f: Any, fields: Iterable[str]) -> bool:
    """Is the form as the page makes it fresh: no error, nothing in its fields (a failed post's form is written as
    it was sent, never from the page's memo)?"""
    if f.form_errors or any(field.errors for field in f):
        return False
    return not any(f[n].data for n in fields)


def _fields(c: Any, name: str, f: Any, fields: tuple[str, ...], memo: dict[Any, Any] | None) -> tuple[str, str]:
    """Return a follow-up form's hidden fields and its fields. A fresh form's markup differs from the next
    condition's only in its ids (the prefix `name-id-`, review._prefix), so a page writes it once per form and puts
    each condition's prefix in: WTForms writing each field of twenty forms was most of an architect's page."""

    def written() -> tuple[str, str]:
        return str(f.hidden_tag()), "\n  ".join(field(f[n]) for n in fields)

    if memo is None or not _pristine(f, fields):
        return written()
    prefix = f"{name}-{c.id}-"
    key = (name, fields, f.next.data)
    template = memo.get(key)
    if template is None:
        markup = written()
        if f.next.id.startswith(prefix):  # the ids are the prefix's (else the form is not kept)
            memo[key] = tuple(part.replace(prefix, _PREFIX_MARK) for part in markup)
        return markup
    hidden, shown = template
    return hidden.replace(_PREFIX_MARK, prefix), shown.replace(_PREFIX_MARK, prefix)


def _form(
    c: Any,
    name: str,
    f: Any,
    button: Markup,
    fields: tuple[str, ...],
    before: str = "",
    css: str = "",
    memo: dict[Any, Any] | None = None,
) -> str:
    """Return one follow-up form of a condition: its hidden fields, what `before` says, its fields and button."""
    action = url_for(f"review.{name}", condition_id=c.id)
    hidden, written = _fields(c, name, f, fields, memo)
    return (
        f'\n<form method="post" action="{action}" class="form form--compact" novalidate '
        f'id="{name.replace("_", "-")}-form-{c.id}">\n  {hidden}\n  {before}\n  {written}\n  '
        f'<button type="submit" class="button{css}">{button}<span class="visually-hidden"> {escape(c.question_id)}'
        "</span></button>\n</form>\n"
    )


def actions(c: Any, allowed: Any, form_for: Any, memo: dict[Any, Any] | None = None) -> str:
    """Return the forms of one condition that the reader may use (the macro `actions`). `memo`: one page's, for
    the markup of its fresh forms (_fields)."""
    out = ["\n"]
    if "claim" in allowed:
        behalf = ""
        if c.owner_id is None:
            owner = _("Du anmäler för %(owner)s räkning.", owner=c.owner_label)
            behalf = f'<p class="small">{owner}</p>'
        claim, fields = _("Anmäl som uppfyllt"), ("note", "evidence")
        out.append(_form(c, "claim", form_for("claim", c.id), claim, fields, behalf, " button--secondary", memo))
    if "verify" in allowed:
        verify = _("Verifiera som uppfyllt")
        out.append(_form(c, "verify", form_for("verify", c.id), verify, ("note",), memo=memo))
    if "send_back" in allowed:
        back = _("Skicka tillbaka")
        out.append(
            _form(c, "send_back", form_for("send_back", c.id), back, ("reason",), css=" button--secondary", memo=memo)
        )
    out.append("\n")
    return "".join(out)


def assessment_link(a: Any, marks: Any) -> str:
    """Return a module's link to its review page with its marks (services.marks.Marks of the page's modules)."""
    href = url_for("review.view", assessment_id=a.id)
    out = f'<a href="{href}">{escape(a.alternative.name)} – {escape(a.scope_label)}</a>'
    if a.id in marks.overdue:
        mark = _("Villkor förfallet")
        out += f' <strong class="overdue">{mark}</strong>'
    if a.id in marks.late:
        mark = _("Uppgift försenad")
        out += f' <strong class="overdue">{mark}</strong>'
    if a.id in marks.flagged:
        mark = _("Omprövning krävs")
        out += f' <strong class="overdue reassessment">{mark}</strong>'
    return out


def condition_rows(items: Iterable[Any], t: Any, today: Any, form_for: Any) -> Markup:
    """Return the rows of a condition table of *Mina uppgifter*: the module, the question and its measures, who is
    responsible, the deadline, the status and the forms the reader may use."""
    module, question, owner = _("Bedömning"), _("Fråga"), _("Ansvarig")
    by, state = _("Senast"), _("Läge")
    memo: dict[Any, Any] = {}  # the page's fresh forms (_fields)
    out = []
    for c in items:
        acts = t.condition_actions.get(c.id, ())
        link = assessment_link(c.assessment, t.marks)
        measures = escape(", ".join(c.mitigations))
        forms = actions(c, acts, form_for, memo) if acts else ""
        out.append(
            f'<tr id="task-condition-{c.id}">\n      <td data-label="{module}">{link}</td>'
            f'<td data-label="{question}"><span class="qid">{escape(c.question_id)}</span> {measures}</td>'
            f'<td data-label="{owner}">{escape(c.owner_label or "–")}</td>'
            f'<td data-label="{by}">{deadline(c, today)}</td>\n      <td data-label="{state}">{status(c)}{forms}</td>'
            "\n    </tr>"
        )
    return Markup("".join(out))


# --- the other lists of *Mina uppgifter* ----------------------------------------------------------------------


def assessment_items(items: Iterable[Any], t: Any) -> Markup:
    """Return the list items of a list of modules (to decide, changes requested, drafts): each a link with marks."""
    return Markup("".join(f"<li>{assessment_link(a, t.marks)}</li>" for a in items))


def review_items(t: Any) -> Markup:
    """Return the items of *Väntar på min granskning*: each module with the areas that wait for the reader."""
    out = []
    for a, areas in t.to_review:
        names = ", ".join(str(escape(labels.REVIEW_AREA[area])) for area in areas)
        out.append(f"<li>{assessment_link(a, t.marks)} – {names}</li>")
    return Markup("".join(out))


def reassess_items(t: Any) -> Markup:
    """Return the items of *Omprövning krävs*: each decided module, its revision and why."""
    out = []
    for a, reasons in t.to_reassess:
        revision = _("rev %(revision)s", revision=a.revision)
        why = escape("; ".join(reasons))
        out.append(f'<li id="task-reassess-{a.id}">{assessment_link(a, t.marks)}, {revision}: {why}</li>')
    return Markup("".join(out))


def question_items(items: Iterable[Any], t: Any, today: Any, contacts: bool = False) -> Markup:
    """Return the items of a list of open questions: the question (a link to it in its step), its module, what it
    is and whose, and its date (late marked); `contacts`: the vendor contacts' list, with each one's contact."""
    link = url_for("assessments.view", assessment_id=int(_ID_MARK), steg="AREA-MARK")
    unknown, unanswered, late = _("Okänt"), _("Obesvarad"), _("försenat")
    yours = _("ärendets förval") if contacts else _("din genom ärendets team")
    out = []
    for u in items:
        a = u.assessment
        href = link.replace(_ID_MARK, str(int(u.assessment_id))).replace("AREA-MARK", str(escape(u.area)))
        revision = _("rev %(revision)s", revision=a.revision)
        item_id = f' id="task-contact-q-{u.answer.id}"' if contacts else ""
        if contacts:
            state = _("tar reda på: %(name)s", name=t.contact_names.get(u.answer.id, ""))
        else:
            state = unknown if u.answer.value == "unknown" else unanswered
        by_default = f" · {yours}" if u.by_default else ""
        due = ""
        if u.unknown_due:
            by_date = _("senast %(date)s", date=format_date(u.unknown_due))
            due = f" – {by_date}"
            if u.unknown_due < today:
                due += f' <strong class="overdue">{late}</strong>'
        out.append(
            f'<li{item_id}><a href="{href}#q-{escape(u.question_id)}"><span class="qid">{escape(u.question_id)}</span> '
            f'{escape(u.title)}</a> <span class="muted">– {escape(a.alternative.name)} – {escape(a.scope_label)}, '
            f"{revision} · {state}{by_default}</span>{due}</li>"
        )
    return Markup("".join(out))


# --- the history of a module (templates/review/history.html) -------------------------------------------------


def history_table(rows: Iterable[Any]) -> Markup:
    """Return the history table's rows: when, who, what (with the question) and each field's change in words."""
    when, who, what, changes = _("Tid"), _("Vem"), _("Vad"), _("Ändringar")
    # The three ways of saying a change, translated once per page (each one a trusted text, its values escaped).
    # As plain strings filled with escaped values: what Markup's % writes, without its per-value wrapper objects.
    added, removed = str(_("%(field)s: %(value)s")), str(_("%(field)s: var %(value)s"))
    changed = str(_("%(field)s: %(before)s till %(after)s"))
    out = []
    for row in rows:
        question = ""
        if row.question:
            question = f'<br><span class="qid">{escape(row.question)}</span> {escape(row.question_title)}'
        listed = "–"
        if row.changes:
            items = []
            for c in row.changes:
                if c.before is None:
                    item = added % {"field": escape(c.label), "value": escape(c.after)}
                elif c.after is None:
                    item = removed % {"field": escape(c.label), "value": escape(c.before)}
                else:
                    item = changed % {"field": escape(c.label), "before": escape(c.before), "after": escape(c.after)}
                items.append(f"<li>{item}</li>")
            listed = f'<ul class="history__changes">{"".join(items)}</ul>'
        out.append(
            f'\n    <tr>\n      <td data-label="{when}">{escape(format_time(row.at))}</td>'
            f'\n      <td data-label="{who}">{escape(row.actor)}</td>'
            f'\n      <td data-label="{what}">{escape(row.action)}{question}</td>'
            f'\n      <td data-label="{changes}">{listed}</td>\n    </tr>'
        )
    if not out:
        none = _("Inga händelser.")
        out.append(f'\n    <tr><td colspan="4">{none}</td></tr>')
    return Markup("".join(out))


GLOBALS = {
    "history_table": history_table,
    "case_rows": case_rows,
    "condition_rows": condition_rows,
    "assessment_items": assessment_items,
    "review_items": review_items,
    "reassess_items": reassess_items,
    "question_items": question_items,
}
