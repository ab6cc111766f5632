"""A municipality's own trial on the command line, with README commands only (issue 9): a 2-arm and a
3-arm trial of "Zwolle, 2026" with their own covariates, survey indices and outcomes go from plan
through enrol, consent FILE, randomize FILE and import; a category typo is refused at enrolment.

The plans are fixture files in ``plans/``; :func:`zwolle_trial` leaves a trial with outcomes and
survey answers imported, for the report's tests to extend.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from proeftuin.cli import app
from proeftuin.design import TrialPlan
from proeftuin.simulate.bsn import fake_bsns

PLANS = Path(__file__).parent / "plans"
ENV = {
    "PROEFTUIN_PSEUDONYM_SECRETS": json.dumps({"Zwolle": "zwolle-fw3jGNWZ6zUWh4u4MMsxMuaSOtektEi8V4zfdGzL"}),
    "PROEFTUIN_SEAL_KEY": "seal-7DZoTLHHsVqNsNdcQdB8U8S8mgKZTf4meqsL2CgK",
}


@dataclass
class Trial:
    """A Zwolle trial run through the command line."""

    plan: TrialPlan
    db: str
    path: Path
    dir: Path
    pseudonyms: list[str]
    arms: dict[str, str]


def cli(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``proeftuin`` on the command line with the trial's secrets set (the ``run`` fixture)."""
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    return cli(monkeypatch)


def people(plan: TrialPlan, n: int, seed: int) -> pd.DataFrame:
    """An enrolment file for ``plan``: a BSN, the enrolment date and every declared covariate."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"bsn": fake_bsns(n, rng), "enrolled_on": plan.experiment.start.isoformat()})
    for name, spec in plan.covariates.items():
        if spec.type == "category":
            frame[name] = rng.choice(spec.categories, n)
        elif spec.type == "boolean":
            frame[name] = np.where(rng.random(n) < 0.3, "true", "false")
        else:
            # ages 21-66: the benefit rules model the norms of art. 21 only, and the analysis pays benefits
            low, high = int(spec.minimum or 0), int(spec.maximum or 100)
            if name == "age":
                low, high = max(low, 21), min(high, 66)
            frame[name] = rng.integers(low, high + 1, n)
    frame["youngest_child_age"] = np.where(frame["household"] == "single-parent", rng.integers(0, 18, n).astype(str), "")
    if plan.clusters == "team":
        frame["team"] = rng.choice(["team-a", "team-b", "team-c", "team-d"], n)
    return frame


_BUILT: dict[tuple[Path, str, int], Trial] = {}
"""Each trial built in this process, by its session's temporary root, plan and size (the build is deterministic: fixed seeds and secrets)."""


def zwolle_trial(run, tmp_path: Path, plan_file: str, n: int) -> Trial:  # type: ignore[no-untyped-def]
    """Plan -> users -> enrol FILE -> consent FILE -> randomize FILE -> import outcomes and survey, in ``tmp_path``.

    Built through the command line once per plan and size in a process (checked the first time, by the assertions of
    :func:`_build`), and copied into ``tmp_path`` for every later caller: the database through SQLite's backup, the files
    as they are; each caller changes its own copy only.
    """
    root = tmp_path.parent
    key = (root, plan_file, n)
    if key not in _BUILT:
        folder = root / f"zwolle-built-{Path(plan_file).stem}-{n}"
        folder.mkdir()
        _BUILT[key] = _build(run, folder, plan_file, n)
    built = _BUILT[key]
    for file in built.dir.iterdir():
        if file.is_dir():
            shutil.copytree(file, tmp_path / file.name)
        elif not file.name.startswith("zwolle.db"):
            shutil.copy2(file, tmp_path / file.name)
    with sqlite3.connect(built.path) as source, sqlite3.connect(tmp_path / "zwolle.db") as copy:
        source.backup(copy)
    return Trial(plan=built.plan, db=f"sqlite:///{tmp_path / 'zwolle.db'}", path=tmp_path / "zwolle.db", dir=tmp_path,
                 pseudonyms=list(built.pseudonyms), arms=dict(built.arms))


