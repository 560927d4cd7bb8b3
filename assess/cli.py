"""`flask --app assess ...` commands: users, demo, cases, records, rules (report lives in cli_report)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import NoReturn

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from assess.extensions import db
from assess.services.errors import DomainError

users_cli = AppGroup("users", help="Manage accounts.")
demo_cli = AppGroup("demo", help="Demo data.")
cases_cli = AppGroup("cases", help="Cases, for scripting.")
records_cli = AppGroup("records", help="Frozen decision records.")
rules_cli = AppGroup("rules", help="Published rule sets and the assessments pinned to them.")

PASSWORD_ENV = "ASSESS_NEW_PASSWORD"  # noqa: S105 (a variable name, not a password)


def fail(problems: list[str], code: int = 1) -> NoReturn:
    """Print every problem on stderr and exit non-zero."""
    db.session.rollback()
    for problem in problems:
        click.echo(f"fel: {problem}", err=True)
    sys.exit(code)


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _password() -> str:
    """Read a new password from ASSESS_NEW_PASSWORD or a hidden prompt; never from argv."""
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    if not _stdin_is_terminal():
        fail([f"Inget lösenord: sätt miljövariabeln {PASSWORD_ENV} eller kör kommandot i en terminal."])
    return str(click.prompt("Lösenord", hide_input=True, confirmation_prompt="Upprepa lösenordet"))


@users_cli.command("create")
@click.option("--username", required=True, help="Login name (a-z, 0-9, . _ -).")
@click.option("--display-name", required=True, help="Full name shown in the tool.")
@click.option("--email", default="", help="E-mail address.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    help="admin, architect, reviewer, decision_maker or viewer (repeat for several).",
)
@click.option(
    "--area",
    "areas",
    multiple=True,
    help="Review area for a reviewer: legal, infosec or patient_safety (repeat for several).",
)
def users_create(username: str, display_name: str, email: str, roles: tuple[str, ...], areas: tuple[str, ...]) -> None:
    """Create an account. The password comes from ASSESS_NEW_PASSWORD or a prompt, never from argv."""
    from assess.services import users as user_service

    password = _password()
    try:
        user = user_service.create_user(
            username=username,
            display_name=display_name,
            email=email,
            password=password,
            roles=roles,
            areas=areas,
        )
    except DomainError as exc:
        fail(exc.problems)
    db.session.commit()
    click.echo(f"Skapade {user.username} ({', '.join(user.role_labels())}).")


@users_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def users_list(as_json: bool) -> None:
    """List accounts with their roles."""
    from assess.services import users as user_service

    rows = [
        {
            "username": u.username,
            "display_name": u.display_name,
            "email": u.email,
            "active": u.active,
            "roles": sorted(r.value for r in u.roles),
            "review_areas": sorted(a.value for a in u.review_areas),
        }
        for u in user_service.list_users()
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        state = "aktiv" if row["active"] else "inaktiv"
        areas = f" [{', '.join(row['review_areas'])}]" if row["review_areas"] else ""
        click.echo(f"{row['username']:<16} {state:<8} {', '.join(row['roles'])}{areas}  {row['display_name']}")


@users_cli.command("set-roles")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, help="The new roles (replace the old ones).")
@click.option("--area", "areas", multiple=True, help="Review areas for the reviewer role.")
def users_set_roles(username: str, roles: tuple[str, ...], areas: tuple[str, ...]) -> None:
    """Replace an account's roles."""
    from assess.services import users as user_service

    try:
        user = user_service.set_roles(user_service.get_user(username), roles, areas)
    except DomainError as exc:
        fail(exc.problems)
    db.session.commit()
    click.echo(f"{user.username}: {', '.join(user.role_labels())}.")


@users_cli.command("set-password")
@click.argument("username")
def users_set_password(username: str) -> None:
    """Give an account a new password (ASSESS_NEW_PASSWORD or a prompt); every session of it ends."""
    from assess.services import users as user_service

    password = _password()
    try:
        user = user_service.set_password(user_service.get_user(username), password)
    except DomainError as exc:
        fail(exc.problems)
    db.session.commit()
    click.echo(f"{user.username} har ett nytt lösenord; alla dess sessioner är avslutade.")


@users_cli.command("deactivate")
@click.argument("username")
def users_deactivate(username: str) -> None:
    """Deactivate an account (it can no longer sign in)."""
    from assess.services import users as user_service

    try:
        user = user_service.deactivate_user(user_service.get_user(username))
    except DomainError as exc:
        fail(exc.problems)
    db.session.commit()
    click.echo(f"{user.username} är inaktiverat.")


@demo_cli.command("load")
@click.option(
    "--language",
    type=click.Choice(["sv", "en"]),
    default="sv",
    show_default=True,
    help="Language of the answers' motivations (when the demo case is created; an existing case is kept).",
)
def demo_load(language: str) -> None:
    """Load the demo accounts and the demo case (idempotent) and print the accounts."""
    from assess import rulesets
    from assess.services import demo

    accounts = demo.load_demo_accounts(Path(current_app.instance_path))
    registry = rulesets.registry()
    demo.load_demo_case(registry.newest_pin(), registry.example_answer_sets(), language)
    db.session.commit()
    click.echo("Demokonton (också i instance/demo-accounts.txt):")
    for account in accounts:
        click.echo(f"  {account.username:<16} {account.password:<20} {account.role}")


