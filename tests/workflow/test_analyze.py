"""``analyze_plan`` / ``proeftuin analyze`` on a small demo database: the plan, exactly.

References: the standard analysis (``workflow.standard_analysis``) for the estimates,
statsmodels' ``multipletests`` for Holm and Benjamini-Hochberg.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from sqlalchemy import select
from statsmodels.stats.multitest import multipletests
from typer.testing import CliRunner

from proeftuin.cli import app
from proeftuin.design import catalog
from proeftuin.design.analysis_plan import AnalysisPlan, PlanError
from proeftuin.registry import make_engine, migrate, session_scope
from proeftuin.registry.audit import keyed_engine
from proeftuin.registry.models import AuditEvent
from proeftuin.registry.roles import Role, add_user
from proeftuin.workflow.analyze import EXPLORATORY, analyze_plan
from proeftuin.workflow.demo import ADMIN, DEFAULT_SEED, INTAKE, RESEARCHER, DemoSeeds, build_experiment, demo_settings, group_size
from proeftuin.workflow.standard_analysis import analyze_experiment

SLUG = "tilburg"
ESTIMATE_TOL = 1e-12
P_TOL = 1e-12
RW_DRAWS = 99
EXAMPLE = Path(__file__).parents[2] / "src" / "proeftuin" / "design" / "catalog" / "analysis_plan_example.yaml"
PLAN = {
    "title": "test plan",
    "families": {
        "labour": {"outcomes": ["work_12h", "work_27h", "outflow"], "adjustment": "holm"},
        "survey": {"outcomes": ["wellbeing", "self_efficacy"], "adjustment": "bh"},
    },
}
runner = CliRunner()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Tilburg's trial as ``run_demo(scale=0.1)`` builds it (its seeds, size, users and secrets); the demo's
    other trials and its report (rendered in two languages, HTML and PDF) are not read here."""
    root = tmp_path_factory.mktemp("analyze")
    url = f"sqlite:///{root / 'demo.db'}"
    settings = demo_settings(DEFAULT_SEED)
    engine = keyed_engine(make_engine(url), settings)
    migrate(engine)
    with session_scope(engine) as session:
        for name, role in ((ADMIN, Role.admin), (INTAKE, Role.case_manager), (RESEARCHER, Role.researcher)):
            add_user(session=session, actor=ADMIN, name=name, role=role)
    index, spec = next((i, spec) for i, spec in enumerate(catalog()) if spec.slug == SLUG)
    build_experiment(engine, spec, DemoSeeds.derive(DEFAULT_SEED, index), n=group_size(spec, 0.1), settings=settings,
                     files=root / "imports")
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def engine(demo_db: str):
    engine = keyed_engine(make_engine(demo_db), demo_settings(DEFAULT_SEED))  # analysis runs are audited
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def planned(engine):
    return analyze_plan(engine, slug=SLUG, plan=AnalysisPlan.from_mapping(PLAN), extra_outcomes=["work_8h"])


def test_estimates_equal_the_standard_analysis(engine, planned) -> None:
    """Without covariates the plan's estimates are the standard analysis' unadjusted ones."""
    reference = analyze_experiment(engine, SLUG, level=0.90).unadjusted
    for item in planned.effects:
        expected = reference.get(item.effect.outcome, item.effect.term)
        assert item.effect.estimate == pytest.approx(expected.estimate, abs=ESTIMATE_TOL)
        assert item.effect.std_error == pytest.approx(expected.std_error, abs=ESTIMATE_TOL)


def test_every_planned_result_is_pre_specified_and_extras_are_exploratory(planned) -> None:
    arms = {e.effect.term for e in planned.effects}
    planned_rows = [e for e in planned.effects if e.pre_specified]
    assert [(e.family, e.effect.outcome) for e in planned_rows][:: len(arms)] == [
        (family, o) for family, spec in PLAN["families"].items() for o in spec["outcomes"]
    ]
    extras = [e for e in planned.effects if not e.pre_specified]
    assert {(e.family, e.effect.outcome, e.p_adjusted, e.adjustment) for e in extras} == {(EXPLORATORY, "work_8h", None, None)}
    assert len(extras) == len(arms)


@pytest.mark.parametrize(("family", "method"), [("labour", "holm"), ("survey", "fdr_bh")])
def test_adjustment_within_family_agrees_with_statsmodels(planned, family: str, method: str) -> None:
    rows = [e for e in planned.effects if e.family == family]
    expected = multipletests([e.effect.p_value for e in rows], method=method)[1]
    np.testing.assert_allclose([e.p_adjusted for e in rows], expected, atol=P_TOL, rtol=0)


