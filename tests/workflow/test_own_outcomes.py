"""Outcomes of a trial's own plan (``outcomes.own``), end to end (issue 9): the Zwolle 2-arm plan
declares ``debt_help`` (binary, ever in months 1-12, column ``debt_help``) and ``wellbeing_score``
(a 0-10 score, mean over every month, column ``wellbeing``). They are columns of the imported
outcome file, validated like the other columns, stored per person-month, audited, derived once
and estimated with the standard analysis, defined in the report and in the analysis file.

Reference: the per-person values are derived here again from the CSV file with pandas, and the
effects are statsmodels' OLS with HC2 on them (the plan's covariates as the registry codes them).
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.regression.linear_model import OLS

from test_zwolle import Trial, cli, zwolle_trial

ESTIMATE_TOL = 1e-10


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    return cli(monkeypatch)


@pytest.fixture(scope="module")
def trial_template(tmp_path_factory: pytest.TempPathFactory) -> Trial:
    """The Zwolle 2-arm trial, run through the command line once per module; ``trial`` copies its folder."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        return zwolle_trial(cli(monkeypatch), tmp_path_factory.mktemp("zwolle"), "zwolle-2arm.yaml", 60)


@pytest.fixture
def trial(trial_template: Trial, tmp_path: Path) -> Trial:
    """A copy of the template's folder (the database with its write-ahead log, if any, and the imported files)."""
    for part in trial_template.dir.iterdir():
        shutil.copyfile(part, tmp_path / part.name)
    return replace(trial_template, db=f"sqlite:///{tmp_path / trial_template.path.name}", path=tmp_path / trial_template.path.name,
                   dir=tmp_path, pseudonyms=list(trial_template.pseudonyms), arms=dict(trial_template.arms))


def by_hand(trial: Trial) -> pd.DataFrame:
    """Per pseudonym, debt_help (1 if any of months 1-12 is 1; NaN without a record there) and
    wellbeing_score (mean over the months recorded), from the imported file."""
    rows = pd.read_csv(trial.dir / "outcomes.csv")
    start = pd.Period(trial.plan.experiment.start, "M")
    rows["month"] = [(pd.Period(m, "M") - start).n + 1 for m in rows["month"]]
    first_year = rows[rows["month"] <= 12].dropna(subset=["debt_help"])
    debt = first_year.groupby("pseudonym")["debt_help"].max()
    wellbeing = rows.dropna(subset=["wellbeing"]).groupby("pseudonym")["wellbeing"].mean()
    return pd.DataFrame({"debt_help": debt, "wellbeing_score": wellbeing}).reindex(trial.pseudonyms)


def test_own_outcomes_are_derived_by_the_plan_and_estimated_as_a_direct_ols_fit(trial: Trial) -> None:
    from proeftuin.analysis.trial import covariate_matrix
    from proeftuin.registry import make_engine
    from proeftuin.workflow.standard_analysis import analyze_stored, load_trial, trial_outcomes

    engine = make_engine(trial.db)
    stored = load_trial(engine, trial.plan.experiment.slug)
    engine.dispose()
    people = stored.data.participants
    expected = by_hand(trial).loc[people["pseudonym"]]
    derived = trial_outcomes(stored)
    for name in ("debt_help", "wellbeing_score"):
        np.testing.assert_allclose(derived.outcome(name)[0], expected[name].to_numpy(), rtol=0, atol=1e-12)
    assert np.isin(derived.outcome("debt_help")[0], (0.0, 1.0)).all()

    results = analyze_stored(stored)
    assert [o.name for o in results.outcomes if o.family == "own"] == ["debt_help", "wellbeing_score"]
    arm = people["arm"].to_numpy(dtype=str)
    x = np.column_stack([np.ones(len(arm)), arm == "disregard", covariate_matrix(people, stored.covariates)]).astype(float)
    for name in ("debt_help", "wellbeing_score"):
        y = expected[name].to_numpy(dtype=float)
        rows = ~np.isnan(y)
        reference = OLS(y[rows], x[rows]).fit(cov_type="HC2")
        effect = results.adjusted.get(name, "disregard")
        assert abs(effect.estimate - reference.params[1]) < ESTIMATE_TOL
        assert abs(effect.std_error - reference.bse[1]) < ESTIMATE_TOL


