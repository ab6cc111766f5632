"""The trial path on the command line: plan -> enrol -> consent -> randomize -> import -> verify -> export.

Includes the tampering tests of ``verify`` and the privacy scan: no test BSN anywhere in the
database file, the outputs or the exports.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
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
    "PROEFTUIN_PSEUDONYM_SECRETS": json.dumps({"Utrecht": "utrecht-2deBw_JFNtZXXqooGcbBYrE4U9--h8PvBs-bKBe_"}),
    "PROEFTUIN_SEAL_KEY": "seal-4jmr2R8GIItCuHFJv-2G6njNt8k1UybspxqOo09M",
}


def _invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    return _invoke


@pytest.fixture(scope="module")
def trial_template(tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[no-untyped-def]
    """The Utrecht trial of ``trial``, made once per module through the commands; ``trial`` copies its folder."""
    folder = tmp_path_factory.mktemp("trial")
    db = f"sqlite:///{folder / 'trial.db'}"
    plan = {"experiment": catalog_experiment("utrecht").model_dump(mode="json"),
            "randomization": {"method": "blocks", "strata": ["distance_to_labour_market"]},
            "consent_versions": ["2018-05"],
            "survey": {"indices": {"wellbeing": {"items": ["wb1", "wb2", "wb3"], "reverse": ["wb3"], "scale": [1, 5]}}}}
    (folder / "plan.yaml").write_text(yaml.safe_dump(plan))
    with pytest.MonkeyPatch.context() as monkeypatch:
        for key, value in ENV.items():
            monkeypatch.setenv(key, value)
        run = _invoke
        assert run("user", "add", "alice", "--role", "admin", "--db", db).exit_code == 0
        assert run("user", "add", "cora", "--role", "case-manager", "--user", "alice", "--db", db).exit_code == 0
        assert run("user", "add", "rob", "--role", "researcher", "--user", "alice", "--db", db).exit_code == 0
        created = run("experiment", "create", "--plan", str(folder / "plan.yaml"), "--user", "alice", "--db", db)
        assert created.exit_code == 0, created.output
        rng = np.random.default_rng(5)
        bsns = fake_bsns(30, rng)
        people = pd.DataFrame({"bsn": bsns, "enrolled_on": "2018-06-01", "age": rng.integers(21, 60, 30), "sex": "female",
                               "household": "single", "months_on_benefit": 24, "education": "low", "health": 6.0,
                               "migration_background": False, "distance_to_labour_market": rng.choice(["far", "near"], 30)})
        people.to_csv(folder / "people.csv", index=False)
        enrolled = run("enrol", str(folder / "people.csv"), "--experiment", "utrecht", "--user", "cora", "--db", db)
        assert enrolled.exit_code == 0, enrolled.output
        pseudonyms = [line.split("\t")[0] for line in enrolled.stdout.splitlines() if "\t" in line]
        assert run("consent", *pseudonyms, "--experiment", "utrecht", "--version", "2018-05", "--on", "2018-06-02", "--user", "cora",
                   "--db", db).exit_code == 0
        randomized = run("randomize", "--all", "--experiment", "utrecht", "--on", "2018-06-03", "--user", "cora", "--db", db)
        assert randomized.exit_code == 0, randomized.output
    return {"dir": folder, "bsns": bsns, "pseudonyms": pseudonyms, "outputs": [created.output, enrolled.output, randomized.output]}


@pytest.fixture
def trial(tmp_path: Path, trial_template: dict) -> dict:  # type: ignore[no-untyped-def]
    """An Utrecht trial with 30 people enrolled by cora, consented and randomized (a copy of ``trial_template``'s files)."""
    for part in trial_template["dir"].iterdir():  # the database with its write-ahead log, if any; the plan and the people
        shutil.copyfile(part, tmp_path / part.name)
    return {**trial_template, "db": f"sqlite:///{tmp_path / 'trial.db'}", "path": tmp_path / "trial.db", "dir": tmp_path,
            "bsns": list(trial_template["bsns"]), "pseudonyms": list(trial_template["pseudonyms"])}


def _outcomes(pseudonyms: list[str], months: list[str]) -> pd.DataFrame:
    return pd.DataFrame([{"pseudonym": p, "month": m, "hours_per_week": 0, "contract": "none", "gross_earnings": 0, "on_benefit": "true"}
                         for p in pseudonyms for m in months])


def test_verify_passes_then_names_a_tampered_assignment(trial, run) -> None:  # type: ignore[no-untyped-def]
    ok = run("verify", "--db", trial["db"])
    assert ok.exit_code == 0, ok.output
    assert "30 allocations recomputed" in ok.stdout
    with sqlite3.connect(trial["path"]) as con:
        con.execute("UPDATE assignments SET arm_id = (SELECT id FROM arms WHERE arm_id != arms.id LIMIT 1) WHERE sequence = 7")
    bad = run("verify", "--db", trial["db"])
    assert bad.exit_code == 1
    assert "assignment #7" in bad.stderr and "the sealed seed gives" in bad.stderr


def test_verify_names_a_tampered_audit_event(trial, run) -> None:  # type: ignore[no-untyped-def]
    with sqlite3.connect(trial["path"]) as con:
        con.execute("DROP TRIGGER audit_events_no_update")  # an attacker with direct access
        con.execute("UPDATE audit_events SET actor = 'mallory' WHERE id = 5")
    bad = run("verify", "--db", trial["db"])
    assert bad.exit_code == 1
    assert "audit event #5" in bad.stderr


def test_the_audit_log_refuses_updates(trial) -> None:  # type: ignore[no-untyped-def]
    with sqlite3.connect(trial["path"]) as con, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("DELETE FROM audit_events WHERE id = 1")


def test_import_is_all_or_nothing_and_idempotent(trial, run) -> None:  # type: ignore[no-untyped-def]
    path = trial["dir"] / "outcomes.csv"
    good = _outcomes(trial["pseudonyms"], ["2018-06", "2018-07"])
    bad = good.astype({"hours_per_week": object})
    bad.loc[41, "hours_per_week"] = "lots"
    bad.to_csv(path, index=False)
    result = run("import", "outcomes", str(path), "--experiment", "utrecht", "--user", "rob", "--db", trial["db"])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {path}, row 43, column 'hours_per_week': 'lots' is not a number"
    with sqlite3.connect(trial["path"]) as con:
        assert con.execute("SELECT count(*) FROM outcome_months").fetchone() == (0,)
    good.to_csv(path, index=False)
    assert "imported" in run("import", "outcomes", str(path), "--experiment", "utrecht", "--user", "rob", "--db", trial["db"]).stdout
    assert "unchanged" in run("import", "outcomes", str(path), "--experiment", "utrecht", "--user", "rob", "--db", trial["db"]).stdout
    good.loc[0, "hours_per_week"] = 12
    good.to_csv(path, index=False)
    corrected = run("import", "outcomes", str(path), "--experiment", "utrecht", "--user", "rob", "--db", trial["db"])
    assert "corrected" in corrected.stdout and "revision 2" in corrected.stdout
    with sqlite3.connect(trial["path"]) as con:
        assert con.execute("SELECT count(*), sum(hours_per_week) FROM outcome_months").fetchone() == (60, 12.0)
    assert run("verify", "--db", trial["db"]).exit_code == 0


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: f.assign(pseudonym=["nobody"] + list(f.pseudonym[1:])), "row 2, column 'pseudonym': no randomized participant 'nobody'"),
        (lambda f: pd.concat([f, f.iloc[[3]]]), "row 62, column 'month': duplicate person-month"),
        (lambda f: f.assign(month=["2025-01"] + list(f.month[1:])), "row 2, column 'month': month 2025-01 is outside the experiment"),
        (lambda f: f.assign(contract=["maybe"] + list(f.contract[1:])), "row 2, column 'contract': 'maybe' is not one of none, temporary, permanent"),
        # the value was printed as np.str_('2018-13')
        (lambda f: f.assign(month=["2018-13"] + list(f.month[1:])), "row 2, column 'month': '2018-13' is not a month (write YYYY-MM)"),
    ],
    ids=["unknown-person", "duplicate", "outside", "bad-value", "not-a-month"],
)
def test_import_errors_name_file_row_and_column(trial, run, mutate, message) -> None:  # type: ignore[no-untyped-def]
    path = trial["dir"] / "outcomes.csv"
    mutate(_outcomes(trial["pseudonyms"], ["2018-06", "2018-07"])).to_csv(path, index=False)
    result = run("import", "outcomes", str(path), "--experiment", "utrecht", "--user", "rob", "--db", trial["db"])
    assert result.exit_code == 2
    assert message in result.stderr


