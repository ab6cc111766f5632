"""Data access: keyword-only functions over a session; bulk where a trial has many rows.

These functions never commit: the caller's :func:`~proeftuin.registry.db.session_scope` makes
each use case one transaction, so an error leaves nothing half-written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from proeftuin.design.spec import ExperimentSpec
from proeftuin.registry.pseudonym import contains_bsn, mask_bsns
from proeftuin.registry.models import (
    AnalysisRun,
    Arm,
    Assignment,
    Consent,
    Experiment,
    OutcomeMonth,
    OwnOutcomeMonth,
    Participant,
    SurveyResponse,
)

class RegistryError(ValueError):
    """A request the registry refuses (unknown experiment, duplicate, ...), with the reason (BSN-like values masked)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(mask_bsns(str(message)))


def create_experiment(*, session: Session, spec: ExperimentSpec) -> Experiment:
    """Store a declared experiment and its arms; a slug can be used once."""
    if session.scalar(select(Experiment.id).where(Experiment.slug == spec.slug)) is not None:
        raise RegistryError(f"experiment {spec.slug!r} already exists")
    if contains_bsn(spec.model_dump_json()):  # a name, label or note is free text: no BSN may be stored in it
        raise RegistryError(f"experiment {spec.slug!r}: a text of the plan holds a BSN-like value (nine digits passing the eleven-test)")
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


def record_analysis_run(*, session: Session, experiment: Experiment | None, kind: str, options: dict, summary: str = "") -> AnalysisRun:
    """Store what was run (``kind``, its options) so a later run can tell whether it differs."""
    run = AnalysisRun(experiment_id=experiment.id if experiment else None, kind=kind, options=options, summary=summary)
    session.add(run)
    session.flush()
    return run


def latest_analysis_run(*, session: Session, experiment: Experiment, kind: str) -> AnalysisRun | None:
    """The most recent run of ``kind`` on ``experiment``, if any."""
    return session.scalar(
        select(AnalysisRun).where(AnalysisRun.experiment_id == experiment.id, AnalysisRun.kind == kind).order_by(AnalysisRun.id.desc()).limit(1)
    )


OWN_COLUMNS = ("participant_id", "month", "period", "name", "value")
"""The columns of the plan's own outcome values as :class:`ExperimentData` holds them."""


@dataclass(frozen=True)
class ExperimentData:
    """Everything the analysis needs of one experiment, pseudonymized, as frames.

    ``participants``: one row per randomized participant (participant_id, pseudonym, arm, the
    arm's benefit regime, baseline covariates, youngest_child_age), sorted by participant_id; ``months``: person-months of one source;
    ``survey``: long survey scores; ``own``: the monthly values of the plan's own outcomes of the
    same source, long (participant_id, month, period, name, value; empty for a trial without);
    ``stored_months``: the person-months of ``months``' source as stored, consent aside (the same
    frame when nobody withdrew), for :func:`load_source_records` to compare the sources without reading them again;
    ``source``: the source of ``months`` and ``own``.
    """

    slug: str
    spec: ExperimentSpec
    participants: pd.DataFrame
    months: pd.DataFrame
    survey: pd.DataFrame
    own: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(OWN_COLUMNS)))
    stored_months: pd.DataFrame | None = None
    source: str = "municipal"


def _frame(session: Session, statement) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The rows of ``statement`` as a frame, read column-wise by pandas (4x faster than from Row objects)."""
    return pd.read_sql(statement, session.connection())


def _withdrawals(session: Session, experiment: Experiment) -> pd.DataFrame:
    """Participants whose latest consent record is a withdrawal: participant_id, on, keep_data."""
    consents = _frame(
        session,
        select(Consent.participant_id, Consent.kind, Consent.on, Consent.keep_data)
        .join(Participant, Participant.id == Consent.participant_id)
        .where(Participant.experiment_id == experiment.id)
        .order_by(Consent.participant_id, Consent.on, Consent.id),
    )
    latest = consents.groupby("participant_id").tail(1)
    return latest[latest["kind"] == "withdrawn"].drop(columns="kind")


def _respect_withdrawals(months: pd.DataFrame, survey: pd.DataFrame, withdrawn: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What may be used of people who withdrew (they stay in the randomized set, ITT):

    with ``keep_data`` false nothing of theirs; with ``keep_data`` true their records up to the
    month of withdrawal and the survey answers they gave (later waves they no longer answer).
    """
    if withdrawn.empty:
        return months, survey
    erase = set(withdrawn.loc[~withdrawn["keep_data"].astype(bool), "participant_id"])
    return _monthly_within_consent(months, withdrawn), survey[~survey["participant_id"].isin(erase)]


def _monthly_within_consent(months: pd.DataFrame, withdrawn: pd.DataFrame) -> pd.DataFrame:
    """The person-months that may be used (see :func:`_respect_withdrawals`): none of a person who
    withdrew without ``keep_data``, none after the month of withdrawal of one who kept them."""
    if withdrawn.empty:
        return months
    erase = set(withdrawn.loc[~withdrawn["keep_data"].astype(bool), "participant_id"])
    last_month = pd.to_datetime(withdrawn.set_index("participant_id")["on"]).dt.to_period("M").dt.to_timestamp()
    after = pd.to_datetime(months["period"]) > months["participant_id"].map(last_month)  # NaT (no withdrawal): False
    return months[~(months["participant_id"].isin(erase) | after)]


