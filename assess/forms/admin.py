"""The forms of account administration: a new local account, roles and areas, and the buttons that change state."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from assess.labels import REVIEW_AREA, ROLE
from assess.models import ReviewArea, Role


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (a group with one label, each box with its own)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        known = {value for value, _label in self.choices}  # type: ignore[misc]
        if any(value not in known for value in self.data or []):
            raise ValidationError(str(_l("Okänt val.")))


class RolesForm(FlaskForm):
    """An account's roles and, for a reviewer, the review areas."""

    roles = CheckboxesField(_l("Roller"), validators=[Optional()])
    areas = CheckboxesField(
        _l("Granskningsområden"),
        description=_l("Bara för granskare: de områden hen granskar."),
        validators=[Optional()],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.roles.choices = [(r.value, ROLE[r.value]) for r in Role]
        self.areas.choices = [(a.value, REVIEW_AREA[a.value]) for a in ReviewArea]


class NewAccountForm(RolesForm):
    """A local account: username, name, e-mail, a first password, roles."""

    username = StringField(
        _l("Användarnamn"),
        description=_l("a–z, 0–9, punkt, bindestreck och understreck, 2–64 tecken."),
        validators=[DataRequired(_l("Ange ett användarnamn.")), Length(max=64, message=_l("Högst 64 tecken."))],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    display_name = StringField(
        _l("Namn"),
        validators=[DataRequired(_l("Ange personens namn.")), Length(max=200, message=_l("Högst 200 tecken."))],
    )
    email = EmailField(
        _l("E-post"),
        validators=[
            Optional(),
            Length(max=254, message=_l("Högst 254 tecken.")),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Ange en giltig e-postadress.")),
        ],
    )
    password = PasswordField(
        _l("Första lösenord"),
        description=_l("Minst 12 tecken och svårt att gissa. Ge det till personen på ett säkert sätt."),
        validators=[DataRequired(_l("Ange ett lösenord.")), Length(max=1024, message=_l("För långt lösenord."))],
        render_kw={"autocomplete": "new-password"},
    )


class ConfirmForm(FlaskForm):
    """A button that changes an account's state (deactivate, activate): only the form token."""
