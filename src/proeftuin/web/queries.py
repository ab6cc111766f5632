"""The two-source reconciliation as a page shows it: counts under the minimum cell suppressed."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from proeftuin.registry import Session
from proeftuin.registry.reconcile import reconcile_sources
from proeftuin.workflow.export import suppress_reconciliation


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
