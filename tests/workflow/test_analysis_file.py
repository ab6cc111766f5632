"""``proeftuin export analysis``: the analysis file of a trial, opened elsewhere with its labels.

The file of a trial of today (Zwolle, 3 arms, an index nobody answered at baseline) is written in
every format and read back the way a researcher would (pyreadstat, pandas' ``read_stata`` and
``read_spss``, pyarrow, openpyxl); its values equal the standard analysis' derivation exactly.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from proeftuin.cli import app
from proeftuin.registry import make_engine, migrate, session_scope
from proeftuin.registry.audit import keyed_engine
from proeftuin.registry.experiments import create_trial
from proeftuin.registry.models import AuditEvent
from proeftuin.registry.verify import verify_registry
from proeftuin.workflow.analysis_file import (
    CODEBOOK_KEY,
    STATA_LABELLED_NAME_LENGTH,
    STATA_NAME_LENGTH,
    AnalysisFile,
    Category,
    Variable,
    build_analysis_file,
    sidecar,
    stata_names,
    write_analysis_file,
)
from proeftuin.workflow.standard_analysis import load_trial, trial_outcomes

import own_trials
from entry_point import Run, run_each

runner = CliRunner()
SLUG, EMPTY = "zwolle-3", "zwolle-2"
EXCEL_RTOL = 1e-15
"""openpyxl writes a number with 16 significant digits (Excel itself keeps 15), so 1410.4799999999998
comes back as 1410.48; every other format gives the floats back exactly."""


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("analysis-file")
    url = f"sqlite:///{root / 'zwolle.db'}"
    engine = keyed_engine(make_engine(url), own_trials.SETTINGS)  # the audit chain is keyed
    migrate(engine)
    own_trials.users(engine)
    own_trials.build(engine, SLUG, root / "files")
    with session_scope(engine) as session:  # declared, nobody randomized yet
        create_trial(session=session, actor=own_trials.ADMIN, plan=own_trials.plan(EMPTY), settings=own_trials.SETTINGS)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def expected(db: str) -> AnalysisFile:
    engine = keyed_engine(make_engine(db), own_trials.SETTINGS)
    try:
        return build_analysis_file(load_trial(engine, SLUG))
    finally:
        engine.dispose()


@pytest.fixture(autouse=True)
def audit_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line keys the audit log with the installation's seal key, from the environment."""
    monkeypatch.setenv("PROEFTUIN_SEAL_KEY", own_trials.SETTINGS.seal_key.get_secret_value())


def export(db: str, out: Path, fmt: str, *extra: str, user: str = own_trials.RESEARCHER):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["export", "analysis", "--experiment", SLUG, "--user", user, "--format", fmt, "--out", str(out), "--db", db, *extra])


def decoded(frame: pd.DataFrame, file: AnalysisFile) -> pd.DataFrame:
    """Stata/SPSS codes back to the categories' values."""
    out = frame.copy()
    for v in file.variables:
        if v.type == "category":
            out[v.name] = out[v.name].map({float(c.code): c.value for c in v.categories})
    return out


def assert_same_values(read: pd.DataFrame, file: AnalysisFile, *, rtol: float = 0.0) -> None:
    assert list(read.columns) == list(file.frame.columns)
    for v in file.variables:
        if v.type in ("text", "category"):
            assert read[v.name].fillna("").astype(str).tolist() == file.frame[v.name].fillna("").astype(str).tolist(), v.name
        else:
            np.testing.assert_allclose(read[v.name].to_numpy(dtype=float), file.frame[v.name].to_numpy(dtype=float), rtol=rtol, atol=0, err_msg=v.name)


