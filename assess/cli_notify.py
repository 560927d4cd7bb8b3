"""`flask --app assess notify`: send the reminders that are due (run daily by cron or a systemd timer)."""

from __future__ import annotations

import datetime as dt

import click

from assess.extensions import db, writing


@click.command("notify")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day to remind for, YYYY-MM-DD (default: today in Stockholm, or the TODAY setting).",
)
@click.option("--dry-run", is_flag=True, help="Only list the mails that would go out; send and record nothing.")
def notify_command(today: dt.datetime | None, dry_run: bool) -> None:
    """Send the reminders due today by e-mail, each at most once (open questions, conditions, next reviews)."""
    from assess.services import notifications
    from assess.services.mail import MailError, is_configured
    from assess.views import today as app_today

    day = today.date() if today is not None else app_today()
    if not dry_run and not is_configured():
        click.echo(
            "fel: e-post är inte konfigurerad: sätt ASSESS_MAIL_SERVER, ASSESS_MAIL_FROM och ASSESS_BASE_URL "
            "(eller kör med --dry-run). / error: mail is not configured.",
            err=True,
        )
        raise SystemExit(2)
    try:
        with writing():
            report = notifications.send_due(day, dry_run=dry_run, checkpoint=db.session.commit)
            db.session.commit()
    except MailError as exc:
        db.session.rollback()
        click.echo(f"fel: e-postservern svarar inte eller vägrar: {exc} / error: the mail server refused.", err=True)
        raise SystemExit(1) from None
    for line in report.sent:
        count = f" ({line.count})" if line.count > 1 else ""
        click.echo(f"{line.kind}{count}  {line.username}  {line.link}")
    for line, problem in report.failed:
        click.echo(f"fel: {line.kind} till {line.username} skickades inte: {problem}", err=True)
    verb = "Skulle skicka" if dry_run else "Skickade"
    click.echo(
        f"{verb} {len(report.sent)} e-postmeddelanden för {day.isoformat()}; "
        f"{report.already_sent} påminnelser var redan skickade."
    )
    if dry_run:
        click.echo("Torrkörning: inget är skickat eller sparat.")
    if report.failed:
        raise SystemExit(1)
