"""The rows of the paged lists, written in Python (Jinja globals): the case list's cases.

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
    for case in cases:
        row = rows[case.id]
        verdicts = "<br>".join(f"{verdict_badge(code)} {count}" for code, count in row.verdicts.items()) or "–"
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
            f'\n      <td data-label="{status_label}">{escape(labels.CASE_STATUS[case.status])}{"".join(marks)}</td>'
            "\n    </tr>"
        )
    return Markup("".join(out))


GLOBALS = {"case_rows": case_rows}
