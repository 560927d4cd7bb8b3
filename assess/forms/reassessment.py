"""The forms of *Omprövning*: a changed fact's impact, a watch on it, a recorded change, starting a re-assessment.

The changed answers are picked from the rule set's own questions and options (``change`` values
``QUESTION=OPTION``), never typed; the services check them again and have the last word.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from assess.forms.fields import SwedishDateField

MAX_NAME = 200
MAX_REFERENCE = 500
MAX_TEXT = 5000
EVIDENCE_CHOICES = [SelectChoice(level, level) for level in ("E2", "E3", "E4", "E1", "E0")]


class ImpactForm(FlaskForm):
    """Which answers change (question and option picked from lists) and with what evidence: a dry run (GET)."""

    class Meta:
        csrf = False  # a dry run that changes nothing, sent with GET

    change = SelectMultipleField(
        _l("Ändrade svar"),
        choices=[],
        validate_choice=False,
        description=_l("Välj frågan och det svar den skulle få om faktan ändrades (flera går att välja)."),
    )
    evidence = SelectField(_l("Underlagsnivå för de ändrade svaren"), choices=EVIDENCE_CHOICES, default="E2")


class WatchForm(FlaskForm):
    """Save the impact form's answers as a named watch."""

    name = StringField(
        _l("Bevakningens namn"),
        validators=[DataRequired(message=_l("Ge bevakningen ett namn.")), Length(max=MAX_NAME)],
        render_kw={"maxlength": MAX_NAME},
    )
    note = TextAreaField(_l("Anteckning"), render_kw={"rows": 2, "maxlength": MAX_TEXT})


class FactChangeForm(FlaskForm):
    """Record that a watched fact has changed: when, and the decision, judgment or memo that says so."""

    changed_on = SwedishDateField(
        _l("Datum då faktan ändrades"),
        validators=[DataRequired(message=_l("Ange datumet då faktan ändrades (ÅÅÅÅ-MM-DD)."))],
        description=_l("ÅÅÅÅ-MM-DD"),
    )
    reference = StringField(
        _l("Referens"),
        validators=[
            DataRequired(message=_l("Ange en referens (beslut, dom eller PM).")),
            Length(max=MAX_REFERENCE),
        ],
        description=_l("Till exempel domstolens mål eller kommissionens beslut."),
        render_kw={"maxlength": MAX_REFERENCE},
    )


class StartForm(FlaskForm):
    """Start the re-assessment: why (prefilled from the flags' reasons)."""

    reason = TextAreaField(
        _l("Varför omprövas beslutet?"),
        validators=[DataRequired(message=_l("Ange varför beslutet omprövas."))],
        description=_l("Skälet sparas i historiken för båda revisionerna."),
        render_kw={"rows": 3, "maxlength": MAX_TEXT},
    )
