"""Fixtures shared by every test: a global seed and the databases (SQLite always, PostgreSQL if running).

PostgreSQL: a server on 127.0.0.1:5432 (trust auth, as on the development and CI machines) is
used through a fresh database made for this test session and dropped after it; where no server
answers, tests that need it are skipped with the reason. Override with PROEFTUIN_TEST_PG_URL
(an admin URL to the server, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import settings
from schema_reset import reset_schema

GLOBAL_SEED = 20171001

settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
"""`make test` runs ``--hypothesis-profile=ci``: the same examples every run (no example database, no
timing deadline on a loaded machine); each test's own ``max_examples`` bounds its cost."""

PG_ADMIN_URL = os.environ.get("PROEFTUIN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


SHARED_WORKER_FOLDERS = ("tests/scale/",)
"""Test folders whose files run on one xdist worker under ``--dist loadfile``: they share a session fixture that is
costly to start in each worker. tests/scale: the Spark JVM (``spark_session``), about 17 s of CPU per start with
its first queries, which `time` and getrusage do not see (the JVM outlives the worker and is reaped by init)."""


@pytest.hookimpl(optionalhook=True, tryfirst=True)  # before xdist's own (registered after this conftest)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile`` with the files of each of SHARED_WORKER_FOLDERS as one unit of work; other modes as xdist makes them."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedFolderScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return next((folder for folder in SHARED_WORKER_FOLDERS if nodeid.startswith(folder)), super()._split_scope(nodeid))

    return SharedFolderScheduling(config, log)


@pytest.fixture
def rng() -> np.random.Generator:
    """A generator seeded with the global test seed: every test draws the same numbers each run."""
    return np.random.default_rng(GLOBAL_SEED)


def _pg_server_error() -> str | None:
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    from sqlalchemy.engine import make_url

    url = make_url(PG_ADMIN_URL)
    try:
        with psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, dbname=url.database, connect_timeout=2):
            return None
    except psycopg.OperationalError as exc:
        return f"no PostgreSQL server at {url.host}:{url.port}: {str(exc).strip().splitlines()[0]}"


class PostgresDatabases:
    """Fresh PostgreSQL databases on the test server, made and dropped through its admin URL."""

    def __init__(self, admin_url: str) -> None:
        from sqlalchemy.engine import make_url

        self.admin = make_url(admin_url)
        self.made: list[str] = []

    def _run(self, statement: str) -> None:
        import psycopg

        a = self.admin
        with psycopg.connect(host=a.host, port=a.port or 5432, user=a.username, dbname=a.database, autocommit=True) as connection:
            connection.execute(statement)

    def new(self, template: str | None = None) -> str:
        """The URL of a new database: empty, or a copy of the one at ``template`` (which nobody may be connected to)."""
        from sqlalchemy.engine import make_url

        name = f"proeftuin_test_{uuid.uuid4().hex[:12]}"
        self._run(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{make_url(template).database}"' if template else ""))
        self.made.append(name)
        return self.admin.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        name = make_url(url).database
        self._run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.made.remove(name)


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    """Makes fresh PostgreSQL databases (empty or copies of another); those left are dropped at the end of the session."""
    reason = _pg_server_error()
    if reason:
        pytest.skip(reason)
    databases = PostgresDatabases(PG_ADMIN_URL)
    yield databases
    for name in list(databases.made):
        databases.drop(databases.admin.set(database=name).render_as_string(hide_password=False))


@pytest.fixture(scope="session")
def postgres_url(postgres_databases: PostgresDatabases) -> str:
    """URL of a fresh, empty PostgreSQL database for this test session (worker), dropped afterwards."""
    return postgres_databases.new()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'proeftuin.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each database kind in turn: a fresh SQLite file, and a fresh PostgreSQL schema-less database.

    PostgreSQL tests share the session's database, so each test gets its own by cloning
    nothing: the schema is dropped and recreated around the test.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'proeftuin.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    reset_schema(url)
    yield url
    reset_schema(url)


@pytest.fixture(scope="session")
def empty_postgres_url(postgres_url: str):
    """A callable that empties the session's PostgreSQL database and returns its URL."""

    def empty() -> str:
        reset_schema(postgres_url)
        return postgres_url

    return empty
