"""``proeftuin export``: tables out of the registry, pseudonymized, small cells suppressed, logged.

- ``participants``: one row per randomized participant (pseudonym, arm, assignment date, consent
  status, baseline covariates); researchers only; person-level, so no cell suppression applies.
- ``benefits``: each participant's benefit in each month under their arm's regime
  (:mod:`proeftuin.workflow.benefits`); researchers only; person-level.
- ``summary``: per calendar month and arm, persons with a record and the share on benefit.
- ``reconciliation``: municipal against CBS per month and arm (:mod:`proeftuin.registry.reconcile`).
- ``services``: services received per arm (contamination).
- ``audit``: the audit log (auditors and admins).

Aggregate tables suppress every statistic resting on fewer than ``PROEFTUIN_MIN_CELL`` people
(count shown as ``<10``, statistics left empty; :mod:`proeftuin.report.disclosure`).
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from proeftuin.registry.audit import Action, AuditLog
from proeftuin.registry.crud import get_experiment, load_experiment_data
from proeftuin.registry.intake import latest_consents
from proeftuin.registry.db import session_scope
from proeftuin.registry.models import AuditEvent
from proeftuin.registry.reconcile import reconcile_sources
from proeftuin.registry.roles import Operation, authorize
from proeftuin.registry.services import services_by_arm
from proeftuin.registry.settings import RegistrySettings
from proeftuin.report.disclosure import format_count, is_disclosive
from proeftuin.workflow.benefits import monthly_benefits


class ExportKind(str, Enum):
    participants = "participants"
    benefits = "benefits"
    summary = "summary"
    reconciliation = "reconciliation"
    services = "services"
    audit = "audit"


OPERATION = {
    ExportKind.participants: Operation.export_pseudonymized,
    ExportKind.benefits: Operation.export_pseudonymized,
    ExportKind.audit: Operation.read_audit,
}


def suppress(frame: pd.DataFrame, *, count: str, statistics: list[str], min_cell: int) -> pd.DataFrame:
    """``frame`` with statistics of cells under ``min_cell`` people emptied and their counts shown as ``<min_cell``."""
    out = frame.copy()
    small = out[count].map(lambda n: is_disclosive(int(n), min_cell=min_cell))
    out[statistics] = out[statistics].astype(object).where(~small, None)
    out[count] = out[count].map(lambda n: format_count(int(n), min_cell=min_cell))
    return out


def _table(session: Session, kind: ExportKind, slug: str, min_cell: int) -> pd.DataFrame:
    if kind is ExportKind.participants:
        data = load_experiment_data(session=session, slug=slug)
        consent = latest_consents(session=session, participant_ids=data.participants["participant_id"].tolist())
        frame = data.participants.assign(consent=[consent[i].kind if i in consent else "none" for i in data.participants["participant_id"]])
        return frame.drop(columns="participant_id")
    if kind is ExportKind.benefits:
        data = load_experiment_data(session=session, slug=slug)
        benefits = monthly_benefits(data.participants, data.months)
        pseudonym = data.participants.set_index("participant_id")["pseudonym"]
        return benefits.assign(participant_id=benefits["participant_id"].map(pseudonym)).rename(columns={"participant_id": "pseudonym"})
    if kind is ExportKind.summary:
        data = load_experiment_data(session=session, slug=slug)
        months = data.months.assign(arm=data.months["participant_id"].map(data.participants.set_index("participant_id")["arm"]))
        table = months.groupby(["period", "arm"], as_index=False).agg(n=("participant_id", "nunique"), on_benefit=("on_benefit", "mean"))
        return suppress(table, count="n", statistics=["on_benefit"], min_cell=min_cell)
    if kind is ExportKind.reconciliation:
        table = reconcile_sources(session=session, slug=slug)
        return suppress(table, count="n_both", statistics=["n_disagree", "on_benefit_municipal", "on_benefit_cbs", "n_disagree_work", "working_municipal", "working_cbs"], min_cell=min_cell)
    if kind is ExportKind.services:
        table = services_by_arm(session=session, slug=slug)
        return suppress(table, count="n_received", statistics=["contacts_per_participant"], min_cell=min_cell)
    experiment = get_experiment(session=session, slug=slug)
    result = session.execute(select(AuditEvent.id, AuditEvent.at, AuditEvent.actor, AuditEvent.action, AuditEvent.subject, AuditEvent.hash)
                             .where(AuditEvent.experiment_id == experiment.id).order_by(AuditEvent.id))
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def export_table(engine: Engine, *, actor: str, slug: str, kind: ExportKind, out: Path, settings: RegistrySettings) -> int:
    """Write the ``kind`` table of ``slug`` to ``out`` (CSV, or Parquet by suffix) and log the export; returns rows."""
    with session_scope(engine) as session:
        authorize(session=session, actor=actor, operation=OPERATION.get(kind, Operation.export_aggregate))
        table = _table(session, kind, slug, settings.min_cell)
        if out.suffix.lower() == ".parquet":
            table.to_parquet(out, index=False)
        else:
            table.to_csv(out, index=False)
        AuditLog(session).record(actor=actor, action=Action.export, experiment_id=get_experiment(session=session, slug=slug).id,
                                 subject=kind.value, payload={"rows": len(table), "file": out.name, "min_cell": settings.min_cell})
    return len(table)
