"""reports in the database: the decision-time report is stored in its frozen record's row

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 14:00:00

Several app instances share one database and nothing else, and a record must never exist without its report, so
the report is stored with the record, in the same row and transaction. Existing report files (under the instance
folder, `frozen_records.report_path`) are moved in unchanged: only a file whose SHA-256 is the one in the record is
taken, so the hashes stay what they were; a missing or changed file is left where it is, named in the log, and
`records verify` goes on reporting it. Downgrade writes the stored reports back to files.
"""

import hashlib
import logging
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

RECORDS = sa.table(
    "frozen_records",
    sa.column("id", sa.Integer()),
    sa.column("assessment_id", sa.Integer()),
    sa.column("report_path", sa.String()),
    sa.column("report_sha256", sa.String()),
    sa.column("report_pdf", sa.LargeBinary()),
)


def _instance() -> Path | None:
    try:
        from flask import current_app

        return Path(current_app.instance_path)
    except RuntimeError:  # not run through Flask-Migrate
        return None


def _unguarded(dialect: str):
    """Statements that lift, then restore, the trigger refusing updates of frozen records (for this move only)."""
    if dialect == "sqlite":
        return (
            ["DROP TRIGGER IF EXISTS frozen_records_no_update"],
            [
                "CREATE TRIGGER frozen_records_no_update BEFORE UPDATE ON frozen_records "
                "BEGIN SELECT RAISE(ABORT, 'decided records are immutable'); END"
            ],
        )
    if dialect == "postgresql":
        return (
            ["ALTER TABLE frozen_records DISABLE TRIGGER frozen_records_immutable"],
            ["ALTER TABLE frozen_records ENABLE TRIGGER frozen_records_immutable"],
        )
    return [], []


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table("frozen_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("report_pdf", sa.LargeBinary(), nullable=True))
    rows = bind.execute(
        sa.select(RECORDS.c.id, RECORDS.c.report_path, RECORDS.c.report_sha256).where(
            RECORDS.c.report_path.is_not(None)
        )
    ).all()
    if not rows:
        return
    instance = _instance()
    lift, restore = _unguarded(bind.dialect.name)
    for statement in lift:
        op.execute(statement)
    for record_id, relative, expected in rows:
        path = (instance / relative).resolve() if instance is not None else None
        if path is None or not path.is_file():
            log.warning("frozen record %s: report %s not found; left as it is (records verify reports it)", record_id, relative)
            continue
        content = path.read_bytes()
        if hashlib.sha256(content).hexdigest() != expected:
            log.warning("frozen record %s: report %s does not match its SHA-256; left as it is", record_id, relative)
            continue
        bind.execute(
            RECORDS.update().where(RECORDS.c.id == record_id).values(report_pdf=content, report_path=None)
        )
        log.info("frozen record %s: report %s moved into the database (SHA-256 %s)", record_id, relative, expected)
    for statement in restore:
        op.execute(statement)


def downgrade():
    bind = op.get_bind()
    instance = _instance()
    rows = bind.execute(
        sa.select(RECORDS.c.id, RECORDS.c.assessment_id, RECORDS.c.report_pdf).where(RECORDS.c.report_pdf.is_not(None))
    ).all()
    lift, restore = _unguarded(bind.dialect.name)
    for statement in lift:
        op.execute(statement)
    for record_id, assessment_id, content in rows:
        if instance is None:
            raise RuntimeError("downgrade needs the app's instance folder to write the reports back to")
        relative = f"reports/bedomning-{assessment_id}-record{record_id}.pdf"
        target = instance / relative
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        target.write_bytes(content)
        target.chmod(0o600)
        bind.execute(RECORDS.update().where(RECORDS.c.id == record_id).values(report_path=relative))
    for statement in restore:
        op.execute(statement)
    with op.batch_alter_table("frozen_records", schema=None) as batch_op:
        batch_op.drop_column("report_pdf")
    if bind.dialect.name == "sqlite":  # the table was rebuilt without its triggers: put 0003's back
        for statement in SQLITE_RECORD_TRIGGERS:
            op.execute(statement)


SQLITE_RECORD_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS frozen_records_no_update BEFORE UPDATE ON frozen_records "
    "BEGIN SELECT RAISE(ABORT, 'decided records are immutable'); END",
    "CREATE TRIGGER IF NOT EXISTS frozen_records_no_delete BEFORE DELETE ON frozen_records "
    "BEGIN SELECT RAISE(ABORT, 'decided records are immutable'); END",
    "CREATE TRIGGER IF NOT EXISTS frozen_records_insert BEFORE INSERT ON frozen_records "
    "WHEN (SELECT status FROM assessments WHERE id = NEW.assessment_id) IS NOT 'decided' "
    "BEGIN SELECT RAISE(ABORT, 'a record is frozen only for a decided assessment'); END",
]
