"""The sign-in and password forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(
        _l("Användarnamn"),
        validators=[DataRequired(_l("Ange ditt användarnamn.")), Length(max=64, message=_l("Högst 64 tecken."))],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Lösenord"),
        validators=[DataRequired(_l("Ange ditt lösenord.")), Length(max=1024, message=_l("För långt lösenord."))],
        render_kw={"autocomplete": "current-password"},
    )


class PasswordForm(FlaskForm):
    """A new password for the signed-in user: the current one, the new one twice."""

    current_password = PasswordField(
        _l("Nuvarande lösenord"),
        validators=[
            DataRequired(_l("Ange ditt nuvarande lösenord.")),
            Length(max=1024, message=_l("För långt lösenord.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("Nytt lösenord"),
        description=_l("Minst 12 tecken och svårt att gissa: en fras av flera ovanliga ord fungerar bra."),
        validators=[DataRequired(_l("Ange ett nytt lösenord.")), Length(max=1024, message=_l("För långt lösenord."))],
        render_kw={"autocomplete": "new-password"},
    )
    repeat_password = PasswordField(
        _l("Upprepa det nya lösenordet"),
        validators=[
            DataRequired(_l("Upprepa det nya lösenordet.")),
            EqualTo("new_password", message=_l("Lösenorden är inte lika.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class RemindersForm(FlaskForm):
    """Whether the signed-in user gets reminders and notices by e-mail."""

    email_reminders = BooleanField(_l("Skicka påminnelser till mig med e-post"))