def test_one_row_per_participant_with_the_standard_analysis_outcomes_exactly(db: str, expected: AnalysisFile) -> None:
    engine = make_engine(db)
    trial = load_trial(engine, SLUG)
    engine.dispose()
    outcomes = trial_outcomes(trial)
    frame = expected.frame
    assert frame["pseudonym"].tolist() == trial.data.participants["pseudonym"].tolist()
    assert frame["arm"].tolist() == trial.data.participants["arm"].tolist()
    for j, name in enumerate(outcomes.period_names):
        np.testing.assert_array_equal(frame[name].to_numpy(dtype=float), outcomes.period[:, j])
    for j, name in enumerate(outcomes.indices):
        np.testing.assert_array_equal(frame[name].to_numpy(dtype=float), outcomes.follow_up[:, j])
        np.testing.assert_array_equal(frame[f"{name}_baseline"].to_numpy(dtype=float), outcomes.baseline[:, j])
    assert frame["rondkomen_baseline"].isna().all()  # nobody answered it at baseline: empty, not 0
    assert {"benefit_paid", "work_8h", "responded_w2", *trial.plan.covariates} <= set(frame.columns)
    assert [c.label_nl for c in next(v for v in expected.variables if v.name == "arm").categories] == ["Controlegroep", "Extra begeleiding", "Vrijlating"]
    education = next(v for v in expected.variables if v.name == "education").categories
    assert [(c.value, c.label_nl, c.label_en) for c in education] == [("low", "laag", "low"), ("middle", "middelbaar", "middle"), ("high", "hoog", "high")]


def test_stata_file_has_variable_and_value_labels(db: str, tmp_path: Path, expected: AnalysisFile) -> None:
    out = tmp_path / "zwolle.dta"
    result = export(db, out, "dta")
    assert result.exit_code == 0, result.output
    data, meta = pyreadstat.read_dta(str(out))
    assert meta.column_names_to_labels == {v.stata_name: v.label_nl for v in expected.variables}
    assert meta.variable_value_labels["arm"] == {1: "Controlegroep", 2: "Extra begeleiding", 3: "Vrijlating"}
    assert meta.variable_value_labels["work_8h"] == {0: "nee", 1: "ja"}
    assert_same_values(decoded(data, expected), expected)
    labelled = pd.read_stata(out)
    assert labelled["arm"].tolist() == expected.frame["arm"].map({"control": "Controlegroep", "coach": "Extra begeleiding", "vrij": "Vrijlating"}).tolist()
    assert json.loads(sidecar(out).read_text(encoding="utf-8")) == expected.codebook()


def test_spss_file_has_english_labels_when_asked(db: str, tmp_path: Path, expected: AnalysisFile) -> None:
    out = tmp_path / "zwolle.sav"
    result = export(db, out, "sav", "--lang", "en")
    assert result.exit_code == 0, result.output
    data, meta = pyreadstat.read_sav(str(out))
    assert meta.column_names_to_labels == {v.name: v.label_en for v in expected.variables}
    assert meta.column_names_to_labels["rondkomen"] == "Making ends meet"
    assert meta.variable_value_labels["arm"] == {1: "Control group", 2: "Extra guidance", 3: "Disregard"}
    assert_same_values(decoded(data, expected), expected)
    assert set(pd.read_spss(out)["arm"]) == {"Control group", "Extra guidance", "Disregard"}


def test_parquet_carries_its_codebook(db: str, tmp_path: Path, expected: AnalysisFile) -> None:
    out = tmp_path / "zwolle.parquet"
    assert export(db, out, "parquet").exit_code == 0
    codebook = json.loads(pq.read_schema(out).metadata[CODEBOOK_KEY])
    assert codebook == expected.codebook() == json.loads(sidecar(out).read_text(encoding="utf-8"))
    assert_same_values(pd.read_parquet(out), expected)
    arm = next(v for v in codebook["variables"] if v["name"] == "arm")
    assert arm["categories"][2] == {"code": 3, "value": "vrij", "label_nl": "Vrijlating", "label_en": "Disregard"}
    work = next(v for v in codebook["variables"] if v["name"] == "work_8h")
    assert "any month" in work["definition_en"] and "enige maand" in work["definition_nl"]


def test_csv_and_excel_hold_the_same_values_and_excel_a_codebook_sheet(db: str, tmp_path: Path, expected: AnalysisFile) -> None:
    assert export(db, tmp_path / "zwolle.csv", "csv").exit_code == 0
    assert_same_values(pd.read_csv(tmp_path / "zwolle.csv", dtype={"pseudonym": str, "stratum": str}, ), expected)
    assert sidecar(tmp_path / "zwolle.csv").is_file()
    out = tmp_path / "zwolle.xlsx"
    assert export(db, out, "xlsx", "--lang", "en").exit_code == 0
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["data", "codebook"]
    codebook = list(workbook["codebook"].values)
    assert [row[0] for row in codebook[1:]] == [v.name for v in expected.variables]
    assert_same_values(pd.read_excel(out, sheet_name="data", dtype={"pseudonym": str, "stratum": str}), expected, rtol=EXCEL_RTOL)
    assert not sidecar(out).exists()


