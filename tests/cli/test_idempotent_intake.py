"""Idempotent intake files (issue 10, point 7): the same file again answers "unchanged", writes nothing, exits 0.

Enrolment and consent files are idempotent by content: a file whose every record the registry
holds already, as it stands, changes nothing. A file that enrols an already enrolled person in any
other way (other facts, or beside people not yet enrolled) is refused with its file, row and
column, and nothing is written. (Imports of outcomes, survey answers and services are idempotent
by the file's content hash: tests/cli/test_registry_cli.py; invitations:
tests/workflow/test_choice_and_invitations.py.)

Regression: enrolling the same file again was refused ("person 1 is already enrolled in
'utrecht'", without file, row or column), unlike every other import.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from trialcli import ENV, Trial, dump, people, copy_fixture, template_fixture  # noqa: F401 (fixtures)

from proeftuin.cli import app
from proeftuin.simulate.bsn import fake_bsns


@pytest.fixture
def run(copy: Trial, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(app, [*args, "--experiment", "utrecht", "--db", f"sqlite:///{copy.folder / 'trial.db'}"])

    return invoke


def _enrol(run, copy: Trial, frame: pd.DataFrame):  # type: ignore[no-untyped-def]
    path = copy.folder / "people.csv"
    frame.to_csv(path, index=False)
    before = dump(copy.folder / "trial.db")
    return run("enrol", str(path), "--user", "cora"), before


def test_the_same_enrolment_file_again_is_unchanged(run, copy: Trial) -> None:  # type: ignore[no-untyped-def]
    result, before = _enrol(run, copy, people(copy.bsns))  # the template enrolled these twelve from this content
    assert result.exit_code == 0, result.output
    assert result.stdout == "unchanged: people.csv: all 12 people are enrolled in utrecht already, with these facts; nothing written\n"
    assert dump(copy.folder / "trial.db") == before


def test_an_enrolled_person_with_other_facts_is_refused_at_their_row(run, copy: Trial) -> None:  # type: ignore[no-untyped-def]
    frame = people(copy.bsns)
    frame.loc[1, "age"] = 31
    result, before = _enrol(run, copy, frame)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {copy.folder / 'people.csv'}, row 3, column 'bsn': already enrolled in 'utrecht' (pseudonym ")
    assert result.stderr.rstrip().endswith("with other facts (age); a correction is `participant correct`")
    assert not any(bsn in result.output for bsn in copy.bsns)
    assert dump(copy.folder / "trial.db") == before


def test_enrolled_people_beside_new_ones_are_refused_and_nobody_is_enrolled(run, copy: Trial) -> None:  # type: ignore[no-untyped-def]
    newcomer = fake_bsns(1, np.random.default_rng(99))
    result, before = _enrol(run, copy, people([*copy.bsns, *newcomer]))
    assert result.exit_code == 2
    assert f"people.csv, row 2, column 'bsn': already enrolled in 'utrecht' (pseudonym {copy.pseudonyms[0][:12]}), and 1 other person" in result.stderr
    assert dump(copy.folder / "trial.db") == before


def test_one_person_twice_in_a_file_is_refused_at_the_second_row(run, copy: Trial) -> None:  # type: ignore[no-untyped-def]
    newcomer = fake_bsns(1, np.random.default_rng(99))
    result, before = _enrol(run, copy, people(newcomer * 2))
    assert result.exit_code == 2
    assert "people.csv, row 3, column 'bsn': the same person as person 1 of this request" in result.stderr
    assert dump(copy.folder / "trial.db") == before


@pytest.mark.parametrize("target", ["file", "pseudonyms"])
def test_the_same_consents_again_are_unchanged(run, copy: Trial, target: str) -> None:  # type: ignore[no-untyped-def]
    path = copy.folder / "consent.csv"
    pd.DataFrame({"pseudonym": copy.pseudonyms, "on": "2018-06-02", "text_version": "2018-05"}).to_csv(path, index=False)
    before = dump(copy.folder / "trial.db")
    args = [str(path)] if target == "file" else [*copy.pseudonyms, "--version", "2018-05", "--on", "2018-06-02"]
    result = run("consent", *args, "--user", "cora")
    assert result.exit_code == 0, result.output
    where = "consent.csv" if target == "file" else "the pseudonyms given"
    assert result.stdout == f"unchanged: {where}: every consent is recorded already; nothing written\n"
    assert dump(copy.folder / "trial.db") == before


def test_a_consent_file_repeated_after_a_withdrawal_does_not_consent_again(run, copy: Trial) -> None:  # type: ignore[no-untyped-def]
    path = copy.folder / "consent.csv"
    pd.DataFrame({"pseudonym": copy.pseudonyms, "on": "2018-06-02", "text_version": "2018-05"}).to_csv(path, index=False)
    withdrawn = run("consent", copy.pseudonyms[0], "--withdraw", "--version", "2018-05", "--on", "2018-09-01", "--user", "cora")
    assert withdrawn.exit_code == 0, withdrawn.output
    before = dump(copy.folder / "trial.db")
    assert run("consent", str(path), "--user", "cora").stdout.startswith("unchanged: consent.csv")
    assert dump(copy.folder / "trial.db") == before
