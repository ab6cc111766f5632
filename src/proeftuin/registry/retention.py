"""Retention: person-level data of a closed trial are purged a set number of months after it ends.

The setting ``PROEFTUIN_RETENTION_MONTHS`` (AVG/GDPR art. 5(1)(e), storage limitation) decides
how long; the purge keeps the experiment, its arms, its seal and the audit log (which holds
pseudonyms and counts, never BSNs), and records itself in the log.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from proeftuin.registry.audit import Action, AuditLog
from proeftuin.registry.crud import RegistryError, get_experiment
from proeftuin.registry.db import write_lock
from proeftuin.registry.lifecycle import check_operation, move
from proeftuin.registry.models import (
    Assignment, Consent, Experiment, OutcomeMonth, OwnOutcomeMonth, Participant, ServiceContact, SurveyItem, SurveyResponse,
)
from proeftuin.registry.roles import Operation, authorize
from proeftuin.registry.settings import RegistrySettings

PERSON_TABLES = (OutcomeMonth, OwnOutcomeMonth, SurveyItem, SurveyResponse, ServiceContact, Consent, Assignment)


def purge_due(experiment: Experiment, today: dt.date, retention_months: int) -> bool:
    """True when ``today`` is more than ``retention_months`` after the experiment's end."""
    months = (today.year - experiment.end_date.year) * 12 + today.month - experiment.end_date.month
    return months > retention_months or (months == retention_months and today.day > experiment.end_date.day)


def purge_trial(*, session: Session, actor: str, slug: str, today: dt.date, settings: RegistrySettings) -> int:
    """Delete the person-level data of the closed trial ``slug`` past retention; returns the participants purged.

    Refused (nothing deleted) unless the trial is closed or unsealed and ``today`` is past its
    retention period; the confirmation belongs to the caller (the CLI asks for ``--yes`` or the slug).
    """
    write_lock(session)
    authorize(session=session, actor=actor, operation=Operation.purge)
    experiment = get_experiment(session=session, slug=slug)
    check_operation(experiment, Operation.purge)
    if not purge_due(experiment, today, settings.retention_months):
        raise RegistryError(f"experiment {slug!r} ended on {experiment.end_date}; its data are kept {settings.retention_months} months "
                            f"(PROEFTUIN_RETENTION_MONTHS), so not purged on {today}")
    ids = select(Participant.id).where(Participant.experiment_id == experiment.id)
    for table in PERSON_TABLES:
        session.execute(delete(table).where(table.participant_id.in_(ids)))
    purged = session.execute(delete(Participant).where(Participant.experiment_id == experiment.id)).rowcount
    AuditLog(session).record(actor=actor, action=Action.purge, experiment_id=experiment.id, subject=slug,
                             payload={"participants": purged, "retention_months": settings.retention_months, "on": today.isoformat()})
    move(session=session, actor=actor, experiment=experiment, operation=Operation.purge, on=today)
    return purged