def _build(run, tmp_path: Path, plan_file: str, n: int) -> Trial:  # type: ignore[no-untyped-def]
    """:func:`zwolle_trial` through the command line, in ``tmp_path``."""
    plan = TrialPlan.from_yaml(PLANS / plan_file)
    slug = plan.experiment.slug
    db = f"sqlite:///{tmp_path / 'zwolle.db'}"
    assert run("user", "add", "alice", "--role", "admin", "--db", db).exit_code == 0
    assert run("user", "add", "cora", "--role", "case-manager", "--user", "alice", "--db", db).exit_code == 0
    assert run("user", "add", "rob", "--role", "researcher", "--user", "alice", "--db", db).exit_code == 0
    created = run("experiment", "create", "--plan", str(PLANS / plan_file), "--user", "alice", "--db", db)
    assert created.exit_code == 0, created.output

    people(plan, n, seed=9).to_csv(tmp_path / "people.csv", index=False)
    enrolled = run("enrol", str(tmp_path / "people.csv"), "--experiment", slug, "--user", "cora", "--db", db)
    assert enrolled.exit_code == 0, enrolled.output
    pseudonyms = [line.split("\t")[0] for line in enrolled.stdout.splitlines() if "\t" in line]
    assert len(pseudonyms) == n

    version = plan.consent_versions[0]
    pd.DataFrame({"pseudonym": pseudonyms, "on": plan.experiment.start.isoformat(), "text_version": version}).to_csv(
        tmp_path / "consent.csv", index=False)
    consented = run("consent", str(tmp_path / "consent.csv"), "--experiment", slug, "--user", "cora", "--db", db)
    assert consented.exit_code == 0, consented.output
    assert consented.stdout.strip() == f"recorded {n} consents"

    pd.DataFrame({"pseudonym": pseudonyms}).to_csv(tmp_path / "randomize.csv", index=False)
    randomized = run("randomize", str(tmp_path / "randomize.csv"), "--experiment", slug, "--on", plan.experiment.start.isoformat(),
                     "--user", "cora", "--db", db)
    assert randomized.exit_code == 0, randomized.output
    arms = dict(line.split("\t")[:2] for line in randomized.stdout.splitlines())
    assert set(arms) == set(pseudonyms) and set(arms.values()) == {a.code for a in plan.experiment.arms}

    rng = np.random.default_rng(3)
    months = pd.period_range(plan.experiment.start, plan.records_until, freq="M").strftime("%Y-%m")
    outcomes = pd.DataFrame([{"pseudonym": p, "month": m, "hours_per_week": float(rng.choice([0, 10, 20, 32])),
                              "contract": "none", "gross_earnings": float(rng.uniform(0, 1500)), "on_benefit": "true"}
                             for p in pseudonyms for m in months])
    outcomes.loc[outcomes.hours_per_week > 0, "contract"] = "temporary"
    for spec in plan.outcomes.own.values():  # the plan's own columns; a blank is a month not measured
        values = (rng.random(len(outcomes)) < 0.1).astype(float) if spec.kind == "binary" else rng.uniform(spec.minimum or 0, spec.maximum or 10, len(outcomes)).round(1)
        outcomes[spec.column] = np.where(rng.random(len(outcomes)) < 0.2, np.nan, values)
    outcomes.to_csv(tmp_path / "outcomes.csv", index=False)
    imported = run("import", "outcomes", str(tmp_path / "outcomes.csv"), "--experiment", slug, "--user", "rob", "--db", db)
    assert imported.exit_code == 0, imported.output

    for wave in (0, *plan.experiment.survey_waves_analysed):
        answers = {"pseudonym": pseudonyms}
        for spec in plan.survey.indices.values():
            low, high = spec.scale
            answers.update({item: rng.integers(int(low), int(high) + 1, n) for item in spec.items})
        pd.DataFrame(answers).to_csv(tmp_path / f"survey-{wave}.csv", index=False)
        surveyed = run("import", "survey", str(tmp_path / f"survey-{wave}.csv"), "--experiment", slug, "--wave", str(wave),
                       "--user", "rob", "--db", db)
        assert surveyed.exit_code == 0, surveyed.output
    return Trial(plan=plan, db=db, path=tmp_path / "zwolle.db", dir=tmp_path, pseudonyms=pseudonyms, arms=arms)


