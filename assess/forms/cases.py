"""Forms for cases, alternatives and modules (scopes)."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, HiddenField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from assess.forms.fields import SelectChoiceField
from assess.labels import OPERATING_MODEL as OPERATING_MODELS

MAX_TEXT = 5000


def _len(n: int) -> Length:
    # WTForms fills in %(max)s; the text is translated when the message is made (in the reader's language).
    return Length(max=n, message=_l("Högst %(max)s tecken."))


class CaseForm(FlaskForm):
    """A case: what is needed, who owns the information and who decides."""

    title = StringField(_l("Ärendets namn"), validators=[DataRequired(_l("Ange ett namn på ärendet.")), _len(200)])
    need_statement = TextAreaField(
        _l("Behov (behovsanalys)"),
        description=_l("Varför behövs en molntjänst, vilka alternativ finns (också att stanna i egen drift)?"),
        validators=[Optional(), _len(MAX_TEXT)],
    )
    information_owner = StringField(_l("Informationsägare"), validators=[Optional(), _len(200)])
    decision_maker = StringField(_l("Beslutsfattare"), validators=[Optional(), _len(200)])
    loaded_at = HiddenField()


class AlternativeForm(FlaskForm):
    """An alternative: a way to meet the need."""

    name = StringField(_l("Namn"), validators=[DataRequired(_l("Ange ett namn på alternativet.")), _len(200)])
    description = TextAreaField(_l("Beskrivning"), validators=[Optional(), _len(MAX_TEXT)])
    operating_model = SelectChoiceField(
        _l("Driftmodell"),
        choices=[
            SelectChoice("", _l("Inte bestämd")),
            *(SelectChoice(k, LazyString(OPERATING_MODELS.__getitem__, k)) for k in OPERATING_MODELS),
        ],
        default="",
    )
    provider = StringField(_l("Leverantör"), validators=[Optional(), _len(200)])
    loaded_at = HiddenField()


class ModuleForm(FlaskForm):
    """A module (scope) of an alternative: each gets its own assessment."""

    scope = StringField(
        _l("Omfattning (modul)"),
        description=_l(
            "Till exempel 'Hela alternativet' eller 'D1 – AI-diktering'. En bedömning gäller en omfattning."
        ),
        validators=[DataRequired(_l("Ange omfattningen.")), _len(200)],
    )
    description = TextAreaField(
        _l("Beskrivning av omfattningen"),
        description=_l("Vilken information (och KLASSA-nivå) och vilka användare omfattas?"),
        validators=[Optional(), _len(MAX_TEXT)],
    )


class TeamMemberForm(FlaskForm):
    """Name a user in a role of the case's team (the choices are set per page)."""

    user = SelectChoiceField(_l("Person"), choices=[])
    role = SelectChoiceField(_l("Roll i teamet"), choices=[])


class ContactForm(FlaskForm):
    """A contact outside the region, e.g. the vendor's."""

    name = StringField(_l("Namn"), validators=[DataRequired(_l("Ange kontaktpersonens namn.")), _len(200)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), _len(200)])
    email = StringField(_l("E-post"), validators=[Optional(), _len(254)])
    alternative = SelectChoiceField(_l("Svarar för"), choices=[])


class RemoveForm(FlaskForm):
    """Take someone out of the team (CSRF only)."""


def _verdict_choices() -> list[tuple[str, str]]:
    from assess import texts
    from assess.i18n import _

    return [("", _("Alla utfall")), *((code, _(label)) for code, label in texts.VERDICT.items())]


def _status_choices() -> list[tuple[str, str]]:
    from assess.i18n import _

    return [("", _("Alla")), ("open", _("Pågående")), ("closed", _("Avslutat"))]


class CaseFilterForm(Form):
    """The case list's search and filters (a GET form: nothing changes, so no CSRF token)."""

    sok = StringField(_l("Sök i rubriken"), validators=[Optional(), Length(max=200)])
    agare = StringField(_l("Informationsägare"), validators=[Optional(), Length(max=200)])
    status = SelectChoiceField(_l("Status"), choices=_status_choices, validate_choice=True, default="")
    utfall = SelectChoiceField(_l("Utfall"), choices=_verdict_choices, validate_choice=True, default="")
    forsenat = BooleanField(_l("Bara försenade (villkor eller frågor)"))
