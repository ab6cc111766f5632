"""Two case managers randomizing at the same moment on PostgreSQL: no double assignment, no broken block.

Each process randomizes its own people one at a time, in separate transactions, so allocations
interleave; the seal row lock (SELECT ... FOR UPDATE) serializes them.
"""

from __future__ import annotations

import json
import multiprocessing as mp

from sqlalchemy import select, text

from proeftuin.registry.allocate import randomize
from proeftuin.registry.db import make_engine, migrate, session_scope
from proeftuin.registry.experiments import create_trial
from proeftuin.registry.intake import enrol, record_consent
from proeftuin.registry.models import Arm, Assignment, Participant
from proeftuin.registry.roles import Role, add_user
from proeftuin.registry.schemas import ConsentCreate
from proeftuin.registry.verify import verify_registry
from trialkit import START, utrecht_plan

N_EACH = 25


def _worker(url: str, actor: str, pseudonyms: list[str], settings_json: str, barrier) -> None:  # type: ignore[no-untyped-def]
    from proeftuin.registry.settings import RegistrySettings

    settings = RegistrySettings.model_validate_json(settings_json)
    engine = make_engine(url)
    barrier.wait()
    for pseudonym in pseudonyms:
        with session_scope(engine) as session:
            randomize(session=session, actor=actor, slug="utrecht", pseudonyms=[pseudonym], on=START, settings=settings)
    engine.dispose()


def test_concurrent_randomization(postgres_url, settings, make_people) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(postgres_url)
    _fresh_schema(engine)
    migrate(engine)
    with session_scope(engine) as session:
        add_user(session=session, actor=None, name="alice", role=Role.admin)
        add_user(session=session, actor="alice", name="cora", role=Role.case_manager)
        add_user(session=session, actor="alice", name="carl", role=Role.case_manager)
        create_trial(session=session, actor="alice", plan=utrecht_plan(), settings=settings)
    caseloads = {}
    for seed, manager in enumerate(("cora", "carl")):
        _, people = make_people(N_EACH, seed=seed + 10, case_manager=manager)
        with session_scope(engine) as session:
            enrolled = enrol(session=session, actor=manager, slug="utrecht", people=people, settings=settings)
            record_consent(session=session, actor=manager, slug="utrecht",
                           consents=[ConsentCreate(pseudonym=p.pseudonym, text_version="2018-05", on=START) for p in enrolled])
        caseloads[manager] = [p.pseudonym for p in enrolled]
    secrets = {"pseudonym_secrets": {k: v.get_secret_value() for k, v in settings.pseudonym_secrets.items()},
               "seal_key": settings.seal_key.get_secret_value()}
    context = mp.get_context("spawn")
    barrier = context.Barrier(2)
    workers = [context.Process(target=_worker, args=(postgres_url, m, caseloads[m], json.dumps(secrets), barrier)) for m in caseloads]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0, 0]
    with session_scope(engine) as session:
        rows = session.execute(select(Assignment.sequence, Arm.code, Participant.case_manager).join(Arm).join(Participant)
                               .order_by(Assignment.sequence)).all()
        assert [r.sequence for r in rows] == list(range(1, 2 * N_EACH + 1))  # no gap, no double
        switches = sum(a.case_manager != b.case_manager for a, b in zip(rows, rows[1:]))
        assert switches >= 2, "the two processes did not interleave"
        # every allocation is the sealed block sequence's next place: no block broken
        report = verify_registry(session=session, settings=settings)
        assert report.intact, report.problems
    _fresh_schema(engine)
    engine.dispose()


def _fresh_schema(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
