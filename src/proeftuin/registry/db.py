"""Engines, sessions and migrations. SQLite file by default; any SQLAlchemy URL works.

SQLite transactions are begun by SQLAlchemy, not by the driver: Python's ``sqlite3`` module
would otherwise issue ``BEGIN`` only before the first INSERT/UPDATE, so a SELECT (the seal row
read by randomization) ran outside the transaction and two processes could read the same counter
(the SQLAlchemy documentation's "Serializable isolation / Savepoints / Transactional DDL" recipe).
A transaction that must hold the write lock from its first read asks for it with
:func:`write_lock` (``BEGIN IMMEDIATE``); others wait up to :data:`SQLITE_BUSY_SECONDS`.

``Engine`` and ``Session`` are the handles a face passes on to the registry's functions (named here
so a face needs no SQLAlchemy import of its own)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib import resources
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///proeftuin.db"
SQLITE_BUSY_SECONDS = 60
"""How long a SQLite transaction waits for another's write lock before it gives up."""
MIGRATION_LOCK = 0x70726F6566747569
"""The PostgreSQL advisory lock a migration holds for its transaction (the bytes of "proeftui"), so processes migrating one
database at once take turns, as ``BEGIN IMMEDIATE`` makes them on SQLite (:func:`migrate`)."""
IMMEDIATE = "proeftuin_sqlite_immediate"
"""Execution option: begin this connection's SQLite transaction with ``BEGIN IMMEDIATE``."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    cursor.execute("PRAGMA foreign_keys=ON")
    _write_ahead_log(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    dbapi_connection.isolation_level = None  # the driver stops issuing BEGIN; _sqlite_begin does


def _write_ahead_log(cursor: sqlite3.Cursor) -> None:
    """The file in write-ahead-log mode. The mode is kept in the file, so it is only read where it is set already; a new
    file is switched, which takes the database's lock for a moment. Where another connection is switching it at the same
    time SQLite answers "database is locked" at once, without waiting (the busy timeout does not cover it; seen with three
    processes opening a new file together), so the switch is tried again until the busy timeout has passed."""
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _sqlite_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
    connection.info["sqlite_immediate"] = immediate
    connection.info["sqlite_changes"] = _changes(connection)


def _changes(connection: Connection) -> int:
    """Rows changed on this SQLite connection since it opened (grows with every write of a transaction)."""
    return int(connection.connection.dbapi_connection.total_changes)  # type: ignore[union-attr]


T = TypeVar("T")
BIND_CHUNK = 5000
"""Values bound to one ``IN (...)`` list at most: PostgreSQL binds at most 65,535 parameters to a
statement, so a request about 100,000 people looks them up in slices."""


def bind_chunks(values: Iterable[T]) -> Iterator[list[T]]:
    """``values`` in consecutive slices of at most :data:`BIND_CHUNK`, one ``IN`` list each."""
    items = list(values)
    for start in range(0, len(items), BIND_CHUNK):
        yield items[start : start + BIND_CHUNK]


def make_engine(url: str = DEFAULT_URL) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys on, write-ahead logging and real transactions."""
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine








def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration pointing at the packaged migrations, bound to ``engine``."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("proeftuin.registry") / "migrations"))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (every table comes from a migration, never create_all).

    A schema already at the head is only read (no lock: a command starting while another writes
    does not wait). Otherwise the migration's transaction takes a lock as it begins, so processes
    migrating the same database at once take turns: the second waits, then finds the schema current.
    On SQLite the write lock (``BEGIN IMMEDIATE``): a deferred transaction reads the schema first and,
    when another process has written since, fails at its first write at once ("database is locked":
    SQLite cannot wait for a snapshot that is already stale). On PostgreSQL an advisory lock
    (:data:`MIGRATION_LOCK`, taken in ``migrations/env.py``): without it the second process's
    ``CREATE TABLE`` of a table the first has just made fails on a unique constraint.
    """
    if revision == "head":
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        if current == ScriptDirectory.from_config(alembic_config(engine)).get_current_head():
            return
    command.upgrade(alembic_config(engine.execution_options(**{IMMEDIATE: True})), revision)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose work is one transaction: committed on success, rolled back on error."""
    session = sessionmaker(bind=engine, expire_on_commit=False)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def write_lock(session: Session) -> None:
    """Hold the database's write lock for the rest of ``session``'s transaction (SQLite only).

    On a session that has not begun, its transaction begins with ``BEGIN IMMEDIATE``, which waits
    for any other writer. One that has begun and only read so far (a web request that looked up
    its user) is restarted as ``BEGIN IMMEDIATE`` at the driver, which loses nothing; so call it
    before reading what the writes depend on. One that has written already holds the lock since its
    first write (SQLite keeps it to the end of the transaction). PostgreSQL needs nothing here:
    callers lock the rows they read ``FOR UPDATE``.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    if not session.in_transaction():
        session.connection(execution_options={IMMEDIATE: True})
        return
    session.flush()
    connection = session.connection()
    if connection.info.get("sqlite_immediate"):
        return
    if _changes(connection) == connection.info.get("sqlite_changes"):
        connection.exec_driver_sql("COMMIT")  # a read-only transaction: nothing to lose
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    connection.info["sqlite_immediate"] = True


def restart_snapshot(session: Session) -> bool:
    """Begin ``session``'s SQLite transaction again, if it has only read so far, so that its next read takes its snapshot of
    the database (losing nothing: a transaction that only read has nothing to keep); whether it did.

    For a second connection that must see the state the session sees (:class:`~proeftuin.registry.digest.ParallelDigests`):
    a session that has written, or holds the write lock, is left as it is.
    """
    if session.get_bind().dialect.name != "sqlite" or session.new or session.dirty or session.deleted:
        return False
    connection = session.connection()
    if connection.info.get("sqlite_immediate") or _changes(connection) != connection.info.get("sqlite_changes"):
        return False
    connection.exec_driver_sql("COMMIT")
    connection.exec_driver_sql("BEGIN")
    return True
