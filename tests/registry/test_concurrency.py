"""Case managers randomizing at the same moment, in separate processes: no double assignment, no broken block.

Three processes randomize 30 people each, one per transaction, so allocations interleave. On
SQLite the randomization transaction begins with ``BEGIN IMMEDIATE`` (the write lock is held
before the seal row is read); on PostgreSQL the seal row is locked ``FOR UPDATE``.

Regression (issue 10): on SQLite, three processes making 90 randomizations produced 32-36
distinct sequence numbers and ``verify`` failed: the driver began the transaction only at the
first write, so each process read the seal's counter outside it.
"""

from __future__ import annotations

import json
import multiprocessing as mp

from sqlalchemy import select

from proeftuin.registry.allocate import randomize
from proeftuin.registry.audit import keyed_engine
from proeftuin.registry.db import make_engine, session_scope
from proeftuin.registry.intake import enrol, record_consent
from proeftuin.registry.models import Arm, Assignment, Participant
from proeftuin.registry.schemas import ConsentCreate
from proeftuin.registry.verify import verify_registry
from trialkit import START

PROCESSES, EACH = 3, 30


def _worker(url: str, actor: str, pseudonyms: list[str], settings_json: str, barrier) -> None:  # type: ignore[no-untyped-def]
    from proeftuin.registry.settings import RegistrySettings

    settings = RegistrySettings.model_validate_json(settings_json)
    engine = keyed_engine(make_engine(url), settings)
    barrier.wait()
    for pseudonym in pseudonyms:
        with session_scope(engine) as session:
            randomize(session=session, actor=actor, slug="utrecht", pseudonyms=[pseudonym], on=START, settings=settings)
    engine.dispose()


def test_concurrent_randomization_in_processes(db_url, engine, settings, trial, make_people) -> None:  # type: ignore[no-untyped-def]
    managers = ["cora", "carl", "alice"]
    caseloads = {}
    for seed, manager in enumerate(managers):
        _, people = make_people(EACH, seed=seed + 10, case_manager=manager)
        with session_scope(engine) as session:
            enrolled = enrol(session=session, actor=manager, slug=trial, people=people, settings=settings)
            record_consent(session=session, actor=manager, slug=trial,
                           consents=[ConsentCreate(pseudonym=p.pseudonym, text_version="2018-05", on=START) for p in enrolled])
        caseloads[manager] = [p.pseudonym for p in enrolled]
    secrets = {"pseudonym_secrets": {k: v.get_secret_value() for k, v in settings.pseudonym_secrets.items()},
               "seal_key": settings.seal_key.get_secret_value()}
    # Fresh processes, as separate case managers' sessions are: forked from a server process that imported the
    # registry once (``spawn`` imported it anew in each of the six workers, 1.3 s of CPU each) and holds no connection.
    context = mp.get_context("forkserver")
    context.set_forkserver_preload([__name__, "proeftuin.registry.allocate", "proeftuin.registry.settings"])
    barrier = context.Barrier(PROCESSES)
    workers = [context.Process(target=_worker, args=(db_url, m, caseloads[m], json.dumps(secrets), barrier)) for m in managers]
    for w in workers:
        w.start()
    for w in workers:
        w.join(240)
    assert [w.exitcode for w in workers] == [0] * PROCESSES
    with session_scope(engine) as session:
        rows = session.execute(select(Assignment.sequence, Arm.code, Participant.case_manager).join(Arm).join(Participant)
                               .order_by(Assignment.sequence)).all()
        assert [r.sequence for r in rows] == list(range(1, PROCESSES * EACH + 1))  # every person once, no gap, no double
        switches = sum(a.case_manager != b.case_manager for a, b in zip(rows, rows[1:]))
        assert switches >= 2, "the processes did not interleave"
        report = verify_registry(session=session, settings=settings)  # every allocation the sealed sequence's next place
        assert report.intact, report.problems
