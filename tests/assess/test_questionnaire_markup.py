"""The questionnaire's controls, written by assess/views/controls.py, are what WTForms writes.

The page writes its inputs with small Python functions instead of WTForms' widgets (issue 14: the widgets'
attribute formatting was two thirds of the page's server time; Jinja macros after them were most of the rest).
These tests render the same pages a second time with the writers swapped for WTForms' own widgets
(`f(**attrs)`, the radio subfields, `f.label()`), and compare every element of the questionnaire form: each
control's name, type, value, checked/selected, disabled, aria-* and data-* attributes, and the label for each id,
for the demo assessments, all steps, as an admin, as a reviewer who may answer only some questions and as a
reader, and with validation errors shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import Markup
from sqlalchemy import select

from assess.extensions import db
from assess.forms import questionnaire
from assess.models import User
from assess.views import controls as writers
from tests.assess.helpers import load_demo, page_form
from tests.conftest import login_as

pytestmark = pytest.mark.load  # make test-load (and .ci/run): keeps make test under ten minutes

STEPS = ("context", "legal", "infosec", "patient_safety")
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _kw(given: dict[str, Any], attrs: dict[str, Any]) -> dict[str, Any]:
    kw = {k: v for k, v in given.items() if v is not None}
    kw.update((k, v) for k, v in attrs.items() if v is not None)
    return kw


def _wtforms_control(
    f: Any,
    css: Any = None,
    disabled: Any = None,
    describedby: Any = None,
    invalid: Any = None,
    type: Any = None,  # noqa: A002
    rows: Any = None,
    attrs: Any = None,
    memo: Any = None,
) -> Markup:
    given = {"class": css, "disabled": disabled, "aria-describedby": describedby, "aria-invalid": invalid}
    return Markup(f(**_kw({**given, "type": type, "rows": rows}, attrs or {})))


def _wtforms_radio(f: Any, choice: Any, index: int, css: Any = None, disabled: Any = None, attrs: Any = None) -> Markup:
    sub = list(f)[index]
    return Markup(sub(**_kw({"class": css, "disabled": disabled}, attrs or {})))


def _wtforms_radios(f: Any, css: Any = None, disabled: Any = None, memo: Any = None) -> list[Markup]:
    return [Markup(sub(**_kw({"class": css, "disabled": disabled}, {}))) for sub in f]


def _wtforms_label(f: Any, css: Any = None, for_id: Any = None, text: Any = None) -> Markup:
    kw = {"class": css} if css else {}
    if for_id:
        return Markup(next(sub for sub in f if sub.id == for_id).label(**kw))
    return Markup(f.label(**kw))


#: The questionnaire's control writers (assess/views/controls.py) replaced by WTForms' own widgets and labels:
#: what the page wrote before. small_field and field_error call the module's functions, so they are patched there.
WTFORMS_WRITERS = {
    "control": _wtforms_control,
    "radio": _wtforms_radio,
    "radios": _wtforms_radios,
    "label": _wtforms_label,
}


class _Elements(HTMLParser):
    """Every element of a page as [tag, attributes, text]: a label's text is all the text inside it."""

    VOID = frozenset({"input", "br", "img", "hr", "meta", "link", "source", "wbr", "col", "area"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[list[Any]] = []
        self.open: list[list[Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = [tag, dict(attrs), ""]
        self.elements.append(element)
        if tag not in self.VOID:
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.elements:
            self.elements[-1][2] += data
        for element in self.open:
            if element[0] == "label" and element is not self.elements[-1]:
                element[2] += data


def _form_html(html: str) -> str:
    start = html.index('<form id="questionnaire"')
    form = html[start : html.index("</form>", start)]
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', form)  # signed with the time


def elements(html: str) -> list[tuple[str, tuple[tuple[str, str | None], ...], str]]:
    """Return the questionnaire form's elements: tag, sorted attributes, text (whitespace collapsed)."""
    parser = _Elements()
    parser.feed(_form_html(html))
    return [(tag, tuple(sorted(attrs.items())), " ".join(text.split())) for tag, attrs, text in parser.elements]


def controls(html: str) -> dict[str, Any]:
    """Return what a user (and a screen reader) gets of each control: by id its attributes and its label."""
    found = elements(html)
    labels = {dict(attrs).get("for"): text for tag, attrs, text in found if tag == "label"}
    result = {}
    current_select = None
    for tag, attrs, text in found:
        a = dict(attrs)
        if tag in ("input", "select", "textarea"):
            key = a.get("id") or a.get("name")
            result[key] = {
                "tag": tag,
                **a,
                "label": labels.get(a.get("id")),
                "text": text if tag == "textarea" else None,
            }
            current_select = result[key] if tag == "select" else None
        elif tag == "option" and current_select is not None:
            current_select.setdefault("options", []).append((a.get("value"), "selected" in a, text))
    return result


@pytest.fixture
def demo(app: Flask) -> dict[str, int]:
    return load_demo(app)


def _forget(app: Flask) -> None:
    """Drop the parts the questionnaire keeps per language (written by whichever macros rendered them first)."""
    for form_class in questionnaire._FORM_CLASSES.values():
        form_class.html_cache.clear()


@contextmanager
def wtforms_widgets(app: Flask) -> Iterator[None]:
    """Render pages with the control writers replaced by WTForms' own widgets and labels."""
    globals_ = app.jinja_env.globals
    saved = {name: globals_[name] for name in WTFORMS_WRITERS if name in globals_}
    saved_module = {name: getattr(writers, name) for name in WTFORMS_WRITERS}
    globals_.update((name, WTFORMS_WRITERS[name]) for name in saved)
    for name, writer in WTFORMS_WRITERS.items():
        setattr(writers, name, writer)
    # An imported template (macros.html) keeps the globals it was first loaded with: load every template anew.
    assert app.jinja_env.cache is not None
    app.jinja_env.cache.clear()
    _forget(app)
    try:
        yield
    finally:
        globals_.update(saved)
        for name, writer in saved_module.items():
            setattr(writers, name, writer)
        app.jinja_env.cache.clear()
        _forget(app)


def both(app: Flask, client: FlaskClient, url: str, data: dict[str, Any] | None = None, **kw: Any) -> tuple[str, str]:
    """Return the page as the writers write it (the second time, with their memo) and as WTForms' widgets write it
    (same status)."""

    def fetch() -> tuple[int, str]:
        response = client.get(url, **kw) if data is None else client.post(url, data=data, **kw)
        return response.status_code, response.get_data(as_text=True)

    _forget(app)
    status, first = fetch()
    # The second time, the inputs' and textareas' markup around their values comes from the memo the first wrote.
    status_again, mine = fetch()
    assert (status_again, _page_elements(mine)) == (status, _page_elements(first))
    with wtforms_widgets(app):
        status_wtforms, theirs = fetch()
    assert status == status_wtforms
    assert status in (200, 400), status
    return mine, theirs


def sign_in(client: FlaskClient, username: str) -> None:
    login_as(client, db.session.scalar(select(User).where(User.username == username)))


def with_errors(form: dict[str, Any]) -> dict[str, Any]:
    """Return the posted form with a bad date, a too long text, an unknown evidence level and radio value."""
    bad = dict(form)
    radios = [k for k in bad if re.fullmatch(r"q_[A-Z]+-\d+", k) and bad[k] not in ("", None)]
    for name in list(bad):
        if name.endswith("_due"):
            bad[name] = "31/12/2020"
        elif name.endswith("_motivation"):
            bad[name] = "x" * 5001
        elif name.endswith("_evidence"):
            bad[name] = "E9"
    for name in radios[:2]:
        bad[name] = "bogus"
    return bad


@pytest.mark.parametrize("username", ["admin", "jurist", "lasare"])
def test_every_step_of_every_demo_assessment_has_the_controls_wtforms_writes(
    app: Flask, client: FlaskClient, demo: dict[str, int], username: str
) -> None:
    sign_in(client, username)
    enabled = disabled = 0
    # Every assessment as the admin; the reviewer and the reader on two of them (the pages cost ~0.1 s each).
    shown = demo.values() if username == "admin" else (demo["A"], demo["D2"])
    for assessment_id in shown:
        for step in STEPS:
            mine, theirs = both(app, client, f"/bedomningar/{assessment_id}?steg={step}")
            assert elements(mine) == elements(theirs), (username, assessment_id, step)
            found = controls(mine)
            assert found == controls(theirs)
            assert len(found) > 20
            for control in found.values():
                if control["tag"] != "input" or control.get("type") != "hidden":
                    assert control["label"] or control.get("type") == "hidden", control
                    disabled += "disabled" in control
                    enabled += "disabled" not in control
    if username == "admin":
        assert enabled > 500
    elif username == "jurist":
        # A reviewer answers the questions assigned to them; the page shows the others disabled.
        assert enabled > 20
        assert disabled > enabled
    else:
        assert enabled == 0


def test_what_one_page_wrote_into_the_memo_does_not_reach_a_page_that_differs(
    app: Flask, client: FlaskClient, demo: dict[str, int]
) -> None:
    """The memo is kept with the form's class, for every page of the step: a page where the same fields are
    disabled, or show their errors, is written as it is with an empty memo after pages that had them enabled and
    valid, and the other way round; the page in English is written in English after pages in Swedish."""
    url = f"/bedomningar/{demo['D2']}?steg=legal"
    pages = {"admin": "admin", "reader": "lasare", "reviewer": "jurist", "errors": "admin", "english": "admin"}

    def page(which: str) -> list[Any]:
        sign_in(client, pages[which])
        headers = {"Accept-Language": "en" if which == "english" else "sv"}
        # The post with errors carries the new session's CSRF token.
        posted = with_errors(page_form(client, url)) if which == "errors" else None
        response = client.get(url, headers=headers) if posted is None else client.post(url, data=posted)
        assert response.status_code == (400 if which == "errors" else 200)
        return elements(response.get_data(as_text=True))

    fresh = {}
    for which in pages:
        _forget(app)
        fresh[which] = page(which)
    _forget(app)
    for which in ("admin", "reader", "reviewer", "errors", "english", "admin", "reviewer", "reader", "english"):
        assert page(which) == fresh[which], which

    def disabled(found: list[Any]) -> int:
        return sum(("disabled", None) in attrs for tag, attrs, _text in found if tag in ("input", "textarea"))

    assert disabled(fresh["admin"]) == 0
    assert disabled(fresh["reader"]) > disabled(fresh["reviewer"]) > 0
    assert "field__error" in str(fresh["errors"])
    # The evidence levels' options, in each language.
    assert "E1 – Leverantörens uppgift" in str(fresh["admin"])
    assert "E1 – Provider" in str(fresh["english"])


def test_a_saved_evidence_level_and_text_show_on_the_next_page_though_the_memo_held_the_old(
    app: Flask, client: FlaskClient, demo: dict[str, int]
) -> None:
    """The memo holds a select by the option it has selected and an input around its value: after a save, the page
    selects the level and shows the reference the user saved, not those the memo was written with."""
    url = f"/bedomningar/{demo['D2']}?steg=legal"
    sign_in(client, "admin")
    before = controls(client.get(url).get_data(as_text=True))
    posted = page_form(client, url)
    name = next(n for n in sorted(posted) if n.endswith("_evidence") and posted[n] != "E3")
    ref = name.removesuffix("_evidence") + "_ref"
    posted[name], posted[ref] = "E3", "Avtal bilaga 7"
    assert client.post(url, data=posted).status_code in (302, 303)
    after = controls(client.get(url).get_data(as_text=True))
    selected = [value for value, chosen, _text in after[name]["options"] if chosen]
    assert selected == ["E3"] != [v for v, chosen, _t in before[name]["options"] if chosen]
    assert after[ref]["value"] == "Avtal bilaga 7" != before[ref].get("value")
    _forget(app)
    assert controls(client.get(url).get_data(as_text=True)) == after


def test_posted_values_that_are_no_choice_do_not_grow_the_memo(
    app: Flask, client: FlaskClient, demo: dict[str, int]
) -> None:
    """A select's markup is kept per selected value: a value that is none of its choices (a tampered post) is shown
    with its error but not kept, so that posts cannot fill the process's memory."""
    url = f"/bedomningar/{demo['D2']}?steg=legal"
    sign_in(client, "admin")
    form = page_form(client, url)
    name = next(n for n in sorted(form) if n.endswith("_evidence"))
    (memo,) = {
        id(c.html_cache): c.html_cache for c in questionnaire._FORM_CLASSES.values() if c.area_id == "legal"
    }.values()

    def post(value: str) -> str:
        response = client.post(url, data={**page_form(client, url), name: value})
        assert response.status_code == 400
        return response.get_data(as_text=True)

    page = post("E9-nonsense-0")
    assert f'id="{name}-error"' in page
    size = len(memo)
    for n in range(1, 6):
        post(f"E9-nonsense-{n}")
    assert len(memo) == size


def test_the_english_page_has_the_controls_wtforms_writes(
    app: Flask, client: FlaskClient, demo: dict[str, int]
) -> None:
    sign_in(client, "admin")
    for step in ("context", "legal"):
        mine, theirs = both(app, client, f"/bedomningar/{demo['D2']}?steg={step}", headers={"Accept-Language": "en"})
        assert elements(mine) == elements(theirs)
        assert '<html lang="en">' in mine


@pytest.mark.parametrize("username", ["admin", "jurist"])
def test_validation_errors_are_shown_on_the_controls_as_wtforms_writes_them(
    app: Flask, client: FlaskClient, demo: dict[str, int], username: str
) -> None:
    sign_in(client, username)
    for key, step in (("A", "legal"), ("D2", "context"), ("D2", "legal")):
        url = f"/bedomningar/{demo[key]}?steg={step}"
        posted = with_errors(page_form(client, url))
        mine, theirs = both(app, client, url, posted)
        assert elements(mine) == elements(theirs), (key, step)
        invalid = [c for c in controls(mine).values() if c.get("aria-invalid") == "true"]
        if username == "admin" or step == "legal":
            assert invalid, (key, step)
            for control in invalid:
                assert f"{control['id']}-error" in control["aria-describedby"].split()
                assert f'id="{control["id"]}-error"' in mine


def test_each_control_is_written_as_the_field_writes_itself(app: Flask, demo: dict[str, int]) -> None:
    """Field by field, with and without errors, enabled and disabled, with extra data-* and aria-* attributes."""
    from assess.services import assessments as service

    template = app.jinja_env.from_string("{{ control(f, css, disabled, describedby, invalid, type, rows, attrs) }}")
    with app.test_request_context(
        f"/bedomningar/{demo['D2']}",
        method="POST",
        data={"q_G-01_due": "31/12/2020", "q_G-01_evidence": "E9", "q_G-01_unknown": "y", "q_G-03_ref": 'a"<b>&'},
    ):
        data = service.load_questionnaire(demo["D2"])
        form_class = questionnaire.area_form_class(data.ruleset, "context")
        stored = form_class(
            formdata=None,
            data=questionnaire.form_data(data.ruleset, "context", data.assessment.answers, data.assessment.version),
        )
        posted = form_class(meta={"csrf": False})
        posted.validate()
        assert posted["q_G-01_due"].errors
        questionnaire.set_assignee_choices(stored, data)
        variants: list[dict[str, Any]] = [
            {},
            {"css": "field__input", "disabled": True},
            {"css": "field__input", "disabled": False, "describedby": "x-error", "invalid": "true"},
            {"css": "a b", "rows": 3, "attrs": {"data-x": 'y"z', "aria-label": "Etikett", "required": True}},
            {"attrs": {"maxlength": 7, "readonly": True, "id": "other", "checked": False}},
        ]
        checked = 0
        for form in (stored, posted):
            for field in form:
                if field.type in ("RadioChoiceField", "CSRFTokenField"):
                    continue  # radios are rendered option by option (the page test covers them)
                for variant in variants:
                    args = {k: variant.get(k) for k in ("css", "disabled", "describedby", "invalid", "type", "rows")}
                    attrs = dict(variant.get("attrs", {}))
                    if field.type == "SwedishDateField" and not attrs:
                        args["type"] = "date"
                    kw = {
                        **{
                            {"css": "class", "describedby": "aria-describedby", "invalid": "aria-invalid"}.get(k, k): v
                            for k, v in args.items()
                            if v is not None
                        },
                        **attrs,
                    }
                    mine = template.render(f=field, attrs=attrs, **args)
                    theirs = str(field(**kw))
                    assert _attributes(mine) == _attributes(theirs), (field.name, variant)
                    if not attrs:
                        assert mine == theirs, (field.name, variant)  # the same bytes, attributes in WTForms' order
                    checked += 1
        assert checked > 300


def _attributes(html: str) -> list[tuple[str, tuple[tuple[str, str | None], ...], str]]:
    parser = _Elements()
    parser.feed(html)
    return [(tag, tuple(sorted(attrs.items())), text) for tag, attrs, text in parser.elements]


def _page_elements(html: str) -> list[tuple[str, tuple[tuple[str, str | None], ...], str]]:
    """Every element of a whole page (tag, sorted attributes, text), CSRF tokens and load times blanked."""
    parser = _Elements()
    parser.feed(html)
    found = []
    for tag, attrs, text in parser.elements:
        name = attrs.get("name") or ""
        if name.endswith("csrf_token") or name == "loaded_at":
            attrs = {**attrs, "value": ""}  # signed with the time, or the time itself
        found.append((tag, tuple(sorted(attrs.items())), " ".join(text.split())))
    return found


def test_every_other_form_has_the_controls_wtforms_writes(
    app: Flask, client: FlaskClient, demo: dict[str, int]
) -> None:
    """The forms' field macro (macros.html) writes its controls and labels with the same writers: the pages with
    forms, as the admin, the architect (the conditions to follow up on Mina uppgifter) and with errors shown."""
    with app.app_context():
        from assess.models import Assessment

        a = db.session.get(Assessment, demo["D2"])
        assert a is not None
        case_id, alternative_id = a.alternative.case_id, a.alternative_id
    pages = [
        "/arenden/ny",
        f"/arenden/{case_id}/redigera",
        f"/arenden/{case_id}/team",
        f"/arenden/{case_id}/alternativ/nytt",
        f"/alternativ/{alternative_id}/moduler/ny",
        f"/bedomningar/{demo['D2']}/granskning",
        "/admin/konton/nytt",
        "/konto/losenord",
        "/mina-uppgifter",
    ]
    compared = 0
    for username in ("admin", "arkitekt"):
        sign_in(client, username)
        for url in pages if username == "admin" else [p for p in pages if not p.startswith("/admin/")]:
            mine, theirs = both(app, client, url)
            assert _page_elements(mine) == _page_elements(theirs), (username, url)
            compared += mine.count('class="field__input"')
    sign_in(client, "admin")
    for url, data in (("/arenden/ny", {"title": "", "need_statement": "x" * 6000}), ("/admin/konton/nytt", {})):
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True))
        assert token is not None
        mine, theirs = both(app, client, url, {**data, "csrf_token": token.group(1)})
        assert 'aria-invalid="true"' in mine
        assert _page_elements(mine) == _page_elements(theirs), url
    assert compared > 30
