"""`flask --app assess scenario ...` (impact of a changed fact, watches, fact changes) and `reassessment check`."""

from __future__ import annotations

import datetime as dt
import json

import click
from flask.cli import AppGroup

from assess.extensions import db, writing
from assess.services.errors import DomainError

scenario_cli = AppGroup("scenario", help="What a changed fact would do to every assessment; watches on facts.")
watch_cli = AppGroup("watch", help="Named watches on facts that may change.")
reassessment_cli = AppGroup("reassessment", help="Flags that ask for a re-assessment (Omprövning krävs).")
scenario_cli.add_command(watch_cli)

SET_HELP = "A changed answer QUESTION=VALUE, e.g. L-08=scc_measures_ineffective (repeat for several)."


def _fail(problems: list[str], code: int = 2) -> None:
    db.session.rollback()
    for problem in problems:
        click.echo(f"fel: {problem}", err=True)
    raise SystemExit(code)


def _changes(items: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    """Return the --set changes and a problem for each one not written QUESTION=VALUE."""
    from assess.services.impact import parse_assignments

    changes, bad = parse_assignments(items)
    return changes, [f"--set {item!r}: skriv FRÅGA=SVAR, t.ex. L-08=scc_measures_ineffective" for item in bad]


def _checked(items: tuple[str, ...], evidence: str = "E2") -> dict[str, object]:
    """Return the checked changes, or exit 2 naming every bad --set (malformed, unknown question, bad value)."""
    from assess.services.impact import check_changes

    changes, problems = _changes(items)
    try:
        checked = check_changes(changes, evidence) if changes or not problems else {}
    except DomainError as exc:
        problems += exc.problems
    if problems:
        _fail(problems)
    return checked


@scenario_cli.command("impact")
@click.option("--set", "sets", multiple=True, required=True, help=SET_HELP)
@click.option("--evidence", default="E2", show_default=True, help="The evidence level of the changed answers.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def scenario_impact(sets: tuple[str, ...], evidence: str, as_json: bool) -> None:
    """List the assessments (drafts, in review, decided) whose verdict or worst case the changes would change."""
    from assess.services import impact

    changes = _checked(sets, evidence)
    try:
        rows = impact.impact(changes, evidence)
    except DomainError as exc:
        _fail(exc.problems)
    db.session.rollback()
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("Ingen bedömning får ett annat utlåtande eller värsta fall.")
        return
    for r in rows:
        where = f"{r.case_title} / {r.alternative} / {r.scope}"
        click.echo(f"#{r.assessment_id} {where}, rev {r.revision} ({r.status.value})")
        click.echo(f"    utlåtande: {r.verdict_before} -> {r.verdict_after}")
        click.echo(f"    värsta fall: {r.worst_before} -> {r.worst_after}")
        click.echo(f"    varför: {'; '.join(r.why_words())}")
        if r.hidden:
            click.echo(f"    visas inte (förblir dolda): {', '.join(r.hidden)}")
    click.echo("Torrkörning: inget är ändrat.")


@watch_cli.command("create")
@click.option("--name", required=True, help="What the watch is called, e.g. 'DPF ogiltigförklaras'.")
@click.option("--set", "sets", multiple=True, required=True, help=SET_HELP)
@click.option("--note", default="", help="A note.")
def watch_create(name: str, sets: tuple[str, ...], note: str) -> None:
    """Save a named watch on the answers a changed fact would give."""
    from assess.services import reassessment

    changes = _checked(sets)
    try:
        with writing():
            watch = reassessment.create_watch(name, changes, None, note)
            db.session.commit()
    except DomainError as exc:
        _fail(exc.problems)
    volatile = reassessment.volatile_questions()
    marks = ", ".join(f"{q}={v}{' (rörlig)' if q in volatile else ''}" for q, v in watch.changes.items())
    click.echo(f"Bevakning {watch.id} sparad: {watch.name}: {marks}")


@watch_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def watch_list(as_json: bool) -> None:
    """List the watches."""
    from assess.services import reassessment

    views = reassessment.list_watches()
    if as_json:
        click.echo(json.dumps([v.to_dict() for v in views], ensure_ascii=False, indent=2))
        return
    if not views:
        click.echo("Inga bevakningar.")
    for v in views:
        marks = ", ".join(f"{q}={val}{' (rörlig)' if q in v.volatile else ''}" for q, val in v.watch.changes.items())
        click.echo(f"{v.watch.id}  {v.watch.name}: {marks}")


@scenario_cli.command("fact-changed")
@click.argument("watch_id", type=int)
@click.option("--date", "changed_on", type=click.DateTime(formats=["%Y-%m-%d"]), required=True, help="YYYY-MM-DD")
@click.option("--reference", required=True, help="The decision, judgment or memo that says so.")
def fact_changed(watch_id: int, changed_on: dt.datetime, reference: str) -> None:
    """Record that a watched fact has changed; flag every decided assessment whose verdict it changes."""
    from assess.services import reassessment

    try:
        with writing():
            watch = reassessment.get_watch(watch_id)
            change, flags = reassessment.record_fact_change(watch, changed_on.date(), reference, None)
            db.session.commit()
    except DomainError as exc:
        _fail(exc.problems)
    for flag in flags:
        a = flag.assessment
        click.echo(f"#{a.id} {a.alternative.case.title} / {a.alternative.name} / {a.scope}: {flag.reason}")
    click.echo(f"Ändring {change.id} registrerad; {len(flags)} beslutade bedömningar märkta Omprövning krävs.")


@reassessment_cli.command("check")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day to check for, YYYY-MM-DD (default: today in Stockholm, or the TODAY setting).",
)
def reassessment_check(today: dt.datetime | None) -> None:
    """Flag decided assessments whose next review has come or whose volatile answers are too old (run daily)."""
    from assess.services import reassessment
    from assess.views import today as app_today

    day = today.date() if today is not None else app_today()
    with writing():
        flags = reassessment.check_due(day)
        db.session.commit()
    for flag in flags:
        click.echo(f"#{flag.assessment_id} ({flag.source}): {flag.reason}")
    click.echo(f"{len(flags)} nya markeringar Omprövning krävs för {day.isoformat()}.")
