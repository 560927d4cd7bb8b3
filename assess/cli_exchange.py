"""`flask --app assess assessments export|import` and `records export`: open data out and in, for scripting."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from assess.cli import fail
from assess.extensions import db, writing
from assess.models import Role
from assess.services.errors import DomainError

assessments_cli = AppGroup("assessments", help="Assessments as JSON: export one, import one into an alternative.")


@assessments_cli.command("export")
@click.argument("assessment_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File (default: stdout).")
def assessments_export(assessment_id: int, output: Path | None) -> None:
    """Write an assessment as exchange JSON (the answer set `python -m rules evaluate` reads, and more)."""
    from assess.services import exchange
    from assess.services.assessments import get_assessment

    try:
        with writing():
            text = exchange.dumps(exchange.export_assessment(get_assessment(assessment_id), None))
            db.session.commit()
    except DomainError as exc:
        fail(exc.problems)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Bedömning {assessment_id} exporterad till {output}.")


@assessments_cli.command("import")
@click.argument("alternative_id", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "username", required=True, help="The architect or admin who imports (owner of the draft).")
@click.option("--scope", default="", help="The new assessment's scope (default: the file's).")
def assessments_import(alternative_id: int, file: Path, username: str, scope: str) -> None:
    """Import an exchanged assessment as a new draft of an alternative: everything or, on any problem, nothing."""
    from assess.services import exchange
    from assess.services.cases import get_alternative
    from assess.services.users import get_user

    try:
        with writing():
            actor = get_user(username)
            if not actor.has_role(Role.ARCHITECT, Role.ADMIN):
                fail([f"{username} är varken arkitekt eller administratör."])
            data = exchange.parse_file(file.read_bytes())
            assessment, notices = exchange.import_assessment(get_alternative(alternative_id), data, actor, scope)
            db.session.commit()
    except DomainError as exc:
        fail([*exc.problems, f"{len(exc.problems)} problem: ingenting importerades."])
    for notice in notices:
        click.echo(f"obs: {notice}")
    click.echo(f"Importerad som bedömning {assessment.id} ({assessment.scope}), utkast.")


@click.command("export")
@click.argument("assessment_id", type=int)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The ZIP.")
def records_export(assessment_id: int, output: Path) -> None:
    """Write the archive package of a decided assessment's record (check it: python -m assess.archive verify)."""
    from assess.archive.build import build_package

    try:
        with writing():
            package = build_package(assessment_id, None, Path(current_app.instance_path), current_app.config)
            db.session.commit()
    except DomainError as exc:
        fail(exc.problems)
    output.write_bytes(package.data)
    click.echo(f"Arkivpaket med {len(package.manifest['files'])} filer skrivet till {output}.")
    click.echo(f"Postens SHA-256: {package.manifest['record']['sha256']}")
    click.echo(f"Kontrollera det: python -m assess.archive verify {output}")
