"""Retention: person-level data are purged a set number of months after an experiment ends.

The setting ``PROEFTUIN_RETENTION_MONTHS`` (AVG/GDPR art. 5(1)(e), storage limitation) decides
how long; the purge keeps the experiment, its arms, its seal and the audit log (which holds
pseudonyms and counts, never BSNs), and records itself in the log.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from proeftuin.registry.audit import Action, AuditLog
from proeftuin.registry.models import (
    Assignment, Consent, Experiment, OutcomeMonth, Participant, ServiceContact, SurveyItem, SurveyResponse,
)
from proeftuin.registry.roles import Operation, authorize
from proeftuin.registry.settings import RegistrySettings

PERSON_TABLES = (OutcomeMonth, SurveyItem, SurveyResponse, ServiceContact, Consent, Assignment)


def purge_due(experiment: Experiment, today: dt.date, retention_months: int) -> bool:
    """True when ``today`` is more than ``retention_months`` after the experiment's end."""
    months = (today.year - experiment.end_date.year) * 12 + today.month - experiment.end_date.month
    return months > retention_months or (months == retention_months and today.day > experiment.end_date.day)


def purge_expired(*, session: Session, actor: str, today: dt.date, settings: RegistrySettings) -> dict[str, int]:
    """Delete the person-level data of every experiment past retention; returns participants purged per slug."""
    authorize(session=session, actor=actor, operation=Operation.purge)
    purged: dict[str, int] = {}
    log = AuditLog(session)
    for experiment in session.scalars(select(Experiment).order_by(Experiment.id)):
        if not purge_due(experiment, today, settings.retention_months):
            continue
        ids = select(Participant.id).where(Participant.experiment_id == experiment.id)
        for table in PERSON_TABLES:
            session.execute(delete(table).where(table.participant_id.in_(ids)))
        purged[experiment.slug] = session.execute(delete(Participant).where(Participant.experiment_id == experiment.id)).rowcount
        log.record(actor=actor, action=Action.purge, experiment_id=experiment.id, subject=experiment.slug,
                   payload={"participants": purged[experiment.slug], "retention_months": settings.retention_months, "on": today.isoformat()})
    return purged
