"""The outcome import at disk speed, held to what it did before: the same rows, the same errors, the same verdicts.

- the rows go in by the driver's bulk path (``executemany`` on SQLite, ``COPY`` on PostgreSQL) and
  read back exactly as the file has them, on both databases;
- the rows digest in the audit event is the documented column-wise form (checked against a
  reference written here from the docstring, over the rows read back through the ORM), so SQLite
  and PostgreSQL record the same digest for the same rows;
- the same file again is "unchanged" without being parsed;
- a bad cell is still named by file, row and column, at the first bad row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from proeftuin.registry.allocate import randomize
from proeftuin.registry.db import session_scope
from proeftuin.registry.intake import enrol, record_consent
from proeftuin.registry.models import AuditEvent, OutcomeMonth, Participant
from proeftuin.registry.schemas import ConsentCreate
from proeftuin.registry.verify import verify_registry
from proeftuin.workflow import imports
from proeftuin.workflow.imports import import_outcomes, parse_outcomes
from proeftuin.workflow.tabular import TabularError
from trialkit import START

COLUMNS = ("participant_id", "month", "period", "hours_per_week", "contract", "gross_earnings", "on_benefit", "source")
KINDS = ("int", "int", "date", "float", "text", "float", "bool", "text")


@pytest.fixture
def randomized(engine, settings, trial, make_people) -> list[str]:  # type: ignore[no-untyped-def]
    _bsns, people = make_people(12)
    with session_scope(engine) as session:
        pseudonyms = [p.pseudonym for p in enrol(session=session, actor="cora", slug=trial, people=people, settings=settings)]
        record_consent(session=session, actor="cora", slug=trial, consents=[ConsentCreate(pseudonym=p, text_version="2018-05", on=START) for p in pseudonyms])
    with session_scope(engine) as session:
        randomize(session=session, actor="cora", slug=trial, pseudonyms=pseudonyms, on=START, settings=settings)
    return pseudonyms


def _outcomes(pseudonyms: list[str], tmp_path: Path) -> Path:
    rng = np.random.default_rng(7)
    months = ["2018-06", "2018-07", "2018-08"]
    frame = pd.DataFrame({"pseudonym": np.repeat(pseudonyms, len(months)), "month": np.tile(months, len(pseudonyms))})
    n = len(frame)
    frame["hours_per_week"] = np.round(rng.uniform(0, 40, n), 3)
    frame["contract"] = rng.choice(["none", "temporary", "permanent"], n)
    frame["gross_earnings"] = rng.uniform(0, 5000, n)  # every digit of a double, to be stored and read back exactly
    frame["on_benefit"] = rng.choice(["true", "false", "1", "0"], n)
    path = tmp_path / "outcomes.csv"
    frame.sample(frac=1.0, random_state=3).to_csv(path, index=False)  # rows in no particular order
    return path


def _reference_rows_sha256(rows: list[tuple]) -> str:  # type: ignore[type-arg]
    """The rows digest "columns-1" as the docstring of proeftuin.registry.digest defines it, written out value by value."""
    rows = sorted(rows, key=lambda r: (r[0], r[1], r[7]))
    lines = []
    for table, columns, kinds, table_rows in [("service_contacts", ("participant_id", "on", "kind", "minutes", "recorded_by"),
                                               ("int", "date", "text", "int", "text"), []),
                                              ("outcome_months", COLUMNS, KINDS, rows),
                                              ("survey_items", ("participant_id", "wave", "item", "value"), ("int", "int", "text", "float"), []),
                                              ("survey_responses", ("participant_id", "wave", "index_name", "score"), ("int", "int", "text", "float"), []),
                                              ("own_outcome_months", ("participant_id", "month", "period", "source", "name", "value"),
                                               ("int", "int", "date", "text", "text", "float"), [])]:
        for position, (column, kind) in enumerate(zip(columns, kinds, strict=True)):
            values = [r[position] for r in table_rows]
            if kind == "int":
                data, lengths = b"".join(struct.pack("<q", v) for v in values), ""
            elif kind == "float":
                data, lengths = b"".join(struct.pack("<d", v + 0.0) for v in values), ""
            elif kind == "bool":
                data, lengths = bytes(int(v) for v in values), ""
            elif kind == "date":
                data, lengths = b"".join(struct.pack("<q", (v - dt.date(1970, 1, 1)).days) for v in values), ""
            else:
                data = b"".join(v.encode("utf-8") for v in values)
                lengths = hashlib.sha256(b"".join(struct.pack("<q", len(v.encode("utf-8"))) for v in values)).hexdigest()
            digest = hashlib.sha256((hashlib.sha256(data).hexdigest() + lengths).encode("ascii")).hexdigest()
            lines.append(f"{table}.{column}:{kind}:{len(values)}:{digest}\n")
    return hashlib.sha256("".join(lines).encode("ascii")).hexdigest()


def test_the_bulk_path_stores_the_file_exactly_and_audits_the_documented_digest(engine, settings, randomized, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = _outcomes(randomized, tmp_path)
    result = import_outcomes(engine, path, slug="utrecht", actor="rob")
    assert (result.status, result.rows) == ("imported", 36)
    expected = pd.read_csv(path, dtype=str)
    with session_scope(engine) as session:
        stored = session.execute(select(*(getattr(OutcomeMonth, c) for c in COLUMNS), OutcomeMonth.import_id)).all()
        pseudonym_ids = dict(session.execute(select(Participant.pseudonym, Participant.id)).all())
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "import")).one()
        report = verify_registry(session=session, settings=settings)
    assert report.intact, report.problems
    assert len(stored) == len(expected) == len(randomized) * 3
    by_key = {(r.participant_id, r.period): r for r in stored}
    for row in expected.itertuples(index=False):
        held = by_key[(pseudonym_ids[row.pseudonym], dt.date.fromisoformat(row.month + "-01"))]
        assert held.hours_per_week == float(row.hours_per_week)
        assert held.gross_earnings == float(row.gross_earnings)  # exact: no digit lost on the way in
        assert held.contract == row.contract and held.on_benefit is (row.on_benefit in ("true", "1"))
        assert held.month == int(row.month[-2:]) - 5 and held.source == "municipal" and held.import_id == result.import_id
    assert event.payload["rows_digest"] == "columns-1"
    assert event.payload["rows_sha256"] == _reference_rows_sha256([tuple(r[:8]) for r in stored])


def test_the_same_file_again_is_unchanged_without_being_parsed(engine, randomized, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = _outcomes(randomized, tmp_path)
    first = import_outcomes(engine, path, slug="utrecht", actor="rob")

    def no_parsing(_path: Path, _own: object = None) -> pd.DataFrame:
        raise AssertionError("the file was parsed although its content was imported before")

    monkeypatch.setattr(imports, "parse_outcomes", no_parsing)
    again = import_outcomes(engine, path, slug="utrecht", actor="rob")
    assert (again.status, again.import_id, again.rows) == ("unchanged", first.import_id, 0)
    renamed = tmp_path / "the-same-under-another-name.csv"
    renamed.write_bytes(path.read_bytes())
    assert import_outcomes(engine, renamed, slug="utrecht", actor="rob").status == "unchanged"
    changed = tmp_path / "changed.csv"
    changed.write_bytes(path.read_bytes() + b"\n")
    with pytest.raises(AssertionError, match="parsed"):
        import_outcomes(engine, changed, slug="utrecht", actor="rob")


def test_a_missing_file_is_named_before_its_content_is_hashed(engine, randomized, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TabularError, match=r"nope\.csv: file not found"):
        import_outcomes(engine, tmp_path / "nope.csv", slug="utrecht", actor="rob")


GOOD = {"pseudonym": "p", "month": "2018-07", "hours_per_week": "8", "contract": "none", "gross_earnings": "100.5", "on_benefit": "true"}


@pytest.mark.parametrize(("column", "value", "message"), [
    ("month", "2018-13", "row 5, column 'month': '2018-13' is not a month (write YYYY-MM)"),
    ("month", "juli 2018", "row 5, column 'month': 'juli 2018' is not a month (write YYYY-MM)"),
    ("month", "", "row 5, column 'month': a value is missing"),
    ("contract", "vast", "row 5, column 'contract': 'vast' is not one of none, temporary, permanent"),
    ("hours_per_week", "101", "row 5, column 'hours_per_week': 101 is outside 0-100 hours a week"),
    ("gross_earnings", "veel", "row 5, column 'gross_earnings': 'veel' is not a number"),
    ("on_benefit", "0.5", "row 5, column 'on_benefit': write true/false or 1/0"),
])
def test_a_bad_cell_is_named_by_file_row_and_column_at_its_first_row(tmp_path, column: str, value: str, message: str) -> None:
    frame = pd.DataFrame([GOOD] * 6)
    frame.loc[3, column] = value  # data row 4 is spreadsheet row 5
    frame.loc[5, column] = value  # a later bad row is not the one named
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(TabularError) as caught:
        parse_outcomes(path)
    assert str(caught.value).startswith(f"{path}, {message}")
