"""Randomization through the sealed path: only after consent, once per person, reproducible by verify."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import select

from proeftuin.registry.allocate import participant_arm, randomize
from proeftuin.registry.crud import RegistryError
from proeftuin.registry.db import session_scope
from proeftuin.registry.experiments import create_trial
from proeftuin.registry.intake import enrol, record_consent
from proeftuin.registry.models import Assignment, Seal
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
