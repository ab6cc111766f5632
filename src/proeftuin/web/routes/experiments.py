"""The experiments overview: status, arms and intake against target (table and bar chart)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.responses import Response

from proeftuin.registry.roles import Operation
from proeftuin.report.disclosure import format_count, is_disclosive
from proeftuin.web.deps import Allowed, SessionDep, render
from proeftuin.registry.listings import experiment_overviews

router = APIRouter(tags=["experiments"])
Lister = Allowed[Operation.list_experiments]


class ExperimentPublic(BaseModel):
    """An experiment as the API shows it (counts below the minimum cell are ``None``)."""

    slug: str
    municipality: str
    status: str
    target: int
    enrolled: int | None
    randomized: int | None
    arms: dict[str, int | None]


def _count(n: int, min_cell: int) -> int | None:
    return None if is_disclosive(n, min_cell=min_cell) else n


@router.get("/experiments", include_in_schema=False)
def experiments_page(request: Request, session: SessionDep, _user: Lister) -> Response:
    min_cell = request.app.state.settings.min_cell
    rows = []
    for e in experiment_overviews(session=session):
        shown = _count(e.randomized, min_cell)
        rows.append({"e": e, "status": e.status(dt.date.today()), "enrolled": format_count(e.enrolled, min_cell=min_cell),
                     "randomized": format_count(e.randomized, min_cell=min_cell),
                     "arms": [(a, format_count(a.randomized, min_cell=min_cell)) for a in e.arms],
                     "share": min(1.0, (shown or 0) / e.target) if e.target else 0.0})
    return render(request, "experiments.html", {"rows": rows, "min_cell": min_cell})


@router.get("/api/experiments", response_model=list[ExperimentPublic])
def experiments_api(request: Request, session: SessionDep, _user: Lister) -> list[ExperimentPublic]:
    """Every experiment with counts; counts under the minimum cell size are suppressed (``null``)."""
    min_cell = request.app.state.settings.min_cell
    return [ExperimentPublic(slug=e.slug, municipality=e.municipality, status=e.status(dt.date.today()), target=e.target,
                             enrolled=_count(e.enrolled, min_cell), randomized=_count(e.randomized, min_cell),
                             arms={a.code: _count(a.randomized, min_cell) for a in e.arms})
            for e in experiment_overviews(session=session)]
