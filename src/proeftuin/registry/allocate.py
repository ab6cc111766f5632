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
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from proeftuin.design import SequentialAllocator, Unit, batch_allocate
from proeftuin.registry.audit import Action, AuditLog
from proeftuin.registry.bulk import insert_frame
from proeftuin.registry.crud import RegistryError, get_experiment
from proeftuin.registry.db import write_lock
from proeftuin.registry.experiments import seal_of, trial_plan
from proeftuin.registry.intake import latest_consents, participants_by_pseudonym
from proeftuin.registry.lifecycle import check_in_period, check_operation
from proeftuin.registry.models import Arm, Assignment, Participant
from proeftuin.registry.roles import Operation, Role, authorize, check_caseload
from proeftuin.registry.schemas import AssignmentPublic
from proeftuin.registry.sealing import open_seed
from proeftuin.registry.settings import RegistrySettings


def unit_of(participant: Participant) -> Unit:
    """The allocation input of a participant: their baseline covariates and cluster key."""
    return Unit(participant.baseline(), participant.cluster)


def randomize(
    *, session: Session, actor: str, slug: str, pseudonyms: Sequence[str] | None, on: dt.date, settings: RegistrySettings
) -> list[AssignmentPublic]:
    """Randomize the consented people ``pseudonyms`` in order (``None``: everyone consented and not yet randomized).

    Sequential methods allocate one at a time; batch methods allocate the people given as one
    batch, ordered by pseudonym. Raises :class:`RegistryError` (nothing written) if anyone has no
    standing consent, is already randomized, or consented after ``on``; and if the trial is not
    recruiting or ``on`` is outside its intake window.

    The whole transaction holds the write lock before the seal row is read: ``BEGIN IMMEDIATE``
    on SQLite (:func:`~proeftuin.registry.db.write_lock`), ``SELECT ... FOR UPDATE`` of the seal
    row on PostgreSQL; concurrent randomizations are serialized, never interleaved.
    """
    write_lock(session)
    user = authorize(session=session, actor=actor, operation=Operation.randomize)
    experiment = get_experiment(session=session, slug=slug)
    check_operation(experiment, Operation.randomize)
    check_in_period(experiment, on, "the randomization")
    seal = seal_of(session=session, experiment=experiment, lock=True)
    plan = trial_plan(experiment)
    if pseudonyms is None:
        statement = select(Participant.pseudonym).outerjoin(Assignment).where(
            Participant.experiment_id == experiment.id, Assignment.id.is_(None)).order_by(Participant.id)
        if user.role == Role.case_manager.value:
            statement = statement.where(Participant.case_manager == user.name)
        candidates = list(session.scalars(statement))
        people = participants_by_pseudonym(session=session, experiment=experiment, pseudonyms=candidates)
        consent = latest_consents(session=session, participant_ids=[p.id for p in people.values()])
        pseudonyms = [p for p in candidates if (c := consent.get(people[p].id)) is not None and c.kind == "given" and c.on <= on]
        if not pseudonyms:
            raise RegistryError(f"nobody in {slug!r} is waiting for randomization (consented on or before {on} and not yet randomized)"
                                + (f" in the caseload of {user.name!r}" if user.role == Role.case_manager.value else ""))
    if len(set(pseudonyms)) != len(pseudonyms):
        raise RegistryError("a person appears twice in one randomization request")
    people = participants_by_pseudonym(session=session, experiment=experiment, pseudonyms=pseudonyms)
    consent = latest_consents(session=session, participant_ids=[p.id for p in people.values()])
    assigned = set(session.scalars(select(Assignment.participant_id).where(Assignment.participant_id.in_([p.id for p in people.values()]))))
    for pseudonym in pseudonyms:
        participant = people[pseudonym]
        check_caseload(user, participant, Operation.randomize)
        standing = consent.get(participant.id)
        if standing is None or standing.kind != "given":
            raise RegistryError(f"{pseudonym[:12]} has no standing consent; randomization happens only after consent")
        if standing.on > on:
            raise RegistryError(f"{pseudonym[:12]} consented on {standing.on}, after the randomization date {on}")
        if participant.id in assigned:
            raise RegistryError(f"{pseudonym[:12]} is already randomized; a person is randomized once")
    seed = open_seed(seal, experiment, settings)
    arms = tuple(a.code for a in experiment.arms)
    ratios = tuple(a.ratio for a in experiment.arms)
    order = list(pseudonyms)
    if plan.randomization.method.sequential:
        allocator = SequentialAllocator(plan.randomization, arms, ratios, seed, copy.deepcopy(seal.state))
        households = _household_arms(session, experiment.id)
        drawn: list[tuple[str, int, int | None]] = []
        for pseudonym in order:
            participant, sequence = people[pseudonym], seal.allocated + len(drawn) + 1
            unit = unit_of(participant)
            if unit.cluster is not None and unit.cluster in households:
                arm = households[unit.cluster]
                allocator.follow(unit, arm)
            else:
                arm = allocator.allocate(unit, sequence)
                if unit.cluster is not None:
                    households[unit.cluster] = arm
            drawn.append((arm, sequence, None))
        seal.state = allocator.state
    else:
        order = sorted(order)
        batch = seal.batches + 1
        codes = batch_allocate(plan.randomization, arms, ratios, seed, [unit_of(people[p]) for p in order], batch)
        drawn = [(arm, seal.allocated + i + 1, batch) for i, arm in enumerate(codes)]
        seal.batches = batch
    seal.allocated += len(drawn)
    arm_of = {a.code: a for a in experiment.arms}
    tag = int(seal.commitment[:15], 16)
    insert_frame(session, Assignment.__table__, pd.DataFrame(  # type: ignore[arg-type]
        [(people[p].id, arm_of[arm].id, on, tag, seal.version, sequence, batch) for p, (arm, sequence, batch) in zip(order, drawn, strict=True)],
        columns=["participant_id", "arm_id", "assigned_on", "seed", "algorithm", "sequence", "batch"]))
    AuditLog(session).record_many([
        (actor, Action.assign, experiment.id, p, {"arm": arm, "sequence": sequence, "batch": batch, "version": seal.version, "on": on.isoformat()})
        for p, (arm, sequence, batch) in zip(order, drawn, strict=True)
    ])
    return [AssignmentPublic(pseudonym=p, arm=arm, regime=arm_of[arm].regime, assigned_on=on, sequence=sequence)
            for p, (arm, sequence, _batch) in zip(order, drawn, strict=True)]


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
