"""A questionnaire form binds its fields as copies of the fields WTForms bound first (assess/forms/questionnaire.py).

The copies must be what WTForms builds anew: the same attributes, the same HTML from WTForms' own widgets, the
same data from the same post and the same errors from the same validation, and nothing of one form may reach
another (its choices, its validators, its flags, its form and meta).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from assess.forms.questionnaire import QuestionnaireForm, area_form_class
from assess.labels import EVIDENCE_CHOICE
from assess.rulesets import registry

AREAS = ("context", "legal", "infosec", "patient_safety")


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.test_request_context("/bedomningar/1", method="POST"):
        yield app


def _post(form_class: type[QuestionnaireForm]) -> MultiDict[str, str]:
    """Return a post with a value for every field, some of them invalid (a made-up option, a bad date, too long)."""
    posted: MultiDict[str, str] = MultiDict({"base_version": "7", "base_digest": ""})
    for i, q in enumerate(form_class.ruleset.questions_in(form_class.area_id)):
        name = f"q_{q.id}"
        if q.type == "text":
            posted[name] = "x" * (20_000 if i % 3 == 0 else 5)
            posted[f"{name}_unknown"] = "y" if i % 2 else ""
        else:
            posted[name] = "no-such-option" if i % 3 == 0 else str(q.options[0].id)
        posted[f"{name}_evidence"] = "E9" if i % 4 == 0 else "E2"
        posted[f"{name}_motivation"] = f"motivering {i}"
        posted[f"{name}_ref"] = f"ref-{i}"
        posted[f"{name}_owner"] = f"u:{i}"
        posted[f"{name}_due"] = "2027-13-40" if i % 5 == 0 else "2027-01-15"
    return posted


def _anew(form_class: type[QuestionnaireForm], monkeypatch: pytest.MonkeyPatch, **kw: Any) -> QuestionnaireForm:
    """Return a form built by WTForms alone (no prototypes)."""
    with monkeypatch.context() as m:
        m.setattr(form_class, "prototypes", None)
        return form_class(**kw)


def _state(field: Any, form: Any) -> dict[str, Any]:
    """Return a field's attributes, its form and meta checked to be the form's own, flags as a dict."""
    state = dict(vars(field))
    assert state.pop("_form") is form
    assert state.pop("meta") is form.meta
    if "csrf_impl" in state:
        assert state.pop("csrf_impl") is form._csrf
    state["flags"] = vars(state["flags"])
    state["label"] = (field.label.field_id, str(field.label.text))
    return state


@pytest.mark.parametrize("area", AREAS)
def test_a_copied_field_holds_renders_and_validates_as_a_field_wtforms_builds_anew(
    ctx: Flask, area: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    form_class = area_form_class(registry().newest(), area)
    form_class(formdata=None)  # the first form of the class binds the prototypes
    assert form_class.prototypes, "the first form keeps its fields as prototypes"
    posted = _post(form_class)
    for kw in ({"formdata": posted}, {"formdata": None, "data": {"base_version": "3"}}):
        copied = form_class(**kw)
        anew = _anew(form_class, monkeypatch, **kw)
        assert [f.name for f in copied] == [f.name for f in anew]
        assert copied.validate() == anew.validate()
        if kw["formdata"] is not None:
            assert any(f.errors for f in copied if f.name.startswith("q_")), "the post's problems are found"
        for mine, theirs in zip(copied, anew, strict=True):
            assert _state(mine, copied) == _state(theirs, anew), mine.name
            if mine.name != "csrf_token":
                assert str(mine()) == str(theirs()), mine.name


def test_the_post_s_problems_are_found_on_a_copied_form(ctx: Flask) -> None:
    form_class = area_form_class(registry().newest(), "context")
    form_class(formdata=None)
    form = form_class(formdata=_post(form_class))
    assert not form.validate()
    questions = list(form_class.ruleset.questions_in("context"))
    for i, q in enumerate(questions):
        name = f"q_{q.id}"
        assert bool(form[f"{name}_evidence"].errors) == (i % 4 == 0), name
        assert bool(form[f"{name}_due"].errors) == (i % 5 == 0), name
        if i % 5:
            assert form[f"{name}_due"].data == dt.date(2027, 1, 15)
        assert bool(form[name].errors) == (i % 3 == 0), name
        assert form[f"{name}_owner"].data == f"u:{i}"


def test_nothing_of_one_form_reaches_the_next(ctx: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not from the first form of its class either, whose fields WTForms bound: their lists were the unbound
    fields' own, so a validator added to one reached every form built after it (and the cached class of other
    tests). A class of its own: this form is the first of it."""
    from assess.forms.questionnaire import _build

    form_class = _build(registry().newest(), "legal")
    first = form_class(formdata=None)
    second = form_class(formdata=None)
    owner = next(f for f in first if f.name.endswith("_owner"))
    evidence = next(f for f in first if f.name.endswith("_evidence"))
    owner.choices.append(SelectChoice("u:99", "Someone"))
    evidence.choices.clear()
    owner.validators.append(lambda form, field: None)
    owner.flags.required = True
    owner.errors = ["a problem"]
    owner.data = "u:99"
    third = form_class(formdata=None)
    for later in (second, third, _anew(form_class, monkeypatch, formdata=None)):
        assert [c.value for c in later[owner.name].choices] == [""]
        assert [c.value for c in later[evidence.name].choices] == list(EVIDENCE_CHOICE)
        assert len(later[owner.name].validators) == len(owner.validators) - 1
        assert not later[owner.name].flags.required
        assert not later[owner.name].errors
        assert later[owner.name].data in ("", None)
        assert later[owner.name].meta is later.meta
