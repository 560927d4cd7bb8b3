"""Questionnaire forms, built at run time from the rule set: one form class per (rule set, area)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import LazyString
from flask_babel import gettext as _gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import Flags
from wtforms.validators import InputRequired, Length, Optional, Regexp

import rules
from assess.forms.fields import RadioChoiceField, SelectChoiceField, SwedishDateField
from assess.i18n import N_, current_locale, text
from assess.labels import EVIDENCE_CHOICE
from assess.models import Answer
from assess.services.assessments import (
    MAX_OWNER,
    MAX_REF,
    MAX_TEXT,
    AnswerInput,
    QuestionnaireData,
    assignee_key,
    decode_digests,
    encode_digests,
    page_digests,
)

SUFFIXES = ("", "_unknown", "_evidence", "_motivation", "_ref", "_owner", "_due")


class _PrototypeMeta(FlaskForm.Meta):
    """Bind each field of a questionnaire form as a copy of the field WTForms bound first for its class and name.

    A step has up to 150 fields, and WTForms builds each anew for every form: its validators checked, its flags
    gathered, its label and choices made. That was a tenth of the questionnaire page's server time (issue 14).
    What a bound field holds before it is processed depends only on its unbound field, name, prefix and
    translations, so the first field bound is kept (without its form) and later forms take a copy of its
    attributes, with their own form and meta, and their own lists (choices, validators, date formats) and flags.
    Processing and validation are WTForms' own. tests/assess/test_questionnaire_form.py checks that a copied field
    holds what a field built anew holds, and renders and validates alike.
    """

    def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
        prototypes: dict[Any, tuple[Field, tuple[str, ...]]] | None = getattr(type(form), "prototypes", None)
        if prototypes is None:
            return super().bind_field(form, unbound_field, options)
        key = (unbound_field, options.get("name"), options.get("prefix"), options.get("translations"))
        prototype = prototypes.get(key)
        if prototype is None:
            field = super().bind_field(form, unbound_field, options)
            lists = tuple(name for name, value in vars(field).items() if type(value) is list)
            prototype = prototypes[key] = (_copy_field(field, lists, None, None), lists)
            # The field WTForms bound holds its unbound field's own lists (validators given to the field are that
            # very list): the first form takes a copy too, so that nothing it changes reaches a later form.
        return _copy_field(*prototype, form, self)


def _copy_field(field: Field, lists: tuple[str, ...], form: Any, meta: Any) -> Field:
    """Return a copy of a bound, unprocessed field (its lists copied too) that belongs to the given form and meta."""
    state = field.__dict__.copy()
    for name in lists:
        state[name] = state[name].copy()
    flags = state["flags"] = Flags()
    flags.__dict__.update(field.flags.__dict__)
    state["_form"] = form
    state["meta"] = meta
    clone: Field = object.__new__(type(field))
    clone.__dict__ = state
    return clone


class QuestionnaireForm(FlaskForm):
    """Base class: the version the user loaded, for optimistic concurrency."""

    Meta = _PrototypeMeta

    # The labels are given (never shown) so that WTForms does not translate a made-up one for every form.
    base_version = HiddenField(
        "base_version", validators=[InputRequired(_l("Sidans version saknas.")), Regexp(r"^\d{1,9}$")]
    )
    #: Fingerprints of the answers as this page showed them: only what the user changed is saved.
    base_digest = HiddenField("base_digest", validators=[Optional(), Length(max=20_000)])

    #: Set on each built class: its fields as first bound (and the names of their lists), by (unbound field, name,
    #: prefix, translations).
    prototypes: dict[Any, tuple[Field, tuple[str, ...]]]

    #: Set on each built class: the rule set and the area it was built for.
    ruleset: rules.RuleSet
    area_id: str
    #: What assess/views/questions.py writes once per (language, question) of this class: the parts of
    #: a question that only the rule set and the language decide.
    html_cache: dict[Any, Any]

    def question_fields(self, qid: str) -> dict[str, Field]:
        """Return the fields of one question by suffix ('' is the value)."""
        return {suffix: self[f"q_{qid}{suffix}"] for suffix in SUFFIXES if f"q_{qid}{suffix}" in self}


class _Label(LazyString):
    """A label of the cached form classes: made text once per language, not once per field of every page.

    The same few labels ("Underlag", the evidence levels, the options of a question) are read hundreds of times
    on one page; gettext each time was a tenth of the questionnaire's server time (issue 14). The catalogues do
    not change while the app runs, so the text in one locale stays the same.
    """

    def __init__(self, func: Any, *args: Any) -> None:
        super().__init__(func, *args)
        self._texts: dict[Any, str] = {}

    def __str__(self) -> str:
        locale = current_locale()
        found = self._texts.get(locale)
        if found is None:
            found = self._texts[locale] = str(self._func(*self._args))
        return found


def _label(message: str) -> _Label:
    return _Label(_gettext, message)


def field_names(ruleset: rules.RuleSet, area_id: str) -> set[str]:
    """Return every question field name of an area's form."""
    return {
        f"q_{q.id}{s}" for q in ruleset.questions_in(area_id) for s in SUFFIXES if s != "_unknown" or q.type == "text"
    }


