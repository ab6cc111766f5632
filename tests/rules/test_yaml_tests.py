"""The OpenFisca YAML tests of the package all pass and cover every parameter."""

from __future__ import annotations

from pathlib import Path

import yaml

from proeftuin.rules import parameters, run_yaml_tests
from proeftuin.rules.regimes import registry

TESTS = Path(__file__).resolve().parents[2] / "src" / "proeftuin" / "rules" / "tests"


def test_yaml_tests_pass() -> None:
    passed, failed, messages = run_yaml_tests()
    assert failed == 0, messages
    assert passed >= 100


def test_every_regime_has_a_yaml_test() -> None:
    text = "\n".join(p.read_text() for p in TESTS.glob("*.yaml"))
    missing = [name for name in registry() if name != "regular" and f"regime: {name}" not in text]
    assert missing == []


def test_every_yaml_test_cites_its_rule() -> None:
    for path in TESTS.glob("*.yaml"):
        for case in yaml.safe_load(path.read_text()):
            assert case["description"], case["name"]


def test_every_parameter_has_a_label_unit_and_reference() -> None:
    for p in parameters():
        assert p.label and p.unit and p.reference_name and p.reference_href.startswith("https://"), p.name
