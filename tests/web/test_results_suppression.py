"""The results page's balance and response tables under complementary suppression (issue 10, point 4).

A trial of 30 + 25 + 6 people, of whom 24 + 25 + 6 answered the survey: the third arm (6) and the
control group's non-respondents (6) are small. Suppressing only those cells, as the page once did,
leaves them one subtraction away (randomized total minus the other arms; randomized minus responded).
"""

from __future__ import annotations

import re
from collections.abc import Hashable

import numpy as np
import pandas as pd

from proeftuin.analysis import attrition_table, balance_table
from proeftuin.design import ExperimentSpec
from proeftuin.report.disclosure import Line, recoverable
from proeftuin.web.results import Consort, ConsortArm, ExperimentResults

MIN_CELL = 10
SIZES = {"control": 30, "a": 25, "b": 6}
RESPONDED = {"control": 24, "a": 25, "b": 6}


def results() -> ExperimentResults:
    spec = ExperimentSpec.model_validate({
        "slug": "klein", "municipality": "Klein", "name": "Klein", "start": "2026-01-01", "end": "2026-12-31", "participants": 61,
        "arms": [{"code": "control", "label_nl": "Controle", "label_en": "Control"},
                 {"code": "a", "label_nl": "Groep A", "label_en": "Arm A", "components": ["intensive"]},
                 {"code": "b", "label_nl": "Groep B", "label_en": "Arm B", "components": ["disregard"]}]})
    arm = np.repeat(list(SIZES), list(SIZES.values()))
    responded = np.concatenate([np.arange(n) < RESPONDED[a] for a, n in SIZES.items()])
    rng = np.random.default_rng(3)
    covariates = pd.DataFrame({"age": rng.integers(20, 60, arm.size), "education": rng.choice(["low", "middle", "high"], arm.size)})
    consort = Consort("–", "61", "61", "61", [ConsortArm(a, "", "") for a in SIZES])
    return ExperimentResults(spec=spec, consort=consort, balance=balance_table(covariates, arm, "control"),
                             attrition=attrition_table(responded, arm, "control"), attrition_wave=2, arm_sizes=dict(SIZES))


def response_cells(page: str) -> dict[Hashable, int | None]:
    """The response table as a reader sees it: each arm's randomized and responded count, ``None`` where not shown."""
    table = page[page.index('id="attrition"'):page.index('id="effects"')]
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]*)</td><td>([^<]*)</td><td>[^<]*</td></tr>', table)
    codes = {"Controle": "control", "Groep A": "a", "Groep B": "b"}
    cells: dict[Hashable, int | None] = {}
    for label, n, responded in rows:
        cells[("n", codes[label])] = int(n) if n.isdigit() else None
        cells[("responded", codes[label])] = int(responded) if responded.isdigit() else None
    return cells


def test_no_suppressed_response_count_comes_back_from_the_shown_totals() -> None:
    page = results().body("nl", MIN_CELL)
    cells = response_cells(page)
    assert len(cells) == 6
    lines = [Line("randomized", tuple(("n", a) for a in SIZES)),
             *(Line(("n", a), (("responded", a), ("missing", a))) for a in SIZES)]
    unknown = {key for key, value in cells.items() if value is None} | {("missing", a) for a in SIZES}
    small = {key for key in unknown if 0 < {**{("n", a): n for a, n in SIZES.items()}, **{("responded", a): n for a, n in RESPONDED.items()},
                                            **{("missing", a): SIZES[a] - RESPONDED[a] for a in SIZES}}[key] < MIN_CELL}
    assert small, "the scenario has small cells"
    assert recoverable(unknown, lines) & small == set()  # the shown randomized total (61) included
    assert cells[("n", "control")] is None or cells[("n", "a")] is None  # per-cell suppression alone would show both


def test_balance_of_a_small_arm_is_not_shown_and_the_rest_reads_dutch() -> None:
    page = results().body("nl", MIN_CELL)
    balance = page[page.index('id="balance"'):page.index('id="attrition"')]
    assert "Opleiding: laag" in balance and "education[low]" not in balance
    for arm in ("Groep B",):
        assert re.search(rf"<td>{arm}</td>\s*<td colspan=\"4\">onderdrukt", balance)
    assert re.search(r"<td>\d+,\d\d</td>", balance)  # Dutch decimal commas (Babel)