@cases_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (cases, alternatives, assessments).")
def cases_list(as_json: bool) -> None:
    """List every case with its alternatives and assessments."""
    from assess.services import cases as case_service

    data = [case_service.case_to_dict(c) for c in case_service.all_cases()]
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for case in data:
        click.echo(f"[{case['id']}] {case['title']}")
        for alt in case["alternatives"]:
            click.echo(f"    {alt['name']}")
            for a in alt["assessments"]:
                click.echo(
                    f"        #{a['id']} {a['scope']}: {a['status']} ({a['ruleset']['id']} v{a['ruleset']['version']})"
                )


@records_cli.command("verify")
def records_verify() -> None:
    """Check the audit chain, every frozen record and its report, and that no record or event is missing."""
    from assess.services.verification import verify_all

    result = verify_all(Path(current_app.instance_path))
    posts = "beslutspost" if result.records == 1 else "beslutsposter"
    events = "händelse" if result.events == 1 else "händelser"
    summary = (
        f"{result.records} {posts} och {result.events} {events} i auditkedjan kontrollerade. "
        f"Kedjans huvud: händelse {result.head_seq}, SHA-256 {result.head_hash}"
    )
    if not result.ok:
        fail([*result.problems, f"{len(result.problems)} problem. {summary}"])
    click.echo(f"Allt stämmer. {summary}")
    click.echo("Anteckna kedjans huvud utanför systemet (t.ex. i diariet): då syns även en omskriven kedja.")


@click.command("purge")
def purge_command() -> None:
    """Delete login attempts past their throttling window and sessions that ended a day ago (never audit events)."""
    from datetime import timedelta

    from assess.extensions import writing
    from assess.models.types import utcnow
    from assess.services import sessions
    from assess.services import users as user_service

    now = utcnow()
    with writing():
        attempts = user_service.purge_login_attempts(
            now - timedelta(seconds=int(current_app.config["LOGIN_WINDOW_SECONDS"]))
        )
        ended = sessions.purge_sessions(now - timedelta(days=1))
        db.session.commit()
    click.echo(f"Rensade {attempts} gamla inloggningsförsök och {ended} avslutade sessioner.")


@click.command("backup")
@click.option(
    "-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write (mode 0600).",
)  # fmt: skip
def backup_command(output: Path) -> None:
    """Write a consistent copy of the database while the app serves (SQLite: online backup; PostgreSQL: pg_dump)."""
    from assess.services import backup
    from assess.services.audit import chain_head

    try:
        kind = backup.backup_database(db.engine.url, output)
    except backup.BackupError as exc:
        fail([str(exc)])
    seq, head = chain_head()
    db.session.rollback()
    click.echo(f"Säkerhetskopia ({kind}) skriven till {output}.")
    click.echo(f"Auditkedjans huvud vid kopieringen: händelse {seq}, SHA-256 {head}")


@rules_cli.command("reevaluate")
@click.option("--dry-run", is_flag=True, help="Only list what the newest version would change; move nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def rules_reevaluate(dry_run: bool, as_json: bool) -> None:
    """Show what the newest published rule set changes for open assessments; move drafts to it."""
    from assess import rulesets
    from assess.services import reevaluation

    registry = rulesets.registry()
    if dry_run:
        plans = reevaluation.plan_reevaluation(registry)
    else:
        plans = reevaluation.apply_reevaluation(registry, None)
        db.session.commit()
    if as_json:
        click.echo(json.dumps([p.to_dict() for p in plans], ensure_ascii=False, indent=2))
        return
    if not plans:
        click.echo("Alla öppna bedömningar använder redan den senaste publicerade versionen.")
        return
    for p in plans:
        state = "flyttad" if p.moved else ("flyttas" if p.movable else f"flyttas inte ({p.status.value})")
        click.echo(f"#{p.assessment_id} {p.label}: v{p.from_version} -> v{p.to_version}, {state}")
        click.echo(f"    utlåtande: {p.verdict_before} -> {p.verdict_after}")
        click.echo(f"    värsta fall: {p.worst_before} -> {p.worst_after}")
        if p.questions_added:
            click.echo(f"    nya frågor: {', '.join(p.questions_added)}")
        if p.questions_removed:
            click.echo(f"    borttagna frågor: {', '.join(p.questions_removed)}")
        for o in p.outcomes:
            click.echo(f"    {o.question}: {o.before or '-'} -> {o.after or '-'}")
        if p.answers_dropped:
            click.echo(f"    svar som inte följer med (sparas i historiken): {', '.join(p.answers_dropped)}")
    if dry_run:
        click.echo("Torrkörning: inget är ändrat.")


def register_cli(app: Flask) -> None:
    """Add the command groups and the single commands to the app's `flask` command."""
    app.cli.add_command(purge_command)
    app.cli.add_command(backup_command)
    from assess.cli_notify import notify_command
    from assess.cli_scenario import reassessment_cli, scenario_cli

    app.cli.add_command(notify_command)
    app.cli.add_command(scenario_cli)
    app.cli.add_command(reassessment_cli)
    from assess.cli_summaries import summaries_cli

    app.cli.add_command(summaries_cli)
    app.cli.add_command(__import__("assess.cli_tokens", fromlist=["tokens_cli"]).tokens_cli)
    from assess.cli_exchange import assessments_cli, records_export

    app.cli.add_command(assessments_cli)
    records_cli.add_command(records_export)
    _register_groups(app)


def _register_groups(app: Flask) -> None:
    """Attach the command groups to the app."""
    from assess.cli_report import report_cli

    for group in (users_cli, demo_cli, cases_cli, records_cli, rules_cli, report_cli):
        app.cli.add_command(group)