def test_romano_wolf_family_is_reproducible_and_ordered_by_t(engine) -> None:
    plan = AnalysisPlan.from_mapping(
        {"families": {"labour": {"outcomes": ["work_12h", "outflow"], "adjustment": "romano-wolf"}},
         "resampling": {"draws": RW_DRAWS, "seed": 3}}
    )
    first = analyze_plan(engine, slug=SLUG, plan=plan)
    again = analyze_plan(engine, slug=SLUG, plan=plan)
    p = np.array([e.p_adjusted for e in first.effects])
    assert p.tolist() == [e.p_adjusted for e in again.effects]
    assert ((p > 0) & (p <= 1)).all() and (p >= 1 / (RW_DRAWS + 1)).all()
    t = np.abs([e.effect.statistic for e in first.effects])
    assert (np.diff(p[np.argsort(-t)]) >= 0).all()  # step-down: a larger |t| never gets a larger p


def test_the_run_is_recorded_with_the_plan_hash(engine, planned) -> None:
    with session_scope(engine) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "analysis_run")).all()
    assert f"plan:{planned.plan_sha256}" in {e.subject for e in events}
    payload = next(e.payload for e in events if e.subject == f"plan:{planned.plan_sha256}")
    assert payload["plan_sha256"] == AnalysisPlan.from_mapping(PLAN).sha256
    assert payload["extra_outcomes"] == ["work_8h"]


def test_example_plan_runs_with_subgroups(engine) -> None:
    example = yaml.safe_load(EXAMPLE.read_text("utf-8"))
    run = analyze_plan(engine, slug=SLUG, plan=AnalysisPlan.from_mapping({**example, "resampling": {"draws": 19, "seed": 1}}))
    assert run.subgroup_tests and all(t.pre_specified and 0 <= t.p_value <= 1 for t in run.subgroup_tests)
    assert {t.subgroup for t in run.subgroup_tests} == {"distance_to_labour_market"}


@pytest.mark.parametrize(
    ("plan", "extra", "message"),
    [
        ({**PLAN, "experiment": "groningen"}, [], "plan: experiment: the plan is for 'groningen', not 'tilburg'"),
        ({**PLAN, "covariates": ["shoe_size"]}, [], "plan: covariates: 'shoe_size' is not a baseline column of 'tilburg' (known: "),
        ({**PLAN, "subgroups": ["shoe_size"]}, [], "plan: subgroups: 'shoe_size' is not a baseline column of 'tilburg' (known: "),
        (PLAN, ["outflow"], "--extra-outcome: 'outflow' is already pre-specified in family 'labour'"),
        (PLAN, ["salary"], "--extra-outcome: unknown outcome 'salary' for this trial (measured: "),
    ],
)
def test_plan_that_does_not_fit_is_refused(engine, plan: dict, extra: list[str], message: str) -> None:
    with pytest.raises(PlanError) as caught:
        analyze_plan(engine, slug=SLUG, plan=AnalysisPlan.from_mapping(plan), extra_outcomes=extra)
    assert str(caught.value).startswith(message)


def test_cli_json_states_the_hash_and_labels(demo_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROEFTUIN_SEAL_KEY", demo_settings(DEFAULT_SEED).seal_key.get_secret_value())  # the run is audited, keyed
    path = tmp_path / "plan.yaml"
    path.write_text(json.dumps(PLAN), "utf-8")  # JSON is YAML
    result = runner.invoke(app, ["analyze", "--experiment", SLUG, "--plan", str(path), "--db", demo_db,
                                 "--extra-outcome", "work_8h", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["plan_sha256"] == AnalysisPlan.from_yaml(path).sha256
    assert {(r["family"] == EXPLORATORY, r["pre_specified"]) for r in payload["effects"]} == {(False, True), (True, False)}
    assert all(r["p_adjusted"] is None for r in payload["effects"] if not r["pre_specified"])


def test_cli_bad_plan_is_one_line_exit_2(demo_db: str, tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("families: {labour: {outcomes: [work_99h]}}", "utf-8")
    result = runner.invoke(app, ["analyze", "--experiment", SLUG, "--plan", str(path), "--db", demo_db])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}: families.labour.outcomes: unknown outcome 'work_99h'")
    assert len(result.stderr.strip().splitlines()) == 1
