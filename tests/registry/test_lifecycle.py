"""The trial's lifecycle: every operation is checked against the state, and each refusal names state and allowed operations.

Regressions (issue 10): randomization went on after ``unseal`` (the next arm could be computed
from the published seed) and after the trial's end date; ``unseal`` worked mid-trial; ``purge
--on 2099-01-01`` wiped a running trial; ``randomize --all`` with nobody waiting ended in a raw
NOT NULL error; a plan naming an unknown benefit regime was sealed and people were randomized
into it.
"""

from __future__ import annotations

import datetime as dt

import pytest

from proeftuin.design import TrialPlan, catalog_experiment
from proeftuin.registry.allocate import randomize
from proeftuin.registry.crud import RegistryError
from proeftuin.registry.db import session_scope
from proeftuin.registry.experiments import close, create_trial, unseal
from proeftuin.registry.intake import enrol, record_consent
from proeftuin.registry.lifecycle import ALLOWED, TRANSITIONS, TrialState, TrialStateError, check_operation
from proeftuin.registry.models import Experiment
from proeftuin.registry.retention import purge_trial
from proeftuin.registry.roles import Operation
from proeftuin.registry.schemas import ConsentCreate
from proeftuin.registry.verify import verify_registry
from trialkit import START

END = dt.date(2019, 9, 30)  # Utrecht's end date


@pytest.fixture
def consented(engine, settings, trial, make_people) -> list[str]:  # type: ignore[no-untyped-def]
    """Ten people of cora's caseload, enrolled and consented, none randomized yet."""
    _, people = make_people(10)
    with session_scope(engine) as session:
        enrolled = [p.pseudonym for p in enrol(session=session, actor="cora", slug=trial, people=people, settings=settings)]
        record_consent(session=session, actor="cora", slug=trial, consents=[ConsentCreate(pseudonym=p, text_version="2018-05", on=START) for p in enrolled])
    return enrolled


def _do(engine, action):  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        return action(session)


def _randomize(settings, pseudonyms, on=START):  # type: ignore[no-untyped-def]
    return lambda s: randomize(session=s, actor="cora", slug="utrecht", pseudonyms=pseudonyms, on=on, settings=settings)


def _status(engine) -> str:  # type: ignore[no-untyped-def]
    return _do(engine, lambda s: s.query(Experiment).one().status)


def test_the_machine_is_declared_once_and_every_transition_is_allowed_from_its_state() -> None:
    assert set(ALLOWED) == set(TrialState)
    for (state, operation), _after in TRANSITIONS.items():
        assert operation in ALLOWED[state]


def test_a_trial_is_recruiting_once_created_and_walks_the_machine(engine, settings, consented) -> None:  # type: ignore[no-untyped-def]
    assert _status(engine) == "recruiting"
    _do(engine, _randomize(settings, consented[:5]))
    _do(engine, lambda s: close(session=s, actor="alice", slug="utrecht", on=END))
    assert _status(engine) == "closed"
    _do(engine, lambda s: unseal(session=s, actor="alice", slug="utrecht", settings=settings))
    assert _status(engine) == "unsealed"
    report = _do(engine, lambda s: verify_registry(session=s, settings=settings))
    assert report.intact, report.problems


def test_no_randomization_after_close_or_unseal(engine, settings, consented) -> None:  # type: ignore[no-untyped-def]
    _do(engine, lambda s: close(session=s, actor="alice", slug="utrecht", on=END))
    with pytest.raises(TrialStateError, match="experiment 'utrecht' is closed: randomize is not allowed; allowed now: .*unseal"):
        _do(engine, _randomize(settings, consented[:1]))
    _do(engine, lambda s: unseal(session=s, actor="alice", slug="utrecht", settings=settings))
    with pytest.raises(TrialStateError, match="is unsealed: randomize is not allowed"):
        _do(engine, _randomize(settings, consented[:1]))


def test_unseal_only_after_close(engine, settings, trial) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TrialStateError, match="is recruiting: unseal is not allowed; allowed now: .*close"):
        _do(engine, lambda s: unseal(session=s, actor="alice", slug=trial, settings=settings))


def test_randomization_and_consent_dated_outside_the_intake_window_are_refused(engine, settings, consented, make_people) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TrialStateError, match="randomization dated 2031-01-01 is outside the intake window of 'utrecht' \\(2018-06-01 - 2019-09-30\\)"):
        _do(engine, _randomize(settings, consented[:1], on=dt.date(2031, 1, 1)))
    _, people = make_people(1, seed=9)
    pseudonym = _do(engine, lambda s: enrol(session=s, actor="cora", slug="utrecht", people=people, settings=settings))[0].pseudonym
    with pytest.raises(TrialStateError, match="consent of .* dated 2031-01-01 is outside the intake window"):
        _do(engine, lambda s: record_consent(session=s, actor="cora", slug="utrecht",
                                             consents=[ConsentCreate(pseudonym=pseudonym, text_version="2018-05", on=dt.date(2031, 1, 1))]))


