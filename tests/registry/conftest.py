"""Registry fixtures: settings with strong secrets, a migrated database (SQLite and PostgreSQL), a trial."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import SecretStr
from schema_reset import reset_schema
from sqlalchemy import Engine

from proeftuin.registry.audit import keyed_engine
from proeftuin.registry.db import make_engine, migrate, session_scope
from proeftuin.registry.experiments import create_trial
from proeftuin.registry.roles import Role, add_user
from proeftuin.registry.schemas import EnrolmentCreate
from proeftuin.registry.settings import RegistrySettings
from proeftuin.simulate.bsn import fake_bsns
from trialkit import START, utrecht_plan


def _settings() -> RegistrySettings:
    return RegistrySettings(
        pseudonym_secrets={"Utrecht": SecretStr("utrecht-scWsI9ktw8euYo6fmneNr0ZtdJdhs5216uzFDWLl"), "Tilburg": SecretStr("tilburg-56oj7D3XV8uIqOHTsfeoZl4B2ku_NAKhjdiC8YBE")},
        seal_key=SecretStr("seal-qtTYVC3iGww5by5lGH5gR2Qwb6LI6RVCtRoySDUS"),
    )


@pytest.fixture
def settings() -> RegistrySettings:
    return _settings()


@pytest.fixture(scope="session")
def template_settings() -> RegistrySettings:
    """The settings of the session's templates (those of ``settings``), for fixtures wider than one test."""
    return _settings()


def _migrated_with_users(url: str, settings: RegistrySettings) -> Engine:
    """Migrate the database at ``url`` to head and add alice (admin), cora and carl (case managers), rob (researcher), aud (auditor)."""
    engine = keyed_engine(make_engine(url), settings)
    migrate(engine)
    with session_scope(engine) as session:
        add_user(session=session, actor=None, name="alice", role=Role.admin)
        for name, role in [("cora", Role.case_manager), ("carl", Role.case_manager), ("rob", Role.researcher), ("aud", Role.auditor)]:
            add_user(session=session, actor="alice", name=name, role=role)
    return engine


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The migrated SQLite registry with its five users, built once per session (worker); ``engine`` copies the file."""
    folder = tmp_path_factory.mktemp("registry-template")
    _migrated_with_users(f"sqlite:///{folder / 'proeftuin.db'}", _settings()).dispose()
    return folder


@pytest.fixture(scope="session")
def postgres_template(postgres_databases: Any) -> str:
    """The migrated PostgreSQL registry with its five users, built once per session (worker); ``db_url`` clones it."""
    url = postgres_databases.new()
    _migrated_with_users(url, _settings()).dispose()  # no connection left: CREATE DATABASE ... TEMPLATE needs none
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each database kind in turn: a fresh SQLite file (empty), and a fresh PostgreSQL database cloned from ``postgres_template``."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'proeftuin.db'}"
        return
    databases = request.getfixturevalue("postgres_databases")
    url = databases.new(template=request.getfixturevalue("postgres_template"))
    yield url
    databases.drop(url)


@pytest.fixture
def engine(db_url: str, settings: RegistrySettings, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A migrated database of each kind, with users alice (admin), cora and carl (case managers), rob (researcher), aud (auditor).

    Its sessions key the audit chain with the ``settings``' audit key. With the session's settings, a copy of
    the session's template (same migrations, same users, same key): SQLite copies the file, PostgreSQL's
    ``db_url`` is already a clone; with other settings, migrated afresh (PostgreSQL's clone emptied first)."""
    standard = settings == _settings()
    if db_url.startswith("sqlite:///") and standard:
        target = Path(db_url.removeprefix("sqlite:///"))
        for part in request.getfixturevalue("sqlite_template").glob("proeftuin.db*"):  # with its write-ahead log, if any
            shutil.copyfile(part, target.with_name(part.name))
        engine = keyed_engine(make_engine(db_url), settings)
    elif standard:
        engine = keyed_engine(make_engine(db_url), settings)
    else:
        if not db_url.startswith("sqlite:///"):
            reset_schema(db_url)
        engine = _migrated_with_users(db_url, settings)
    yield engine
    engine.dispose()


@pytest.fixture
def trial(engine: Engine, settings: RegistrySettings) -> str:
    with session_scope(engine) as session:
        create_trial(session=session, actor="alice", plan=utrecht_plan(), settings=settings)
    return "utrecht"


@pytest.fixture
def make_people() -> Callable[..., tuple[list[str], list[EnrolmentCreate]]]:
    """``make_people(n, seed=0, case_manager="cora")``: fake BSNs and enrolment records."""

    def make(n: int, seed: int = 0, case_manager: str | None = "cora", households: int | None = None) -> tuple[list[str], list[EnrolmentCreate]]:
        rng = np.random.default_rng(seed)
        bsns = fake_bsns(n, rng)
        people = [
            EnrolmentCreate(
                bsn=SecretStr(bsn), enrolled_on=START, case_manager=case_manager, age=int(rng.integers(20, 60)),
                sex=str(rng.choice(["female", "male"])), household="single", months_on_benefit=int(rng.integers(0, 120)),
                education="low", health=float(np.round(rng.uniform(2, 9), 1)), migration_background=bool(rng.random() < 0.3),
                distance_to_labour_market=str(rng.choice(["far", "medium", "near"])),
                household_id=SecretStr(f"hh-{int(rng.integers(households))}") if households else None,
            )
            for bsn in bsns
        ]
        return bsns, people

    return make
