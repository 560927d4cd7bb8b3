"""Forms for cases, alternatives and modules (scopes)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from assess.forms.fields import SelectChoiceField
from assess.labels import OPERATING_MODEL as OPERATING_MODELS

MAX_TEXT = 5000


def _len(n: int) -> Length:
    return Length(max=n, message=f"Högst {n} tecken.")


class CaseForm(FlaskForm):
    """A case: what is needed, who owns the information and who decides."""

    title = StringField("Ärendets namn", validators=[DataRequired("Ange ett namn på ärendet."), _len(200)])
    need_statement = TextAreaField(
        "Behov (behovsanalys)",
        description="Varför behövs en molntjänst, vilka alternativ finns (också att stanna i egen drift)?",
        validators=[Optional(), _len(MAX_TEXT)],
    )
    information_owner = StringField("Informationsägare", validators=[Optional(), _len(200)])
    decision_maker = StringField("Beslutsfattare", validators=[Optional(), _len(200)])
    loaded_at = HiddenField()


class AlternativeForm(FlaskForm):
    """An alternative: a way to meet the need."""

    name = StringField("Namn", validators=[DataRequired("Ange ett namn på alternativet."), _len(200)])
    description = TextAreaField("Beskrivning", validators=[Optional(), _len(MAX_TEXT)])
    operating_model = SelectChoiceField(
        "Driftmodell",
        choices=[SelectChoice("", "Inte bestämd"), *(SelectChoice(k, v) for k, v in OPERATING_MODELS.items())],
        default="",
    )
    provider = StringField("Leverantör", validators=[Optional(), _len(200)])
    loaded_at = HiddenField()


class ModuleForm(FlaskForm):
    """A module (scope) of an alternative: each gets its own assessment."""

    scope = StringField(
        "Omfattning (modul)",
        description="Till exempel 'Hela alternativet' eller 'D1 – AI-diktering'. En bedömning gäller en omfattning.",
        validators=[DataRequired("Ange omfattningen."), _len(200)],
    )
    description = TextAreaField(
        "Beskrivning av omfattningen",
        description="Vilken information (och KLASSA-nivå) och vilka användare omfattas?",
        validators=[Optional(), _len(MAX_TEXT)],
    )
