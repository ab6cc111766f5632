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

RECORD_COLUMNS = ("participant_id", "period", "source", "on_benefit", "hours_per_week", "arm")
"""The columns :func:`reconcile_records` needs of every person-month (of either source)."""


def reconcile_records(records: pd.DataFrame) -> pd.DataFrame:
    """The table of :func:`reconcile_sources` from person-months of both sources (:data:`RECORD_COLUMNS`):
    one row per calendar month and arm with the columns of :data:`COLUMNS`.

    One inner join of the municipal and the CBS records on person and calendar month, then one group-by.
    """
    if records.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    frame = pd.DataFrame({"participant_id": records["participant_id"], "period": records["period"], "arm": records["arm"],
                          "on_benefit": records["on_benefit"].astype(bool), "working": records["hours_per_week"] > 0})

    def side(source: str) -> pd.DataFrame:
        # the records are unique per person, month since randomization and source; the join is on the calendar month
        rows = frame[(records["source"] == source).to_numpy()].drop_duplicates(["participant_id", "period"])
        return rows.rename(columns={"on_benefit": f"on_benefit_{source}", "working": f"working_{source}"})

    both = side("municipal").merge(side("cbs").drop(columns="arm"), on=["participant_id", "period"], how="inner")
    both["disagree"] = both["on_benefit_municipal"] != both["on_benefit_cbs"]
    both["disagree_work"] = both["working_municipal"] != both["working_cbs"]
    out = both.groupby(["period", "arm"], as_index=False).agg(
        n_both=("participant_id", "size"), n_disagree=("disagree", "sum"),
        on_benefit_municipal=("on_benefit_municipal", "mean"), on_benefit_cbs=("on_benefit_cbs", "mean"),
        n_disagree_work=("disagree_work", "sum"), working_municipal=("working_municipal", "mean"), working_cbs=("working_cbs", "mean"))
    return out.loc[:, list(COLUMNS)]


def reconcile_sources(*, session: Session, slug: str) -> pd.DataFrame:
    """One row per calendar month and arm with the columns of :data:`COLUMNS` (:func:`reconcile_records`
    of every person-month of the randomized participants of ``slug``)."""
    experiment = get_experiment(session=session, slug=slug)
    records = pd.read_sql(
        select(OutcomeMonth.participant_id, OutcomeMonth.period, OutcomeMonth.source, OutcomeMonth.on_benefit,
               OutcomeMonth.hours_per_week, Arm.code.label("arm"))
        .join(Participant, Participant.id == OutcomeMonth.participant_id)
        .join(Assignment, Assignment.participant_id == Participant.id).join(Arm, Arm.id == Assignment.arm_id)
        .where(Participant.experiment_id == experiment.id),
        session.connection())
    return reconcile_records(records)
