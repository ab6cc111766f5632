"""Setting up an experiment from its plan: arms, plan, and the sealed seed, before the first enrolment."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from proeftuin.design import TrialPlan
from proeftuin.registry.audit import Action, AuditLog
from proeftuin.registry.crud import RegistryError, create_experiment, get_experiment
from proeftuin.registry.models import Experiment, Seal
from proeftuin.registry.roles import Operation, authorize
from proeftuin.registry.sealing import new_seal, open_seed
from proeftuin.registry.settings import RegistrySettings

def create_trial(*, session: Session, actor: str, plan: TrialPlan, settings: RegistrySettings, nonce: str | None = None) -> Seal:
    """Store the experiment of ``plan`` and seal its randomization; returns the seal (its commitment is public).

    ``nonce`` is drawn at random unless given; only a synthetic demo, whose every allocation must
    follow from its public seed, gives one.
    """
    authorize(session=session, actor=actor, operation=Operation.create_experiment)
    settings.pseudonym_secret(plan.experiment.municipality)  # refuse now, not at the first enrolment
    experiment = create_experiment(session=session, spec=plan.experiment)
    experiment.plan = plan.model_dump(mode="json")
    seal = new_seal(settings, experiment, method=plan.randomization.method.value, version=plan.randomization.method.version, nonce=nonce)
    session.add(seal)
    session.flush()
    AuditLog(session).record(actor=actor, action=Action.create_experiment, experiment_id=experiment.id, subject=experiment.slug,
                             payload={"commitment": seal.commitment, "method": seal.method, "version": seal.version})
    return seal


def trial_plan(experiment: Experiment) -> TrialPlan:
    """The plan of an experiment made by :func:`create_trial`."""
    if experiment.plan is None:
        raise RegistryError(f"experiment {experiment.slug!r} has no trial plan (it was not created with a plan)")
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


def unseal(*, session: Session, actor: str, slug: str, settings: RegistrySettings) -> str:
    """Publish the seed of ``slug`` (after it is checked against the commitment); returns it."""
    authorize(session=session, actor=actor, operation=Operation.unseal)
    experiment = get_experiment(session=session, slug=slug)
    seal = seal_of(session=session, experiment=experiment, lock=True)
    seed = open_seed(seal, experiment, settings)
    seal.seed, seal.unsealed_at = seed, dt.datetime.now(dt.UTC)
    AuditLog(session).record(actor=actor, action=Action.unseal, experiment_id=experiment.id, subject=slug, payload={"seed": seed})
    return seed
