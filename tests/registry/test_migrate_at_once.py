"""Processes that migrate the same new SQLite file at once take turns (the workers of ``proeftuin serve --workers 2``).

Regression: the second worker of ``serve --workers 2`` on a new file died at start with a
traceback ("database is locked" at ``CREATE TABLE alembic_version``: its deferred transaction had
read the empty schema before the first worker wrote), and the server then no longer stopped on
SIGTERM (uvicorn waited for the dead worker until it was killed).
"""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
import threading
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from proeftuin.registry.db import alembic_config, make_engine, migrate

PROCESSES = 3


def _migrate(url: str, barrier) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    barrier.wait()
    migrate(engine)
    engine.dispose()


def test_processes_migrating_a_new_file_at_once_all_succeed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    context = mp.get_context("forkserver")
    context.set_forkserver_preload([__name__, "proeftuin.registry.db"])
    barrier = context.Barrier(PROCESSES)
    workers = [context.Process(target=_migrate, args=(url, barrier)) for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0] * PROCESSES
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [
            ScriptDirectory.from_config(alembic_config(engine)).get_current_head()]
        assert {"participants", "assignments", "audit_events"} <= set(inspect(connection).get_table_names())
    engine.dispose()


def test_a_schema_at_the_head_is_only_read_while_another_process_writes(tmp_path: Path) -> None:
    """A command starting (its migrate) while an import holds the write lock goes on at once: no lock is taken for nothing."""
    path = tmp_path / "current.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process's long import
    migrated = threading.Thread(target=migrate, args=(engine,), daemon=True)
    migrated.start()
    migrated.join(timeout=20)
    writer.execute("ROLLBACK")
    writer.close()
    assert not migrated.is_alive(), "migrate waited for the write lock although the schema was current"
    engine.dispose()
