"""*API-nycklar*: the signed-in user's personal API tokens: create (the secret shown once), list, revoke."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import IntegerField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange

from assess.extensions import db
from assess.i18n import _
from assess.models.types import utcnow
from assess.services import tokens
from assess.services.errors import DomainError
from assess.views.access import ANY_ROLE, allow

bp = Blueprint("tokens", __name__)


class TokenForm(FlaskForm):
    """A new token: its name, what it may do and how long it lasts."""

    name = StringField(
        _l("Namn"),
        description=_l("Vad nyckeln används till, till exempel ”Tjänstekatalogen”."),
        validators=[DataRequired(_l("Ge nyckeln ett namn.")), Length(max=tokens.MAX_NAME)],
    )
    scopes = RadioField(
        _l("Behörighet"),
        choices=[SelectChoice(tokens.READ, _l("Läsa")), SelectChoice(tokens.READ_WRITE, _l("Läsa och skriva"))],
        default=tokens.READ,
    )
    days = IntegerField(
        _l("Giltig i dagar"),
        description=_l("Högst 365 dagar."),
        default=tokens.DEFAULT_DAYS,
        validators=[
            NumberRange(min=1, max=tokens.MAX_DAYS, message=_l("Ange ett antal dagar mellan 1 och 365.")),
        ],
    )


class RevokeForm(FlaskForm):
    """Only the CSRF token: the token to revoke is in the URL."""


def _page(form: TokenForm, secret: str | None = None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "account/tokens.html",
        form=form,
        revoke=RevokeForm(),
        tokens=tokens.tokens_of(current_user),
        secret=secret,
        now=utcnow(),
        is_live=tokens.is_live,
    ), status


@bp.route("/konto/api-nycklar", methods=["GET"])
@allow(*ANY_ROLE)
def index() -> tuple[str, int]:
    return _page(TokenForm(formdata=None))


@bp.route("/konto/api-nycklar", methods=["POST"])
@allow(*ANY_ROLE)
def create() -> tuple[str, int]:
    form = TokenForm()
    if not form.validate():
        return _page(form, status=400)
    try:
        new = tokens.create_token(current_user, form.name.data or "", form.scopes.data, int(form.days.data or 0))
    except DomainError as exc:
        db.session.rollback()
        for name, message in exc.fields.items():
            target = form[name] if name in form else form.name  # noqa: SIM401 (a form has no get)
            target.errors = [*target.errors, message]
        return _page(form, status=exc.status_code)
    db.session.commit()
    # The secret is in this one answer only (no-store): it is never stored, logged or shown again.
    return _page(TokenForm(formdata=None), secret=new.secret)


@bp.route("/konto/api-nycklar/<int:token_id>/aterkalla", methods=["POST"])
@allow(*ANY_ROLE)
def revoke(token_id: int) -> Response | tuple[str, int]:
    if not RevokeForm().validate():
        return _page(TokenForm(formdata=None), status=400)
    token = tokens.revoke_token(current_user, token_id, current_user)
    db.session.commit()
    flash(_("Nyckeln %(name)s är återkallad.", name=token.name), "success")
    return redirect("/konto/api-nycklar")
