"""Groningen's design as a plan (issue 9): invitations recorded per person (invited, declined,
enrolled), and the choice group's chosen treatment recorded, with the chosen arm's regime."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from proeftuin.cli import app
from proeftuin.design import catalog_plan
from proeftuin.simulate.bsn import fake_bsns

ENV = {
    "PROEFTUIN_PSEUDONYM_SECRETS": json.dumps({"Groningen": "groningen-Qm7xV2pLk9sR4tYw8ZcN3bH6jF1dG5aE0uIoPq"}),
    "PROEFTUIN_SEAL_KEY": "seal-7DZoTLHHsVqNsNdcQdB8U8S8mgKZTf4meqsL2CgK",
}
N = 40


@pytest.fixture
def groningen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()

    def run(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, [*args, "--db", f"sqlite:///{tmp_path / 'g.db'}"], catch_exceptions=False)

    (tmp_path / "plan.yaml").write_text(yaml.safe_dump(catalog_plan("groningen").model_dump(mode="json")))
    run("user", "add", "alice", "--role", "admin")
    assert run("experiment", "create", "--plan", str(tmp_path / "plan.yaml"), "--user", "alice").exit_code == 0
    rng = np.random.default_rng(11)
    bsns = fake_bsns(N + 5, rng)
    invited = pd.DataFrame({"bsn": bsns, "invited_on": "2017-10-15", "status": ["invited"] * N + ["declined"] * 5,
                            "answered_on": [""] * N + ["2017-10-25"] * 5})
    invited.to_csv(tmp_path / "invited.csv", index=False)
    result = run("invite", str(tmp_path / "invited.csv"), "--experiment", "groningen", "--user", "alice")
    assert result.exit_code == 0, result.output
    people = pd.DataFrame({"bsn": bsns[:N], "enrolled_on": "2017-11-01", "age": rng.integers(27, 60, N), "sex": "female",
                           "household": "single", "months_on_benefit": 30, "education": "middle", "health": 6.5,
                           "migration_background": "false", "distance_to_labour_market": rng.choice(["far", "medium", "near"], N)})
    people.to_csv(tmp_path / "people.csv", index=False)
    enrolled = run("enrol", str(tmp_path / "people.csv"), "--experiment", "groningen", "--user", "alice")
    pseudonyms = [line.split("\t")[0] for line in enrolled.stdout.splitlines()]
    pd.DataFrame({"pseudonym": pseudonyms, "on": "2017-11-02", "text_version": "2017-09"}).to_csv(tmp_path / "consent.csv", index=False)
    assert run("consent", str(tmp_path / "consent.csv"), "--experiment", "groningen", "--user", "alice").exit_code == 0
    randomized = run("randomize", "--all", "--experiment", "groningen", "--on", "2017-11-03", "--user", "alice")
    return run, tmp_path / "g.db", dict(line.split("\t")[:2] for line in randomized.stdout.splitlines())


def test_invitations_are_recorded_and_enrolment_marks_them(groningen) -> None:  # type: ignore[no-untyped-def]
    _, path, _ = groningen
    with sqlite3.connect(path) as con:
        assert dict(con.execute("SELECT status, count(*) FROM invitations GROUP BY status").fetchall()) == {"enrolled": N, "declined": 5}


def test_the_same_invitation_file_again_is_unchanged_and_a_changed_or_late_one_refused(groningen) -> None:  # type: ignore[no-untyped-def]
    # the file of the fixture, recorded before its people were enrolled (their invitations now say so)
    run, path, _ = groningen
    folder = path.parent
    with sqlite3.connect(path) as con:
        before = con.execute("SELECT * FROM invitations ORDER BY id").fetchall()
    again = run("invite", str(folder / "invited.csv"), "--experiment", "groningen", "--user", "alice")
    assert again.exit_code == 0, again.output
    assert again.stdout == f"unchanged: invited.csv: all {N + 5} invitations are recorded in groningen already, as they stand; nothing written\n"
    changed = pd.read_csv(folder / "invited.csv", dtype=str, keep_default_na=False)
    changed.loc[N + 2, "answered_on"] = "2017-10-26"
    changed.to_csv(folder / "changed.csv", index=False)
    refused = run("invite", str(folder / "changed.csv"), "--experiment", "groningen", "--user", "alice")
    assert refused.exit_code == 2
    assert f"changed.csv, row {N + 4}, column 'bsn': already invited to 'groningen' (pseudonym " in refused.stderr
    late = changed.assign(bsn=fake_bsns(len(changed), np.random.default_rng(12)), invited_on="2031-01-05", status="invited", answered_on="")
    late.to_csv(folder / "late.csv", index=False)
    refused = run("invite", str(folder / "late.csv"), "--experiment", "groningen", "--user", "alice")
    assert refused.exit_code == 2
    assert "late.csv, row 2, column 'invited_on': invited on 2031-01-05, after the intake window of 'groningen' ended" in refused.stderr
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT * FROM invitations ORDER BY id").fetchall() == before


def test_the_choice_group_records_the_treatment_chosen_and_gets_its_regime(groningen) -> None:  # type: ignore[no-untyped-def]
    run, path, arms = groningen
    chooser = next(p for p, arm in arms.items() if arm == "choice")
    other = next(p for p, arm in arms.items() if arm != "choice")
    refused = run("participant", "choose", other, "--arm", "disregard", "--experiment", "groningen", "--user", "alice")
    assert refused.exit_code == 2 and "which chooses nothing: it is not a choice arm" in refused.stderr
    wrong = run("participant", "choose", chooser, "--arm", "control", "--experiment", "groningen", "--user", "alice")
    assert wrong.exit_code == 2 and "which chooses one of exemption, intensive, disregard; not 'control'" in wrong.stderr
    chosen = run("participant", "choose", chooser, "--arm", "disregard", "--experiment", "groningen", "--user", "alice")
    assert chosen.exit_code == 0, chosen.output
    assert chosen.stdout.strip() == f"{chooser}\tdisregard\tgroningen-2017"
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT chosen_arm FROM participants WHERE pseudonym = ?", (chooser,)).fetchone() == ("disregard",)
    assert run("verify").exit_code == 0


def test_the_analysis_frame_carries_the_chosen_arms_regime(groningen) -> None:  # type: ignore[no-untyped-def]
    from proeftuin.registry.crud import load_experiment_data
    from proeftuin.registry.db import make_engine, session_scope

    run, path, arms = groningen
    chooser = next(p for p, arm in arms.items() if arm == "choice")
    run("participant", "choose", chooser, "--arm", "disregard", "--experiment", "groningen", "--user", "alice")
    with session_scope(make_engine(f"sqlite:///{path}")) as session:
        frame = load_experiment_data(session=session, slug="groningen").participants.set_index("pseudonym")
    assert frame.loc[chooser, ["arm", "chosen_arm", "regime"]].tolist() == ["choice", "disregard", "groningen-2017"]
    assert (frame.loc[(frame.arm == "choice") & (frame.index != chooser), "regime"] == "regular").all()
    assert set(catalog_plan("groningen").covariates) <= set(frame.columns)  # one column per declared covariate