def test_survey_import_scores_indices(trial, run) -> None:  # type: ignore[no-untyped-def]
    path = trial["dir"] / "wave1.csv"
    pd.DataFrame({"pseudonym": trial["pseudonyms"], "wb1": 5, "wb2": 5, "wb3": ""}).to_csv(path, index=False)
    result = run("import", "survey", str(path), "--experiment", "utrecht", "--wave", "1", "--user", "rob", "--db", trial["db"])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(trial["path"]) as con:
        assert con.execute("SELECT count(*), min(score), max(score) FROM survey_responses").fetchone() == (30, 10.0, 10.0)


def test_no_bsn_in_the_database_outputs_or_exports(trial, run) -> None:  # type: ignore[no-untyped-def]
    out = trial["dir"] / "participants.csv"
    exported = run("export", "participants", "--experiment", "utrecht", "--out", str(out), "--user", "rob", "--db", trial["db"])
    assert exported.exit_code == 0, exported.output
    run("verify", "--db", trial["db"])
    haystacks = [p.read_bytes() for p in trial["dir"].glob("trial.db*")] + [out.read_bytes()]
    haystacks += [o.encode() for o in trial["outputs"]]
    for bsn in trial["bsns"]:
        assert not any(bsn.encode() in h for h in haystacks), "a BSN leaked"


