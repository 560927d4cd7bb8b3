"""`flask --app assess summaries refresh`: bring every stored evaluation summary up to date, in batches.

The lists keep themselves up to date (a save writes its summary; a list computes the few stale ones it meets),
so this is needed only once after an upgrade of a large database, or after rows were changed outside the app.
"""

from __future__ import annotations

import time

import click

from assess.extensions import db, writing


@click.group("summaries")
def summaries_cli() -> None:
    """The stored evaluation summaries that the lists filter and count on."""


@click.command("refresh")
@click.option("--batch", type=click.IntRange(1, 10_000), default=500, show_default=True, help="Assessments per commit.")
def refresh_command(batch: int) -> None:
    """Compute every missing or stale summary, committing after each batch (by assessment id)."""
    from assess.services import summaries

    started, last = time.perf_counter(), 0
    while True:
        with writing():
            last = summaries.refresh_stale(limit=batch, after_id=last)
            db.session.commit()
        if last == 0:
            break
        click.echo(f"… {last}")
    seconds = time.perf_counter() - started
    click.echo(f"Sammanfattningarna är uppdaterade ({seconds:.1f} s). / Every summary is up to date.")


summaries_cli.add_command(refresh_command)
