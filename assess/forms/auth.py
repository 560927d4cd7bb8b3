"""The sign-in and password forms."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(
        "Användarnamn",
        validators=[DataRequired("Ange ditt användarnamn."), Length(max=64, message="Högst 64 tecken.")],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        "Lösenord",
        validators=[DataRequired("Ange ditt lösenord."), Length(max=1024, message="För långt lösenord.")],
        render_kw={"autocomplete": "current-password"},
    )


class PasswordForm(FlaskForm):
    """A new password for the signed-in user: the current one, the new one twice."""

    current_password = PasswordField(
        "Nuvarande lösenord",
        validators=[DataRequired("Ange ditt nuvarande lösenord."), Length(max=1024, message="För långt lösenord.")],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "Nytt lösenord",
        description="Minst 12 tecken och svårt att gissa: en fras av flera ovanliga ord fungerar bra.",
        validators=[DataRequired("Ange ett nytt lösenord."), Length(max=1024, message="För långt lösenord.")],
        render_kw={"autocomplete": "new-password"},
    )
    repeat_password = PasswordField(
        "Upprepa det nya lösenordet",
        validators=[
            DataRequired("Upprepa det nya lösenordet."),
            EqualTo("new_password", message="Lösenorden är inte lika."),
        ],
        render_kw={"autocomplete": "new-password"},
    )
