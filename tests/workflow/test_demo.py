"""`run_demo`: six municipalities end to end, on SQLite and on PostgreSQL, without a BSN in clear."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from proeftuin.design import catalog
from proeftuin.registry import make_engine, session_scope
from proeftuin.registry.models import Assignment, OutcomeMonth, Participant, SurveyResponse
from proeftuin.simulate import synthetic_population
from proeftuin.workflow.demo import DemoError, DemoSeeds, group_size, run_demo

SCALE = 0.12  # small groups keep the test quick; the pipeline is the same


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """One demo per database kind, shared by the tests of this file (they only read it)."""
    folder = tmp_path_factory.mktemp(request.param)
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'proeftuin.db'}"
    else:
        url = request.getfixturevalue("empty_postgres_url")()
    return url, run_demo(db=url, out=folder / "out", seed=11, scale=SCALE)


def test_every_participant_is_randomized_once_with_24_months_of_records(demo) -> None:
    url, result = demo
    engine = make_engine(url)
    with session_scope(engine) as session:
        people = session.scalar(select(func.count()).select_from(Participant))
        assigned = session.scalar(select(func.count(func.distinct(Assignment.participant_id))))
        months = session.scalar(select(func.count()).select_from(OutcomeMonth))
        answers = session.scalar(select(func.count()).select_from(SurveyResponse))
    engine.dispose()
    expected = sum(group_size(spec, SCALE) for spec in catalog())
    assert people == assigned == result.participants == expected
    assert months == 24 * expected
    assert answers > 0


def test_the_report_shows_all_six_municipalities_and_their_arms(demo) -> None:
    _, result = demo
    html = result.report.read_text(encoding="utf-8")
    for spec in catalog():
        assert spec.municipality in html
        for arm in spec.arms:
            assert arm.label_nl in html
    assert "Uitstroom &gt; 8 uur per week" in html or "Uitstroom > 8 uur per week" in html
    assert "Sociaal vertrouwen" in html
    assert "Loont werken?" in html  # the arms' benefit regimes, from proeftuin.rules
    assert html.count("<svg") >= 3


def test_the_report_is_self_contained(demo) -> None:
    _, result = demo
    html = result.report.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert "<script src" not in html and "<link" not in html


def test_no_bsn_is_stored(demo) -> None:
    url, _ = demo
    if not url.startswith("sqlite"):
        pytest.skip("the file scan needs the SQLite file")
    raw = Path(url.removeprefix("sqlite:///")).read_bytes()
    spec = catalog()[0]
    bsns = synthetic_population(spec, n=group_size(spec, SCALE), seed=DemoSeeds.derive(11, 0).population).frame["bsn"]
    assert not any(bsn.encode() in raw for bsn in bsns)


def test_rerunning_with_the_same_settings_reuses_the_database(demo, tmp_path: Path) -> None:
    url, first = demo
    again = run_demo(db=url, out=tmp_path / "again", seed=11, scale=SCALE)
    assert again.participants == first.participants
    first_effects = [e.estimate for t in first.trials for e in t.adjusted]
    assert first_effects == [e.estimate for t in again.trials for e in t.adjusted]


def test_other_settings_on_the_same_database_are_refused(demo, tmp_path: Path) -> None:
    url, _ = demo
    with pytest.raises(DemoError, match="another --seed or --scale"):
        run_demo(db=url, out=tmp_path / "other", seed=12, scale=SCALE)


def test_work_pays_curves_follow_each_arms_regime() -> None:
    from proeftuin.design import catalog_experiment
    from proeftuin.workflow.demo import work_pays_curve

    curve = work_pays_curve(catalog_experiment("utrecht"), lang="en")
    assert list(curve.columns) == ["earnings", "Control group, Self in Action, Extra Help", "Work Pays"]
    # at 10 hours a week Werken Loont (50% disregard) keeps more than the regular 25%
    assert curve.loc[10.0, "Work Pays"] > curve.loc[10.0, "Control group, Self in Action, Extra Help"]
    assert curve.loc[0.0, "Work Pays"] == curve.loc[0.0, "Control group, Self in Action, Extra Help"]
