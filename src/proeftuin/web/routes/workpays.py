"""Does work pay: net income against hours worked under each regime, on a chosen date and household."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from proeftuin.registry.roles import Operation
from proeftuin.rules import HOUSEHOLD_NAMES, RulesError, income_curve, regime_info, regimes
from proeftuin.web.deps import Allowed, render

router = APIRouter(tags=["rules"])
Reader = Allowed[Operation.list_experiments]
DEFAULT_DATE = dt.date(2018, 6, 1)
HOURS = range(0, 41, 4)
CHART_W, CHART_H = 560, 300


def _points(hours: list[int], values: list[float], top: float) -> str:
    """SVG polyline points, hours on x (0-40) and net income on y (0-``top``)."""
    return " ".join(f"{60 + h / 40 * CHART_W:.1f},{20 + CHART_H - v / top * CHART_H:.1f}" for h, v in zip(hours, values))


@router.get("/work-pays", include_in_schema=False)
def work_pays(request: Request, _user: Reader, date: dt.date = DEFAULT_DATE, household: str = "single") -> Response:
    """Table and line chart of net monthly income by hours a week, one column per regime."""
    if household not in HOUSEHOLD_NAMES:
        raise HTTPException(status_code=422, detail=f"household must be one of {', '.join(HOUSEHOLD_NAMES)}")
    curves = []
    for name in regimes():
        try:
            curves.append(income_curve(date=date, household=household, regimes=[name], hours=HOURS))
        except RulesError:
            continue  # a regime not in force on ``date`` is left out
    if not curves:
        raise HTTPException(status_code=422, detail=f"no regime is in force on {date}")
    curve = pd.concat(curves, axis=1)
    curve = curve.loc[:, ~curve.columns.duplicated()]
    columns = [n for n in regimes() if n in curve.columns]
    hours = [int(h) for h in curve.index]
    top = max(float(curve[columns].to_numpy().max()), 1.0) * 1.1
    lines = [(name, regime_info(name), _points(hours, [float(v) for v in curve[name]], top)) for name in columns]
    return render(request, "workpays.html", {"date": date, "household": household, "households": HOUSEHOLD_NAMES, "hours": hours,
                                             "curve": curve, "columns": columns, "lines": lines, "top": top,
                                             "w": CHART_W, "h": CHART_H})
