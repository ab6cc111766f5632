"""Setting up an experiment from its plan: arms, plan, and the sealed seed, before the first enrolment."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from proeftuin.design import TrialPlan
from proeftuin.design.spec import ExperimentSpec
from proeftuin.registry.audit import Action, AuditLog
from proeftuin.registry.crud import RegistryError, create_experiment, get_experiment
from proeftuin.registry.db import write_lock
from proeftuin.registry.digest import canonical_sha256, experiment_facts
from proeftuin.registry.lifecycle import TrialState, move
from proeftuin.registry.models import Experiment, Seal
from proeftuin.registry.roles import Operation, authorize
from proeftuin.registry.sealing import new_seal, open_seed
from proeftuin.registry.settings import RegistrySettings

def create_trial(*, session: Session, actor: str, plan: TrialPlan, settings: RegistrySettings, nonce: str | None = None) -> Seal:
    """Store the experiment of ``plan`` and seal its randomization; returns the seal (its commitment is public).

    ``nonce`` is drawn at random unless given; only a synthetic demo, whose every allocation must
    follow from its public seed, gives one.
    """
    write_lock(session)
    authorize(session=session, actor=actor, operation=Operation.create_experiment)
    validate_plan(plan, settings)
    experiment = create_experiment(session=session, spec=plan.experiment)
    experiment.status = TrialState.draft.value
    experiment.plan = plan.model_dump(mode="json")
    seal = new_seal(settings, experiment, method=plan.randomization.method.value, version=plan.randomization.method.version, nonce=nonce)
    session.add(seal)
    session.flush()
    facts = experiment_facts(experiment)
    AuditLog(session).record(actor=actor, action=Action.create_experiment, experiment_id=experiment.id, subject=experiment.slug,
                             payload={"commitment": seal.commitment, "nonce": seal.nonce, "method": seal.method, "version": seal.version,
                                      "period": facts["period"], "arms": facts["arms"], "facts_sha256": canonical_sha256(facts)})
    move(session=session, actor=actor, experiment=experiment, operation=Operation.create_experiment, on=dt.date.today())
    return seal


def validate_plan(plan: TrialPlan, settings: RegistrySettings) -> None:
    """The plan as a whole, before anything is stored: keys, randomization covariates and the arms' benefit regimes."""
    from proeftuin.rules import regimes

    settings.pseudonym_secret(plan.experiment.municipality)  # refuse now, not at the first enrolment
    known = regimes()
    for arm in plan.experiment.arms:
        if arm.regime not in known:
            raise RegistryError(f"arm {arm.code!r} names the benefit regime {arm.regime!r}, which the rules do not know; known: {', '.join(known)}")


def trial_plan(experiment: Experiment) -> TrialPlan:
    """The plan of an experiment made by :func:`create_trial`."""
    if experiment.plan is None:
        raise RegistryError(f"experiment {experiment.slug!r} has no trial plan (it was not created with a plan)")
    return TrialPlan.model_validate(experiment.plan)


def stored_plan(experiment: Experiment) -> TrialPlan:
    """The plan of a stored trial; a trial stored without one (by ``create_experiment``) has the plan
    that declares only its experiment: the standard covariates and outcomes, no survey."""
    if experiment.plan is None:
        return TrialPlan(experiment=ExperimentSpec.model_validate(experiment.spec))
    return TrialPlan.model_validate(experiment.plan)


def seal_of(*, session: Session, experiment: Experiment, lock: bool = False) -> Seal:
    """The seal of ``experiment``, row-locked (``SELECT ... FOR UPDATE``) when ``lock``."""
    statement = select(Seal).where(Seal.experiment_id == experiment.id)
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    seal = session.scalar(statement)
    if seal is None:
        raise RegistryError(f"experiment {experiment.slug!r} has no sealed randomization")
    return seal


def close(*, session: Session, actor: str, slug: str, on: dt.date) -> None:
    """End recruitment of ``slug``: no enrolment, consent or allocation after this; the seed may then be published."""
    write_lock(session)
    authorize(session=session, actor=actor, operation=Operation.close)
    experiment = get_experiment(session=session, slug=slug)
    move(session=session, actor=actor, experiment=experiment, operation=Operation.close, on=on)


def unseal(*, session: Session, actor: str, slug: str, settings: RegistrySettings) -> str:
    """Publish the seed of a closed trial ``slug`` (after it is checked against the commitment); returns it."""
    write_lock(session)
    authorize(session=session, actor=actor, operation=Operation.unseal)
    experiment = get_experiment(session=session, slug=slug)
    seal = seal_of(session=session, experiment=experiment, lock=True)
    seed = open_seed(seal, experiment, settings)
    move(session=session, actor=actor, experiment=experiment, operation=Operation.unseal, on=dt.date.today())
    seal.seed, seal.unsealed_at = seed, dt.datetime.now(dt.UTC)
    AuditLog(session).record(actor=actor, action=Action.unseal, experiment_id=experiment.id, subject=slug, payload={"seed": seed})
    return seed
