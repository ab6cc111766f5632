"""Canonical digests of registry facts, written into audit events and recomputed by ``verify``.

A digest is the SHA-256 of canonical JSON (sorted keys, no whitespace, dates as ISO text, numpy
scalars as Python numbers), so the same facts give the same digest on SQLite and PostgreSQL
whether they come from the writer's values or from the rows read back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from proeftuin.registry.models import Experiment, OutcomeMonth, OwnOutcomeMonth, Participant, ServiceContact, SurveyItem, SurveyResponse


def canonical(value: Any) -> Any:
    """``value`` as plain JSON data (dates as ISO text, numpy scalars as Python numbers)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value


def canonical_sha256(value: Any) -> str:
    text = json.dumps(canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def arm_facts(experiment: Experiment) -> dict[str, dict[str, Any]]:
    """Every arm of a trial by code: its benefit regime, control flag, allocation ratio, components and labels."""
    return {a.code: {"regime": a.regime, "is_control": bool(a.is_control), "ratio": float(a.ratio), "components": list(a.components),
                     "label_nl": a.label_nl, "label_en": a.label_en} for a in experiment.arms}


def experiment_facts(experiment: Experiment) -> dict[str, Any]:
    """What a trial is: its period (the intake window), municipality, declared design, plan and arms."""
    return {"slug": experiment.slug, "municipality": experiment.municipality, "name": experiment.name,
            "period": [experiment.start_date.isoformat(), experiment.end_date.isoformat()], "spec": experiment.spec,
            "plan": experiment.plan, "arms": arm_facts(experiment)}


PARTICIPANT_FACTS = tuple(c.key for c in Participant.__table__.columns if c.key not in ("id", "experiment_id", "pseudonym"))
"""Every column of a participant recorded at enrolment (baseline covariates, stratum, caseload, household)."""


def participant_sha256(row: dict[str, Any]) -> str:
    """The digest of one participant's enrolment facts (a row as inserted, or as read back)."""
    return canonical_sha256({c: row.get(c) for c in PARTICIPANT_FACTS})


def _rows_sha256(rows: Iterable[Any]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(canonical(list(row)), separators=(",", ":"), allow_nan=False).encode("ascii"))
        digest.update(b"\n")
    return digest.hexdigest()


def _import_statements(import_id: int) -> list[Select]:  # type: ignore[type-arg]
    om, si, sr, sc, oo = OutcomeMonth, SurveyItem, SurveyResponse, ServiceContact, OwnOutcomeMonth
    return [
        select(sc.participant_id, sc.on, sc.kind, sc.minutes, sc.recorded_by).where(sc.import_id == import_id)
        .order_by(sc.participant_id, sc.on, sc.kind, sc.id),
        select(om.participant_id, om.month, om.period, om.hours_per_week, om.contract, om.gross_earnings, om.on_benefit, om.source)
        .where(om.import_id == import_id).order_by(om.participant_id, om.month, om.source),
        select(si.participant_id, si.wave, si.item, si.value).where(si.import_id == import_id).order_by(si.participant_id, si.wave, si.item),
        select(sr.participant_id, sr.wave, sr.index_name, sr.score).where(sr.import_id == import_id)
        .order_by(sr.participant_id, sr.wave, sr.index_name),
        # last: an import without outcomes of the plan's own adds no row, so its digest is what it was before 0009
        select(oo.participant_id, oo.month, oo.period, oo.source, oo.name, oo.value).where(oo.import_id == import_id)
        .order_by(oo.participant_id, oo.month, oo.source, oo.name),
    ]


def import_rows_sha256(session: Session, import_id: int) -> str:
    """The digest of every row an import wrote (outcome months and the plan's own outcomes, survey items
    and scores, services), as stored."""
    return _rows_sha256(row for statement in _import_statements(import_id) for row in session.execute(statement))
