"""Read-only listings of the registry for the faces: overviews, caseloads, audit and import history, counts (no writes here).

They return plain dataclasses, never ORM objects, so a face renders them without a session."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from proeftuin.registry.crud import get_experiment
from proeftuin.registry.intake import latest_consents
from proeftuin.registry.models import Arm, Assignment, AuditEvent, AuditHead, DataImport, Experiment, Participant, Seal


@dataclass(frozen=True)
class ArmCount:
    """One arm of an experiment and how many people were randomized to it."""

    code: str
    label_nl: str
    label_en: str
    regime: str
    is_control: bool
    randomized: int


@dataclass(frozen=True)
class ExperimentOverview:
    """An experiment's status and intake against its target."""

    slug: str
    municipality: str
    name: str
    start: dt.date
    end: dt.date
    target: int
    enrolled: int
    arms: list[ArmCount]

    @property
    def randomized(self) -> int:
        return sum(a.randomized for a in self.arms)

    def status(self, today: dt.date) -> str:
        """``planned``, ``running`` or ``closed`` on ``today``."""
        if today < self.start:
            return "planned"
        return "running" if today <= self.end else "closed"


def experiment_overviews(*, session: Session) -> list[ExperimentOverview]:
    """Every experiment with its arms, enrolment and randomization counts, by municipality (then in the order created)."""
    enrolled = dict(session.execute(select(Participant.experiment_id, func.count()).group_by(Participant.experiment_id)).all())
    per_arm = dict(session.execute(select(Assignment.arm_id, func.count()).group_by(Assignment.arm_id)).all())
    arms: dict[int, list[ArmCount]] = {}
    for arm in session.scalars(select(Arm).order_by(Arm.id)):
        arms.setdefault(arm.experiment_id, []).append(
            ArmCount(arm.code, arm.label_nl, arm.label_en, arm.regime, arm.is_control, int(per_arm.get(arm.id, 0))))
    return [
        ExperimentOverview(e.slug, e.municipality, e.name, e.start_date, e.end_date, int(e.spec.get("participants", 0)),
                           int(enrolled.get(e.id, 0)), arms.get(e.id, []))
        for e in session.scalars(select(Experiment).order_by(Experiment.municipality, Experiment.id))
    ]


@dataclass(frozen=True)
class ExperimentSeal:
    """An experiment as ``experiment list`` shows it: period, lifecycle status and its sealed
    randomization (method, people randomized, the seed's commitment), ``None`` where it has none."""

    slug: str
    municipality: str
    start: dt.date
    end: dt.date
    status: str
    method: str | None
    allocated: int | None
    commitment: str | None


def experiment_seals(*, session: Session) -> list[ExperimentSeal]:
    """Every experiment in the order created, with its seal (see :class:`ExperimentSeal`)."""
    rows = session.execute(select(Experiment, Seal).outerjoin(Seal, Seal.experiment_id == Experiment.id).order_by(Experiment.id))
    return [ExperimentSeal(e.slug, e.municipality, e.start_date, e.end_date, e.status, seal.method if seal else None,
                           seal.allocated if seal else None, seal.commitment if seal else None) for e, seal in rows]


@dataclass(frozen=True)
class CaseloadEntry:
    """One person in a case manager's caseload (by pseudonym; no personal data)."""

    slug: str
    pseudonym: str
    enrolled_on: dt.date
    consent: str | None
    arm: str | None


def caseload(*, session: Session, case_manager: str) -> list[CaseloadEntry]:
    """The people enrolled into ``case_manager``'s caseload, newest first."""
    rows = session.execute(
        select(Participant.id, Experiment.slug, Participant.pseudonym, Participant.enrolled_on, Arm.code)
        .join(Experiment, Experiment.id == Participant.experiment_id)
        .outerjoin(Assignment, Assignment.participant_id == Participant.id).outerjoin(Arm, Arm.id == Assignment.arm_id)
        .where(Participant.case_manager == case_manager).order_by(Participant.id.desc())
    ).all()
    consents = latest_consents(session=session, participant_ids=[r[0] for r in rows])
    return [CaseloadEntry(slug, pseudonym, enrolled_on, c.kind if (c := consents.get(pid)) else None, arm)
            for pid, slug, pseudonym, enrolled_on, arm in rows]


@dataclass(frozen=True)
class AuditEntry:
    """One event of the audit log as a page lists it."""

    id: int
    at: str
    actor: str
    action: str
    subject: str


def recent_audit_events(*, session: Session, limit: int = 200) -> list[AuditEntry]:
    """The latest ``limit`` audit events, newest first."""
    rows = session.execute(select(AuditEvent.id, AuditEvent.at, AuditEvent.actor, AuditEvent.action, AuditEvent.subject)
                           .order_by(AuditEvent.id.desc()).limit(limit))
    return [AuditEntry(*row) for row in rows]


@dataclass(frozen=True)
class ImportEntry:
    """One imported file (one revision) of an experiment."""

    filename: str
    kind: str
    source: str
    wave: int | None
    revision: int
    active: bool
    rows: int
    imported_at: dt.datetime | None
    imported_by: str


def import_history(*, session: Session, slug: str) -> list[ImportEntry]:
    """Every imported file of experiment ``slug`` (all revisions), newest first."""
    experiment = get_experiment(session=session, slug=slug)
    rows = session.execute(select(DataImport.filename, DataImport.kind, DataImport.source, DataImport.wave, DataImport.revision,
                                  DataImport.active, DataImport.rows, DataImport.imported_at, DataImport.imported_by)
                           .where(DataImport.experiment_id == experiment.id).order_by(DataImport.id.desc()))
    return [ImportEntry(*row) for row in rows]


def enrolment_counts(*, session: Session, slug: str) -> tuple[int, int]:
    """People enrolled into ``slug`` and how many of them have given consent (their latest record)."""
    experiment = get_experiment(session=session, slug=slug)
    ids = list(session.scalars(select(Participant.id).where(Participant.experiment_id == experiment.id)))
    consents = latest_consents(session=session, participant_ids=ids)
    return len(ids), sum(1 for c in consents.values() if c.kind == "given")


def data_state(*, session: Session, slug: str) -> tuple[int, str]:
    """What an analysis of ``slug`` depends on (a cache key): the audit chain's head, ``(last id, last hash)``.

    Every change to participants, consent, allocation or outcomes goes through the registry and
    appends an audit event, which moves the head; one primary-key look-up reads it. The hash
    (keyed, chained over every event) tells two databases apart that happen to have as many
    events, e.g. a demo database removed and built again with another seed. ``RegistryError`` for
    an unknown ``slug``.
    """
    get_experiment(session=session, slug=slug)
    head = session.get(AuditHead, 1)
    return (head.last_id, head.last_hash) if head is not None else (0, "")
