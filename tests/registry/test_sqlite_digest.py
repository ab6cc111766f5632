"""On SQLite the rows digest is computed from SQLite's aggregates of each column (one text per column, concatenated in C); it is
the digest of the rows as the driver reads them, and any value the aggregates do not give exactly leaves the table to the driver."""

from __future__ import annotations

import datetime as dt
import sqlite3
import struct
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Boolean, Column, Date, Float, Integer, MetaData, String, Table, create_engine
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.schema import CreateTable

from proeftuin.registry import digest
from proeftuin.registry.digest import FLOAT_SCALE, ImportedRows

TABLE = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("i", Integer), Column("f", Float), Column("s", String(16)),
              Column("d", Date), Column("b", Boolean), Column("import_id", Integer))
ROWS = ImportedRows(TABLE, ("i", "f", "s", "d", "b"), ("id",))
DIALECT = sqlite_dialect.dialect()

_INT = st.integers(-(2**63), 2**63 - 1)
_CENTS = st.integers(-(10**11), 10**11).map(lambda c: float(f"{c / 100:.2f}"))
_MILLIONTHS = st.integers(-(2**53), 2**53).map(lambda m: m / FLOAT_SCALE)
_DOUBLE = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.just(-0.0), st.just(5e-324), st.just(2.2250738585072014e-308),
                    st.just(1.7976931348623157e308), st.floats(min_value=-1e-300, max_value=1e-300))
_TEXT = st.one_of(st.text(max_size=8), st.sampled_from(["", "none", "a,b", "caf\u00e9", "\u20ac", "\x1f", "x\x1fy", "'quoted'", "\u0000"]))
_DATE = st.dates(dt.date(1678, 1, 1), dt.date(2261, 12, 31)).map(dt.date.isoformat)
_ODD_DATE = st.sampled_from(["2019-02-30", "2019-13-01", "2019-00-10", "2019-1-01", "not a date", "0999-01-01", "1600-02-29", "2262-04-11",
                             "2020-02-29", "1900-02-29", "2019-02-29", "+019-01-01", "2019/01/01", "2019-01-01 ",
                             "2019-01-0\u00e9", "\u00e9019-01-1", "\uff12\uff10\uff11\uff19-01-01", "2019-01-01\u0000", "2019-01-1\u0000", "2019-01-1"])
_BOOL = st.sampled_from([0, 1])


def _row(i: Any, f: Any, s: Any, d: Any, b: Any) -> tuple[Any, ...]:
    return (i, f, s, d, b)


def _digests(rows: list[tuple[Any, ...]]) -> tuple[list[str | None], list[str], list[str] | None]:
    """The column digests of ``rows`` stored: from SQLite's aggregates (``None`` for a column left to the driver), the table's
    (those with the driver's for such columns), and from the driver's rows alone (``None``: the driver's way fails)."""
    engine = create_engine("sqlite://")
    connection = sqlite3.connect(":memory:")
    connection.execute(str(CreateTable(TABLE).compile(dialect=engine.dialect)))
    connection.executemany("INSERT INTO t (i, f, s, d, b, import_id) VALUES (?, ?, ?, ?, ?, 1)", rows)
    cursor = connection.cursor()
    given = digest._sqlite_digests(cursor, ROWS, digest._literal(DIALECT, digest._statement(ROWS, 1, most=True)))
    read = cursor.execute(digest._literal(DIALECT, digest._statement(ROWS, 1))).fetchall()
    try:
        slow: list[str] | None = [d.hexdigest() for d in digest._table_digests(ROWS, [digest._driver_columns(ROWS, read)] if read else [])]
    except (TypeError, ValueError):  # a value the driver's way cannot digest (text in an integer column): an error there, as before
        slow = None
    for i, (column, given_digest) in enumerate(zip(ROWS.columns, given, strict=True)):  # each column the aggregates give: the driver's
        if given_digest is not None:
            alone = ImportedRows(TABLE, (column,), ROWS.order)
            chunk = [(row[i],) for row in read]
            assert given_digest.hexdigest() == digest._table_digests(alone, [digest._driver_columns(alone, chunk)] if chunk else [])[0].hexdigest()
    try:
        table = [d.hexdigest() for d in digest._sqlite_table_digests(cursor, DIALECT, ROWS, 1, most=False)]
    except (TypeError, ValueError):
        table = None  # type: ignore[assignment]
    assert table == slow
    return [None if d is None else d.hexdigest() for d in given], table, slow


