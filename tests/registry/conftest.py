"""Registry fixtures: settings with strong secrets, a migrated database (SQLite and PostgreSQL), a trial."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from proeftuin.registry.audit import keyed_engine
from proeftuin.registry.db import make_engine, migrate, session_scope
from proeftuin.registry.experiments import create_trial
from proeftuin.registry.roles import Role, add_user
from proeftuin.registry.schemas import EnrolmentCreate
from proeftuin.registry.settings import RegistrySettings
from proeftuin.simulate.bsn import fake_bsns
from trialkit import START, utrecht_plan



@pytest.fixture
def settings() -> RegistrySettings:
    return RegistrySettings(
        pseudonym_secrets={"Utrecht": SecretStr("utrecht-scWsI9ktw8euYo6fmneNr0ZtdJdhs5216uzFDWLl"), "Tilburg": SecretStr("tilburg-56oj7D3XV8uIqOHTsfeoZl4B2ku_NAKhjdiC8YBE")},
        seal_key=SecretStr("seal-qtTYVC3iGww5by5lGH5gR2Qwb6LI6RVCtRoySDUS"),
    )


@pytest.fixture
def engine(db_url: str, settings: RegistrySettings) -> Iterator[Engine]:
    """A migrated database of each kind, with users alice (admin), cora and carl (case managers), rob (researcher), aud (auditor).

    Its sessions key the audit chain with the ``settings``' audit key."""
    engine = keyed_engine(make_engine(db_url), settings)
    migrate(engine)
    with session_scope(engine) as session:
        add_user(session=session, actor=None, name="alice", role=Role.admin)
        for name, role in [("cora", Role.case_manager), ("carl", Role.case_manager), ("rob", Role.researcher), ("aud", Role.auditor)]:
            add_user(session=session, actor="alice", name=name, role=role)
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
