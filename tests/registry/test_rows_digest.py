"""The rows digest of values read back through the driver, computed from the columns as tuples, is the one of the same chunk read into a frame."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proeftuin.registry.digest import _ColumnDigest, _plain_values

_INT = st.integers(-(2**63), 2**63 - 1)
_FLOAT = st.one_of(st.floats(allow_nan=False), st.just(-0.0), st.integers(-(2**60), 2**60), st.none())
_TEXT = st.one_of(st.text(max_size=6), st.sampled_from(["none", "temporary", "municipal", "\u20ac"]), st.none())
_DATE = st.one_of(st.dates(dt.date(1700, 1, 1), dt.date(2200, 12, 31)).map(dt.date.isoformat), st.none(),
                  st.sampled_from(["2018-06-01", "2019-02-30", "not a date"]))
_PG_DATE = st.one_of(st.dates(dt.date(1700, 1, 1), dt.date(2200, 12, 31)), st.none())
_BOOL = st.one_of(st.sampled_from([0, 1]), st.booleans())
KINDS = {"int": _INT, "float": _FLOAT, "text": _TEXT, "date": _DATE, "pg-date": _PG_DATE, "bool": _BOOL}


def _through_a_frame(kind: str, values: tuple[Any, ...]) -> str:
    digest = _ColumnDigest(kind)
    digest.update(pd.DataFrame.from_records([(v,) for v in values], columns=["x"])["x"])
    return digest.hexdigest()


def _from_the_tuple(kind: str, values: tuple[Any, ...]) -> str:
    digest = _ColumnDigest(kind)
    digest.update(values)
    return digest.hexdigest()


@pytest.mark.parametrize("name", list(KINDS))
@settings(max_examples=60)
@given(data=st.data())
def test_plain_values_give_the_bytes_of_the_frame(name: str, data: st.DataObject) -> None:
    kind = name.removeprefix("pg-")
    values = tuple(data.draw(st.lists(KINDS[name], min_size=1, max_size=40)))
    if kind == "bool" and len(set(map(type, values))) > 1:
        values = tuple(int(v) for v in values)  # one driver gives 0/1, the other True/False; never both in one column
    assert _plain_values(kind, values)
    assert _from_the_tuple(kind, values) == _through_a_frame(kind, values)


def test_values_of_other_types_go_through_a_frame() -> None:
    """An integer column holding a NULL or a float, a date column holding a timestamp: the chunk is read into a frame instead."""
    assert not _plain_values("int", (1, None))
    assert not _plain_values("int", (1, 2.5))
    assert not _plain_values("int", (1, True))
    assert not _plain_values("int", (2**63,))
    assert not _plain_values("date", (dt.datetime(2018, 6, 1, 12),))
    assert not _plain_values("text", ("a", 3))
    assert not _plain_values("bool", (1, None))


def _from_arrow(kind: str, values: tuple[Any, ...], sliced: bool) -> str:
    """The digest of the values as the columnar reader reads them (Arrow, the driver's types), optionally an offset slice."""
    padded = (values[0], *values) if sliced else values
    column = pa.array(padded)
    digest = _ColumnDigest(kind)
    digest.update_arrow(column.slice(1) if sliced else column)
    return digest.hexdigest()


@pytest.mark.parametrize("name", list(KINDS))
@settings(max_examples=60)
@given(data=st.data(), sliced=st.booleans())
def test_arrow_columns_give_the_bytes_of_the_tuple(name: str, data: st.DataObject, sliced: bool) -> None:
    """:meth:`_ColumnDigest.update_arrow` (buffers and distinct dates) is :meth:`_ColumnDigest.update` of the driver's values."""
    kind = name.removeprefix("pg-")
    values = tuple(data.draw(st.lists(KINDS[name], min_size=1, max_size=40)))
    if kind == "bool":
        values = tuple(int(v) for v in values) if data.draw(st.booleans()) else tuple(bool(v) for v in values)
    if kind == "float":
        values = tuple(None if v is None else float(v) for v in values)  # a REAL or double precision column: floats
    assert _from_arrow(kind, values, sliced) == _from_the_tuple(kind, values)


@pytest.mark.parametrize(("kind", "values"), [("int", (1, None, 3)), ("bool", (1, None)), ("text", (None, None))])
def test_arrow_columns_with_missing_integers_go_through_the_values(kind: str, values: tuple[Any, ...]) -> None:
    assert _from_arrow(kind, values, sliced=False) == _through_a_frame(kind, values)