def _too_long(n: int) -> Length:
    # WTForms fills in %(max)s; the text is translated when the message is made (in the reader's language).
    return Length(max=n, message=_l("Högst %(max)s tecken."))


def _build(ruleset: rules.RuleSet, area_id: str) -> type[QuestionnaireForm]:
    # The classes are cached across requests: every text is lazy, read in the language of the request showing it.
    attrs: dict[str, Any] = {"ruleset": ruleset, "area_id": area_id, "html_cache": {}, "prototypes": {}}
    evidence_choices = [SelectChoice(code, _Label(EVIDENCE_CHOICE.__getitem__, code)) for code in EVIDENCE_CHOICE]
    # One label object per text, shared by every question's field (each is made text once per language).
    labels = {
        "unknown": _label(N_("Okänt ännu")),
        "evidence": _label(N_("Underlag")),
        "motivation": _label(N_("Motivering")),
        "ref": _label(N_("Underlagsreferens (dokument eller länk)")),
        "owner": _label(N_("Vem tar reda på det?")),
        "due": _label(N_("Senast (datum)")),
    }
    for q in ruleset.questions_in(area_id):
        name = f"q_{q.id}"
        title = _Label(text, q.title)
        if q.type == "text":
            attrs[name] = TextAreaField(title, validators=[Optional(), _too_long(MAX_TEXT)])
            attrs[f"{name}_unknown"] = BooleanField(labels["unknown"])
        else:
            choices = [SelectChoice(str(o.id), _Label(text, o.label)) for o in q.options]
            attrs[name] = RadioChoiceField(title, choices=choices, validators=[Optional()])
        attrs[f"{name}_evidence"] = SelectChoiceField(labels["evidence"], choices=evidence_choices, default="E1")
        attrs[f"{name}_motivation"] = TextAreaField(labels["motivation"], validators=[Optional(), _too_long(MAX_TEXT)])
        attrs[f"{name}_ref"] = StringField(labels["ref"], validators=[Optional(), _too_long(MAX_REF)])
        # The people to pick from are the case's (set per page by `set_assignee_choices`); the service checks the key.
        attrs[f"{name}_owner"] = SelectField(
            labels["owner"],
            choices=[SelectChoice("", "")],
            validate_choice=False,
            validators=[Optional(), _too_long(MAX_OWNER)],
        )
        attrs[f"{name}_due"] = SwedishDateField(labels["due"], validators=[Optional()])
    return type(f"QuestionnaireForm_{ruleset.id}_{ruleset.version}_{area_id}", (QuestionnaireForm,), attrs)


_FORM_CLASSES: dict[tuple[str, int, str, str], type[QuestionnaireForm]] = {}


def area_form_class(ruleset: rules.RuleSet, area_id: str) -> type[QuestionnaireForm]:
    """Return the form class for one area of a rule set (built once, then cached)."""
    key = (ruleset.id, ruleset.version, ruleset.sha256, area_id)
    if key not in _FORM_CLASSES:
        _FORM_CLASSES[key] = _build(ruleset, area_id)
    return _FORM_CLASSES[key]


