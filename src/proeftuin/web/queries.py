"""Read-only listings the pages need and the registry has no function for (no writes here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from proeftuin.registry.crud import get_experiment
from proeftuin.registry.intake import latest_consents
from proeftuin.registry.models import Arm, Assignment, AuditEvent, DataImport, Experiment, Participant
from proeftuin.registry.reconcile import reconcile_sources
from proeftuin.workflow.export import suppress_reconciliation


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
    """Every experiment with its arms, enrolment and randomization counts, by municipality."""
    enrolled = dict(session.execute(select(Participant.experiment_id, func.count()).group_by(Participant.experiment_id)).all())
    per_arm = dict(session.execute(select(Assignment.arm_id, func.count()).group_by(Assignment.arm_id)).all())
    arms: dict[int, list[ArmCount]] = {}
    for arm in session.scalars(select(Arm).order_by(Arm.id)):
        arms.setdefault(arm.experiment_id, []).append(
            ArmCount(arm.code, arm.label_nl, arm.label_en, arm.regime, arm.is_control, int(per_arm.get(arm.id, 0))))
    return [
        ExperimentOverview(e.slug, e.municipality, e.name, e.start_date, e.end_date, int(e.spec.get("participants", 0)),
                           int(enrolled.get(e.id, 0)), arms.get(e.id, []))
        for e in session.scalars(select(Experiment).order_by(Experiment.municipality))
    ]


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


def recent_audit_events(*, session: Session, limit: int = 200) -> list[AuditEvent]:
    """The latest ``limit`` audit events, newest first."""
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)))


def import_history(*, session: Session, slug: str) -> list[DataImport]:
    """Every imported file of experiment ``slug`` (all revisions), newest first."""
    experiment = get_experiment(session=session, slug=slug)
    return list(session.scalars(select(DataImport).where(DataImport.experiment_id == experiment.id).order_by(DataImport.id.desc())))


@dataclass(frozen=True)
class ReconciliationRow:
    """One month and arm of the two-source comparison, as text (counts under the minimum cell suppressed)."""

    period: str
    arm: str
    n_both: str
    n_disagree: str
    on_benefit_municipal: str
    on_benefit_cbs: str
    n_disagree_work: str
    working_municipal: str
    working_cbs: str


def reconciliation_rows(*, session: Session, slug: str, min_cell: int) -> list[ReconciliationRow]:
    """The registry's reconciliation of municipal and CBS records per month and arm, disclosure-controlled.

    Counts follow :func:`proeftuin.workflow.export.suppress_reconciliation` (also when a small count would
    follow by subtraction); a row with a suppressed count shows no shares either.
    """
    frame = suppress_reconciliation(reconcile_sources(session=session, slug=slug), min_cell=min_cell)

    def share(value: object) -> str:
        return "" if value is None or pd.isna(value) else f"{100 * float(value):.0f}%"  # type: ignore[arg-type]

    return [ReconciliationRow(str(r.period)[:7], str(r.arm), r.n_both, r.n_disagree, share(r.on_benefit_municipal), share(r.on_benefit_cbs),
                              r.n_disagree_work, share(r.working_municipal), share(r.working_cbs))
            for r in frame.itertuples(index=False)]


def enrolment_counts(*, session: Session, slug: str) -> tuple[int, int]:
    """People enrolled into ``slug`` and how many of them have given consent (their latest record)."""
    experiment = get_experiment(session=session, slug=slug)
    ids = list(session.scalars(select(Participant.id).where(Participant.experiment_id == experiment.id)))
    consents = latest_consents(session=session, participant_ids=ids)
    return len(ids), sum(1 for c in consents.values() if c.kind == "given")


def data_state(*, session: Session, slug: str) -> tuple[int | None, int | None]:
    """What an analysis of ``slug`` depends on (a cache key): the latest audit event and the latest import.

    Every change to participants, consent, allocation or outcomes goes through the registry and
    appends an audit event, so two indexed look-ups tell whether anything changed. ``RegistryError``
    for an unknown ``slug``.
    """
    get_experiment(session=session, slug=slug)
    return session.scalar(select(func.max(AuditEvent.id))), session.scalar(select(func.max(DataImport.id)))