def test_the_report_defines_the_own_outcomes_in_dutch_and_english(run, trial: Trial, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from readable import visible_text

    texts = {}
    for lang in ("nl", "en"):
        made = run("report", "--experiment", trial.plan.experiment.slug, "--out", str(tmp_path / "out"), "--lang", lang, "--db", trial.db)
        assert made.exit_code == 0, made.output
        name = "report.html" if lang == "nl" else "report.en.html"
        texts[lang] = " ".join(visible_text((tmp_path / "out" / name).read_text("utf-8")).split())
    assert ("Schuldhulpverlening: 1 als iemand in minstens één maand van maand 1 tot en met maand 12 na de loting een 1 had, "
            "anders 0") in texts["nl"]
    assert "Welzijnsscore: het gemiddelde over de maanden met gegevens sinds de loting" in texts["nl"]
    assert "Debt counselling: 1 if a person had a 1 in any month from month 1 to month 12 after randomization, else 0" in texts["en"]
    assert "Wellbeing score: the mean over the months with a record since randomization" in texts["en"]


def test_the_analysis_file_carries_the_own_outcomes(run, trial: Trial, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "analysis.csv"
    made = run("export", "analysis", "--experiment", trial.plan.experiment.slug, "--user", "rob", "--format", "csv", "--out", str(out),
               "--db", trial.db)
    assert made.exit_code == 0, made.output
    frame = pd.read_csv(out).set_index("pseudonym")
    expected = by_hand(trial).loc[frame.index]
    np.testing.assert_allclose(frame["debt_help"], expected["debt_help"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(frame["wellbeing_score"], expected["wellbeing_score"], rtol=1e-12)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("debt_help", "2", "'debt_help': 2 is outside 0-1"),
        ("debt_help", "0.5", "'debt_help': 0.5 is not 0 or 1 (a binary outcome: write 1/0 or true/false)"),
        ("wellbeing", "11", "'wellbeing': 11 is outside 0-10"),
        ("wellbeing", "veel", "'wellbeing': 'veel' is not a number"),
        ("wellbeing", "inf", "'wellbeing': an infinite value is not a valid number"),
    ],
)
def test_a_bad_own_value_is_refused_with_its_row_and_column_and_nothing_is_written(
    run, trial: Trial, column: str, value: str, message: str  # type: ignore[no-untyped-def]
) -> None:
    rows = pd.read_csv(trial.dir / "outcomes.csv", dtype=str, keep_default_na=False)
    rows.loc[4, column] = value
    path = trial.dir / "bad.csv"
    rows.to_csv(path, index=False)
    before = own_rows(trial)
    result = run("import", "outcomes", str(path), "--experiment", trial.plan.experiment.slug, "--user", "rob", "--db", trial.db)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {path}, row 6, column {message}"
    assert own_rows(trial) == before


def test_the_plans_own_columns_are_required_and_no_other_is_accepted(run, trial: Trial) -> None:  # type: ignore[no-untyped-def]
    rows = pd.read_csv(trial.dir / "outcomes.csv", dtype=str, keep_default_na=False)
    schema = "pseudonym, month, hours_per_week, contract, gross_earnings, on_benefit, debt_help, wellbeing"
    slug = trial.plan.experiment.slug
    rows.assign(volunteering="1").to_csv(trial.dir / "extra.csv", index=False)
    extra = run("import", "outcomes", str(trial.dir / "extra.csv"), "--experiment", slug, "--user", "rob", "--db", trial.db)
    assert extra.exit_code == 2
    assert extra.stderr.strip() == f"error: {trial.dir / 'extra.csv'}, column 'volunteering': unexpected column (the schema has {schema})"
    rows.drop(columns="wellbeing").to_csv(trial.dir / "missing.csv", index=False)
    missing = run("import", "outcomes", str(trial.dir / "missing.csv"), "--experiment", slug, "--user", "rob", "--db", trial.db)
    assert missing.exit_code == 2 and "wellbeing" in missing.stderr and len(missing.stderr.strip().splitlines()) == 1


def own_rows(trial: Trial) -> list[tuple[int, int, str, float]]:
    with sqlite3.connect(trial.path) as con:
        return con.execute("SELECT participant_id, month, name, value FROM own_outcome_months ORDER BY 1, 2, 3").fetchall()


def test_a_correction_replaces_the_own_values_and_verify_catches_a_tampered_one(run, trial: Trial) -> None:  # type: ignore[no-untyped-def]
    slug = trial.plan.experiment.slug
    stored = own_rows(trial)
    assert len(stored) == int(pd.read_csv(trial.dir / "outcomes.csv")[["debt_help", "wellbeing"]].notna().sum().sum())
    rows = pd.read_csv(trial.dir / "outcomes.csv")
    rows["wellbeing"] = rows["wellbeing"].fillna(5.0).clip(upper=9.0) + 1.0  # a new revision of the same file
    rows.to_csv(trial.dir / "outcomes.csv", index=False)
    corrected = run("import", "outcomes", str(trial.dir / "outcomes.csv"), "--experiment", slug, "--user", "rob", "--db", trial.db)
    assert corrected.exit_code == 0, corrected.output
    after = own_rows(trial)
    wellbeing = sorted(v for *_, name, v in after if name == "wellbeing_score")
    assert len(wellbeing) == len(rows) and wellbeing == sorted(rows["wellbeing"].tolist())
    assert run("verify", "--db", trial.db).exit_code == 0

    with sqlite3.connect(trial.path) as con:
        con.execute("UPDATE own_outcome_months SET value = value - 1 WHERE id = (SELECT min(id) FROM own_outcome_months WHERE name = 'wellbeing_score')")
    tampered = run("verify", "--db", trial.db)
    assert tampered.exit_code == 1
    assert "rows it wrote" in tampered.output


def test_purge_deletes_the_own_values(run, trial: Trial) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from proeftuin.registry import make_engine, session_scope
    from proeftuin.registry.retention import purge_trial
    from proeftuin.registry.settings import RegistrySettings

    slug = trial.plan.experiment.slug
    assert run("experiment", "close", "--experiment", slug, "--user", "alice", "--db", trial.db).exit_code == 0
    engine = make_engine(trial.db)
    with session_scope(engine) as session:
        purge_trial(session=session, actor="alice", slug=slug, today=dt.date(2040, 1, 1), settings=RegistrySettings())
    engine.dispose()
    assert own_rows(trial) == []


def test_the_web_results_show_the_own_outcomes(trial: Trial) -> None:
    from proeftuin.registry import make_engine
    from proeftuin.web.results import compute

    engine = make_engine(trial.db)
    results = compute(engine, trial.plan.experiment.slug, 5)
    dutch, english = results.body("nl", 5), results.body("en", 5)
    engine.dispose()
    assert "Schuldhulpverlening" in dutch and "Welzijnsscore" in dutch
    assert "Debt counselling" in english and "Wellbeing score" in english
