"""Run the YAML tests of ``tests/`` with OpenFisca's test runner and count the results."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from openfisca_core.tools.test_runner import OpenFiscaPlugin

from proeftuin.rules.system import tax_benefit_system

YAML_TESTS_DIR = Path(__file__).parent / "tests"


class _Collector:
    """Pytest plugin recording the outcome of each YAML test."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0
        self.messages: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call" and not report.failed:
            return
        if report.passed:
            self.passed += 1
        elif report.failed:
            self.failed += 1
            self.messages.append(f"{report.nodeid}: {report.longreprtext.strip()}")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.failed += 1
            self.messages.append(f"{report.nodeid}: {report.longreprtext.strip()}")


def run_yaml_tests(path: Path | None = None) -> tuple[int, int, list[str]]:
    """Run the YAML tests under ``path`` (default: the package's ``tests/``).

    Returns (passed, failed, messages), one message per failure.
    """
    collector = _Collector()
    target = path or YAML_TESTS_DIR
    pytest.main(
        [
            "-p",
            "no:cacheprovider",
            "-p",
            "no:terminal",
            "-o",
            "addopts=",
            "--rootdir",
            str(target if target.is_dir() else target.parent),
            "-c",
            os.devnull,
            str(target),
        ],
        plugins=[OpenFiscaPlugin(tax_benefit_system(), {}), collector],
    )
    return collector.passed, collector.failed, collector.messages
