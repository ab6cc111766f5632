"""Processes that migrate the same new database at once take turns (the workers of ``proeftuin serve --workers 2``).

Regression: the second worker of ``serve --workers 2`` on a new SQLite file died at start with a
traceback ("database is locked" at ``CREATE TABLE alembic_version``: its deferred transaction had
read the empty schema before the first worker wrote), and the server then no longer stopped on
SIGTERM (uvicorn waited for the dead worker until it was killed). On a new PostgreSQL database two
of three such processes failed on a unique constraint (a table the first had just created).
"""

from __future__ import annotations

import multiprocessing as mp
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from proeftuin.registry.db import IMMEDIATE, MIGRATION_LOCK, alembic_config, make_engine, migrate

PROCESSES = 3


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a database with nothing in it yet."""
    return f"sqlite:///{tmp_path / 'new.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_databases").new()


def _migrate(url: str, barrier) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    barrier.wait()
    migrate(engine)
    engine.dispose()


def test_processes_migrating_a_new_database_at_once_all_succeed(new_database: str) -> None:
    context = mp.get_context("forkserver")
    context.set_forkserver_preload([__name__, "proeftuin.registry.db"])
    barrier = context.Barrier(PROCESSES)
    workers = [context.Process(target=_migrate, args=(new_database, barrier)) for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0] * PROCESSES
    engine = make_engine(new_database)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [
            ScriptDirectory.from_config(alembic_config(engine)).get_current_head()]
        assert {"participants", "assignments", "audit_events"} <= set(inspect(connection).get_table_names())
    engine.dispose()


@contextmanager
def _migration_lock_held(url: str) -> Iterator[None]:
    """Another process's migration (or, on SQLite, any writer) holding the lock a migration takes."""
    engine = make_engine(url)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection = connection.execution_options(**{IMMEDIATE: True})
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            yield
    engine.dispose()


def test_a_schema_at_the_head_is_only_read_while_another_process_holds_the_lock(new_database: str) -> None:
    """A command starting (its migrate) while an import writes, or another process migrates, goes on at once: no lock is
    taken for nothing."""
    engine = make_engine(new_database)
    migrate(engine)
    with _migration_lock_held(new_database):
        migrated = threading.Thread(target=migrate, args=(engine,), daemon=True)
        migrated.start()
        migrated.join(timeout=20)
        assert not migrated.is_alive(), "migrate waited for the lock although the schema was current"
    engine.dispose()
