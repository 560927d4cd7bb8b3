"""The review page's forms: comment, reply, approve an area, request changes, lift a knock-out, decide; and the
follow-up's claim, verification and sending back of a condition.

They keep the field names the pages have always posted (``reason``, ``note``, ``cond_L-16_owner``, ...). A form
checks only what the services cannot see (a date that is not a date); the review and decision services check
the rest as before (who may act first, then what was given), and their field errors are put on the fields here
(`add_errors`), so each error is shown next to its field and in the error summary, linked to it. Several forms
of one kind can be on one page (an approval form per area, a reply form per comment): `with_ids` gives each
its own ids.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import Field
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, Length, Optional

from assess.forms.fields import SwedishDateField
from assess.i18n import _

#: The longest texts the services take (they check it, and say so by field); the inputs say it too.
MAX_TEXT = 5000
MAX_REFERENCE = 500
MAX_AUTHOR = 200
MAX_EVIDENCE = 500


def _text(label: Any, rows: int) -> TextAreaField:
    return TextAreaField(label, render_kw={"rows": rows, "maxlength": MAX_TEXT})


class CommentForm(FlaskForm):
    """A comment on the whole assessment or one question (the service checks that the question exists)."""

    question_id = SelectField(_l("Gäller fråga"), choices=[], validate_choice=False)
    text = _text(_l("Kommentar"), 3)


class ReplyForm(FlaskForm):
    """A reply to a comment: the comment replied to, and the text."""

    parent_id = HiddenField()
    text = _text(_l("Ditt svar"), 2)


class ApproveForm(FlaskForm):
    """A reviewer's approval of one area, with an optional note."""

    area = HiddenField()
    note = _text(_l("Kommentar till godkännandet (valfri)"), 2)


class RequestChangesForm(FlaskForm):
    """A reviewer sends the assessment back: what the architect is to change."""

    area = HiddenField()
    reason = _text(_l("Vad ska arkitekten ändra?"), 3)


class OverrideForm(FlaskForm):
    """A knock-out lifted by a documented finding (the service checks the question and who may lift it)."""

    question_id = SelectField(_l("Fråga"), choices=[], validate_choice=False)
    reference = StringField(_l("Referens (PM, diarienummer)"), render_kw={"maxlength": MAX_REFERENCE})
    author = StringField(_l("Författare"), render_kw={"maxlength": MAX_AUTHOR})
    finding_date = SwedishDateField(_l("Datum för ställningstagandet"), validators=[Optional()])
    review_date = SwedishDateField(_l("Omprövas senast"), validators=[Optional()])


class ReviseForm(FlaskForm):
    """A new revision of a decided assessment: why (the service checks it too), and that the decision stands.

    Both are checked here so that one post shows every problem at once.
    """

    reason = TextAreaField(
        _l("Varför behövs en ny revision?"),
        validators=[DataRequired(message=_l("Ange varför en ny revision behövs."))],
        description=_l("Till exempel vad som har ändrats hos tjänsten eller leverantören. Skälet sparas i historiken."),
        render_kw={"rows": 3, "maxlength": MAX_TEXT},
    )
    confirm = BooleanField(
        _l("Jag förstår att beslutet står kvar tills den nya revisionen är beslutad"),
        validators=[DataRequired(message=_l("Bekräfta att beslutet står kvar tills den nya revisionen är beslutad."))],
    )


class ConditionForm(Form):
    """The decision maker's terms for one condition: who, and one deadline: a date, or a gate (months for
    'within'). The choice is posted as ``gate`` ("date" or a gate), the date as ``deadline``."""

    owner = SelectField(_l("Ansvarig"), choices=[], validate_choice=False)
    gate = SelectField(
        _l("När ska villkoret vara uppfyllt?"),
        choices=[],
        validate_choice=False,
        description=_l("Välj Datum och fyll i datumet, eller välj en grind. För Inom N månader: fyll i antalet."),
    )
    deadline = SwedishDateField(_l("Senast (datum)"), validators=[Optional()])
    months = StringField(_l('Antal månader (för "inom N månader")'), render_kw={"inputmode": "numeric", "size": 4})


class ClaimForm(FlaskForm):
    """A condition claimed as fulfilled: how, and the evidence (the service checks both); `next` is the page."""

    note = TextAreaField(_l("Hur är villkoret uppfyllt?"), render_kw={"rows": 2, "maxlength": MAX_TEXT})
    evidence = StringField(_l("Underlag (dokument eller länk)"), render_kw={"maxlength": MAX_EVIDENCE})
    next = HiddenField()


class VerifyForm(FlaskForm):
    """A claimed condition verified as fulfilled, with an optional note."""

    note = TextAreaField(_l("Kommentar till verifieringen (valfri)"), render_kw={"rows": 2, "maxlength": MAX_TEXT})
    next = HiddenField()


class SendBackForm(FlaskForm):
    """A claimed condition sent back to its owner: what is missing (the service checks it is given)."""

    reason = TextAreaField(_l("Vad saknas? (visas för den ansvarige)"), render_kw={"rows": 2, "maxlength": MAX_TEXT})
    next = HiddenField()


