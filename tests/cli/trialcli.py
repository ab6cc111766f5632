"""Shared by the command-line tests of trial operations: one small Utrecht trial, built once per module and copied per test."""

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
from proeftuin.design import catalog_experiment
from proeftuin.simulate.bsn import fake_bsns

ENV = {
    "PROEFTUIN_PSEUDONYM_SECRETS": json.dumps({"Utrecht": "utrecht-tMwWn4_dLgE5ERuCQGenqJ3r1N-1B14kjWvIv_Wy"}),
    "PROEFTUIN_SEAL_KEY": "seal-7DZoTLHHsVqNsNdcQdB8U8S8mgKZTf4meqsL2CgK",
}
@dataclass(frozen=True)
class Trial:
    folder: Path
    bsns: list[str]
    pseudonyms: list[str]


@pytest.fixture(scope="module", name="template")
def template_fixture(tmp_path_factory: pytest.TempPathFactory) -> Trial:
    """An Utrecht trial (12 people enrolled, consented, randomized on 2018-06-03) built once, copied per case."""
    folder = tmp_path_factory.mktemp("template")
    db = f"sqlite:///{folder / 'trial.db'}"
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        for key, value in ENV.items():
            patch.setenv(key, value)

        def run(*args: str) -> str:
            result = runner.invoke(app, list(args), catch_exceptions=False)
            assert result.exit_code == 0, result.output
            return result.stdout

        plan = {"experiment": catalog_experiment("utrecht").model_dump(mode="json"),
                "randomization": {"method": "blocks", "strata": ["distance_to_labour_market"]}, "consent_versions": ["2018-05"],
                "survey": {"indices": {"wellbeing": {"items": ["wb1", "wb2", "wb3"], "reverse": ["wb3"], "scale": [1, 5]}}}}
        (folder / "plan.yaml").write_text(yaml.safe_dump(plan))
        run("user", "add", "alice", "--role", "admin", "--db", db)
        run("user", "add", "cora", "--role", "case-manager", "--user", "alice", "--db", db)
        run("user", "add", "rob", "--role", "researcher", "--user", "alice", "--db", db)
        run("experiment", "create", "--plan", str(folder / "plan.yaml"), "--user", "alice", "--db", db)
        bsns = fake_bsns(12, np.random.default_rng(11))
        people(bsns).to_csv(folder / "people.csv", index=False)
        pseudonyms = [line.split("\t")[0] for line in run("enrol", str(folder / "people.csv"), "--experiment", "utrecht", "--user", "cora", "--db", db).splitlines()]
        run("consent", *pseudonyms, "--experiment", "utrecht", "--version", "2018-05", "--on", "2018-06-02", "--user", "cora", "--db", db)
        run("randomize", "--all", "--experiment", "utrecht", "--on", "2018-06-03", "--user", "cora", "--db", db)
    return Trial(folder, bsns, pseudonyms)


def people(bsns: list[str]) -> pd.DataFrame:
    n = len(bsns)
    return pd.DataFrame({"bsn": bsns, "enrolled_on": "2018-06-01", "age": 30, "sex": "f", "household": "single", "months_on_benefit": 24,
                         "education": "low", "health": 6.0, "migration_background": False,
                         "distance_to_labour_market": (["far", "near"] * n)[:n]})


def dump(path: Path) -> str:
    with sqlite3.connect(path) as con:
        return "\n".join(con.iterdump())


@pytest.fixture(name="copy")
def copy_fixture(template: Trial, tmp_path: Path) -> Trial:
    for part in template.folder.glob("trial.db*"):  # with its write-ahead log
        shutil.copy(part, tmp_path / part.name)
    return Trial(tmp_path, template.bsns, template.pseudonyms)


