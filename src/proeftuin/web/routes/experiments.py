"""The experiments overview: status, arms and intake against target (table and bar chart)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.responses import Response

from proeftuin.registry.roles import Operation
from proeftuin.report.disclosure import Line, publish, published_or_none
from proeftuin.web.deps import Allowed, SessionDep, render
from proeftuin.registry.listings import ExperimentOverview, experiment_overviews

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


def _table(e: ExperimentOverview) -> tuple[dict[Hashable, int], list[Line], dict[Hashable, int]]:
    """The overview's counts as a table for complementary suppression: the arms add up to the randomized,
    and the randomized and those still waiting add up to the enrolled (the waiting are never shown)."""
    values: dict[Hashable, int] = {"enrolled": e.enrolled, "randomized": e.randomized}
    values.update({f"arm:{a.code}": a.randomized for a in e.arms})
    lines = [Line("randomized", tuple(f"arm:{a.code}" for a in e.arms)), Line("enrolled", ("randomized", "waiting"))]
    return values, lines, {"waiting": e.enrolled - e.randomized}


@router.get("/experiments", include_in_schema=False)
def experiments_page(request: Request, session: SessionDep, _user: Lister) -> Response:
    min_cell = request.app.state.settings.min_cell
    rows = []
    for e in experiment_overviews(session=session):
        values, lines, hidden = _table(e)
        shown = publish(values, lines, min_cell=min_cell, hidden=hidden)
        counts = published_or_none(values, lines, min_cell=min_cell, hidden=hidden)
        rows.append({"e": e, "status": e.status(dt.date.today()), "enrolled": shown["enrolled"], "randomized": shown["randomized"],
                     "arms": [(a, shown[f"arm:{a.code}"]) for a in e.arms],
                     "share": min(1.0, (counts["randomized"] or 0) / e.target) if e.target else 0.0})
    return render(request, "experiments.html", {"rows": rows, "min_cell": min_cell})


@router.get("/api/experiments", response_model=list[ExperimentPublic])
def experiments_api(request: Request, session: SessionDep, _user: Lister) -> list[ExperimentPublic]:
    """Every experiment with counts; counts under the minimum cell size, and those that would give one away by
    subtraction, are suppressed (``null``)."""
    min_cell = request.app.state.settings.min_cell
    out = []
    for e in experiment_overviews(session=session):
        values, lines, hidden = _table(e)
        counts = published_or_none(values, lines, min_cell=min_cell, hidden=hidden)
        out.append(ExperimentPublic(slug=e.slug, municipality=e.municipality, status=e.status(dt.date.today()), target=e.target,
                                    enrolled=counts["enrolled"], randomized=counts["randomized"],
                                    arms={a.code: counts[f"arm:{a.code}"] for a in e.arms}))
    return out