@pytest.fixture(params=[("zwolle-2arm.yaml", 60), ("zwolle-3arm.yaml", 90)], ids=["2-arm", "3-arm"])
def trial(request: pytest.FixtureRequest, run, tmp_path: Path) -> Trial:  # type: ignore[no-untyped-def]
    plan_file, n = request.param
    return zwolle_trial(run, tmp_path, plan_file, n)


def test_a_zwolle_trial_goes_from_plan_to_imported_outcomes_and_indices(trial: Trial) -> None:
    with sqlite3.connect(trial.path) as con:
        covariates = [json.loads(c) for (c,) in con.execute("SELECT covariates FROM participants")]
        indices = {name for (name,) in con.execute("SELECT DISTINCT index_name FROM survey_responses")}
        last = con.execute("SELECT max(period) FROM outcome_months").fetchone()[0]
    own = set(trial.plan.covariates) - {"age", "household"}
    assert all(set(c) == own for c in covariates)  # the plan's own covariates, nothing else
    assert indices == set(trial.plan.survey.indices)
    assert last[:7] == f"{trial.plan.records_until:%Y-%m}"  # records up to the follow-up end are accepted


def test_the_three_arm_trial_records_the_team_to_cluster_on(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    trial = zwolle_trial(run, tmp_path, "zwolle-3arm.yaml", 90)
    with sqlite3.connect(trial.path) as con:
        assert {c for (c,) in con.execute("SELECT DISTINCT team FROM participants")} == {"team-a", "team-b", "team-c", "team-d"}
        # regression: the team was first stored as the randomization cluster, so a team's members shared one arm
        assert con.execute("SELECT count(DISTINCT arm_id) FROM assignments JOIN participants p ON p.id = participant_id "
                           "GROUP BY team").fetchall() == [(3,)] * 4


@pytest.mark.parametrize(
    ("column", "typo", "allowed"),
    [("household", "singel", "single, single-parent, couple"), ("district", "centrum", "noord, zuid, oost, west"),
     ("sex", "x", "female, male")],
)
def test_a_category_typo_is_refused_at_enrolment_and_nobody_is_enrolled(run, tmp_path: Path, column: str, typo: str, allowed: str) -> None:  # type: ignore[no-untyped-def]
    plan = TrialPlan.from_yaml(PLANS / "zwolle-2arm.yaml")
    db = f"sqlite:///{tmp_path / 'zwolle.db'}"
    run("user", "add", "alice", "--role", "admin", "--db", db)
    assert run("experiment", "create", "--plan", str(PLANS / "zwolle-2arm.yaml"), "--user", "alice", "--db", db).exit_code == 0
    frame = people(plan, 5, seed=1)
    frame.loc[1, column] = typo
    frame.loc[1, "youngest_child_age"] = ""
    path = tmp_path / "people.csv"
    frame.to_csv(path, index=False)
    result = run("enrol", str(path), "--experiment", "zwolle-werkt", "--user", "alice", "--db", db)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {path}, row 3, column '{column}': '{typo}' is not an allowed category (allowed: {allowed})"
    with sqlite3.connect(tmp_path / "zwolle.db") as con:
        assert con.execute("SELECT count(*) FROM participants").fetchone() == (0,)


def test_an_undeclared_covariate_column_is_refused(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 'zwolle.db'}"
    run("user", "add", "alice", "--role", "admin", "--db", db)
    run("experiment", "create", "--plan", str(PLANS / "zwolle-2arm.yaml"), "--user", "alice", "--db", db)
    frame = people(TrialPlan.from_yaml(PLANS / "zwolle-2arm.yaml"), 3, seed=1).assign(education="low")
    frame.to_csv(tmp_path / "people.csv", index=False)
    result = run("enrol", str(tmp_path / "people.csv"), "--experiment", "zwolle-werkt", "--user", "alice", "--db", db)
    assert result.exit_code == 2
    assert "row 2, column 'education': not a covariate of this plan (declared: age, household, district, debts, sex)" in result.stderr


def test_consent_file_is_all_or_nothing_and_names_the_row(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    plan = TrialPlan.from_yaml(PLANS / "zwolle-2arm.yaml")
    db = f"sqlite:///{tmp_path / 'zwolle.db'}"
    run("user", "add", "alice", "--role", "admin", "--db", db)
    run("experiment", "create", "--plan", str(PLANS / "zwolle-2arm.yaml"), "--user", "alice", "--db", db)
    people(plan, 4, seed=2).to_csv(tmp_path / "people.csv", index=False)
    enrolled = run("enrol", str(tmp_path / "people.csv"), "--experiment", "zwolle-werkt", "--user", "alice", "--db", db)
    pseudonyms = [line.split("\t")[0] for line in enrolled.stdout.splitlines()]
    path = tmp_path / "consent.csv"
    pd.DataFrame({"pseudonym": pseudonyms, "on": "2026-01-05", "text_version": ["2026-01", "2026-01", "2025-99", "2026-01"]}).to_csv(path, index=False)
    bad = run("consent", str(path), "--experiment", "zwolle-werkt", "--user", "alice", "--db", db)
    assert bad.exit_code == 2
    assert bad.stderr.strip() == f"error: {path}, row 4, column 'text_version': consent text version '2025-99' is not one of the plan's ['2026-01']"
    with sqlite3.connect(tmp_path / "zwolle.db") as con:
        assert con.execute("SELECT count(*) FROM consents").fetchone() == (0,)


def test_a_baseline_correction_is_audited_and_refused_where_it_would_change_a_stratum(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    trial = zwolle_trial(run, tmp_path, "zwolle-2arm.yaml", 60)
    who = trial.pseudonyms[0]
    base = ("--experiment", "zwolle-werkt", "--user", "cora", "--db", trial.db)
    with sqlite3.connect(trial.path) as con:
        district, debts = con.execute("SELECT json_extract(covariates, '$.district'), json_extract(covariates, '$.debts') FROM participants "
                                      "WHERE pseudonym = ?", (who,)).fetchone()
    other = next(d for d in ("noord", "zuid") if d != district)
    refused = run("participant", "correct", who, "--set", f"district={other}", "--reason", "typo at intake", *base)
    assert refused.exit_code == 2
    assert "is already randomized, and the randomization used district" in refused.stderr
    typo = run("participant", "correct", who, "--set", "debts=maybe", "--reason", "typo at intake", *base)
    assert typo.exit_code == 2 and "debts: 'maybe' is not a boolean (allowed: true, false)" in typo.stderr
    fixed = run("participant", "correct", who, "--set", f"debts={'false' if debts else 'true'}", "--reason", "typo at intake", *base)
    assert fixed.exit_code == 0, fixed.output
    with sqlite3.connect(trial.path) as con:
        assert con.execute("SELECT json_extract(covariates, '$.debts') FROM participants WHERE pseudonym = ?", (who,)).fetchone() == (0 if debts else 1,)
        payload = json.loads(con.execute("SELECT payload FROM audit_events WHERE action = 'correct'").fetchone()[0])
    assert payload["changes"] == {"debts": {"from": bool(debts), "to": not debts}} and payload["reason"] == "typo at intake"
    assert len(payload["facts_sha256"]) == 64  # the corrected record's digest, which verify compares with the table
    assert run("verify", "--db", trial.db).exit_code == 0


def test_a_correction_before_randomization_moves_the_person_to_the_new_stratum(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    plan = TrialPlan.from_yaml(PLANS / "zwolle-2arm.yaml")
    db = f"sqlite:///{tmp_path / 'zwolle.db'}"
    run("user", "add", "alice", "--role", "admin", "--db", db)
    run("experiment", "create", "--plan", str(PLANS / "zwolle-2arm.yaml"), "--user", "alice", "--db", db)
    frame = people(plan, 2, seed=4).assign(district="noord")
    frame.to_csv(tmp_path / "people.csv", index=False)
    who = run("enrol", str(tmp_path / "people.csv"), "--experiment", "zwolle-werkt", "--user", "alice", "--db", db).stdout.split("\t")[0]
    path = tmp_path / "corrections.csv"
    pd.DataFrame({"pseudonym": [who], "reason": ["moved before the start"], "district": ["zuid"]}).to_csv(path, index=False)
    corrected = run("participant", "correct", str(path), "--experiment", "zwolle-werkt", "--user", "alice", "--db", db)
    assert corrected.exit_code == 0, corrected.output
    assert corrected.stdout.strip() == f"{who}\tdistrict=zuid"


def test_user_list_and_version(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 'users.db'}"
    run("user", "add", "alice", "--role", "admin", "--db", db)
    run("user", "add", "cora", "--role", "case-manager", "--user", "alice", "--db", db)
    listed = run("user", "list", "--user", "alice", "--db", db)
    assert listed.exit_code == 0
    assert listed.stdout.splitlines() == ["alice\tadmin\tcommand line only", "cora\tcase-manager\tcommand line only"]
    assert run("user", "list", "--user", "cora", "--db", db).exit_code == 2
    version = run("--version")
    assert version.exit_code == 0 and version.stdout.startswith("proeftuin ")


def test_the_template_is_a_valid_plan_and_the_schema_is_json(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    template = run("experiment", "template")
    assert template.exit_code == 0
    plan = TrialPlan.model_validate(yaml.safe_load(template.stdout))
    assert len(plan.experiment.arms) == 2 and plan.follow_up_end is not None
    schema = json.loads(run("experiment", "schema").stdout)
    assert schema["properties"]["schema_version"]["const"] == 1


def test_diagnose_a_plan_that_is_in_no_catalog(run) -> None:  # type: ignore[no-untyped-def]
    result = run("diagnose", "--plan", str(PLANS / "zwolle-3arm.yaml"), "--outcome", "work_27h", "--sims", "4", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["experiment"] == "zwolle-samen"
    assert [a["arm"] for a in report["arms"]] == ["coach", "free"]
    refused = run("diagnose", "--plan", str(PLANS / "zwolle-3arm.yaml"), "--outcome", "work_12h", "--sims", "4")
    assert refused.exit_code == 2
    assert "unknown outcome 'work_12h' for this trial (simulated: work_8h, work_27h, outflow)" in refused.stderr


def test_the_readme_example_plan_is_the_tested_two_arm_plan() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text("utf-8")
    block = readme.split("### Your own trial", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    assert TrialPlan.model_validate(yaml.safe_load(block)) == TrialPlan.from_yaml(PLANS / "zwolle-2arm.yaml")


CR2_TOL = 1e-10


def test_a_trial_with_team_clusters_is_analysed_with_cr2_on_its_teams(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The plan's ``clusters: team`` reaches the standard analysis: every effect equals a direct
    ``estimate_effects`` (ANCOVA for the index) with CR2 on the participants' teams, and differs from HC2."""
    from proeftuin.analysis import ancova_effects, estimate_effects
    from proeftuin.analysis.trial import covariate_matrix
    from proeftuin.registry import make_engine
    from proeftuin.workflow.standard_analysis import analyze_stored, load_trial, trial_outcomes

    trial = zwolle_trial(run, tmp_path, "zwolle-3arm.yaml", 90)
    engine = make_engine(trial.db)
    stored = load_trial(engine, trial.plan.experiment.slug)
    engine.dispose()
    results = analyze_stored(stored)
    assert results.clusters == "team"
    people = stored.data.participants
    teams = people["team"].to_numpy(dtype=str)
    arm, control = people["arm"].to_numpy(dtype=str), stored.data.spec.control.code
    order = [a.code for a in stored.data.spec.arms]
    outcomes = trial_outcomes(stored)
    x = covariate_matrix(people, stored.covariates)
    names = list(outcomes.period_names)

    def direct(vcov: str, clusters: np.ndarray | None) -> dict[tuple[str, str], tuple[float, float]]:
        table = estimate_effects(outcomes.period, arm, control=control, arms=order, outcome_names=names, covariates=x,
                                 vcov=vcov, clusters=clusters)  # type: ignore[arg-type]
        table += ancova_effects([outcomes.follow_up], outcomes.baseline, arm, control=control, arms=order,
                                outcome_names=list(outcomes.indices), covariates=x, vcov=vcov, clusters=clusters)  # type: ignore[arg-type]
        return {(e.term, e.outcome): (e.estimate, e.std_error) for e in table}

    cr2, hc2 = direct("CR2", teams), direct("HC2", None)
    assert {(e.term, e.outcome) for e in results.adjusted} == set(cr2)
    assert all(e.vcov == "CR2" for e in (*results.adjusted, *results.unadjusted, *results.monthly))
    for e in results.adjusted:
        estimate, se = cr2[(e.term, e.outcome)]
        assert e.estimate == pytest.approx(estimate, abs=CR2_TOL, nan_ok=True)
        assert e.std_error == pytest.approx(se, rel=CR2_TOL, nan_ok=True)
        assert e.estimate == pytest.approx(hc2[(e.term, e.outcome)][0], abs=CR2_TOL, nan_ok=True)  # same point estimates,
    estimable = [e for e in results.adjusted if e.not_estimable is None]
    assert len(estimable) >= 2 * 4  # two arms on the labour outcomes, benefit and the index at least
    assert all(abs(e.std_error - hc2[(e.term, e.outcome)][1]) > 1e-6 for e in estimable)  # other variances


def test_the_results_page_says_the_variances_are_clustered(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from proeftuin.registry import make_engine
    from proeftuin.web.results import compute

    trial = zwolle_trial(run, tmp_path, "zwolle-3arm.yaml", 90)
    engine = make_engine(trial.db)
    results = compute(engine, trial.plan.experiment.slug, 5)
    dutch, english = results.body("nl", 5), results.body("en", 5)
    engine.dispose()
    assert "clustering per team (CR2" in dutch and "clustering by team (CR2" in english


def test_a_trial_without_clusters_keeps_hc2(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from proeftuin.registry import make_engine
    from proeftuin.workflow.standard_analysis import analyze_experiment

    trial = zwolle_trial(run, tmp_path, "zwolle-2arm.yaml", 60)
    assert trial.plan.clusters is None
    engine = make_engine(trial.db)
    results = analyze_experiment(engine, trial.plan.experiment.slug)
    engine.dispose()
    assert {e.vcov for e in results.adjusted} == {"HC2"} and results.clusters is None


def test_analyze_on_a_team_trial_uses_cr2(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """``analyze`` honours the trial plan's clusters: CR2 on the teams whatever HC variance the
    analysis plan names (its HC variances assume independent people), equal to the standard analysis.
    (Which units Romano-Wolf permutes: tests/analysis/test_trial_outcomes.py.)"""
    from proeftuin.design.analysis_plan import AnalysisPlan
    from proeftuin.registry import make_engine
    from proeftuin.workflow.analyze import analyze_plan
    from proeftuin.workflow.standard_analysis import analyze_experiment

    trial = zwolle_trial(run, tmp_path, "zwolle-3arm.yaml", 90)
    slug = trial.plan.experiment.slug
    plan = AnalysisPlan.from_mapping({"families": {"labour": {"outcomes": ["work_27h", "benefit_paid"], "adjustment": "holm"}},
                                      "estimator": {"vcov": "HC2"}})
    engine = make_engine(trial.db)
    run_ = analyze_plan(engine, slug=slug, plan=plan)
    reference = analyze_experiment(engine, slug).unadjusted
    engine.dispose()
    assert {e.effect.vcov for e in run_.effects} == {"CR2"}
    for item in run_.effects:
        expected = reference.get(item.effect.outcome, item.effect.term)
        assert item.effect.std_error == pytest.approx(expected.std_error, rel=CR2_TOL)
        assert item.p_adjusted is not None and item.effect.p_value <= item.p_adjusted <= 1


def test_the_same_consent_file_twice_records_nothing_more(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Issue 10: idempotent input of every kind; a consent file given again doubled every consent.
    trial = zwolle_trial(run, tmp_path, "zwolle-2arm.yaml", 60)
    again = run("consent", str(tmp_path / "consent.csv"), "--experiment", trial.plan.experiment.slug, "--user", "cora", "--db", trial.db)
    assert again.exit_code == 0, again.output
    assert again.stdout.strip() == "unchanged: consent.csv: every consent is recorded already; nothing written"
    with sqlite3.connect(trial.path) as con:
        assert con.execute("SELECT count(*) FROM consents").fetchone()[0] == 60


def test_romano_wolf_on_a_team_trial_studentizes_every_draw_with_cr2_and_leaves_out_what_is_not_estimable(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Romano-Wolf in a team-clustered trial: each re-randomization (within the strata, people one
    by one: teams are not randomized whole) is studentized with CR2 on the teams. Outflow is not
    estimable here (nobody leaves benefit, no variance): it gets no adjusted p-value and the rest of
    the family is adjusted without it; the largest statistic's p-value is the single-step max-t one,
    computed here draw by draw."""
    from proeftuin.analysis import PermutationDesign, estimate_effects
    from proeftuin.analysis.inference import tie_threshold
    from proeftuin.design.analysis_plan import AnalysisPlan
    from proeftuin.registry import make_engine
    from proeftuin.workflow.analyze import analyze_plan
    from proeftuin.workflow.standard_analysis import load_trial, trial_outcomes

    trial = zwolle_trial(run, tmp_path, "zwolle-3arm.yaml", 90)
    slug, draws, seed = trial.plan.experiment.slug, 29, 5
    outcomes = ["work_27h", "benefit_paid", "outflow"]
    plan = AnalysisPlan.from_mapping({"families": {"labour": {"outcomes": outcomes, "adjustment": "romano-wolf"}},
                                      "resampling": {"draws": draws, "seed": seed}})
    engine = make_engine(trial.db)
    result = analyze_plan(engine, slug=slug, plan=plan)
    stored = load_trial(engine, slug)
    engine.dispose()
    by_outcome = {(e.effect.outcome, e.effect.term): e for e in result.effects}
    assert all(by_outcome[("outflow", arm)].p_adjusted is None and by_outcome[("outflow", arm)].effect.not_estimable
               for arm in ("coach", "free"))
    tested = [e for e in result.effects if e.effect.outcome != "outflow"]
    assert all(e.effect.vcov == "CR2" and e.p_adjusted is not None and 0 < e.p_adjusted <= 1 for e in tested)

    people = stored.data.participants
    teams, arm = people["team"].to_numpy(dtype=str), people["arm"].to_numpy(dtype=str)
    vocabulary = np.array(["control", "coach", "free"])
    codes = np.array([list(vocabulary).index(a) for a in arm])
    permuted = PermutationDesign(strata=people["stratum"].to_numpy(dtype=str)).draw(codes, np.random.default_rng(seed), draws)
    y = np.column_stack([trial_outcomes(stored).outcome(o)[0] for o in outcomes[:2]])

    def statistics(labels: np.ndarray) -> np.ndarray:
        table = estimate_effects(y, labels, control="control", arms=list(vocabulary), outcome_names=outcomes[:2], vcov="CR2", clusters=teams)
        return np.array([abs(e.statistic) for e in table])

    observed = statistics(arm)
    # a draw whose statistic is undefined (e.g. CR2 with an arm in a single team) counts as more extreme than any
    # observed one, as romano_wolf documents: whether the random seal gives such a draw varies from build to build
    maxima = np.array([np.nan_to_num(statistics(vocabulary[d]), nan=np.inf).max() for d in permuted])
    top = tested[int(np.argmax([abs(e.effect.statistic) for e in tested]))]
    assert abs(top.effect.statistic) == pytest.approx(observed.max(), rel=1e-10)
    assert top.p_adjusted == pytest.approx((1 + (maxima >= tie_threshold(observed.max())).sum()) / (1 + draws), abs=1e-12)
    assert all(e.p_adjusted >= top.p_adjusted for e in tested)  # type: ignore[operator]
