"""The sign-in form."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


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
