"""``proeftuin export``: tables out of the registry, pseudonymized, small cells suppressed, logged.

- ``participants``: one row per randomized participant (pseudonym, arm, assignment date, consent
  status, baseline covariates); researchers only; person-level, so no cell suppression applies.
- ``benefits``: each participant's benefit in each month under their arm's regime
  (:mod:`proeftuin.workflow.benefits`); researchers only; person-level.
- ``summary``: per calendar month and arm, persons with a record and the share on benefit.
- ``reconciliation``: municipal against CBS per month and arm (:mod:`proeftuin.registry.reconcile`).
- ``services``: services received per arm (contamination).
- ``audit``: the audit log (auditors and admins).

Aggregate tables suppress every count of fewer than ``PROEFTUIN_MIN_CELL`` people (shown as
``<10``) and, by complementary suppression, every count from which one could be recovered by
subtraction (shown as ``x``: people in an arm minus those who received a service; people in both
sources minus those who disagree); a statistic of a row with a suppressed count is left empty
(:mod:`proeftuin.report.disclosure`).

The file type follows ``--out``'s suffix: ``.csv`` (UTF-8), ``.xlsx`` (an Excel workbook, written by
openpyxl) or ``.parquet``. In CSV and Excel a text cell that a spreadsheet would read as a formula
(starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with a leading
``'``, OWASP's rule against CSV injection. The file appears whole or not at all (written beside
its destination, then renamed).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Hashable
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
from proeftuin.registry.crud import RegistryError
from proeftuin.report.disclosure import Line, publish
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


FORMATS = (".csv", ".xlsx", ".parquet")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def suppress(
    frame: pd.DataFrame, *, total: str, parts: tuple[str, ...] = (), statistics: tuple[str, ...] = (), min_cell: int,
    total_key: tuple[str, ...] = (),
) -> pd.DataFrame:
    """``frame`` with its counts published safely: each row's ``total`` is made of each of ``parts`` and the rest.

    Rows with the same ``total_key`` values share one total (the size of an arm, repeated on each of
    its rows). Every count is shown, ``<min_cell`` or ``x`` (see :func:`proeftuin.report.disclosure.protect`);
    the ``statistics`` of a row with a suppressed count are emptied.
    """
    values: dict[Hashable, int] = {}
    hidden: dict[Hashable, int] = {}
    lines = []
    for i, row in enumerate(frame.itertuples(index=False)):
        record = row._asdict()
        key: Hashable = (total, *(record[k] for k in total_key)) if total_key else (total, i)
        values[key] = int(record[total])
        for part in parts:
            values[(part, i)] = int(record[part])
            hidden[(part, "rest", i)] = int(record[total]) - int(record[part])
            lines.append(Line(key, ((part, i), (part, "rest", i))))
    shown = publish(values, lines, min_cell=min_cell, hidden=hidden)
    out = frame.copy()
    keys = [(total, *(r[k] for k in total_key)) if total_key else (total, i) for i, r in enumerate(frame.to_dict("records"))]
    out[total] = [shown[k] for k in keys]
    for part in parts:
        out[part] = [shown[(part, i)] for i in range(len(frame))]
    hide = [any(not out[c].iloc[i].isdigit() for c in (total, *parts)) for i in range(len(frame))]
    for column in statistics:
        out[column] = out[column].astype(object).where(~pd.Series(hide, index=out.index), None)
    return out


def suppress_reconciliation(table: pd.DataFrame, *, min_cell: int) -> pd.DataFrame:
    """The two-source comparison as published: the disagreeing are part of the people in both sources, so
    neither they nor the agreeing may be small (the one rule of the export and the web page)."""
    return suppress(table, total="n_both", parts=("n_disagree", "n_disagree_work"), min_cell=min_cell,
                    statistics=("on_benefit_municipal", "on_benefit_cbs", "working_municipal", "working_cbs"))


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each text cell a spreadsheet would run as a formula prefixed by ``'`` (OWASP, CSV injection)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(lambda v: f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v)
    out.columns = [f"'{c}" if isinstance(c, str) and c.startswith(FORMULA_STARTS) else c for c in out.columns]
    return out


def check_destination(out: Path) -> None:
    """``out`` can be written: a supported suffix in an existing folder (else a :class:`RegistryError`)."""
    if out.suffix.lower() not in FORMATS:
        raise RegistryError(f"--out: {out.name!r} has no supported suffix; use {', '.join(FORMATS)}")
    if not out.parent.is_dir():
        raise RegistryError(f"--out: the folder {str(out.parent)!r} does not exist")
    if out.is_dir():
        raise RegistryError(f"--out: {str(out)!r} is a folder")


def write_table(table: pd.DataFrame, out: Path) -> None:
    """Write ``table`` to ``out`` by its suffix (see the module docstring), whole or not at all."""
    suffix = out.suffix.lower()
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=suffix, dir=out.parent)
    os.close(handle)
    try:
        if suffix == ".parquet":
            table.to_parquet(temporary, index=False)
        elif suffix == ".xlsx":
            escape_formulas(table).to_excel(temporary, index=False, engine="openpyxl")
        else:
            escape_formulas(table).to_csv(temporary, index=False)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


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
        table = months.groupby(["period", "arm"], as_index=False).agg(n=("participant_id", "nunique"), on_benefit=("on_benefit", "mean"),
                                                                       n_on_benefit=("on_benefit", "sum"))
        # a share is n_on_benefit / n: it is emptied where those on benefit, or those off it, are a small count
        return suppress(table, total="n", parts=("n_on_benefit",), statistics=("on_benefit",), min_cell=min_cell).drop(columns="n_on_benefit")
    if kind is ExportKind.reconciliation:
        return suppress_reconciliation(reconcile_sources(session=session, slug=slug), min_cell=min_cell)
    if kind is ExportKind.services:
        table = services_by_arm(session=session, slug=slug)
        return suppress(table, total="n_arm", total_key=("arm",), parts=("n_received",), statistics=("contacts_per_participant",), min_cell=min_cell)
    experiment = get_experiment(session=session, slug=slug)
    result = session.execute(select(AuditEvent.id, AuditEvent.at, AuditEvent.actor, AuditEvent.action, AuditEvent.subject, AuditEvent.hash)
                             .where(AuditEvent.experiment_id == experiment.id).order_by(AuditEvent.id))
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def export_table(engine: Engine, *, actor: str, slug: str, kind: ExportKind, out: Path, settings: RegistrySettings) -> int:
    """Write the ``kind`` table of ``slug`` to ``out`` (CSV, Excel or Parquet by suffix) and log the export; returns rows."""
    check_destination(out)
    with session_scope(engine) as session:
        authorize(session=session, actor=actor, operation=OPERATION.get(kind, Operation.export_aggregate))
        table = _table(session, kind, slug, settings.min_cell)
        write_table(table, out)
        AuditLog(session).record(actor=actor, action=Action.export, experiment_id=get_experiment(session=session, slug=slug).id,
                                 subject=kind.value, payload={"rows": len(table), "file": out.name, "min_cell": settings.min_cell})
    return len(table)
