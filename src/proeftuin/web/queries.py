"""The two-source reconciliation as a page shows it: counts under the minimum cell suppressed."""

from __future__ import annotations

from dataclasses import dataclass

from proeftuin.registry import Session
from proeftuin.registry.reconcile import reconcile_sources
from proeftuin.report.disclosure import format_count, is_disclosive


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

    A row whose number of people in both sources is under ``min_cell`` shows no shares either.
    """
    frame = reconcile_sources(session=session, slug=slug)
    rows = []
    for r in frame.itertuples(index=False):
        small = is_disclosive(int(r.n_both), min_cell=min_cell)

        def share(value: float) -> str:
            return "" if small else f"{100 * float(value):.0f}%"

        rows.append(ReconciliationRow(
            str(r.period)[:7], str(r.arm), format_count(int(r.n_both), min_cell=min_cell),
            "" if small else format_count(int(r.n_disagree), min_cell=min_cell), share(r.on_benefit_municipal), share(r.on_benefit_cbs),
            "" if small else format_count(int(r.n_disagree_work), min_cell=min_cell), share(r.working_municipal), share(r.working_cbs)))
    return rows
