"""Every input path against malformed files: one error line naming file, row and column, exit 2, nothing written.

Each case is a file (or an option) that a careless user, a misconfigured export or an attacker
could hand to ``proeftuin enrol`` or ``proeftuin import outcomes|survey|services``, and the words
its one error line must contain. For every case: exit code 2, exactly one line on stderr starting
with ``error:``, no traceback, no BSN (of the trial or of the file) anywhere in the output, and the
registry byte for byte as it was. Issue 10 counted 12 of 97 such files ending in a traceback and
13 accepted although wrong; these cases pin both kinds.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from trialcli import ENV, Trial, dump, people, copy_fixture, template_fixture  # noqa: F401 (fixtures)

from proeftuin.cli import app
from proeftuin.simulate.bsn import fake_bsns

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
LONG = "x" * 5000


def outcomes(t: Trial) -> pd.DataFrame:
    return pd.DataFrame([{"pseudonym": p, "month": m, "hours_per_week": 0, "contract": "none", "gross_earnings": 0, "on_benefit": "true"}
                         for p in t.pseudonyms[:5] for m in ("2018-07", "2018-08")])


def survey(t: Trial) -> pd.DataFrame:
    return pd.DataFrame({"pseudonym": t.pseudonyms[:5], "wb1": 3, "wb2": 4, "wb3": 2})


def services(t: Trial) -> pd.DataFrame:
    return pd.DataFrame({"pseudonym": t.pseudonyms[:5], "on": "2018-07-02", "kind": "coaching", "minutes": 45})


def cell(frame: pd.DataFrame, column: str, value: object, row: int = 1) -> pd.DataFrame:
    """``frame`` with the cell of data row ``row`` (0-based; spreadsheet row ``row + 2``) in ``column`` set to ``value``."""
    out = frame.astype({column: object}).copy()
    out.iloc[row, out.columns.get_loc(column)] = value
    return out


Build = Callable[[Trial, Path], Path]


def csv(frame_of: Callable[[Trial], pd.DataFrame], name: str = "in.csv", **options: object) -> Build:
    def build(t: Trial, folder: Path) -> Path:
        path = folder / name
        frame_of(t).to_csv(path, index=False, **options)  # type: ignore[arg-type]
        return path
    return build


def raw(data: bytes | Callable[[Trial], bytes], name: str = "in.csv") -> Build:
    def build(t: Trial, folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data(t) if callable(data) else data)
        return path
    return build


def text(frame_of: Callable[[Trial], pd.DataFrame], encoding: str, name: str = "in.csv", sep: str = ",") -> Build:
    return raw(lambda t: frame_of(t).to_csv(index=False, sep=sep).encode(encoding), name)


def parquet(frame_of: Callable[[Trial], pd.DataFrame], cut: int | None = None) -> Build:
    def build(t: Trial, folder: Path) -> Path:
        path = folder / "in.parquet"
        frame_of(t).to_parquet(path, index=False)
        if cut is not None:
            path.write_bytes(path.read_bytes()[:cut])
        return path
    return build


def xlsx(frame_of: Callable[[Trial], pd.DataFrame], cut: int | None = None) -> Build:
    def build(t: Trial, folder: Path) -> Path:
        path = folder / "in.xlsx"
        frame_of(t).to_excel(path, index=False)
        if cut is not None:
            path.write_bytes(path.read_bytes()[:cut])
        return path
    return build


def folder_named(name: str) -> Build:
    def build(t: Trial, folder: Path) -> Path:
        (folder / name).mkdir()
        return folder / name
    return build


def zip_of_junk(t: Trial, folder: Path) -> Path:
    path = folder / "in.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return path


def bsn_as_pseudonym(translate: dict[int, int] | None = None, fmt: Callable[[str], str] = str) -> Callable[[Trial], pd.DataFrame]:
    return lambda t: cell(outcomes(t), "pseudonym", fmt(t.bsns[0].translate(translate) if translate else t.bsns[0]), 0)


@dataclass(frozen=True)
class Case:
    id: str
    command: str  # outcomes, survey, services or enrol
    build: Build
    expect: str  # words the error line contains
    args: tuple[str, ...] = ()


O, S, V, E = "outcomes", "survey", "services", "enrol"
CASES = [
    # --- files that are not what they claim (the same reader serves every path) ---
    *(Case(f"{c}-folder", c, folder_named("in.csv"), "is a folder, not a file") for c in (O, S, V, E)),
    *(Case(f"{c}-missing", c, lambda t, f: f / "absent.csv", "file not found") for c in (O, S, V, E)),
    *(Case(f"{c}-empty", c, raw(b""), "the file is empty") for c in (O, S, V, E)),
    *(Case(f"{c}-non-zip-xlsx", c, raw(b"pseudonym,month\nab,2018-07\n", "in.xlsx"), "not an Excel workbook") for c in (O, S, V, E)),
    *(Case(f"{c}-truncated-parquet", c, parquet(outcomes, cut=200), "not a readable Parquet file") for c in (O, S, V, E)),
    *(Case(f"{c}-binary", c, raw(bytes(range(256)) * 4), "not text") for c in (O, S, V, E)),
    Case("outcomes-whitespace-only", O, raw(b"   \n\n  \n"), "the file is empty"),
    Case("outcomes-header-only", O, raw(b"pseudonym,month,hours_per_week,contract,gross_earnings,on_benefit\n"), "header but no data rows"),
    Case("outcomes-json", O, raw(b"{}", "in.json"), "unsupported file type '.json'"),
    Case("outcomes-xls", O, raw(b"\xd0\xcf\x11\xe0", "in.xls"), "unsupported file type '.xls'"),
    Case("outcomes-zip-not-workbook", O, zip_of_junk, "not a readable Excel workbook"),
    Case("outcomes-truncated-xlsx", O, xlsx(outcomes, cut=300), "not an Excel workbook"),
    Case("outcomes-png", O, raw(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)), "not a text file"),
    Case("outcomes-undecodable", O, raw(b"pseudonym,month\n\x81\x8d\x8f,2018-07\n"), "not text in UTF-8, UTF-16 or Windows-1252"),
    Case("outcomes-nul-in-utf8", O, raw(lambda t: outcomes(t).to_csv(index=False).encode().replace(b"none", b"no\x00e", 1)), "not a text file"),
    Case("outcomes-bell-character", O, raw(lambda t: outcomes(t).to_csv(index=False).encode().replace(b"none", b"no\x07e", 1)), "not a text file"),
    # --- encodings: decoded, so the error names the real value ---
    Case("outcomes-latin1", O, text(lambda t: cell(outcomes(t), "contract", "geén"), "latin-1"), "row 3, column 'contract': 'geén' is not one of"),
    Case("outcomes-cp1252", O, text(lambda t: cell(outcomes(t), "contract", "€ contract"), "cp1252"), "row 3, column 'contract': '€ contract'"),
    Case("outcomes-utf16", O, text(lambda t: cell(outcomes(t), "hours_per_week", "veel"), "utf-16"), "row 3, column 'hours_per_week': 'veel' is not a number"),
    Case("outcomes-utf16-le-no-bom", O, text(lambda t: cell(outcomes(t), "hours_per_week", "veel"), "utf-16-le"), "row 3, column 'hours_per_week': 'veel'"),
    Case("outcomes-utf16-be-no-bom", O, text(lambda t: cell(outcomes(t), "hours_per_week", "veel"), "utf-16-be"), "row 3, column 'hours_per_week': 'veel'"),
    Case("outcomes-utf8-bom", O, text(lambda t: cell(outcomes(t), "hours_per_week", "veel"), "utf-8-sig"), "row 3, column 'hours_per_week': 'veel'"),
    Case("outcomes-utf32", O, text(lambda t: cell(outcomes(t), "hours_per_week", "veel"), "utf-32"), "row 3, column 'hours_per_week': 'veel'"),
    # --- structure ---
    Case("outcomes-missing-column", O, csv(lambda t: outcomes(t).drop(columns="contract")), "column 'contract': no such column"),
    Case("outcomes-extra-column", O, csv(lambda t: outcomes(t).assign(note="x")), "column 'note': unexpected column"),
    Case("outcomes-bsn-column", O, csv(lambda t: outcomes(t).assign(bsn=t.bsns[:10])), "column 'bsn': unexpected column"),
    Case("outcomes-ragged-row", O, raw(lambda t: outcomes(t).to_csv(index=False).encode() + b"a,b,c,d,e,f,g,h\n"), "row 12"),
    Case("outcomes-duplicate-header", O, raw(b"pseudonym,pseudonym,month,hours_per_week,contract,gross_earnings,on_benefit\na,a,2018-07,0,none,0,1\n"), "unexpected column"),
    Case("outcomes-long-header", O, raw(("pseudonym,month,hours_per_week,contract,gross_earnings,on_benefit," + LONG + "\na,2018-07,0,none,0,1,x\n").encode()), "unexpected column"),
    # --- BSNs where a pseudonym belongs: refused, never echoed (issue 10: "echoes the BSN") ---
    Case("outcomes-bsn-as-pseudonym", O, csv(bsn_as_pseudonym()), "row 2, column 'pseudonym': no randomized participant '*********'"),
    Case("outcomes-arabic-indic-bsn", O, csv(bsn_as_pseudonym(ARABIC_INDIC)), "row 2, column 'pseudonym': no randomized participant '*********'"),
    Case("outcomes-full-width-bsn", O, csv(bsn_as_pseudonym(FULL_WIDTH)), "row 2, column 'pseudonym': no randomized participant '*********'"),
    Case("outcomes-dotted-bsn", O, csv(bsn_as_pseudonym(fmt=lambda b: f"{b[:4]}.{b[4:6]}.{b[6:]}")), "row 2, column 'pseudonym': no randomized participant '*********"),
    Case("outcomes-bsn-in-hours", O, csv(lambda t: cell(outcomes(t), "hours_per_week", f"bsn {t.bsns[1]}")), "row 3, column 'hours_per_week': 'bsn *********' is not a number"),
    Case("outcomes-bsn-in-contract", O, csv(lambda t: cell(outcomes(t), "contract", t.bsns[1])), "row 3, column 'contract': '*********' is not one of"),
    # --- values ---
    Case("outcomes-pseudonym-unknown", O, csv(lambda t: cell(outcomes(t), "pseudonym", "nobody", 0)), "row 2, column 'pseudonym': no randomized participant 'nobody'"),
    Case("outcomes-pseudonym-empty", O, csv(lambda t: cell(outcomes(t), "pseudonym", "", 0)), "row 2, column 'pseudonym': a value is missing"),
    Case("outcomes-pseudonym-5000", O, csv(lambda t: cell(outcomes(t), "pseudonym", LONG, 0)), "row 2, column 'pseudonym': no randomized participant 'xxxxxxxxxxxx'"),
    Case("outcomes-hours-word", O, csv(lambda t: cell(outcomes(t), "hours_per_week", "lots")), "row 3, column 'hours_per_week': 'lots' is not a number"),
    Case("outcomes-hours-negative", O, csv(lambda t: cell(outcomes(t), "hours_per_week", -1)), "row 3, column 'hours_per_week': -1 is outside 0-100"),
    Case("outcomes-hours-101", O, csv(lambda t: cell(outcomes(t), "hours_per_week", 101)), "row 3, column 'hours_per_week': 101 is outside 0-100"),
    Case("outcomes-hours-1e300", O, csv(lambda t: cell(outcomes(t), "hours_per_week", "1e300")), "row 3, column 'hours_per_week': 1e+300 is outside"),
    Case("outcomes-hours-inf", O, csv(lambda t: cell(outcomes(t), "hours_per_week", "inf")), "row 3, column 'hours_per_week': an infinite value"),
    Case("outcomes-hours-nan", O, csv(lambda t: cell(outcomes(t), "hours_per_week", "nan")), "row 3, column 'hours_per_week': a value is missing"),
    Case("outcomes-hours-formula", O, csv(lambda t: cell(outcomes(t), "hours_per_week", "=1+1")), "row 3, column 'hours_per_week': '=1+1' is not a number"),
    Case("outcomes-earnings-1e300", O, csv(lambda t: cell(outcomes(t), "gross_earnings", "1e300")), "row 3, column 'gross_earnings': 1e+300 is outside 0-100000 EUR a month"),
    Case("outcomes-earnings-huge-integer", O, csv(lambda t: cell(outcomes(t), "gross_earnings", "9" * 400)), "row 3, column 'gross_earnings': an infinite value"),
    Case("outcomes-earnings-30-digits", O, csv(lambda t: cell(outcomes(t), "gross_earnings", "9" * 30)), "row 3, column 'gross_earnings': 1e+30 is outside"),
    Case("outcomes-earnings-negative", O, csv(lambda t: cell(outcomes(t), "gross_earnings", -5)), "row 3, column 'gross_earnings': -5 is outside"),
    Case("outcomes-earnings-dutch-in-comma-csv", O, csv(lambda t: cell(outcomes(t), "gross_earnings", "1.234,56")), "row 3, column 'gross_earnings': '1.234,56' is not a number"),
    Case("outcomes-earnings-point-in-semicolon-csv", O, text(lambda t: cell(outcomes(t), "gross_earnings", "12.5"), "utf-8", sep=";"), "row 3, column 'gross_earnings': '12.5': this file is separated by semicolons"),
    Case("outcomes-earnings-word-in-semicolon-csv", O, text(lambda t: cell(outcomes(t), "gross_earnings", "veel"), "cp1252", sep=";"), "row 3, column 'gross_earnings': 'veel' is not a number"),
    Case("outcomes-month-day-31-of-june", O, csv(lambda t: cell(outcomes(t), "month", "2018-06-31")), "row 3, column 'month': '2018-06-31' is not a month"),
    Case("outcomes-month-garbage-tail", O, csv(lambda t: cell(outcomes(t), "month", "2018-06garbage")), "row 3, column 'month': '2018-06garbage' is not a month"),
    Case("outcomes-month-13", O, csv(lambda t: cell(outcomes(t), "month", "2018-13")), "row 3, column 'month': '2018-13' is not a month"),
    Case("outcomes-month-dutch-order", O, csv(lambda t: cell(outcomes(t), "month", "07-2018")), "row 3, column 'month': '07-2018' is not a month"),
    Case("outcomes-month-mid-month-day", O, csv(lambda t: cell(outcomes(t), "month", "2018-07-15")), "row 3, column 'month': '2018-07-15' is not a month"),
    Case("outcomes-month-missing", O, csv(lambda t: cell(outcomes(t), "month", "")), "row 3, column 'month': a value is missing"),
    Case("outcomes-month-5000", O, csv(lambda t: cell(outcomes(t), "month", LONG)), "row 3, column 'month': 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is not a month"),
    Case("outcomes-month-after-trial", O, csv(lambda t: cell(outcomes(t), "month", "2025-01")), "row 3, column 'month': month 2025-01 is outside the experiment"),
    Case("outcomes-month-year-zero", O, csv(lambda t: cell(outcomes(t), "month", "0000-01")), "row 3, column 'month': '0000-01' is not a month"),
    Case("outcomes-duplicate-person-month", O, csv(lambda t: pd.concat([outcomes(t), outcomes(t).iloc[[3]]])), "row 12, column 'month': duplicate person-month"),
    Case("outcomes-contract-unknown", O, csv(lambda t: cell(outcomes(t), "contract", "maybe")), "row 3, column 'contract': 'maybe' is not one of none, temporary, permanent"),
    Case("outcomes-contract-5000", O, csv(lambda t: cell(outcomes(t), "contract", LONG)), "row 3, column 'contract': 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is not one of"),
    Case("outcomes-contract-formula", O, csv(lambda t: cell(outcomes(t), "contract", "=cmd|' /C calc'!A0")), "row 3, column 'contract': \"=cmd|' /C calc'!A0\" is not one of"),
    Case("outcomes-benefit-yes", O, csv(lambda t: cell(outcomes(t), "on_benefit", "yes")), "row 3, column 'on_benefit': 'yes' is not a number"),
    Case("outcomes-benefit-2", O, csv(lambda t: cell(outcomes(t), "on_benefit", 2)), "row 3, column 'on_benefit': 2 is outside 0-1"),
    Case("outcomes-benefit-half", O, csv(lambda t: cell(outcomes(t), "on_benefit", 0.5)), "row 3, column 'on_benefit': write true/false or 1/0"),
    Case("outcomes-parquet-month-number", O, parquet(lambda t: outcomes(t).assign(month=201807)), "column 'month': '201807' is not a month"),
    Case("outcomes-parquet-hours-text", O, parquet(lambda t: cell(outcomes(t), "hours_per_week", "lots").astype({"hours_per_week": str})), "row 3, column 'hours_per_week': 'lots' is not a number"),
    Case("outcomes-xlsx-bad-value", O, xlsx(lambda t: cell(outcomes(t), "hours_per_week", "lots", 4)), "row 6, column 'hours_per_week': 'lots' is not a number"),
    Case("outcomes-xlsx-formula", O, xlsx(lambda t: cell(outcomes(t), "hours_per_week", "=1+1")), "row 3, column 'hours_per_week': a value is missing"),  # a formula without a stored value
    # --- survey ---
    Case("survey-unknown-item", S, csv(lambda t: survey(t).assign(wb9=1)), "column 'wb9': not an item of the experiment's survey instrument"),
    Case("survey-missing-item", S, csv(lambda t: survey(t).drop(columns="wb2")), "column 'wb2': no such column"),
    Case("survey-off-scale", S, csv(lambda t: cell(survey(t), "wb1", 6)), "row 3, column 'wb1': 6 is outside 1-5"),
    Case("survey-word", S, csv(lambda t: cell(survey(t), "wb1", "eens")), "row 3, column 'wb1': 'eens' is not a number"),
    Case("survey-twice", S, csv(lambda t: pd.concat([survey(t), survey(t).iloc[[0]]])), "row 7, column 'pseudonym': the same person answers twice"),
    Case("survey-bsn-as-pseudonym", S, csv(lambda t: cell(survey(t), "pseudonym", t.bsns[0], 0)), "row 2, column 'pseudonym': no randomized participant '*********'"),
    Case("survey-latin1-word", S, text(lambda t: cell(survey(t), "wb1", "oneëns"), "latin-1"), "row 3, column 'wb1': 'oneëns' is not a number"),
    Case("survey-negative-wave", S, csv(survey), "--wave must be 0 (baseline) to 99; got -1", ("--wave", "-1")),
    Case("survey-huge-wave", S, csv(survey), "--wave must be 0 (baseline) to 99", ("--wave", "9" * 30)),
    # --- services ---
    Case("services-30-february", V, csv(lambda t: cell(services(t), "on", "2018-02-30")), "row 3, column 'on': '2018-02-30' is not a date (YYYY-MM-DD)"),
    Case("services-dutch-date", V, csv(lambda t: cell(services(t), "on", "1 juli")), "row 3, column 'on': '1 juli' is not a date"),
    Case("services-compact-date", V, csv(lambda t: cell(services(t), "on", "20180701")), "row 3, column 'on': '20180701' is not a date"),
    Case("services-date-with-time", V, csv(lambda t: cell(services(t), "on", "2018-07-01T10:00")), "row 3, column 'on': '2018-07-01T10:00' is not a date"),
    Case("services-after-trial", V, csv(lambda t: cell(services(t), "on", "2030-01-01")), "row 3, column 'on': 2030-01-01 is outside the experiment"),
    Case("services-before-enrolment", V, csv(lambda t: cell(services(t), "on", "2018-05-01")), "row 3, column 'on': 2018-05-01 is outside the experiment"),
    Case("services-kind-capitals", V, csv(lambda t: cell(services(t), "kind", "Coaching")), "row 3, column 'kind': 'Coaching' String should match pattern"),
    Case("services-kind-5000", V, csv(lambda t: cell(services(t), "kind", LONG)), "row 3, column 'kind': 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' String should have at most 32 characters"),
    Case("services-kind-bsn", V, csv(lambda t: cell(services(t), "kind", t.bsns[2])), "row 3, column 'kind': '*********'"),
    Case("services-minutes-1e300", V, csv(lambda t: cell(services(t), "minutes", "1e300")), "row 3, column 'minutes': 1e+300 is outside 0-1440 minutes"),
    Case("services-minutes-fraction", V, csv(lambda t: cell(services(t), "minutes", 2.5)), "row 3, column 'minutes': 2.5 is not a whole number of minutes"),
    Case("services-minutes-negative", V, csv(lambda t: cell(services(t), "minutes", -5)), "row 3, column 'minutes': -5 is outside"),
    Case("services-unknown-person", V, csv(lambda t: cell(services(t), "pseudonym", "nobody")), "row 3, column 'pseudonym': no participant 'nobody'"),
    Case("services-bsn-as-pseudonym", V, csv(lambda t: cell(services(t), "pseudonym", t.bsns[3])), "row 3, column 'pseudonym': Value error, looks like a BSN"),
    Case("services-extra-column", V, csv(lambda t: services(t).assign(note="x")), "column 'note': unexpected column"),
    # --- enrolment ---
    Case("enrol-invalid-bsn", E, csv(lambda t: cell(people(["123456789"]), "bsn", "123456789", 0)), "row 2, column 'bsn': Value error, not a valid BSN"),
    Case("enrol-arabic-indic-bsn-already-enrolled", E, csv(lambda t: people([t.bsns[0].translate(ARABIC_INDIC)]).assign(age=31)),
         "row 2, column 'bsn': already enrolled in 'utrecht' (pseudonym "),
    Case("enrol-full-width-bsn-already-enrolled", E, csv(lambda t: people([t.bsns[0].translate(FULL_WIDTH)]).assign(age=31)),
         "row 2, column 'bsn': already enrolled in 'utrecht' (pseudonym "),
    Case("enrol-huge-months", E, csv(lambda t: cell(people(fake_bsns(1, np.random.default_rng(3))), "months_on_benefit", "9" * 30, 0)), "row 2, column 'months_on_benefit'"),
    Case("enrol-huge-age", E, csv(lambda t: cell(people(fake_bsns(1, np.random.default_rng(3))), "age", "9" * 30, 0)), "row 2, column 'age'"),
    Case("enrol-day-31-june", E, csv(lambda t: cell(people(fake_bsns(1, np.random.default_rng(3))), "enrolled_on", "2018-06-31", 0)), "row 2, column 'enrolled_on'"),
    Case("enrol-after-trial", E, csv(lambda t: cell(people(fake_bsns(1, np.random.default_rng(3))), "enrolled_on", "2030-01-01", 0)), "outside the experiment's period"),
    Case("enrol-bsn-in-case-manager", E, csv(lambda t: people(fake_bsns(1, np.random.default_rng(3))).assign(case_manager=f"cora {t.bsns[4]}")), "row 2, column 'case_manager': Value error, looks like a BSN"),
    Case("enrol-case-manager-5000", E, csv(lambda t: people(fake_bsns(1, np.random.default_rng(3))).assign(case_manager=LONG)), "row 2, column 'case_manager': String should have at most 64 characters"),
    Case("enrol-extra-column", E, csv(lambda t: people(fake_bsns(1, np.random.default_rng(3))).assign(notes="x")), "row 2, column 'notes'"),
    Case("enrol-health-1e300", E, csv(lambda t: cell(people(fake_bsns(1, np.random.default_rng(3))), "health", "1e300", 0)), "row 2, column 'health'"),
    Case("enrol-latin1-age", E, text(lambda t: cell(people(fake_bsns(1, np.random.default_rng(3))), "age", "dertig jaar, geboren in Kürten", 0), "latin-1"), "row 2, column 'age'"),
]

COMMANDS = {O: ("import", "outcomes"), S: ("import", "survey"), V: ("import", "services"), E: ("enrol",)}
USERS = {O: "rob", S: "rob", V: "cora", E: "cora"}


def _assert_one_clean_error(result, secrets: list[str]) -> str:  # type: ignore[no-untyped-def]
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for secret in secrets:
        assert secret not in result.output, "a BSN leaked into the output"
    return lines[0]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_malformed_file_gives_one_error_line_and_changes_nothing(case: Case, copy: Trial, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    path = case.build(copy, copy.folder)
    command = (*COMMANDS[case.command], *(case.args or (("--wave", "1") if case.command == S else ())))
    before = dump(copy.folder / "trial.db")
    result = CliRunner().invoke(app, [*command, str(path), "--experiment", "utrecht", "--user", USERS[case.command],
                                      "--db", f"sqlite:///{copy.folder / 'trial.db'}"])
    file_bsns = [b.translate(t) for b in copy.bsns for t in (str.maketrans("", ""), ARABIC_INDIC, FULL_WIDTH)]
    line = _assert_one_clean_error(result, file_bsns)
    assert str(path) in line or path.name in line or case.command == E, line
    assert case.expect in line, line
    assert dump(copy.folder / "trial.db") == before


@pytest.mark.parametrize(("args", "expect"), [
    (("--db", "mysql://user@localhost/proeftuin"), "--db: 'mysql' is not supported; use sqlite or postgresql"),
    (("--db", "not a url"), "--db: not a database URL"),
    (("--db", "postgresql+psycopg://nobody:hunter2@127.0.0.1:1/x"), "error: database: connection failed"),
], ids=["mysql", "not-a-url", "unreachable"])
def test_an_unusable_database_is_one_error_line(args: tuple[str, ...], expect: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "x.csv").write_text("pseudonym\n")
    result = CliRunner().invoke(app, ["import", "outcomes", str(tmp_path / "x.csv"), "--experiment", "utrecht", "--user", "rob", *args])
    line = _assert_one_clean_error(result, [])
    assert expect in line and "hunter2" not in result.output


@pytest.mark.parametrize(("out", "expect"), [
    ("missing/folder/x.csv", "the folder"), ("x.json", "no supported suffix"), (".", "no supported suffix"),
], ids=["missing-folder", "json", "a-folder"])
def test_an_export_to_an_unusable_place_is_one_error_line(out: str, expect: str, copy: Trial, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    before = dump(copy.folder / "trial.db")
    result = CliRunner().invoke(app, ["export", "summary", "--experiment", "utrecht", "--user", "rob", "--out", str(copy.folder / out),
                                      "--db", f"sqlite:///{copy.folder / 'trial.db'}"])
    assert expect in _assert_one_clean_error(result, [])
    assert dump(copy.folder / "trial.db") == before


def test_a_missing_municipality_key_is_one_error_line(copy: Trial, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROEFTUIN_PSEUDONYM_SECRETS", json.dumps({"Tilburg": "tilburg-Hq4Zr8Wn2Kx6Tb9Lm3Pv7Cd1Jf5Gs0Ya-Ue_Io"}))
    monkeypatch.setenv("PROEFTUIN_SEAL_KEY", ENV["PROEFTUIN_SEAL_KEY"])
    people(fake_bsns(2, np.random.default_rng(4))).to_csv(copy.folder / "p.csv", index=False)
    result = CliRunner().invoke(app, ["enrol", str(copy.folder / "p.csv"), "--experiment", "utrecht", "--user", "cora",
                                      "--db", f"sqlite:///{copy.folder / 'trial.db'}"])
    assert "no pseudonym secret for 'Utrecht'" in _assert_one_clean_error(result, [])



def test_a_bsn_in_a_plans_free_text_is_refused_without_echo(copy: Trial, monkeypatch: pytest.MonkeyPatch) -> None:
    # the bug: a BSN typed into a free-text field was stored and exported
    import yaml

    from proeftuin.design import catalog_experiment

    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    spec = catalog_experiment("utrecht").model_dump(mode="json") | {"slug": "utrecht-b", "notes": f"zie dossier {copy.bsns[5]}"}
    plan = {"experiment": spec, "randomization": {"method": "blocks", "strata": ["distance_to_labour_market"]}, "consent_versions": ["2018-05"]}
    (copy.folder / "plan.yaml").write_text(yaml.safe_dump(plan))
    before = dump(copy.folder / "trial.db")
    result = CliRunner().invoke(app, ["experiment", "create", "--plan", str(copy.folder / "plan.yaml"), "--user", "alice",
                                      "--db", f"sqlite:///{copy.folder / 'trial.db'}"])
    assert "holds a BSN-like value" in _assert_one_clean_error(result, copy.bsns)
    assert dump(copy.folder / "trial.db") == before


@pytest.mark.parametrize("digits", [None, ARABIC_INDIC, FULL_WIDTH], ids=["ascii", "arabic-indic", "full-width"])
def test_a_bsn_in_a_corrections_reason_is_refused_without_echo(copy: Trial, monkeypatch: pytest.MonkeyPatch, digits: dict[int, int] | None) -> None:
    # the bug: the reason, free text kept in the audit chain (and its export), took a BSN
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    bsn = copy.bsns[6].translate(digits) if digits else copy.bsns[6]
    before = dump(copy.folder / "trial.db")
    result = CliRunner().invoke(app, ["participant", "correct", copy.pseudonyms[6], "--set", "health=7", "--reason", f"zie dossier {bsn}",
                                      "--experiment", "utrecht", "--user", "cora", "--db", f"sqlite:///{copy.folder / 'trial.db'}"])
    assert "reason: Value error, looks like a BSN" in _assert_one_clean_error(result, [bsn, copy.bsns[6]])
    assert dump(copy.folder / "trial.db") == before