def test_the_export_is_audited_and_the_chain_stays_intact(db: str, tmp_path: Path) -> None:
    assert export(db, tmp_path / "audited.dta", "dta").exit_code == 0
    engine = keyed_engine(make_engine(db), own_trials.SETTINGS)
    with session_scope(engine) as session:
        last = session.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
        assert (last.action, last.actor, last.subject) == ("export", own_trials.RESEARCHER, "analysis")
        assert last.payload["file"] == "audited.dta" and last.payload["format"] == "dta"
        assert verify_registry(session=session, actor=own_trials.ADMIN, settings=own_trials.SETTINGS).intact
    engine.dispose()


BAD_REQUESTS = [
    ("docx", own_trials.RESEARCHER, "file.docx", "--format"),
    ("dta", own_trials.RESEARCHER, "missing/file.dta", "does not exist"),
    ("dta", own_trials.INTAKE, "file.dta", "export_pseudonymized"),
    ("dta", own_trials.ADMIN, "file.dta", "export_pseudonymized"),
]


@pytest.fixture(scope="module")
def bad_requests(db: str, tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Run, Path]]:
    """Each of :data:`BAD_REQUESTS` through the console entry point (one fresh interpreter for all), with its own folder."""
    folders = [tmp_path_factory.mktemp("bad-request") for _ in BAD_REQUESTS]
    env = {**os.environ, "PROEFTUIN_SEAL_KEY": own_trials.SETTINGS.seal_key.get_secret_value()}  # as :func:`audit_key` sets it
    runs = run_each([["export", "analysis", "--experiment", SLUG, "--user", user, "--format", fmt, "--out", str(folder / out), "--db", db]
                     for (fmt, user, out, _), folder in zip(BAD_REQUESTS, folders, strict=True)], env=env)
    return list(zip(runs, folders, strict=True))


@pytest.mark.parametrize("case", range(len(BAD_REQUESTS)), ids=["-".join(request) for request in BAD_REQUESTS])
def test_bad_requests_are_one_line_exit_2_and_write_nothing(bad_requests: list[tuple[Run, Path]], case: int) -> None:
    (run, folder), message = bad_requests[case], BAD_REQUESTS[case][3]
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) == 1 and message in run.stderr, run.stderr
    assert not any(folder.iterdir())


def test_a_trial_not_analysable_yet_is_refused(db: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "analysis", "--experiment", EMPTY, "--user", own_trials.RESEARCHER, "--format", "csv",
                                 "--out", str(tmp_path / "empty.csv"), "--db", db])
    assert result.exit_code == 2
    assert "fewer than 2 people randomized" in result.output
    assert not any(tmp_path.iterdir())


def test_format_is_only_for_the_analysis_file(db: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "summary", "--experiment", SLUG, "--user", own_trials.RESEARCHER, "--format", "dta",
                                 "--out", str(tmp_path / "s.csv"), "--db", db])
    assert result.exit_code == 2 and "--format" in result.output