def test_case_manager_may_not_export_and_researcher_may_not_randomize(trial, run) -> None:  # type: ignore[no-untyped-def]
    out = trial["dir"] / "x.csv"
    denied = run("export", "participants", "--experiment", "utrecht", "--out", str(out), "--user", "cora", "--db", trial["db"])
    assert denied.exit_code == 2
    assert "user 'cora' (case-manager) may not export_pseudonymized; allowed: researcher" in denied.stderr
    assert run("randomize", "--all", "--experiment", "utrecht", "--user", "rob", "--db", trial["db"]).exit_code == 2


def test_weak_secret_is_refused(tmp_path: Path, run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PROEFTUIN_SEAL_KEY", "changeme")
    result = run("purge", "--experiment", "utrecht", "--yes", "--user", "alice", "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert result.exit_code == 2
    assert "PROEFTUIN_SEAL_KEY is a default or trivial value" in result.stderr


def test_services_are_recorded_all_or_nothing_and_exported_per_arm(trial, run) -> None:  # type: ignore[no-untyped-def]
    db, folder, pseudonyms = trial["db"], trial["dir"], trial["pseudonyms"]
    good = pd.DataFrame({"pseudonym": pseudonyms[:12], "on": "2018-07-01", "kind": "coaching", "minutes": 45})
    good.to_csv(folder / "services.csv", index=False)
    recorded = run("import", "services", str(folder / "services.csv"), "--experiment", "utrecht", "--user", "cora", "--db", db)
    assert recorded.exit_code == 0 and recorded.stdout.strip() == "imported: services.csv revision 1, 12 services"
    # the same file twice doubled the services
    again = run("import", "services", str(folder / "services.csv"), "--experiment", "utrecht", "--user", "cora", "--db", db)
    assert again.exit_code == 0 and again.stdout.startswith("unchanged: services.csv")
    with sqlite3.connect(trial["path"]) as con:
        assert con.execute("SELECT count(*) FROM service_contacts").fetchone() == (12,)
    bad = good.assign(on=["2018-07-01"] * 11 + ["1 juli"])
    bad.to_csv(folder / "bad.csv", index=False)
    refused = run("import", "services", str(folder / "bad.csv"), "--experiment", "utrecht", "--user", "cora", "--db", db)
    assert refused.exit_code == 2 and refused.stderr.strip().endswith("row 13, column 'on': '1 juli' is not a date (YYYY-MM-DD)")
    out = folder / "services-out.csv"
    assert run("export", "services", "--experiment", "utrecht", "--user", "rob", "--out", str(out), "--db", db).exit_code == 0
    assert "coaching" in out.read_text()


def test_unseal_publishes_the_seed_and_verify_still_passes(trial, run) -> None:  # type: ignore[no-untyped-def]
    db = trial["db"]
    assert run("unseal", "--experiment", "utrecht", "--user", "cora", "--db", db).exit_code == 2  # admins only
    assert run("experiment", "close", "--experiment", "utrecht", "--on", "2019-10-01", "--user", "alice", "--db", db).exit_code == 0
    opened = run("unseal", "--experiment", "utrecht", "--user", "alice", "--db", db)
    assert opened.exit_code == 0 and opened.stdout.startswith("unsealed utrecht: seed ")
    assert run("verify", "--db", db).exit_code == 0


def test_benefits_export_gives_each_participants_monthly_benefit_by_pseudonym(trial, run) -> None:  # type: ignore[no-untyped-def]
    db, folder, pseudonyms = trial["db"], trial["dir"], trial["pseudonyms"]
    _outcomes(pseudonyms, ["2018-06", "2018-07"]).to_csv(folder / "months.csv", index=False)
    assert run("import", "outcomes", str(folder / "months.csv"), "--experiment", "utrecht", "--user", "rob", "--db", db).exit_code == 0
    out = folder / "benefits.csv"
    assert run("export", "benefits", "--experiment", "utrecht", "--user", "cora", "--out", str(out), "--db", db).exit_code == 2
    assert run("export", "benefits", "--experiment", "utrecht", "--user", "rob", "--out", str(out), "--db", db).exit_code == 0
    table = pd.read_csv(out)
    assert set(table["pseudonym"]) == set(pseudonyms) and len(table) == 2 * len(pseudonyms)
    assert (table["benefit"] == table["norm"]).all()  # no earnings: the full norm is paid


def test_a_participant_outside_the_modelled_ages_is_a_clear_error(trial, run) -> None:  # type: ignore[no-untyped-def]
    db, folder, pseudonyms = trial["db"], trial["dir"], trial["pseudonyms"]
    engine = sqlite3.connect(trial["path"])
    engine.execute("UPDATE participants SET age = 19 WHERE id = 1")
    engine.commit()
    engine.close()
    _outcomes(pseudonyms, ["2018-06"]).to_csv(folder / "months.csv", index=False)
    assert run("import", "outcomes", str(folder / "months.csv"), "--experiment", "utrecht", "--user", "rob", "--db", db).exit_code == 0
    refused = run("export", "benefits", "--experiment", "utrecht", "--user", "rob", "--out", str(folder / "b.csv"), "--db", db)
    assert refused.exit_code == 2 and "age 19" in refused.stderr


def test_a_withdrawal_keeps_the_person_randomized_and_its_consent_decides_what_is_used(trial, run) -> None:  # type: ignore[no-untyped-def]
    from proeftuin.registry import load_experiment_data, make_engine, session_scope

    db, folder, pseudonyms = trial["db"], trial["dir"], trial["pseudonyms"]
    keeps, erases = pseudonyms[0], pseudonyms[1]
    assert run("consent", keeps, "--withdraw", "--experiment", "utrecht", "--version", "2018-05", "--on", "2018-07-15", "--user", "cora", "--db", db).exit_code == 0
    assert run("consent", erases, "--withdraw", "--no-keep-data", "--experiment", "utrecht", "--version", "2018-05", "--on", "2018-07-15", "--user", "cora", "--db", db).exit_code == 0
    _outcomes(pseudonyms, ["2018-06", "2018-07", "2018-08"]).to_csv(folder / "months.csv", index=False)
    assert run("import", "outcomes", str(folder / "months.csv"), "--experiment", "utrecht", "--user", "rob", "--db", db).exit_code == 0
    with session_scope(make_engine(db)) as session:
        data = load_experiment_data(session=session, slug="utrecht")
    ids = data.participants.set_index("pseudonym")["participant_id"]
    assert {keeps, erases} <= set(ids.index)  # both stay in the intent-to-treat population
    used = data.months.groupby("participant_id")["month"].count()
    assert used[ids[keeps]] == 2  # June and July, the month of withdrawal; not August
    assert ids[erases] not in used.index  # withdrew and asked that nothing be used
    assert used.drop([ids[keeps]]).eq(3).all()


def test_the_lifecycle_on_the_command_line(trial, run) -> None:  # type: ignore[no-untyped-def]
    """Issue 10: randomize --all with nobody waiting, unseal mid-trial and an unconfirmed purge are one-line errors (exit 2)."""
    db = trial["db"]
    nobody = run("randomize", "--all", "--experiment", "utrecht", "--on", "2018-06-03", "--user", "cora", "--db", db)
    assert nobody.exit_code == 2 and "nobody in 'utrecht' is waiting for randomization" in nobody.stderr
    early = run("unseal", "--experiment", "utrecht", "--user", "alice", "--db", db)
    assert early.exit_code == 2 and "is recruiting: unseal is not allowed" in early.stderr
    assert len(early.stderr.strip().splitlines()) == 1
    closed = run("experiment", "close", "--experiment", "utrecht", "--on", "2019-10-01", "--user", "alice", "--db", db)
    assert closed.exit_code == 0, closed.output
    assert "\tclosed\t" in run("experiment", "list", "--user", "alice", "--db", db).stdout
    unconfirmed = CliRunner().invoke(app, ["purge", "--experiment", "utrecht", "--on", "2099-01-01", "--user", "alice", "--db", db], input="utrech\n")
    assert unconfirmed.exit_code == 2 and "not confirmed" in unconfirmed.stderr
    purged = CliRunner().invoke(app, ["purge", "--experiment", "utrecht", "--on", "2099-01-01", "--user", "alice", "--db", db], input="utrecht\n")
    assert purged.exit_code == 0 and "utrecht: 30 participants purged" in purged.stdout
    assert run("verify", "--db", db).exit_code == 0


def test_verify_prints_the_head_and_checks_a_kept_one(trial, run) -> None:  # type: ignore[no-untyped-def]
    db = trial["db"]
    head = run("verify", "--print-head", "--db", db).stdout.strip()
    number, _, digest = head.partition(":")
    assert number.isdigit() and len(digest) == 64
    assert run("verify", "--head", head, "--db", db).exit_code == 0
    with sqlite3.connect(trial["path"]) as con:
        con.execute("DROP TRIGGER audit_events_no_delete")
        con.execute("DELETE FROM audit_events WHERE id = ?", (int(number),))
        con.execute("UPDATE audit_head SET last_id = last_id - 1, last_hash = (SELECT hash FROM audit_events WHERE id = ?)", (int(number) - 1,))
        con.execute("DELETE FROM assignments WHERE sequence = 30")
        con.execute("UPDATE seals SET allocated = 29")
    assert run("verify", "--db", db).exit_code == 0  # the chain and the tables agree without the last randomization
    kept = run("verify", "--head", head, "--db", db)
    assert kept.exit_code == 1 and "the last events were deleted" in kept.stderr
    assert run("verify", "--head", "nonsense", "--db", db).exit_code == 2
