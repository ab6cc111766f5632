"""Data access: keyword-only functions over a session; bulk where a trial has many rows.

These functions never commit: the caller's :func:`~proeftuin.registry.db.session_scope` makes
each use case one transaction, so an error leaves nothing half-written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from proeftuin.design.spec import ExperimentSpec
from proeftuin.registry.models import (
    Arm,
    Assignment,
    Experiment,
    OutcomeMonth,
    Participant,
    SurveyResponse,
)

COVARIATE_COLUMNS = (
    "age",
    "sex",
    "household",
    "months_on_benefit",
    "education",
    "health",
    "migration_background",
    "distance_to_labour_market",
    "stratum",
)


class RegistryError(ValueError):
    """A request the registry refuses (unknown experiment, duplicate, ...), with the reason."""


def create_experiment(*, session: Session, spec: ExperimentSpec) -> Experiment:
    """Store a declared experiment and its arms; a slug can be used once."""
    if session.scalar(select(Experiment.id).where(Experiment.slug == spec.slug)) is not None:
        raise RegistryError(f"experiment {spec.slug!r} already exists")
    experiment = Experiment(
        slug=spec.slug,
        municipality=spec.municipality,
        name=spec.name,
        start_date=spec.start,
        end_date=spec.end,
        spec=spec.model_dump(mode="json"),
    )
    experiment.arms = [
        Arm(
            code=a.code,
            label_nl=a.label_nl,
            label_en=a.label_en,
            components=[c.value for c in a.components],
            regime=a.regime,
            ratio=a.ratio,
            is_control=a.is_control,
        )
        for a in spec.arms
    ]
    session.add(experiment)
    session.flush()
    return experiment


def get_experiment(*, session: Session, slug: str) -> Experiment:
    """The experiment ``slug``; :class:`RegistryError` listing the known slugs otherwise."""
    experiment = session.scalar(select(Experiment).where(Experiment.slug == slug))
    if experiment is None:
        known = session.scalars(select(Experiment.slug).order_by(Experiment.slug)).all()
        raise RegistryError(f"no experiment {slug!r}; known: {', '.join(known) or '(none)'}")
    return experiment


def list_experiments(*, session: Session) -> list[Experiment]:
    return list(session.scalars(select(Experiment).order_by(Experiment.id)))


def enrol_participants(
    *, session: Session, experiment: Experiment, pseudonyms: Sequence[str], covariates: pd.DataFrame, enrolled_on: dt.date
) -> list[int]:
    """Enrol people (already pseudonymized) with their baseline covariates; returns their ids."""
    if len(pseudonyms) != len(covariates):
        raise RegistryError(f"{len(pseudonyms)} pseudonyms for {len(covariates)} covariate rows")
    rows = covariates.loc[:, list(COVARIATE_COLUMNS)].to_dict("records")
    for row, pseudonym in zip(rows, pseudonyms, strict=True):
        row.update(experiment_id=experiment.id, pseudonym=pseudonym, enrolled_on=enrolled_on)
        row["migration_background"] = bool(row["migration_background"])
    return list(session.scalars(insert(Participant).returning(Participant.id, sort_by_parameter_order=True), rows))


def record_assignments(
    *,
    session: Session,
    experiment: Experiment,
    participant_ids: Sequence[int],
    arm_codes: Sequence[str],
    seed: int,
    algorithm: str,
    assigned_on: dt.date,
) -> None:
    """Store each participant's arm (the unique constraint forbids a second assignment)."""
    arm_ids = {arm.code: arm.id for arm in experiment.arms}
    unknown = set(arm_codes) - set(arm_ids)
    if unknown:
        raise RegistryError(f"arm codes {sorted(unknown)} are not arms of {experiment.slug!r}")
    session.execute(
        insert(Assignment),
        [
            {"participant_id": int(pid), "arm_id": arm_ids[code], "seed": seed, "algorithm": algorithm, "assigned_on": assigned_on}
            for pid, code in zip(participant_ids, arm_codes, strict=True)
        ],
    )


def add_outcome_months(*, session: Session, records: pd.DataFrame) -> int:
    """Bulk insert person-months (columns of :class:`OutcomeMonth`); returns the row count."""
    rows = records.astype({"on_benefit": bool}).to_dict("records")
    for row in rows:
        row["period"] = pd.Timestamp(row["period"]).date()
    session.execute(insert(OutcomeMonth), rows)
    return len(rows)


def add_survey_responses(*, session: Session, records: pd.DataFrame) -> int:
    """Bulk insert survey index scores (participant_id, wave, index_name, score)."""
    session.execute(insert(SurveyResponse), records.to_dict("records"))
    return len(records)


@dataclass(frozen=True)
class ExperimentData:
    """Everything the analysis needs of one experiment, pseudonymized, as frames.

    ``participants``: one row per randomized participant (participant_id, pseudonym, arm,
    baseline covariates), sorted by participant_id; ``months``: person-months of one source;
    ``survey``: long survey scores.
    """

    slug: str
    spec: ExperimentSpec
    participants: pd.DataFrame
    months: pd.DataFrame
    survey: pd.DataFrame


def _frame(session: Session, statement) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    result = session.execute(statement)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def load_experiment_data(*, session: Session, slug: str, source: str = "municipal") -> ExperimentData:
    """The randomized participants of ``slug`` with their arm, outcomes and survey scores."""
    experiment = get_experiment(session=session, slug=slug)
    participants = _frame(
        session,
        select(Participant.id.label("participant_id"), Participant.pseudonym, Arm.code.label("arm"), *[getattr(Participant, c) for c in COVARIATE_COLUMNS])
        .join(Assignment, Assignment.participant_id == Participant.id)
        .join(Arm, Arm.id == Assignment.arm_id)
        .where(Participant.experiment_id == experiment.id)
        .order_by(Participant.id),
    )
    ids = select(Participant.id).where(Participant.experiment_id == experiment.id)
    months = _frame(
        session,
        select(OutcomeMonth.participant_id, OutcomeMonth.month, OutcomeMonth.period, OutcomeMonth.hours_per_week,
               OutcomeMonth.contract, OutcomeMonth.gross_earnings, OutcomeMonth.on_benefit)
        .where(OutcomeMonth.participant_id.in_(ids), OutcomeMonth.source == source)
        .order_by(OutcomeMonth.participant_id, OutcomeMonth.month),
    )
    survey = _frame(
        session,
        select(SurveyResponse.participant_id, SurveyResponse.wave, SurveyResponse.index_name, SurveyResponse.score)
        .where(SurveyResponse.participant_id.in_(ids)),
    )
    return ExperimentData(
        slug=slug,
        spec=ExperimentSpec.model_validate(experiment.spec),
        participants=participants,
        months=months,
        survey=survey,
    )


def month_panel(months: pd.DataFrame, participant_ids: np.ndarray, column: str) -> np.ndarray:
    """``(participants, months)`` array of one monthly column; a missing person-month is NaN."""
    table = months.pivot(index="participant_id", columns="month", values=column)
    return table.reindex(index=participant_ids).to_numpy(dtype=float)
