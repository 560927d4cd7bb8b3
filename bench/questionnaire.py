"""The questionnaire page beside a bare WTForms page with the same inputs, in the same app and the same run.

* The page: GET /bedomningar/<D2>?steg=<step> through the test client, as the admin (every question editable),
  for the demo's D2 'context' step and for the step with the most inputs.
* The baseline: a plain `wtforms.Form` built from the same field types (the same validators, choices and data,
  labels as plain text), rendered by `{% for f in form %}{{ f.label }}{{ f() }}{% endfor %}` through a route of
  the same app (same request hooks, session and sign-in); the form data and choices are computed once up front.

Both are timed as server time (the WSGI call through the test client), median over many requests, interleaved
so that a noisy neighbour slows both alike. Goal (issue 14): the page at most 0.6x the bare page.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import wtforms
from flask import Flask, render_template
from flask.testing import FlaskClient
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import UnboundField

from assess.extensions import db
from assess.forms.questionnaire import area_form_class, form_data, set_assignee_choices
from assess.models import User
from assess.services import assessments as service
from assess.views.access import ANY_ROLE, allow
from bench.pages import _setup
from tests.conftest import login_as

ROUNDS = 150
GOAL = 0.6
STEPS = ("context", "legal", "infosec", "patient_safety")
BARE_TEMPLATE = "{% for f in form %}{{ f.label }}{{ f() }}{% endfor %}"
CONTROL_RE = re.compile(rb"<(?:input|textarea|select)\b")


def _bare_class(form_class: type[wtforms.Form]) -> type[wtforms.Form]:
    """Return a plain Form class with the same fields (types, validators, choices), labels as plain text.

    Plain text labels make the baseline as cheap as WTForms gets (the page's own labels are lazy, translated).
    """
    fields = {}
    for klass in reversed(form_class.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, UnboundField):
                args = list(value.args)
                if args:
                    args[0] = str(args[0])
                kwargs = dict(value.kwargs)
                if kwargs.get("choices"):
                    kwargs["choices"] = [SelectChoice(c.value, str(c.label)) for c in kwargs["choices"]]
                fields[name] = UnboundField(value.field_class, *args, name=value.name, **kwargs)
    return type(f"Bare_{form_class.__name__}", (wtforms.Form,), fields)


def _add_bare_route(app: Flask, d2: int) -> None:
    """Serve the bare page at /bench/bare/<step>: the page's form data and owner choices, computed once here."""
    prepared: dict[str, tuple[type[wtforms.Form], dict[str, Any], dict[str, list[Any]]]] = {}
    with app.test_request_context():
        data = service.load_questionnaire(d2)
        for step in STEPS:
            form_class = area_form_class(data.ruleset, step)
            page_form = form_class(formdata=None, data={}, meta={"csrf": False})
            set_assignee_choices(page_form, data)
            choices = {
                f.name: [SelectChoice(c.value, str(c.label)) for c in f.choices]
                for f in page_form
                if f.name.endswith("_owner")
            }
            initial = form_data(data.ruleset, step, data.assessment.answers, data.assessment.version)
            prepared[step] = (_bare_class(form_class), initial, choices)

    # Compiled once, as the page's templates are; rendered with the app's context processors like the page.
    template = app.jinja_env.from_string(BARE_TEMPLATE)

    def bare(step: str) -> str:
        bare_class, initial, choices = prepared[step]
        form: Any = bare_class(data=initial)
        for name, own in choices.items():
            form[name].choices = own
        return render_template(template, form=form)

    app.add_url_rule("/bench/bare/<step>", "bench_bare", allow(*ANY_ROLE)(bare))


def _client(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        login_as(client, user)
    return client


def _controls(html: bytes) -> int:
    start = html.find(b'<form id="questionnaire"')
    if start >= 0:
        html = html[start : html.index(b"</form>", start)]
    return len(CONTROL_RE.findall(html))


def _time(client: FlaskClient, url: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, response.data


def bench_step(app: Flask, d2: int, step: str) -> float:
    """Print the page's and the bare page's median server time for one step; return the ratio."""
    client = _client(app, "admin")
    page_url = f"/bedomningar/{d2}?steg={step}"
    bare_url = f"/bench/bare/{step}"
    for _warm in range(5):
        _, page_html = _time(client, page_url)
        _, bare_html = _time(client, bare_url)
    page, bare = [], []
    for _round in range(ROUNDS):
        page.append(_time(client, page_url)[0])
        bare.append(_time(client, bare_url)[0])
    page_ms, bare_ms = statistics.median(page) * 1000, statistics.median(bare) * 1000
    ratio = page_ms / bare_ms
    print(
        f"questionnaire page, D2 '{step}' ({_controls(page_html)} controls): median {page_ms:.1f} ms; "
        f"bare WTForms page ({_controls(bare_html)} controls) {bare_ms:.1f} ms; "
        f"ratio {ratio:.2f}x (goal <= {GOAL}x) over {ROUNDS} requests each"
    )
    return ratio


def _largest_step(app: Flask, d2: int) -> str:
    client = _client(app, "admin")
    sizes = {}
    for step in STEPS:
        sizes[step] = _controls(client.get(f"/bedomningar/{d2}?steg={step}").data)
    return max(sizes, key=lambda s: sizes[s])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app, d2 = _setup(Path(tmp))
        _add_bare_route(app, d2)
        largest = _largest_step(app, d2)
        for step in dict.fromkeys(("context", largest)):
            bench_step(app, d2, step)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
