"""Whole columns read on SQLite as one text each, concatenated by SQLite in C: for the rows digest of ``verify``.

Python's ``sqlite3`` makes a Python object of every value it reads (and a tuple of every row):
at 1,000,000 imported rows most of the rows digest's time. ``group_concat`` over the rows in
canonical order instead hands over one string per column, which numpy parses in C into the bytes
the digest defines (:mod:`proeftuin.registry.digest`), the same bytes as from the values one by
one:

- integers and booleans: their decimal text joined by commas, parsed by ``numpy.fromstring``
  (exact for every 64-bit integer); a boolean is its integer's ``!= 0``;
- text: the UTF-8 bytes of every value joined by NUL bytes, split there for the values' lengths;
- dates: their ISO text (ten characters each) joined by commas, each distinct value converted
  once as the driver's path converts it.

Only where every value is of its column's declared storage class and not ``NULL`` (one
``typeof`` test per row and column, summed), and where the text splits into exactly one part per
row (a NUL inside a text, a date of another length): otherwise :func:`concatenated_columns` gives
``None`` and the caller reads the rows through the driver, as it would values written behind the
registry's back. Floating-point columns are not read here: SQLite 3.40's text of a double does
not always round-trip (``quote`` and ``printf('%!.17g')`` changed 77 and 555 of 500,000 random
doubles, measured), so the caller reads them through the driver.

The rows are concatenated in the order of the subquery's ``ORDER BY``: SQLite does not flatten
a subquery with ``ORDER BY`` into an aggregate query (rule 16 of its query flattener), so the
aggregate consumes the rows as the subquery orders them.

Cost at 1,000,000 rows of eight columns (six read here; the 2-core development machine): the
walk over the rows 0.3 s, the aggregates 1.0 s, the type tests 0.7 s, where reading the same
columns through the driver and encoding them took about 3 s.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, LargeBinary, Select, and_, case, cast, func, select
from sqlalchemy.orm import Session

_STORAGE = {"int": "integer", "bool": "integer", "text": "text", "date": "text"}
"""The storage class (``typeof``) of every value of a column of each kind read here."""
DATE_WIDTH = 10
"""Characters of an ISO day, ``YYYY-MM-DD``."""


@dataclass(frozen=True)
class Encoded:
    """One column's digest input: its values' bytes, and for text the values' UTF-8 lengths (8-byte little-endian each)."""

    rows: int
    values: bytes
    lengths: bytes | None = None


def _integers(text: str | None, rows: int) -> np.ndarray | None:
    """The comma-separated integers ``text`` (``None``: none) as 64-bit integers, if there are ``rows`` of them."""
    if not text:
        return np.zeros(0, dtype="<i8") if rows == 0 else None
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # numpy warns where the text does not parse to its end
        try:
            numbers = np.fromstring(text, dtype="<i8", sep=",")  # text mode: C parsing (not deprecated)
        except (DeprecationWarning, ValueError):
            return None
    return numbers if len(numbers) == rows else None


def _texts(joined: bytes | None, rows: int) -> Encoded | None:
    """The NUL-joined UTF-8 values ``joined`` as the digest's bytes and lengths, if they split into ``rows`` values."""
    parts = joined.split(b"\0") if joined is not None else []
    if len(parts) != rows:
        return None
    return Encoded(rows, b"".join(parts), np.fromiter(map(len, parts), dtype="<i8", count=rows).tobytes())


def _dates(joined: bytes | None, rows: int) -> Encoded | None:
    """The comma-joined ISO days ``joined`` as days since 1970-01-01 (each distinct text converted once, in the order first
    met, as :class:`~proeftuin.registry.digest` converts the driver's values), if each is :data:`DATE_WIDTH` characters."""
    width = DATE_WIDTH + 1
    data = (joined or b"") + b"," if rows else b""
    if len(data) != width * rows or data.count(b",") != rows:
        return None
    cells = np.frombuffer(data, dtype=f"S{width}")
    if rows and not all(cell.endswith(b",") for cell in np.unique(cells)):
        return None
    uniques, first, codes = np.unique(cells, return_index=True, return_inverse=True)
    order = np.argsort(first)
    texts = pd.Index([u[:DATE_WIDTH].decode("ascii", "replace") for u in uniques[order]], dtype=object)
    days = pd.to_datetime(texts, errors="coerce").to_numpy(dtype="datetime64[D]").astype("<i8")
    at = np.empty(len(order), dtype=np.intp)
    at[order] = np.arange(len(order))
    return Encoded(rows, days[at][codes.ravel()].astype("<i8").tobytes())


def _aggregate(column: ColumnElement[Any], kind: str) -> ColumnElement[Any]:
    if kind == "text":
        return cast(func.group_concat(column, func.char(0)), LargeBinary)
    if kind == "date":
        return cast(func.group_concat(column, ","), LargeBinary)
    if kind in ("int", "bool"):
        return func.group_concat(column, ",")
    raise ValueError(f"a column of kind {kind!r} is not read as concatenated text")


def concatenated_columns(session: Session, ordered: Select[Any], kinds: Sequence[str | None]) -> list[Encoded | None] | None:
    """The columns of ``ordered`` (a statement with ``ORDER BY``) whose kind is given, each read as one concatenated text
    (``None`` in the list for those whose kind is ``None``); ``None`` if a value is not of its column's storage class
    or does not split apart (see the module docstring). On SQLite only."""
    rows_in = ordered.subquery()
    read = [(column, kind) for column, kind in zip(rows_in.c, kinds, strict=True) if kind is not None]
    if not read:
        return [None] * len(kinds)
    typed = and_(*(func.typeof(column) == _STORAGE[kind] for column, kind in read))
    statement = select(func.count(), func.sum(case((typed, 1), else_=0)), *(_aggregate(c, k) for c, k in read)).select_from(rows_in)
    rows, typed_rows, *values = session.execute(statement).one()
    if (typed_rows or 0) != rows:
        return None
    encoded: dict[int, Encoded | None] = {}
    for i, ((_, kind), value) in enumerate(zip(read, values, strict=True)):
        if kind == "text":
            encoded[i] = _texts(value, rows)
        elif kind == "date":
            encoded[i] = _dates(value, rows)
        else:
            numbers = _integers(value, rows)
            encoded[i] = None if numbers is None else Encoded(rows, (numbers != 0).astype(np.uint8).tobytes() if kind == "bool" else numbers.tobytes())
        if encoded[i] is None:
            return None
    found = iter(encoded.values())
    return [None if kind is None else next(found) for kind in kinds]


__all__ = ["Encoded", "concatenated_columns"]
