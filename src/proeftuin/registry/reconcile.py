"""Two sources of one outcome (municipal records and CBS) side by side, per calendar month and arm.

In Tilburg and Wageningen municipal outflow figures and CBS's differed strongly (DOMAIN.md 3.3).
For each month and arm: persons with a record in both sources, how many of them disagree on
being on benefit and on working (any hours), and the shares by each source, so a report can show
how much a conclusion depends on the source.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from proeftuin.registry.crud import get_experiment
from proeftuin.registry.models import Arm, Assignment, OutcomeMonth, Participant

COLUMNS = (
    "period", "arm", "n_both", "n_disagree", "on_benefit_municipal", "on_benefit_cbs",
    "n_disagree_work", "working_municipal", "working_cbs",
)


def reconcile_sources(*, session: Session, slug: str) -> pd.DataFrame:
    """One row per calendar month and arm with the columns of :data:`COLUMNS`."""
    experiment = get_experiment(session=session, slug=slug)
    result = session.execute(
        select(OutcomeMonth.participant_id, OutcomeMonth.period, OutcomeMonth.source, OutcomeMonth.on_benefit,
               (OutcomeMonth.hours_per_week > 0).label("working"), Arm.code.label("arm"))
        .join(Participant, Participant.id == OutcomeMonth.participant_id)
        .join(Assignment, Assignment.participant_id == Participant.id).join(Arm, Arm.id == Assignment.arm_id)
        .where(Participant.experiment_id == experiment.id))
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    if frame.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    frame = frame.astype({"on_benefit": bool, "working": bool})
    wide = frame.pivot_table(index=["participant_id", "period", "arm"], columns="source", values=["on_benefit", "working"], aggfunc="first")
    wide.columns = [f"{value}_{source}" for value, source in wide.columns]
    wide = wide.reset_index()
    for column in ("on_benefit_municipal", "on_benefit_cbs", "working_municipal", "working_cbs"):
        if column not in wide:
            wide[column] = pd.NA
    both = wide.dropna(subset=["on_benefit_municipal", "on_benefit_cbs"])
    both = both.astype({c: bool for c in ("on_benefit_municipal", "on_benefit_cbs", "working_municipal", "working_cbs")})
    both["disagree"] = both["on_benefit_municipal"] != both["on_benefit_cbs"]
    both["disagree_work"] = both["working_municipal"] != both["working_cbs"]
    out = both.groupby(["period", "arm"], as_index=False).agg(
        n_both=("participant_id", "size"), n_disagree=("disagree", "sum"),
        on_benefit_municipal=("on_benefit_municipal", "mean"), on_benefit_cbs=("on_benefit_cbs", "mean"),
        n_disagree_work=("disagree_work", "sum"), working_municipal=("working_municipal", "mean"), working_cbs=("working_cbs", "mean"))
    return out.loc[:, list(COLUMNS)]
