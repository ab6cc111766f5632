"""Engines, sessions and migrations. SQLite file by default; any SQLAlchemy URL works.

SQLite transactions are begun by SQLAlchemy, not by the driver: Python's ``sqlite3`` module
would otherwise issue ``BEGIN`` only before the first INSERT/UPDATE, so a SELECT (the seal row
read by randomization) ran outside the transaction and two processes could read the same counter
(the SQLAlchemy documentation's "Serializable isolation / Savepoints / Transactional DDL" recipe).
A transaction that must hold the write lock from its first read asks for it with
:func:`write_lock` (``BEGIN IMMEDIATE``); others wait up to :data:`SQLITE_BUSY_SECONDS`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from proeftuin.registry.crud import RegistryError

DEFAULT_URL = "sqlite:///proeftuin.db"
SQLITE_BUSY_SECONDS = 60
"""How long a SQLite transaction waits for another's write lock before it gives up."""
IMMEDIATE = "proeftuin_sqlite_immediate"
"""Execution option: begin this connection's SQLite transaction with ``BEGIN IMMEDIATE``."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    cursor.close()
    dbapi_connection.isolation_level = None  # the driver stops issuing BEGIN; _sqlite_begin does


def _sqlite_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
    connection.info["sqlite_immediate"] = immediate


def make_engine(url: str = DEFAULT_URL) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys on, write-ahead logging and real transactions."""
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


class WriteConflict(RegistryError):
    """Another transaction wrote since this one first read; it must start again."""


def write_lock(session: Session) -> None:
    """Hold the database's write lock for the rest of ``session``'s transaction (SQLite only).

    On a session that has not begun, its transaction begins with ``BEGIN IMMEDIATE``, which waits
    for any other writer; one that has already read gets the lock by a write that changes nothing,
    which fails with :class:`WriteConflict` if someone wrote since its first read (its reads may
    be stale). PostgreSQL needs nothing here: callers lock the rows they read ``FOR UPDATE``.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    if not session.in_transaction():
        session.connection(execution_options={IMMEDIATE: True})
        return
    connection = session.connection()
    if connection.info.get("sqlite_immediate"):
        return
    try:
        connection.execute(text("UPDATE audit_head SET last_id = last_id WHERE id = 1"))
    except OperationalError as exc:
        raise WriteConflict("the registry was changed by someone else at the same moment; try again") from exc
    connection.info["sqlite_immediate"] = True


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration pointing at the packaged migrations, bound to ``engine``."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("proeftuin.registry") / "migrations"))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (every table comes from a migration, never create_all)."""
    command.upgrade(alembic_config(engine), revision)


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