def test_a_failing_writer_leaves_nothing_behind(expected: AnalysisFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from proeftuin.workflow import analysis_file

    def broken(file: AnalysisFile, path: Path, lang: str) -> None:
        path.write_bytes(b"half a file")
        raise OSError("disk full")

    committed: list[bool] = []
    monkeypatch.setitem(analysis_file.WRITERS, "dta", broken)
    with pytest.raises(OSError, match="disk full"):
        write_analysis_file(expected, tmp_path / "x.dta", "dta", commit=lambda: committed.append(True))
    assert not any(tmp_path.iterdir()) and not committed  # no file, no temporary file, no audit


# A file with a long name, a long label and non-ASCII labels, written by the writers directly.
LONG = "werkzaamheden_in_de_eerste_helft_van_het_jaar"  # 45 characters
LONG_LABEL = "Geëmigreerd of verhuisd naar een andere gemeente tijdens de looptijd van het experiment (één keer of vaker)"
ODD = AnalysisFile("odd", "Proef met café-medewerkers", pd.DataFrame({
    "pseudonym": ["=HYPERLINK(\"http://x\")", "b2", "c3"],
    LONG: [1.0, 0.0, np.nan],
    LONG[:30] + "_x_and_more_to_go": [2.0, 3.0, 4.0],
    "regio": ["noord", "zuid", None],
}), (
    Variable("pseudonym", "Pseudoniem", "Pseudonym", "text", stata_name="pseudonym"),
    Variable(LONG, LONG_LABEL, "Moved away", "binary", (Category(0, "0", "nee", "no"), Category(1, "1", "één keer of vaker", "once or more")),
             stata_name=LONG[:28]),
    Variable(LONG[:30] + "_x_and_more_to_go", "Uren", "Hours", "number", unit="hours",
             stata_name=(LONG[:30] + "_x")),
    Variable("regio", "Regio", "Region", "category", (Category(1, "noord", "Noord-Brabant (Pays-Bas, é)", "North"), Category(2, "zuid", "Zuid", "South")),
             stata_name="regio"),
))


def test_long_names_long_labels_and_accents_survive(tmp_path: Path) -> None:
    names = {v.name: v.stata_name for v in ODD.variables}
    assert stata_names(list(names), labelled={LONG, "regio"}) == names
    assert all(len(s) <= STATA_NAME_LENGTH for s in names.values()) and len(set(names.values())) == len(names)
    write_analysis_file(ODD, tmp_path / "odd.dta", "dta")
    data, meta = pyreadstat.read_dta(str(tmp_path / "odd.dta"))
    assert list(data.columns) == list(names.values())
    assert meta.column_names_to_labels[names[LONG]] == LONG_LABEL[:80]  # Stata's limit; the codebook has it whole
    assert meta.variable_value_labels[names[LONG]][1] == "één keer of vaker"
    assert meta.variable_value_labels["regio"][1] == "Noord-Brabant (Pays-Bas, é)"
    book = json.loads(sidecar(tmp_path / "odd.dta").read_text(encoding="utf-8"))
    assert {v["name"]: v["stata_name"] for v in book["variables"]} == names and book["variables"][1]["label_nl"] == LONG_LABEL
    write_analysis_file(ODD, tmp_path / "odd.sav", "sav")
    _, meta = pyreadstat.read_sav(str(tmp_path / "odd.sav"))
    assert meta.column_names_to_labels[LONG] == LONG_LABEL
    assert pd.read_spss(tmp_path / "odd.sav")["regio"].tolist()[:2] == ["Noord-Brabant (Pays-Bas, é)", "Zuid"]


def test_text_cells_a_spreadsheet_would_run_are_escaped(tmp_path: Path) -> None:
    write_analysis_file(ODD, tmp_path / "odd.csv", "csv")
    assert pd.read_csv(tmp_path / "odd.csv")["pseudonym"][0] == "'=HYPERLINK(\"http://x\")"
    write_analysis_file(ODD, tmp_path / "odd.xlsx", "xlsx")
    cell = openpyxl.load_workbook(tmp_path / "odd.xlsx")["gegevens"]["A2"]
    assert cell.data_type == "s" and cell.value == "'=HYPERLINK(\"http://x\")"
    assert pd.read_csv(tmp_path / "odd.csv")["pseudonym"][1] == "b2"


@given(st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,50}", fullmatch=True), unique=True, max_size=30), st.data())
def test_stata_names_are_short_unique_and_keep_short_names(names: list[str], data: st.DataObject) -> None:
    labelled = set(data.draw(st.lists(st.sampled_from(names), unique=True))) if names else set()
    mapping = stata_names(names, labelled=labelled)
    assert list(mapping) == names
    assert len(set(mapping.values())) == len(names)
    for name, short in mapping.items():
        limit = STATA_LABELLED_NAME_LENGTH if name in labelled else STATA_NAME_LENGTH
        assert len(short) <= limit and (short == name or len(name) > limit)