def _participants_frame(session: Session, experiment: Experiment) -> pd.DataFrame:
    """The randomized participants: participant_id, pseudonym, arm, regime, one column per declared
    covariate (in the plan's order), stratum, cluster (household pseudonym), team,
    youngest_child_age and chosen_arm.

    In a choice arm the regime is that of the treatment chosen (where recorded).
    """
    frame = _frame(
        session,
        select(Participant.id.label("participant_id"), Participant.pseudonym, Arm.code.label("arm"), Arm.regime,
               Participant.age, Participant.household, Participant.covariates, Participant.stratum, Participant.cluster,
               Participant.team, Participant.youngest_child_age, Participant.chosen_arm)
        .join(Assignment, Assignment.participant_id == Participant.id)
        .join(Arm, Arm.id == Assignment.arm_id)
        .where(Participant.experiment_id == experiment.id)
        .order_by(Participant.id),
    )
    spec = ExperimentSpec.model_validate(experiment.spec)
    regimes = {a.code: a.regime for a in spec.arms}
    chosen = frame["chosen_arm"].notna()
    frame.loc[chosen, "regime"] = frame.loc[chosen, "chosen_arm"].map(regimes)
    values = [json.loads(v) if isinstance(v, str) else v for v in frame.pop("covariates")]
    declared = list((experiment.plan or {}).get("covariates") or {})
    other = pd.DataFrame.from_records(values, index=frame.index, columns=[c for c in declared if c not in ("age", "household")] or None)
    head = frame[["participant_id", "pseudonym", "arm", "regime", "age", "household"]]
    return pd.concat([head, other, frame[["stratum", "cluster", "team", "youngest_child_age", "chosen_arm"]]], axis=1)


def load_experiment_data(*, session: Session, slug: str, source: str = "municipal") -> ExperimentData:
    """The randomized participants of ``slug`` with their arm, outcomes and survey scores.

    Consent decides what is used of a person who withdrew (see :func:`_respect_withdrawals`).
    """
    experiment = get_experiment(session=session, slug=slug)
    participants = _participants_frame(session, experiment)
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
    own = _frame(
        session,
        select(*(getattr(OwnOutcomeMonth, c) for c in OWN_COLUMNS))
        .where(OwnOutcomeMonth.participant_id.in_(ids), OwnOutcomeMonth.source == source)
        .order_by(OwnOutcomeMonth.participant_id, OwnOutcomeMonth.month, OwnOutcomeMonth.name),
    )
    withdrawals = _withdrawals(session, experiment)
    stored_months = months
    months, survey = _respect_withdrawals(months, survey, withdrawals)
    own = _monthly_within_consent(own, withdrawals)
    return ExperimentData(
        slug=slug,
        spec=ExperimentSpec.model_validate(experiment.spec),
        participants=participants,
        months=months,
        survey=survey,
        own=own,
        stored_months=stored_months,
        source=source,
    )


def load_source_records(*, session: Session, slug: str, municipal: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The person-months of both sources of the randomized participants of ``slug``, read in one query:

    * every record with its ``source`` and the participant's ``arm``, consent aside (what
      :func:`proeftuin.registry.reconcile.reconcile_records` compares), each source's in the order
      of person and month;
    * the CBS records that may be used (:func:`_monthly_within_consent`), in the columns and order of
      :func:`load_experiment_data`'s ``months`` with ``source="cbs"``.

    ``municipal``, the municipal person-months already read (:attr:`ExperimentData.stored_months`
    of ``source="municipal"``), is used instead of reading them again: only the CBS records are read then.
    """
    experiment = get_experiment(session=session, slug=slug)
    columns = ("participant_id", "month", "period", "hours_per_week", "contract", "gross_earnings", "on_benefit")
    query = (select(*(getattr(OutcomeMonth, c) for c in columns), OutcomeMonth.source, Arm.code.label("arm"))
             .join(Participant, Participant.id == OutcomeMonth.participant_id)
             .join(Assignment, Assignment.participant_id == Participant.id).join(Arm, Arm.id == Assignment.arm_id)
             .where(Participant.experiment_id == experiment.id)
             .order_by(OutcomeMonth.participant_id, OutcomeMonth.month))
    records = _frame(session, query if municipal is None else query.where(OutcomeMonth.source == "cbs"))
    if municipal is not None:
        arms = _frame(session, select(Participant.id.label("participant_id"), Arm.code.label("arm"))
                      .join(Assignment, Assignment.participant_id == Participant.id).join(Arm, Arm.id == Assignment.arm_id)
                      .where(Participant.experiment_id == experiment.id)).set_index("participant_id")["arm"]
        stored = municipal.loc[:, list(columns)].assign(source="municipal", arm=arms.reindex(municipal["participant_id"]).to_numpy())
        records = pd.concat([stored, records], ignore_index=True)
    cbs = records.loc[(records["source"] == "cbs").to_numpy(), list(columns)].reset_index(drop=True)
    return records, _monthly_within_consent(cbs, _withdrawals(session, experiment))
