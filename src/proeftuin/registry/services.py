"""Services each participant actually received (contacts, coaching sessions), to detect contamination.

Tilburg's control group may have received more guidance because of the experiment (DOMAIN.md
3.4); recording what everyone actually got lets a report compare the arms on it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

import pandas as pd
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from proeftuin.registry.audit import Action, AuditLog
from proeftuin.registry.bulk import insert_rows
from proeftuin.registry.crud import get_experiment
from proeftuin.registry.db import bind_chunks
from proeftuin.registry.imports import ImportRejected, ImportResult, begin_import, finish_import, quoted
from proeftuin.registry.lifecycle import check_operation
from proeftuin.registry.models import Arm, Assignment, Experiment, Participant, ServiceContact
from proeftuin.registry.roles import Operation, authorize, caseload_refusal, outside_caseload
from proeftuin.registry.schemas import ServiceCreate


class _Served(NamedTuple):
    """What recording a service needs of its participant."""

    id: int
    enrolled_on: dt.date
    case_manager: str | None


def _checked(session: Session, actor: str, experiment: Experiment, services: Sequence[ServiceCreate]) -> dict[str, _Served]:
    """The participants of ``services`` (read as columns, not ORM objects): each known, in the actor's caseload, and each
    service dated inside the trial."""
    user = authorize(session=session, actor=actor, operation=Operation.record_service)
    check_operation(experiment, Operation.record_service)
    wanted = list(dict.fromkeys(s.pseudonym for s in services))
    p = Participant.__table__.c
    people = {r.pseudonym: _Served(r.id, r.enrolled_on, r.case_manager) for chunk in bind_chunks(wanted) for r in session.execute(
        select(p.id, p.pseudonym, p.enrolled_on, p.case_manager).where(p.experiment_id == experiment.id, p.pseudonym.in_(chunk)))}
    for index, item in enumerate(services):
        if item.pseudonym not in people:
            raise ImportRejected(f"no participant {quoted(item.pseudonym)} in experiment {experiment.slug!r}", index=index, column="pseudonym")
        participant = people[item.pseudonym]
        if outside_caseload(user, Operation.record_service, participant.case_manager):
            raise caseload_refusal(user, item.pseudonym)
        if not experiment.start_date <= item.on <= experiment.end_date:
            raise ImportRejected(f"{item.on} is outside the experiment ({experiment.start_date} to {experiment.end_date})", index=index, column="on")
        if item.on < participant.enrolled_on:
            raise ImportRejected(f"{item.on} is before this person's enrolment on {participant.enrolled_on}", index=index, column="on")
    return people


def _insert(session: Session, people: dict[str, _Served], services: Sequence[ServiceCreate], actor: str, import_id: int | None) -> None:
    """One bulk insert of ``services`` (:func:`~proeftuin.registry.bulk.insert_rows`; dates as ISO text, as the ORM stored them)."""
    insert_rows(session, ServiceContact.__table__, ["participant_id", "on", "kind", "minutes", "recorded_by", "import_id"],  # type: ignore[arg-type]
                [(people[s.pseudonym].id, s.on.isoformat(), s.kind, s.minutes, actor, import_id) for s in services])


def store_services(
    *, session: Session, actor: str, slug: str, services: Sequence[ServiceCreate], filename: str, content_sha256: str
) -> ImportResult:
    """Record the services of one file (all or nothing): the same content again changes nothing, new content under the
    same file name is a correction that replaces the previous revision's services."""
    experiment = get_experiment(session=session, slug=slug)
    people = _checked(session, actor, experiment, services)
    begun = begin_import(session, actor, experiment, kind="services", source="municipal", wave=None, filename=filename,
                         digest=content_sha256, rows=len(services))
    if isinstance(begun, ImportResult):
        return begun
    record, superseded = begun
    if superseded is not None:
        session.execute(delete(ServiceContact).where(ServiceContact.import_id == superseded.id))
    _insert(session, people, services, actor, record.id)
    return finish_import(session, actor, experiment, record, superseded)


def record_services(*, session: Session, actor: str, slug: str, services: Sequence[ServiceCreate]) -> int:
    """Record services received one by one, not from a file (case manager: own caseload); returns how many."""
    experiment = get_experiment(session=session, slug=slug)
    people = _checked(session, actor, experiment, services)
    _insert(session, people, services, actor, None)
    AuditLog(session).record_many([(actor, Action.service, experiment.id, s.pseudonym, {"kind": s.kind, "on": s.on.isoformat(), "minutes": s.minutes})
                                  for s in services])
    return len(services)


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


SERVICE_COLUMNS = ("arm", "kind", "n_arm", "n_received", "contacts", "minutes")


def services_received(*, session: Session, slug: str) -> tuple[dict[str, int], dict[str, int], pd.DataFrame]:
    """What each arm received: people randomized per arm, people with any recorded service per arm, and per arm
    and kind of service the people who received it, the contacts and the minutes (columns :data:`SERVICE_COLUMNS`)."""
    experiment = get_experiment(session=session, slug=slug)
    arm_sizes = {code: int(n) for code, n in session.execute(
        select(Arm.code, func.count(Assignment.id)).join(Assignment, Assignment.arm_id == Arm.id)
        .where(Arm.experiment_id == experiment.id).group_by(Arm.code)).all()}
    joined = (select(Arm.code.label("arm")).select_from(ServiceContact)
              .join(Participant, Participant.id == ServiceContact.participant_id).join(Assignment, Assignment.participant_id == Participant.id)
              .join(Arm, Arm.id == Assignment.arm_id).where(Participant.experiment_id == experiment.id))
    any_service = {code: int(n) for code, n in session.execute(
        joined.add_columns(func.count(func.distinct(ServiceContact.participant_id))).group_by(Arm.code)).all()}
    rows = session.execute(joined.add_columns(
        ServiceContact.kind, func.count(func.distinct(ServiceContact.participant_id)), func.count(ServiceContact.id),
        func.coalesce(func.sum(ServiceContact.minutes), 0)).group_by(Arm.code, ServiceContact.kind).order_by(Arm.code, ServiceContact.kind)).all()
    frame = pd.DataFrame([(arm, kind, arm_sizes.get(arm, 0), int(n), int(c), int(m)) for arm, kind, n, c, m in rows], columns=list(SERVICE_COLUMNS))
    return arm_sizes, any_service, frame