def test_after_close_a_withdrawal_is_recorded_but_no_consent_or_enrolment(engine, settings, consented, make_people) -> None:  # type: ignore[no-untyped-def]
    _, waiting = make_people(1, seed=12)
    [never_consented] = _do(engine, lambda s: enrol(session=s, actor="cora", slug="utrecht", people=waiting, settings=settings))
    _do(engine, _randomize(settings, consented[:2]))
    _do(engine, lambda s: close(session=s, actor="alice", slug="utrecht", on=END))
    _do(engine, lambda s: record_consent(session=s, actor="cora", slug="utrecht", consents=[
        ConsentCreate(pseudonym=consented[0], kind="withdrawn", text_version="2018-05", on=dt.date(2019, 10, 2))]))
    with pytest.raises(RegistryError, match="is closed: consent is given only while recruiting"):
        _do(engine, lambda s: record_consent(session=s, actor="cora", slug="utrecht",
                                             consents=[ConsentCreate(pseudonym=never_consented.pseudonym, text_version="2018-05", on=START)]))
    repeated = [ConsentCreate(pseudonym=p, text_version="2018-05", on=START) for p in consented]  # the consent file of before the close
    assert _do(engine, lambda s: record_consent(session=s, actor="cora", slug="utrecht", consents=repeated)) == 0
    _, people = make_people(1, seed=11)
    with pytest.raises(TrialStateError, match="is closed: enrol is not allowed"):
        _do(engine, lambda s: enrol(session=s, actor="cora", slug="utrecht", people=people, settings=settings))


def test_purge_only_of_a_closed_trial_past_its_retention(engine, settings, consented) -> None:  # type: ignore[no-untyped-def]
    purge = lambda on: lambda s: purge_trial(session=s, actor="alice", slug="utrecht", today=on, settings=settings)  # noqa: E731
    _do(engine, _randomize(settings, consented[:4]))
    with pytest.raises(TrialStateError, match="is recruiting: purge is not allowed"):
        _do(engine, purge(dt.date(2099, 1, 1)))
    _do(engine, lambda s: close(session=s, actor="alice", slug="utrecht", on=END))
    with pytest.raises(RegistryError, match="its data are kept 60 months .* so not purged on 2020-01-01"):
        _do(engine, purge(dt.date(2020, 1, 1)))
    assert _do(engine, purge(dt.date(2099, 1, 1))) == 10
    assert _status(engine) == "purged"
    report = _do(engine, lambda s: verify_registry(session=s, settings=settings))
    assert report.intact, report.problems
    with pytest.raises(TrialStateError, match="is purged: purge is not allowed; allowed now: export_aggregate"):
        _do(engine, purge(dt.date(2099, 1, 1)))


def test_randomize_all_with_nobody_waiting_says_so(engine, settings, trial) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RegistryError, match="nobody in 'utrecht' is waiting for randomization .* in the caseload of 'cora'"):
        _do(engine, _randomize(settings, None))


def test_a_plan_naming_an_unknown_regime_is_refused_whole(engine, settings) -> None:  # type: ignore[no-untyped-def]
    spec = catalog_experiment("tilburg").model_dump(mode="json")
    spec["arms"][1]["regime"] = "tilburg-2099"
    plan = TrialPlan.model_validate({"experiment": spec, "randomization": {"method": "blocks"}, "consent_versions": ["v1"]})
    with pytest.raises(RegistryError, match="arm .* names the benefit regime 'tilburg-2099', which the rules do not know; known: regular"):
        _do(engine, lambda s: create_trial(session=s, actor="alice", plan=plan, settings=settings))
    assert _do(engine, lambda s: s.query(Experiment).count()) == 0


@pytest.mark.parametrize("state", list(TrialState), ids=lambda s: s.value)
def test_every_refusal_names_the_state_and_what_is_allowed(state: TrialState) -> None:
    experiment = Experiment(slug="x", status=state.value)
    refused = [o for o in Operation if o not in ALLOWED[state]]
    for operation in refused:
        with pytest.raises(TrialStateError, match=f"experiment 'x' is {state.value}: {operation.value} is not allowed; allowed now: "):
            check_operation(experiment, operation)