def form_data(ruleset: rules.RuleSet, area_id: str, answers: list[Answer], version: int) -> dict[str, Any]:
    """Return the initial data of an area form from stored answers."""
    stored = {row.question_id: row for row in answers}
    data: dict[str, Any] = {"base_version": str(version), "base_digest": base_digest_of(ruleset, area_id, answers)}
    for q in ruleset.questions_in(area_id):
        row = stored.get(q.id)
        name = f"q_{q.id}"
        if row is None:
            data[f"{name}_evidence"] = "E1"
            continue
        if q.type == "text":
            data[f"{name}_unknown"] = row.value == "unknown"
            data[name] = "" if row.value in (None, "unknown") else row.value
        else:
            data[name] = None if row.value is None else str(row.value)
        data[f"{name}_evidence"] = row.evidence.value
        data[f"{name}_motivation"] = row.motivation
        data[f"{name}_ref"] = row.evidence_ref
        data[f"{name}_owner"] = assignee_key(row)
        data[f"{name}_due"] = row.unknown_due
    return data


def _value(q: rules.Question, raw: Any, unknown: bool) -> Any:
    if q.type == "text":
        if unknown:
            return "unknown"
        text = (raw or "").strip()
        return text or None
    if raw in (None, ""):
        return None
    if q.type in ("level", "maturity") and raw != "unknown":
        return int(raw) if str(raw).isascii() and str(raw).isdigit() else raw
    return raw


def inputs_from_form(form: QuestionnaireForm) -> dict[str, AnswerInput]:
    """Return the answers a validated form holds, one AnswerInput per question of the area."""
    inputs = {}
    for q in form.ruleset.questions_in(form.area_id):
        f = form.question_fields(q.id)
        unknown = bool(f["_unknown"].data) if "_unknown" in f else False
        inputs[q.id] = AnswerInput(
            value=_value(q, f[""].data, unknown),
            evidence=f["_evidence"].data or "E1",
            motivation=(f["_motivation"].data or "").strip(),
            evidence_ref=(f["_ref"].data or "").strip(),
            unknown_owner=(f["_owner"].data or "").strip(),
            unknown_due=f["_due"].data,
        )
    return inputs


def base_digest_of(ruleset: rules.RuleSet, area_id: str, answers: Iterable[Answer]) -> str:
    """Return the fingerprints of an area's stored answers, as the page's base_digest field carries them."""
    return encode_digests(page_digests(answers, [q.id for q in ruleset.questions_in(area_id)]))


def base_of(form: QuestionnaireForm) -> dict[str, str] | None:
    """Return the fingerprints of the answers the user's page started from (None if the page sent none)."""
    return decode_digests(form.base_digest.data)


def keep_mine(form: QuestionnaireForm, posted: QuestionnaireForm, question_ids: Iterable[str]) -> None:
    """Copy the user's posted values of the given questions into a form rebuilt from the stored answers."""
    for qid in question_ids:
        for suffix, field in posted.question_fields(qid).items():
            form[f"q_{qid}{suffix}"].data = field.data


def set_assignee_choices(form: QuestionnaireForm, data: QuestionnaireData) -> None:
    """Offer, on each question of the step, the case team's members and contacts (and who holds it now).

    The first choice is the team's default for the question (by its answered_by), named; "ej tilldelad" when the
    team has nobody in that role.
    """
    team = data.team
    if team is None:
        return
    choices = [SelectChoice(c.key, c.label) for c in team.choices(data.assessment)]
    keys = {c.value for c in choices}
    stored = {row.question_id: row for row in data.assessment.answers}
    # The team's default depends on the question's answered_by alone: named once per party, not per question.
    firsts: dict[str, SelectChoice] = {}
    for q in form.ruleset.questions_in(form.area_id):
        first = firsts.get(q.answered_by)
        if first is None:
            default = team.default(q, data.assessment)
            label = _l("Standard enligt teamet: %(name)s", name=default.label) if default else _l("Ej tilldelad")
            first = firsts[q.answered_by] = SelectChoice("", str(label))
        own = list(choices)
        row = stored.get(q.id)
        current = assignee_key(row) if row is not None else ""
        if current and current not in keys:
            # Someone picked before who is no longer offered (left the team, a retired contact): still shown.
            own.append(SelectChoice(current, row.unknown_owner or current))
        form[f"q_{q.id}_owner"].choices = [first, *own]
