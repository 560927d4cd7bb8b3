"""`flask --app assess report assessment|case ID -o FILE.pdf`: write a report to a file."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from assess.cli import fail
from assess.models.types import utcnow
from assess.services import reports as service
from assess.services.errors import DomainError

report_cli = AppGroup("report", help="PDF reports: an assessment's record, or the comparison of a case.")

OUTPUT = click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The PDF file to write.",
)


def _write(content: bytes, output: Path) -> None:
    try:
        output.write_bytes(content)
    except OSError as exc:
        fail([f"Kunde inte skriva {output}: {exc.strerror or exc}"])
    click.echo(f"Skrev {output} ({len(content)} byte).")


@report_cli.command("assessment")
@click.argument("assessment_id", type=int)
@OUTPUT
def report_assessment(assessment_id: int, output: Path) -> None:
    """Write the report of assessment ID (the stored decision-time report when decided)."""
    try:
        content = service.assessment_pdf(assessment_id, Path(current_app.instance_path), utcnow())
    except DomainError as exc:
        fail(exc.problems)
    _write(content, output)


@report_cli.command("case")
@click.argument("case_id", type=int)
@OUTPUT
def report_case(case_id: int, output: Path) -> None:
    """Write the comparison of the alternatives of case ID."""
    try:
        content = service.comparison_pdf(case_id, utcnow())
    except DomainError as exc:
        fail(exc.problems)
    _write(content, output)


@report_cli.command("steering")
@click.argument("case_id", type=int)
@OUTPUT
def report_steering(case_id: int, output: Path) -> None:
    """Write the steering group's brief (Beslutsunderlag) of case ID."""
    try:
        content = service.steering_pdf(case_id, utcnow())
    except DomainError as exc:
        fail(exc.problems)
    _write(content, output)
