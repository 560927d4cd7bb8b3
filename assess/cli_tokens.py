"""`flask --app assess tokens create|list|revoke`: personal API tokens from the command line.

The secret is printed once, by `create`, and never read from the command line (nothing to leak into a shell's
history or the process list); the commands act for the named user, as that user would on the tokens page.
"""

from __future__ import annotations

import click

from assess.extensions import db, writing


def _user(username: str):  # type: ignore[no-untyped-def]
    from assess.services.errors import DomainError
    from assess.services.users import get_user

    try:
        return get_user(username)
    except DomainError as exc:
        raise click.ClickException("; ".join(exc.problems)) from None


@click.group("tokens")
def tokens_cli() -> None:
    """Personal API tokens: create (shown once), list, revoke."""


@tokens_cli.command("create")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for, e.g. 'Tjänstekatalogen'.")
@click.option("--write", "write", is_flag=True, help="Allow writes too (default: read only).")
@click.option("--days", type=click.IntRange(1, 365), default=90, show_default=True, help="Days until it expires.")
def create_command(username: str, name: str, write: bool, days: int) -> None:
    """Create a token for USERNAME and print its secret (this once)."""
    from assess.services import tokens
    from assess.services.errors import DomainError

    with writing():
        user = _user(username)
        try:
            new = tokens.create_token(user, name, tokens.READ_WRITE if write else tokens.READ, days)
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException("; ".join(exc.problems)) from None
        db.session.commit()
        click.echo(
            f"Nyckel {new.token.id} ({new.token.scopes}) för {user.username}, giltig till "
            f"{new.token.expires_at:%Y-%m-%d}. Den visas bara nu: / shown only now:",
            err=True,
        )
        click.echo(new.secret)


@tokens_cli.command("list")
@click.argument("username")
def list_command(username: str) -> None:
    """List USERNAME's tokens (never their secrets)."""
    from assess.services import tokens

    user = _user(username)
    rows = tokens.tokens_of(user)
    if not rows:
        click.echo("Inga nycklar. / No tokens.")
    for t in rows:
        state = "återkallad/revoked" if t.revoked_at else ("giltig/live" if tokens.is_live(t) else "utgången/expired")
        used = f"{t.last_used_at:%Y-%m-%d}" if t.last_used_at else "-"
        click.echo(f"{t.id}\t{t.prefix}…\t{t.scopes}\t{t.expires_at:%Y-%m-%d}\t{used}\t{state}\t{t.name}")


@tokens_cli.command("revoke")
@click.argument("username")
@click.argument("token_id", type=int)
def revoke_command(username: str, token_id: int) -> None:
    """Revoke USERNAME's token TOKEN_ID."""
    from assess.services import tokens
    from assess.services.errors import DomainError

    with writing():
        user = _user(username)
        try:
            token = tokens.revoke_token(user, token_id)
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException("; ".join(exc.problems)) from None
        db.session.commit()
        click.echo(f"Nyckel {token.id} ({token.name}) är återkallad. / Token revoked.")
