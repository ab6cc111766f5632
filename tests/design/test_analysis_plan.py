"""The pre-analysis plan: validation errors name the field; the hash is canonical."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import get_args

import pytest
import yaml

from proeftuin.analysis import VcovType
from proeftuin.design.analysis_plan import AnalysisPlan, PlanError, PlanVcov
from proeftuin.design.outcomes import OUTCOMES

EXAMPLE = Path(__file__).parents[2] / "src" / "proeftuin" / "design" / "catalog" / "analysis_plan_example.yaml"
MINIMAL = {"families": {"labour": {"outcomes": ["work_12h", "outflow"]}}}


def test_example_plan_matches_the_catalog_families() -> None:
    plan = AnalysisPlan.from_yaml(EXAMPLE)
    assert set(plan.families) == {"labour", "survey"}
    for family, spec in plan.families.items():
        assert {OUTCOMES[o].family for o in spec.outcomes} == {family}
    assert plan.families["labour"].adjustment == "romano-wolf"
    assert plan.level == 0.90


def test_hash_is_sha256_of_the_canonical_json() -> None:
    plan = AnalysisPlan.from_mapping(MINIMAL)
    canonical = json.dumps(plan.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    assert plan.canonical_json() == canonical
    assert plan.sha256 == hashlib.sha256(canonical.encode("ascii")).hexdigest()


def test_hash_is_stable_across_key_order_and_spelled_out_defaults(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text("utf-8"))
    reordered = dict(reversed(list(data.items())))
    reordered["families"] = dict(reversed(list(data["families"].items())))
    reordered["estimator"] = {"lin": False, "vcov": "HC2"}
    path = tmp_path / "reordered.yaml"
    path.write_text(yaml.safe_dump(reordered, sort_keys=False), "utf-8")
    assert AnalysisPlan.from_yaml(path).sha256 == AnalysisPlan.from_yaml(EXAMPLE).sha256
    spelled = {**MINIMAL, "level": 0.90, "estimator": {"vcov": "HC2"}, "subgroups": []}
    assert AnalysisPlan.from_mapping(spelled).sha256 == AnalysisPlan.from_mapping(MINIMAL).sha256


def test_hash_changes_with_substance() -> None:
    base = AnalysisPlan.from_mapping(MINIMAL).sha256
    assert AnalysisPlan.from_mapping({**MINIMAL, "level": 0.95}).sha256 != base
    other = {"families": {"labour": {"outcomes": ["work_12h", "outflow"], "adjustment": "bh"}}}
    assert AnalysisPlan.from_mapping(other).sha256 != base


def test_plan_vcov_spelling_is_the_estimators() -> None:
    assert set(get_args(PlanVcov)) <= set(get_args(VcovType))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"families": {"labour": {"outcomes": ["Work 99h"]}}}, "plan: families.labour.outcomes.0: String should match pattern"),
        ({"families": {"labour": {"outcomes": ["outflow"], "adjustment": "sidak"}}}, "plan: families.labour.adjustment: Input should be 'holm', 'bh' or 'romano-wolf'"),
        ({**MINIMAL, "estimator": {"vcov": "HC9"}}, "plan: estimator.vcov: Input should be 'HC0', 'HC1', 'HC2' or 'HC3'"),
        ({**MINIMAL, "level": 1.5}, "plan: level: Input should be less than 1"),
        ({**MINIMAL, "colour": "blue"}, "plan: colour: Extra inputs are not permitted"),
        ({"families": {}}, "plan: families: Dictionary should have at least 1 item"),
        ({"families": {"labour": {"outcomes": []}}}, "plan: families.labour.outcomes: Tuple should have at least 1 item"),
        ({"families": {"a": {"outcomes": ["outflow"]}, "b": {"outcomes": ["outflow"]}}}, "plan: families: outcome 'outflow' is in two families ('a' and 'b')"),
        ({**MINIMAL, "estimator": {"lin": True}}, "plan: estimator.lin: Lin's adjustment interacts the covariates with the arms: list them in 'covariates'"),
        ({**MINIMAL, "resampling": {"draws": 5}}, "plan: resampling.draws: Input should be greater than or equal to 19"),
    ],
)
def test_validation_errors_name_the_field(data: dict, message: str) -> None:
    with pytest.raises(PlanError) as caught:
        AnalysisPlan.from_mapping(data)
    assert str(caught.value).startswith(message)


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "plan.yaml"
    bad.write_text("families: [", "utf-8")
    with pytest.raises(PlanError, match=f"^{bad}: not valid YAML"):
        AnalysisPlan.from_yaml(bad)
    bad.write_text("- a list", "utf-8")
    with pytest.raises(PlanError, match=f"^{bad}: a plan is a mapping"):
        AnalysisPlan.from_yaml(bad)
    with pytest.raises(PlanError, match="cannot read the plan"):
        AnalysisPlan.from_yaml(tmp_path / "absent.yaml")


def test_a_plan_names_the_trials_own_outcomes_and_indices_and_is_checked_against_the_trial() -> None:
    """Outcomes are the trial plan's: catalog labour and income outcomes, its own outcomes and its
    survey indices; a name the trial does not measure is refused with the ones it does."""
    from proeftuin.design import TrialPlan
    from proeftuin.design.analysis_plan import measured_outcomes

    zwolle = TrialPlan.from_yaml(Path(__file__).parents[1] / "workflow" / "plans" / "zwolle-2arm.yaml")
    measured = measured_outcomes(zwolle)
    assert measured == ("work_12h", "outflow", "earn_50", "benefit_paid", "debt_help", "wellbeing_score", "rust")
    plan = AnalysisPlan.from_mapping({"families": {"own": {"outcomes": ["debt_help", "wellbeing_score", "rust"]}}})
    plan.check_outcomes(measured)  # accepted
    other = AnalysisPlan.from_mapping({"families": {"labour": {"outcomes": ["work_99h"]}}})
    with pytest.raises(PlanError, match=r"^plan: families.labour.outcomes: unknown outcome 'work_99h' for this trial "
                                        r"\(measured: work_12h, outflow, earn_50, benefit_paid, debt_help, wellbeing_score, rust\)$"):
        other.check_outcomes(measured)
