"""Randomization through the sealed path: only after consent, once per person, reproducible by verify."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from sqlalchemy import select

from proeftuin.registry import allocate
from proeftuin.registry.allocate import participant_arm, randomize
from proeftuin.registry.audit import audit_key, event_hash
from proeftuin.registry.crud import RegistryError
from proeftuin.registry.db import session_scope
from proeftuin.registry.experiments import create_trial
from proeftuin.registry.intake import enrol, record_consent
from proeftuin.registry.models import Assignment, AuditEvent, AuditHead, Seal
from proeftuin.registry.schemas import ConsentCreate
from proeftuin.registry.verify import verify_registry

from trialkit import START, utrecht_plan

ON = START + dt.timedelta(days=7)


def _enrol_and_consent(engine, settings, people, slug="utrecht", actor="cora"):  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        enrolled = enrol(session=session, actor=actor, slug=slug, people=people, settings=settings)
        record_consent(session=session, actor=actor, slug=slug,
                       consents=[ConsentCreate(pseudonym=p.pseudonym, text_version="2018-05", on=START) for p in enrolled])
    return [p.pseudonym for p in enrolled]


def test_randomize_after_consent_and_verify_recomputes(engine, settings, trial, make_people) -> None:
    _, people = make_people(40)
    pseudonyms = _enrol_and_consent(engine, settings, people)
    with session_scope(engine) as session:
        first = randomize(session=session, actor="cora", slug=trial, pseudonyms=pseudonyms[:25], on=ON, settings=settings)
    with session_scope(engine) as session:
        second = randomize(session=session, actor="cora", slug=trial, pseudonyms=None, on=ON, settings=settings)
    assert [a.sequence for a in first + second] == list(range(1, 41))
    assert set(Counter(a.arm for a in first + second)) <= {"control", "exemption", "extra_help", "work_pays"} | {a.code for a in utrecht_plan().experiment.arms}
    with session_scope(engine) as session:
        report = verify_registry(session=session, settings=settings)
        assert report.intact, report.problems
        assert report.allocations == 40


def test_no_randomization_without_consent(engine, settings, trial, make_people) -> None:
    _, people = make_people(2)
    with session_scope(engine) as session:
        enrolled = enrol(session=session, actor="cora", slug=trial, people=people, settings=settings)
    with pytest.raises(RegistryError, match="no standing consent; randomization happens only after consent"):
        with session_scope(engine) as session:
            randomize(session=session, actor="cora", slug=trial, pseudonyms=[enrolled[0].pseudonym], on=ON, settings=settings)


def test_a_person_is_randomized_once(engine, settings, trial, make_people) -> None:
    _, people = make_people(3)
    pseudonyms = _enrol_and_consent(engine, settings, people)
    with session_scope(engine) as session:
        randomize(session=session, actor="cora", slug=trial, pseudonyms=pseudonyms[:1], on=ON, settings=settings)
    with pytest.raises(RegistryError, match="is already randomized; a person is randomized once"):
        with session_scope(engine) as session:
            randomize(session=session, actor="cora", slug=trial, pseudonyms=pseudonyms[:2], on=ON, settings=settings)
    with session_scope(engine) as session:  # the failed request wrote nothing
        assert len(session.scalars(select(Assignment)).all()) == 1
        assert session.scalar(select(Seal.allocated)) == 1


def test_withdrawal_keeps_the_person_in_itt(engine, settings, trial, make_people) -> None:
    _, people = make_people(1)
    pseudonym = _enrol_and_consent(engine, settings, people)[0]
    with session_scope(engine) as session:
        arm = randomize(session=session, actor="cora", slug=trial, pseudonyms=[pseudonym], on=ON, settings=settings)[0].arm
        record_consent(session=session, actor="cora", slug=trial,
                       consents=[ConsentCreate(pseudonym=pseudonym, kind="withdrawn", text_version="2018-05", on=ON, keep_data=True)])
    with session_scope(engine) as session:
        assert participant_arm(session=session, actor="cora", slug=trial, pseudonym=pseudonym).arm == arm
        assert verify_registry(session=session, settings=settings).intact


@pytest.mark.parametrize(
    "randomization",
    [
        {"method": "minimization", "factors": ["distance_to_labour_market", "sex"], "strata": []},
        {"method": "complete", "strata": ["sex"]},
        {"method": "rerandomization", "covariates": ["age", "health"], "strata": [], "acceptance": 0.6},
        {"method": "blocks", "cluster": True},
    ],
    ids=lambda r: r["method"] + ("-cluster" if r.get("cluster") else ""),
)
def test_every_method_is_reproduced_by_verify(engine, settings, make_people, randomization) -> None:
    with session_scope(engine) as session:
        create_trial(session=session, actor="alice", plan=utrecht_plan(**randomization), settings=settings)
    _, people = make_people(30, households=12 if randomization.get("cluster") else None)
    pseudonyms = _enrol_and_consent(engine, settings, people)
    for chunk in (pseudonyms[:18], pseudonyms[18:]):
        with session_scope(engine) as session:
            randomize(session=session, actor="cora", slug="utrecht", pseudonyms=chunk, on=ON, settings=settings)
    with session_scope(engine) as session:
        report = verify_registry(session=session, settings=settings)
    assert report.intact, report.problems
    assert report.allocations == 30


@pytest.fixture(params=["look-up", "whole-experiment"])
def read_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """A small request looks its people up by pseudonym; a large one reads the whole experiment: both, on small data."""
    if request.param == "whole-experiment":
        monkeypatch.setattr(allocate, "WHOLE_EXPERIMENT", 0)
    return str(request.param)


def test_both_read_paths_refuse_the_first_person_refused_with_the_first_reason(engine, settings, trial, make_people, read_path) -> None:
    _, people = make_people(6)
    _, others = make_people(2, seed=1, case_manager="carl")
    pseudonyms = _enrol_and_consent(engine, settings, people)
    with session_scope(engine) as session:
        theirs = [p.pseudonym for p in enrol(session=session, actor="alice", slug=trial, people=others, settings=settings)]
        record_consent(session=session, actor="alice", slug=trial, consents=[
            ConsentCreate(pseudonym=pseudonyms[1], kind="withdrawn", text_version="2018-05", on=START),
            ConsentCreate(pseudonym=pseudonyms[2], text_version="2018-05", on=ON + dt.timedelta(days=1))])
        randomize(session=session, actor="cora", slug=trial, pseudonyms=pseudonyms[3:4], on=ON, settings=settings)
    cases = [
        ("cora", [pseudonyms[0], theirs[0], pseudonyms[1]], f"participant {theirs[0][:12]} is not in the caseload of 'cora'"),
        ("alice", [pseudonyms[0], theirs[0], pseudonyms[1]], f"{theirs[0][:12]} has no standing consent"),
        ("alice", [pseudonyms[0], pseudonyms[1], theirs[0]], f"{pseudonyms[1][:12]} has no standing consent"),
        ("alice", [pseudonyms[2], pseudonyms[1]], f"{pseudonyms[2][:12]} consented on {ON + dt.timedelta(days=1)}, after the randomization date {ON}"),
        ("alice", [pseudonyms[0], pseudonyms[3]], f"{pseudonyms[3][:12]} is already randomized; a person is randomized once"),
        ("alice", [pseudonyms[0], "f" * 64], f"no participant {'f' * 12} in experiment 'utrecht'"),
    ]
    for actor, request, message in cases:
        with pytest.raises(RegistryError, match=re.escape(message)):
            with session_scope(engine) as session:
                randomize(session=session, actor=actor, slug=trial, pseudonyms=request, on=ON, settings=settings)
    with session_scope(engine) as session:  # everyone waiting in cora's caseload: 0, 4 and 5 (1 withdrew, 2 consented later, 3 is randomized)
        done = randomize(session=session, actor="cora", slug=trial, pseudonyms=None, on=ON, settings=settings)
    assert [a.pseudonym for a in done] == [pseudonyms[0], pseudonyms[4], pseudonyms[5]]
    assert [a.sequence for a in done] == [2, 3, 4]
    with session_scope(engine) as session:
        report = verify_registry(session=session, settings=settings)
    assert report.intact, report.problems


def test_recorded_hashes_are_event_hash_of_the_stored_events(engine, settings, trial, make_people) -> None:
    """The bulk append MACs each payload's canonical text in place: the hash :func:`event_hash` gives the parsed event."""
    _, people = make_people(5)
    pseudonyms = _enrol_and_consent(engine, settings, people)
    with session_scope(engine) as session:
        randomize(session=session, actor="cora", slug=trial, pseudonyms=pseudonyms, on=ON, settings=settings)
    key = audit_key(settings)
    with session_scope(engine) as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [e.action for e in events[-5:]] == ["assign"] * 5
        for event in events:
            fields = {c: getattr(event, c) for c in ("id", "at", "actor", "action", "experiment_id", "subject", "payload", "prev_hash")}
            assert event.hash == event_hash(**fields, key=key if event.id >= session.get(AuditHead, 1).keyed_from else None)
