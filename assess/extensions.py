"""Flask extensions, created unbound and bound in ``create_app``; how transactions begin on each database."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import Connection, Engine, MetaData, event
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints stably."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


#: Indexes whose statement differs by database, created by a DDL event of their model (and by their migration)
#: rather than declared as an Index: `flask db check` leaves them out of its comparison with the models.
INDEXES_BY_DDL: set[str] = set()


def _include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's filter: compare everything but the indexes that a DDL event creates (INDEXES_BY_DDL)."""
    return not (type_ == "index" and name in INDEXES_BY_DDL)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(include_object=_include_object)
csrf = CSRFProtect()
login_manager = LoginManager()

#: Whether the transactions begun now are going to write. Set for every request that is not GET, HEAD or
#: OPTIONS, and by CLI commands that write. A writing transaction takes the write lock when it begins, so that
#: writers queue one after the other instead of failing halfway: SQLite begins IMMEDIATE (a deferred transaction
#: that read first cannot upgrade to a writer once another has committed: SQLITE_BUSY), PostgreSQL locks the
#: audit chain's head, which every audited change needs anyway (so writers never deadlock and each sees what
#: the one before it committed). Reading requests take no lock and never wait.
write_intent: ContextVar[bool] = ContextVar("write_intent", default=False)

#: How long a writer waits for the SQLite write lock before giving up (milliseconds).
SQLITE_BUSY_TIMEOUT_MS = 20_000


@contextmanager
def writing() -> Iterator[None]:
    """Let the transactions begun inside the block take the write lock (for CLI commands and services)."""
    token = write_intent.set(True)
    try:
        yield
    finally:
        write_intent.reset(token)


def _unicode_lower(value: Any) -> Any:
    """SQLite's lower() for every alphabet: text lowered by Python, NULL kept, anything else as SQLite's lower()
    gives it (its text)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").lower()
    return str(value).lower()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite: foreign keys on, write-ahead log (readers never block the writer), wait on a busy database."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        files = [row[2] for row in cursor.execute("PRAGMA database_list") if row[2]]
        cursor.close()  # first: SQLite refuses to define a function while a statement of the connection is open
        # SQLite's own lower() (and so ILIKE) folds ASCII only: a search for "åsa" missed "Åsa" and "VÅRD" missed
        # "vård". Python's str.lower folds every letter, as PostgreSQL's lower() does in a UTF-8 database. No
        # index or trigger uses lower(), so nothing stored depends on the built-in's result.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
        from pathlib import Path

        from assess.files import restrict

        for name in files:  # the database (and its -wal and -shm files) is the app's alone: 0600
            for suffix in ("", "-wal", "-shm"):
                restrict(Path(name + suffix))


_ctype_checked: set[str] = set()


@event.listens_for(Engine, "connect")
def _postgresql_ctype(dbapi_connection: Any, connection_record: Any) -> None:
    """PostgreSQL: warn once per database when its character type is C or POSIX, where lower() (and so every search
    of the app, which ignores case) folds A-Z only: 'VÅRD' would not find 'vård'. deploy/README.md creates the
    database with a UTF-8 locale."""
    if type(dbapi_connection).__module__.split(".")[0] != "psycopg":
        return
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), current_setting('lc_ctype')")
        name, ctype = cursor.fetchone()
    dbapi_connection.rollback()  # the check leaves no transaction open
    if name in _ctype_checked:
        return
    _ctype_checked.add(name)
    if str(ctype).upper() in {"C", "POSIX"}:
        import logging

        logging.getLogger("assess").warning(
            "PostgreSQL database %s has LC_CTYPE %s: searches ignore case in A-Z only (create it with a UTF-8 "
            "locale, e.g. createdb --locale=C.UTF-8 --template=template0; see deploy/README.md)",
            name,
            ctype,
        )


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn: Connection) -> None:
    """SQLite: a writing transaction begins IMMEDIATE; any other is left to the driver, which runs reads outside
    a transaction (each statement sees what is committed, as on PostgreSQL) and begins before the first write."""
    if conn.dialect.name != "sqlite":
        return
    raw = conn.connection.dbapi_connection
    if write_intent.get():
        raw.isolation_level = None  # autocommit mode: the driver emits no BEGIN of its own
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        raw.isolation_level = ""  # the driver's default: BEGIN (deferred) before the first write


@event.listens_for(Session, "after_begin")
def _postgresql_write_lock(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    if write_intent.get() and connection.dialect.name == "postgresql" and transaction.parent is None:
        connection.exec_driver_sql("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE")