@settings(max_examples=150, deadline=None)
@given(st.lists(st.builds(_row, _INT, st.one_of(_CENTS, _MILLIONTHS), _TEXT, _DATE, _BOOL), max_size=12))
def test_the_aggregates_give_the_digest_of_the_rows_read(rows: list[tuple[Any, ...]]) -> None:
    """Every value of its column's type (integers of 64 bits, REAL values in millionths, any text, dates, booleans): the aggregates
    give the digest and it is the one of the rows read through the driver."""
    given, _table, slow = _digests(rows)
    assert slow is not None
    separated = any("\x1f" in row[2] for row in rows)  # the separator inside a text: the driver reads that column
    assert given == [d if c != "s" or not separated else None for c, d in zip(ROWS.columns, slow, strict=True)]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.builds(_row, st.one_of(_INT, st.none(), st.just("12"), st.just("x"), st.just(2.5)),
                          st.one_of(_DOUBLE, st.none(), st.just("1.5")), st.one_of(_TEXT, st.none(), st.just(7), st.just(b"ab")),
                          st.one_of(_DATE, _ODD_DATE, st.none(), st.just(20190101)), st.one_of(_BOOL, st.none(), st.just(2), st.just("t"))),
                min_size=1, max_size=8))
def test_values_of_any_kind_give_the_digest_of_the_rows_read_or_leave_it_to_the_driver(rows: list[tuple[Any, ...]]) -> None:
    """NULLs, values of another type, any double (subnormals, -0.0, extremes), dates that are not valid ISO dates: the aggregates give
    a column's digest as the driver's rows give it, or leave the column to the driver (the table's digest then that of the rows read)."""
    _digests(rows)  # (which compares each column the aggregates give with the driver's, and the table's with the driver's rows)


@pytest.mark.parametrize(("column", "value"), [("i", None), ("i", "x"), ("i", 2.5), ("f", None), ("f", 0.1 + 0.2), ("f", 1e300),
                                               ("f", 5e-324), ("s", None), ("s", b"ab"), ("s", "a\x1fb"), ("d", "2019-02-30"),
                                               ("d", "not a date"), ("d", "2019-06-0\u00e9"), ("d", "2019-06-01\u0000"), ("d", None), ("d", "1600-01-01"), ("b", None), ("b", "t")])
def test_a_value_the_aggregates_do_not_give_exactly_leaves_its_column_to_the_driver(column: str, value: Any) -> None:
    rows = [(1, 2.5, "none", "2018-06-01", 1), (-(2**63), 1234.56, "\u20ac,", "2261-12-31", 0)]
    given, table, slow = _digests(rows)
    assert given == table == slow is not None
    changed = dict(zip(ROWS.columns, rows[1], strict=True)) | {column: value}
    given, _table, slow = _digests([rows[0], tuple(changed.values())])
    assert [c for c, d in zip(ROWS.columns, given, strict=True) if d is None] == [column]


@settings(max_examples=300, deadline=None)
@given(_DOUBLE)
def test_a_real_value_is_taken_exactly_or_not_at_all(value: float) -> None:
    """SQLite's ``x = CAST(round(x * 1e6) AS INTEGER) / 1e6`` holds only where numpy's division gives ``x`` bit for bit."""
    connection = sqlite3.connect(":memory:")
    scaled, exact = connection.execute(f"SELECT CAST(round(? * {FLOAT_SCALE}.0) AS INTEGER), ? = CAST(round(? * {FLOAT_SCALE}.0) AS INTEGER) / "
                                       f"{FLOAT_SCALE}.0", (value, value, value)).fetchone()
    if exact:
        assert struct.pack("<d", scaled / FLOAT_SCALE + 0.0) == struct.pack("<d", value + 0.0)
