"""Migration 0010 drops the indexes on ``participant_id`` that the tables' unique keys already provide (issue 14):
the ORM matches the migrated schema on both databases, downgrade recreates the indexes, and every lookup by
participant of those tables (and the retention purge) still goes through an index."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from proeftuin.registry.db import alembic_config, make_engine, migrate
from proeftuin.registry.models import Base

TABLES = ("outcome_months", "own_outcome_months", "survey_responses", "survey_items")


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'proeftuin.db'}"
        return
    databases: Any = request.getfixturevalue("postgres_databases")
    url = databases.new()
    yield url
    databases.drop(url)


def _participant_indexes(engine: sa.Engine) -> dict[str, list[list[str | None]]]:
    """Per table, the column lists of its plain (non-unique) indexes."""
    inspector = sa.inspect(engine)
    return {table: [list(ix["column_names"]) for ix in inspector.get_indexes(table) if not ix["unique"]] for table in TABLES}


def _unique_keys(engine: sa.Engine) -> dict[str, list[list[str]]]:
    inspector = sa.inspect(engine)
    return {table: [list(uq["column_names"]) for uq in inspector.get_unique_constraints(table)] for table in TABLES}


def test_0010_drops_the_redundant_indexes_and_downgrade_restores_them(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        migrate(engine)
        with engine.connect() as con:
            assert compare_metadata(MigrationContext.configure(con), Base.metadata) == []
        assert all(key[0] == "participant_id" for keys in _unique_keys(engine).values() for key in keys)
        assert all(["participant_id"] not in columns for columns in _participant_indexes(engine).values())
        command.downgrade(alembic_config(engine), "0009")
        engine.dispose()
        assert all(["participant_id"] in columns for columns in _participant_indexes(engine).values())
        migrate(engine)
        engine.dispose()
        assert all(["participant_id"] not in columns for columns in _participant_indexes(engine).values())
    finally:
        engine.dispose()


def _plan(con: sa.Connection, sql: str) -> str:
    if con.dialect.name == "sqlite":
        return "\n".join(str(row[3]) for row in con.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    con.exec_driver_sql("SET LOCAL enable_seqscan = off")  # then a Seq Scan means that no index can serve the query
    return "\n".join(str(row[0]) for row in con.exec_driver_sql(f"EXPLAIN {sql}"))


@pytest.mark.parametrize("table", TABLES)
def test_lookups_by_participant_still_use_an_index(empty_url: str, table: str) -> None:
    """By one participant, by the people of a trial (the purge's delete, the analysis' join), and the foreign-key check."""
    engine = make_engine(empty_url)
    queries = (f"SELECT * FROM {table} WHERE participant_id = 7",
               f"DELETE FROM {table} WHERE participant_id IN (SELECT id FROM participants WHERE experiment_id = 1)",
               f"SELECT t.* FROM participants p JOIN {table} t ON t.participant_id = p.id WHERE p.experiment_id = 1",
               f"SELECT 1 FROM {table} WHERE participant_id = 7 LIMIT 1")
    try:
        migrate(engine)
        with engine.begin() as con:
            for sql in queries:
                plan = _plan(con, sql)
                if con.dialect.name == "sqlite":
                    assert "SCAN" not in plan, (sql, plan)
                    assert re.search(rf"SEARCH \w+ USING (COVERING )?INDEX sqlite_autoindex_{table}_1 \(participant_id=\?\)", plan), (sql, plan)
                else:
                    assert f"Seq Scan on {table}" not in plan, (sql, plan)
                    assert f"uq_{table}_participant_id" in plan, (sql, plan)
    finally:
        engine.dispose()
