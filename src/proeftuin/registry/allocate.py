"""Randomization through the sealed path: after consent, once per person, under a row lock.

Every allocation is drawn by :mod:`proeftuin.design.allocation` from the experiment's sealed
seed, its algorithm version and the person's place in the allocation sequence. The experiment's
seal row (which holds the allocation counter and the method's state) is locked with
``SELECT ... FOR UPDATE`` for the whole transaction, so two case managers randomizing at the same
moment are serialized: no double assignment, no broken block. Nobody can ask for the next
allocation without making it: the only way to see an arm is to randomize a consented person.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Row, Select, Text, cast, select
from sqlalchemy.orm import Session

from proeftuin.design import SequentialAllocator, Unit, batch_allocate
from proeftuin.registry.audit import Action, AuditLog
from proeftuin.registry.bulk import insert_frame
from proeftuin.registry.crud import RegistryError, get_experiment
from proeftuin.registry.db import bind_chunks, write_lock
from proeftuin.registry.experiments import seal_of, trial_plan
from proeftuin.registry.intake import participants_by_pseudonym
from proeftuin.registry.lifecycle import check_in_period, check_operation
from proeftuin.registry.models import Arm, Assignment, Consent, Participant, User, baseline_covariates
from proeftuin.registry.roles import Operation, Role, authorize, caseload_refusal, check_caseload, outside_caseload
from proeftuin.registry.schemas import AssignmentPublic
from proeftuin.registry.sealing import open_seed
from proeftuin.registry.settings import RegistrySettings


WHOLE_EXPERIMENT = 2_000
"""A request for more people than this reads every participant of the experiment in one pass and picks
them out in memory; a smaller one looks its people up by pseudonym (one look-up each costs more than a pass)."""


def _rows(session: Session, statement: Select[Any], pseudonyms: Sequence[str] | None) -> list[Row[Any]]:
    """The rows of ``statement`` (which selects from ``participants``): all of them, or those of ``pseudonyms``
    (looked up in chunks of bound parameters when the request is small, see :data:`WHOLE_EXPERIMENT`)."""
    if pseudonyms is None or len(pseudonyms) > WHOLE_EXPERIMENT:
        return list(session.execute(statement).all())
    pseudonym = Participant.__table__.c.pseudonym
    return [row for chunk in bind_chunks(pseudonyms) for row in session.execute(statement.where(pseudonym.in_(chunk))).all()]


def _people(session: Session, experiment_id: int, pseudonyms: Sequence[str] | None) -> pd.DataFrame:
    """The participants of the experiment (all, in enrolment order, or those of ``pseudonyms``) as columns indexed
    by pseudonym, read with Core selects (no ORM objects): ``id``, ``case_manager``, ``cluster``, ``age``,
    ``household``, ``covariates`` (the stored JSON text), ``assigned`` (already randomized), and their standing
    consent, the latest record by date then record order (``consent``: its kind, or ``None``; ``consent_on``)."""
    p, a, c = Participant.__table__.c, Assignment.__table__.c, Consent.__table__.c
    people = _rows(session, select(p.pseudonym, p.id, p.case_manager, p.cluster, p.age, p.household, cast(p.covariates, Text),
                                   a.id.is_not(None))
                   .select_from(Participant.__table__.outerjoin(Assignment.__table__, a.participant_id == p.id))
                   .where(p.experiment_id == experiment_id).order_by(p.id), pseudonyms)
    frame = pd.DataFrame([tuple(r) for r in people], columns=["pseudonym", "id", "case_manager", "cluster", "age", "household",
                                                              "covariates", "assigned"], dtype=object)
    consents = _rows(session, select(c.participant_id, c.kind, c.on).join(Participant.__table__, p.id == c.participant_id)
                     .where(p.experiment_id == experiment_id).order_by(c.on, c.id), pseudonyms)
    latest = pd.DataFrame([tuple(r) for r in consents], columns=["id", "consent", "consent_on"], dtype=object)
    latest = latest.drop_duplicates("id", keep="last").set_index("id")
    frame["consent"] = frame["id"].map(latest["consent"])
    frame["consent_on"] = frame["id"].map(latest["consent_on"])
    return frame.set_index("pseudonym")


def _refused(user: User, people: pd.DataFrame, on: dt.date) -> np.ndarray:
    """Whether each of ``people`` (rows of :func:`_people`) may not be randomized by ``user`` on ``on``, as one
    vectorised pass over the reasons of :func:`_refusal`."""
    refused = people["assigned"].to_numpy(dtype=bool) | (people["consent"] != "given").to_numpy(dtype=bool)
    refused |= (pd.to_datetime(people["consent_on"]) > pd.Timestamp(on)).to_numpy(dtype=bool)
    if outside_caseload(user, Operation.randomize, None):  # a case manager: their own caseload only
        refused |= (people["case_manager"] != user.name).to_numpy(dtype=bool)
    return refused


def _check(user: User, people: pd.DataFrame, on: dt.date) -> None:
    """Raise the refusal of the first of ``people`` who may not be randomized (see :func:`_refusal`)."""
    for index in np.flatnonzero(_refused(user, people, on)):
        row = people.iloc[index]
        refusal = _refusal(user, str(people.index[index]), row["case_manager"], row["consent"], row["consent_on"], bool(row["assigned"]), on)
        if refusal is not None:
            raise refusal


def _refusal(user: User, pseudonym: str, case_manager: str | None, consent: object, consent_on: object, assigned: bool,
             on: dt.date) -> RegistryError | None:
    """Why ``pseudonym`` may not be randomized by ``user`` on ``on`` (the first reason, in the order a case manager
    would ask), or ``None``; ``consent`` is the kind of the standing consent record (missing if none) and ``consent_on`` its date."""
    if outside_caseload(user, Operation.randomize, case_manager):
        return caseload_refusal(user, pseudonym)
    if consent != "given":
        return RegistryError(f"{pseudonym[:12]} has no standing consent; randomization happens only after consent")
    if isinstance(consent_on, dt.date) and consent_on > on:
        return RegistryError(f"{pseudonym[:12]} consented on {consent_on}, after the randomization date {on}")
    if assigned:
        return RegistryError(f"{pseudonym[:12]} is already randomized; a person is randomized once")
    return None


def randomize(
    *, session: Session, actor: str, slug: str, pseudonyms: Sequence[str] | None, on: dt.date, settings: RegistrySettings
) -> list[AssignmentPublic]:
    """Randomize the consented people ``pseudonyms`` in order (``None``: everyone consented and not yet randomized).

    Sequential methods allocate in the order given; batch methods allocate the people given as one
    batch, ordered by pseudonym. Raises :class:`RegistryError` (nothing written) if anyone has no
    standing consent, is already randomized, or consented after ``on``; and if the trial is not
    recruiting or ``on`` is outside its intake window.

    The whole transaction holds the write lock before the seal row is read: ``BEGIN IMMEDIATE``
    on SQLite (:func:`~proeftuin.registry.db.write_lock`), ``SELECT ... FOR UPDATE`` of the seal
    row on PostgreSQL; concurrent randomizations are serialized, never interleaved.

    A request is one pass per table: the people and their consents are read as columns, checked
    together (the first person refused is named, with the first reason), allocated as a batch
    (:meth:`~proeftuin.design.SequentialAllocator.allocate_many`: the same arms as one at a time),
    and written with one insert of the assignments and one of their audit events.
    """
    write_lock(session)
    user = authorize(session=session, actor=actor, operation=Operation.randomize)
    experiment = get_experiment(session=session, slug=slug)
    check_operation(experiment, Operation.randomize)
    check_in_period(experiment, on, "the randomization")
    seal = seal_of(session=session, experiment=experiment, lock=True)
    plan = trial_plan(experiment)
    if pseudonyms is None:
        everyone = _people(session, experiment.id, None)
        waiting = ~_refused(user, everyone, on)
        pseudonyms = everyone.index[waiting].tolist()
        if not pseudonyms:
            raise RegistryError(f"nobody in {slug!r} is waiting for randomization (consented on or before {on} and not yet randomized)"
                                + (f" in the caseload of {user.name!r}" if user.role == Role.case_manager.value else ""))
        people = everyone.loc[pseudonyms]
    else:
        pseudonyms = list(pseudonyms)
        if len(set(pseudonyms)) != len(pseudonyms):
            raise RegistryError("a person appears twice in one randomization request")
        found = _people(session, experiment.id, pseudonyms)
        positions = found.index.get_indexer(pseudonyms)
        if (positions < 0).any():
            raise RegistryError(f"no participant {pseudonyms[int(np.argmax(positions < 0))][:12]} in experiment {experiment.slug!r}")
        people = found.iloc[positions]
    _check(user, people, on)
    seed = open_seed(seal, experiment, settings)
    arms = tuple(a.code for a in experiment.arms)
    ratios = tuple(a.ratio for a in experiment.arms)
    if not plan.randomization.method.sequential:
        people = people.sort_index()
    units = _units(people)
    first = seal.allocated + 1
    batch: int | None = None
    if plan.randomization.method.sequential:
        allocator = SequentialAllocator(plan.randomization, arms, ratios, seed, copy.deepcopy(seal.state))
        households = _household_arms(session, experiment.id) if any(u.cluster is not None for u in units) else {}
        codes = allocator.allocate_many(units, first, households)
        seal.state = allocator.state
    else:
        batch = seal.batches + 1
        codes = batch_allocate(plan.randomization, arms, ratios, seed, units, batch)
        seal.batches = batch
    seal.allocated += len(codes)
    arm_ids = {a.code: a.id for a in experiment.arms}
    regimes = {a.code: a.regime for a in experiment.arms}
    order = people.index.tolist()
    sequences = range(first, first + len(codes))
    insert_frame(session, Assignment.__table__, pd.DataFrame({  # type: ignore[arg-type]
        "participant_id": people["id"].to_numpy(dtype=np.int64), "arm_id": [arm_ids[arm] for arm in codes], "assigned_on": on,
        "seed": int(seal.commitment[:15], 16), "algorithm": seal.version, "sequence": np.arange(first, first + len(codes), dtype=np.int64),
        "batch": pd.Series([batch] * len(codes), dtype=object)}))
    when, version, experiment_id = on.isoformat(), seal.version, experiment.id
    AuditLog(session).record_many([
        (actor, Action.assign, experiment_id, p, {"arm": arm, "sequence": sequence, "batch": batch, "version": version, "on": when})
        for p, arm, sequence in zip(order, codes, sequences, strict=True)
    ])
    return [AssignmentPublic(pseudonym=p, arm=arm, regime=regimes[arm], assigned_on=on, sequence=sequence)
            for p, arm, sequence in zip(order, codes, sequences, strict=True)]


def _units(people: pd.DataFrame) -> list[Unit]:
    """The allocation inputs of ``people`` (rows of :func:`_people`), in their order: baseline covariates and household key.

    The stored covariates' JSON texts are parsed in one call (a JSON array of them), not one call per person."""
    covariates = json.loads("[" + ",".join("null" if text is None else text for text in people["covariates"]) + "]")
    return [Unit(baseline_covariates(age, household, values), cluster)
            for age, household, values, cluster in zip(people["age"], people["household"], covariates, people["cluster"], strict=True)]


def _household_arms(session: Session, experiment_id: int) -> dict[str, str]:
    rows = session.execute(
        select(Participant.cluster, Arm.code).join(Assignment, Assignment.participant_id == Participant.id)
        .join(Arm, Arm.id == Assignment.arm_id).where(Participant.experiment_id == experiment_id, Participant.cluster.is_not(None)))
    return dict(rows.all())


def participant_arm(*, session: Session, actor: str, slug: str, pseudonym: str) -> AssignmentPublic:
    """The arm of a randomized participant and the regime that applies (case manager: own caseload)."""
    user = authorize(session=session, actor=actor, operation=Operation.see_arm)
    experiment = get_experiment(session=session, slug=slug)
    participant = participants_by_pseudonym(session=session, experiment=experiment, pseudonyms=[pseudonym])[pseudonym]
    check_caseload(user, participant, Operation.see_arm)
    assignment = participant.assignment
    if assignment is None:
        raise RegistryError(f"{pseudonym[:12]} is not randomized yet")
    return AssignmentPublic(pseudonym=pseudonym, arm=assignment.arm.code, regime=assignment.arm.regime,
                            assigned_on=assignment.assigned_on, sequence=assignment.sequence or 0)