class KeyedFieldList(FieldList):
    """A FieldList whose entries are named by a key (a question id) rather than a running number.

    With ``separator="_"`` on the list and on its FormField the condition of L-16 posts ``cond_L-16_owner``,
    ``cond_L-16_deadline``, ...: the names the decision has always used. The entries are the keys given as data
    (``[{"key": "L-16"}, ...]``), in that order; posted entries of other keys are not read.
    """

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        self.entries = []
        items = [] if data is unset_value or not data else list(data)
        self.object_data = items
        for item in items:
            self._add_keyed(formdata, item)

    def _add_keyed(self, formdata: Any, item: Mapping[str, Any]) -> Field:
        key = str(item["key"])
        options = {
            "name": f"{self.name}{self._separator}{key}",
            "id": f"{self.id}{self._separator}{key}",
            "_meta": self.meta,
            "translations": self._translations,
        }
        entry = self.meta.bind_field(self._form, self.unbound_field, options)
        entry.index = key
        entry.short_name = key
        entry.process(formdata, {k: v for k, v in item.items() if k != "key"})
        entry.key = key
        self.entries.append(entry)
        return entry

    def entry(self, key: str) -> Field | None:
        """Return the entry of a key, or None."""
        return next((e for e in self.entries if e.key == key), None)


class DecisionForm(FlaskForm):
    """The decision: the conditions' terms, the accepted risks, the next review and the outcome."""

    cond = KeyedFieldList(FormField(ConditionForm, separator="_"), separator="_")
    residual_risks = _text(_l("Kvarstående risker som du accepterar"), 4)
    next_review = SwedishDateField(_l("Nästa omprövning"), validators=[Optional()])
    outcome = RadioField(
        _l("Beslut"),
        choices=[SelectChoice("approved", _l("Godkänn användningen")), SelectChoice("rejected", _l("Avslå"))],
        validate_choice=False,
    )

    def validate(self, extra_validators: Any = None) -> bool:
        """Check the form; a condition's error names its question; a rejection needs no condition terms."""
        valid = super().validate(extra_validators)
        for entry in self.cond:
            for sub in entry:
                if self.outcome.data == "rejected":
                    sub.errors = []
                else:
                    sub.errors = [_("%(question)s: %(problem)s", question=entry.key, problem=e) for e in sub.errors]
        self.cond.errors = []  # they are on the condition's own fields, and in the summary through `leaves`
        if self.outcome.data == "rejected":
            return not any(f.errors for f in _all_fields(self)) and not self.form_errors
        return valid


def leaves(form: Any) -> Iterator[Field]:
    """Yield every field a person fills in, the fields of a list of sub-forms included (not the hidden ones)."""
    for f in form:
        if isinstance(f, FieldList | FormField):
            yield from leaves(f)
        elif f.type not in ("HiddenField", "CSRFTokenField"):
            yield f


def _all_fields(form: Any) -> Iterator[Field]:
    for f in form:
        if isinstance(f, FieldList | FormField):
            yield from _all_fields(f)
        else:
            yield f


def with_ids(form: Any, prefix: str) -> Any:
    """Give every field of the form (and its label) the id prefix + name, so forms on one page never share one."""
    for f in _all_fields(form):
        f.id = f"{prefix}{f.name}"
        f.label.field_id = f.id
    return form


def add_errors(form: Any, fields: Mapping[str, str]) -> None:
    """Put a service's field errors (by posted name) on the form's fields; the others become the form's own."""
    by_name = {f.name: f for f in leaves(form)}
    for name, message in fields.items():
        target = by_name.get(name)
        if target is not None:
            target.errors = [*target.errors, message]
        elif message not in form.form_errors:
            form.form_errors.append(message)


def hidden_errors(form: Any) -> None:
    """Move the errors of hidden fields (area, parent_id) to the form's own errors: no field to link them to."""
    for f in _all_fields(form):
        if f.type in ("HiddenField", "CSRFTokenField") and f.errors:
            form.form_errors.extend(m for m in f.errors if m not in form.form_errors)
            f.errors = []


def unlink(form: Any) -> None:
    """Make every field error the form's own, named by its field: for a form the page does not show."""
    for f in leaves(form):
        form.form_errors.extend(_("%(field)s: %(problem)s", field=f.label.text, problem=m) for m in f.errors)
        f.errors = []


class Summary:
    """What the shared error_summary macro lists for a form: every visible field, sub-forms' fields too."""

    def __init__(self, form: Any) -> None:
        self.form_errors = list(form.form_errors)
        self._fields = list(leaves(form))

    def __iter__(self) -> Iterator[Field]:
        return iter(self._fields)

    def __bool__(self) -> bool:
        return bool(self.form_errors) or any(f.errors for f in self._fields)


class TaskFilterForm(Form):
    """The search and filter of *Mina uppgifter* (a GET form: nothing changes, so no CSRF token)."""

    sok = StringField(_l("Sök i ärende, alternativ och modul"), validators=[Optional(), Length(max=200)])
    forsenat = BooleanField(_l("Bara försenat (frågor och villkor efter sitt datum, moduler med något försenat)"))
