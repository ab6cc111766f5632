"""Services each participant actually received (contacts, coaching sessions), to detect contamination.

Tilburg's control group may have received more guidance because of the experiment (DOMAIN.md
3.4); recording what everyone actually got lets a report compare the arms on it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from proeftuin.registry.audit import Action, AuditLog
from proeftuin.registry.crud import get_experiment
from proeftuin.registry.intake import participants_by_pseudonym
from proeftuin.registry.lifecycle import check_operation
from proeftuin.registry.models import Arm, Assignment, Participant, ServiceContact
from proeftuin.registry.roles import Operation, authorize, check_caseload
from proeftuin.registry.schemas import ServiceCreate


def record_services(*, session: Session, actor: str, slug: str, services: Sequence[ServiceCreate]) -> int:
    """Record services received (case manager: own caseload); returns how many."""
    user = authorize(session=session, actor=actor, operation=Operation.record_service)
    experiment = get_experiment(session=session, slug=slug)
    check_operation(experiment, Operation.record_service)
    people = participants_by_pseudonym(session=session, experiment=experiment, pseudonyms=[s.pseudonym for s in services])
    for item in services:
        check_caseload(user, people[item.pseudonym], Operation.record_service)
    rows = [{"participant_id": people[s.pseudonym].id, "on": s.on, "kind": s.kind, "minutes": s.minutes, "recorded_by": actor} for s in services]
    if rows:
        session.execute(insert(ServiceContact), rows)
    AuditLog(session).record_many([(actor, Action.service, experiment.id, s.pseudonym, {"kind": s.kind, "on": s.on.isoformat(), "minutes": s.minutes})
                                  for s in services])
    return len(rows)


def services_by_arm(*, session: Session, slug: str) -> pd.DataFrame:
    """Per arm and kind of service: participants in the arm, how many received it, and contacts per participant."""
    experiment = get_experiment(session=session, slug=slug)
    arm_sizes = dict(session.execute(select(Arm.code, func.count(Assignment.id)).join(Assignment, Assignment.arm_id == Arm.id)
                                     .where(Arm.experiment_id == experiment.id).group_by(Arm.code)).all())
    result = session.execute(
        select(Arm.code.label("arm"), ServiceContact.kind, func.count(func.distinct(ServiceContact.participant_id)).label("n_received"),
               func.count(ServiceContact.id).label("contacts"))
        .join(Participant, Participant.id == ServiceContact.participant_id).join(Assignment, Assignment.participant_id == Participant.id)
        .join(Arm, Arm.id == Assignment.arm_id).where(Participant.experiment_id == experiment.id).group_by(Arm.code, ServiceContact.kind))
    frame = pd.DataFrame(result.all(), columns=["arm", "kind", "n_received", "contacts"])
    frame.insert(1, "n_arm", frame["arm"].map(arm_sizes).astype(int))
    frame["contacts_per_participant"] = frame["contacts"] / frame["n_arm"]
    return frame.drop(columns="contacts")
