"""Canonical digests of registry facts, written into audit events and recomputed by ``verify``.

A fact's digest is the SHA-256 of canonical JSON (sorted keys, no whitespace, dates as ISO text,
numpy scalars as Python numbers), so the same facts give the same digest on SQLite and PostgreSQL
whether they come from the writer's values or from the rows read back.

The rows an import wrote (possibly millions) are digested column by column instead
(:data:`ROWS_DIGEST`, ``"columns-1"``): the rows of each table in :data:`IMPORT_ROWS`, in that
table's canonical order (a unique key), give each column one byte string:

- integers: 8-byte little-endian two's complement; floats: 8-byte little-endian IEEE 754 doubles
  (``-0.0`` as ``0.0``); booleans: one byte 0 or 1; dates: 8-byte little-endian days since
  1970-01-01;
- text: the 8-byte little-endian UTF-8 length of every value, hashed apart from the
  concatenated UTF-8 bytes (so no value can move into its neighbour);

and the rows digest is SHA-256 over, per table and column in declared order, the line
``table.column:kind:rows:sha256-of-the-column\n``. So a changed value in any row, a row added,
removed or moved to another import changes it; and it is computed in a streaming pass of
numpy-encoded chunks, from a frame before it is inserted or from the rows read back (the driver's
column tuples encoded directly, each distinct text or date once), with the same result on SQLite
and PostgreSQL. On SQLite the stored rows are concatenated column by column by SQLite itself
(:func:`_sqlite_digests`: one aggregate query per table, decoded by numpy into the same bytes),
a column whose values that does not give exactly read through the driver. Imports audited
before it (no ``rows_digest`` in their event) are checked with the earlier JSON-per-row digest
(:func:`legacy_import_rows_sha256`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import JSON, Boolean, Date, Float, Integer, Select, Table, Text, cast, func, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ClauseElement

from proeftuin.registry.columnar import BOOLEAN, DATE, FLOAT, INTEGER, TEXT, ColumnReader, Kind, read_columns
from proeftuin.registry.db import SQLITE_BUSY_SECONDS, restart_snapshot
from proeftuin.registry.driver_reads import driver_chunks, transposed
from proeftuin.registry.models import (
    DataImport, Experiment, OutcomeMonth, OwnOutcomeMonth, Participant, ServiceContact, SurveyItem, SurveyResponse,
)


def _plain(value: Any) -> Any:
    """What JSON cannot encode itself, as plain JSON data: dates as ISO text, numpy scalars as Python numbers."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not canonical JSON data")


def canonical_json(value: Any, *, sort_keys: bool = True) -> str:
    """``value`` as canonical JSON text: no whitespace, ASCII, dates as ISO text, numpy scalars as Python numbers."""
    return json.dumps(value, default=_plain, sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def canonical_sha256(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode("ascii")).hexdigest()


def arm_facts(experiment: Experiment) -> dict[str, dict[str, Any]]:
    """Every arm of a trial by code: its benefit regime, control flag, allocation ratio, components and labels."""
    return {a.code: {"regime": a.regime, "is_control": bool(a.is_control), "ratio": float(a.ratio), "components": list(a.components),
                     "label_nl": a.label_nl, "label_en": a.label_en} for a in experiment.arms}


def experiment_facts(experiment: Experiment) -> dict[str, Any]:
    """What a trial is: its period (the intake window), municipality, declared design, plan and arms."""
    return {"slug": experiment.slug, "municipality": experiment.municipality, "name": experiment.name,
            "period": [experiment.start_date.isoformat(), experiment.end_date.isoformat()], "spec": experiment.spec,
            "plan": experiment.plan, "arms": arm_facts(experiment)}


PARTICIPANT_FACTS = tuple(c.key for c in Participant.__table__.columns if c.key not in ("id", "experiment_id", "pseudonym"))
"""Every column of a participant recorded at enrolment (baseline covariates, stratum, caseload, household)."""


def participant_sha256(row: dict[str, Any]) -> str:
    """The digest of one participant's enrolment facts (a row as inserted, or as read back)."""
    return canonical_sha256({c: row.get(c) for c in PARTICIPANT_FACTS})


def participants_statement() -> Select[Any]:
    """The rows :func:`participants_sha256` digests: id, experiment id, pseudonym and the facts in sorted order (JSON as its
    text), by id (``verify`` looks up each id's pseudonym and experiment in the same read)."""
    table = Participant.__table__
    return select(table.c.id, table.c.experiment_id, table.c.pseudonym,
                  *(cast(table.c[n], Text) if isinstance(table.c[n].type, JSON) else table.c[n] for n in sorted(PARTICIPANT_FACTS))
                  ).order_by(table.c.id)


def participants_sha256(session: Session, reader: ColumnReader | None = None) -> dict[tuple[int, str], str]:
    """:func:`participant_sha256` of every participant as stored, by (experiment id, pseudonym), from one read through the driver.

    The same canonical JSON, assembled per row from its columns' encodings (sorted keys, as
    :func:`canonical_json` orders them), each distinct value of a column converted as SQLAlchemy
    reads it (JSON parsed from its text) and encoded once; the rows read as columns through ``reader`` where it can.
    """
    return participants_sha256_of(session, read_columns(session, participants_statement(), reader))


def participants_sha256_of(session: Session, read: Sequence[Sequence[Any]]) -> dict[tuple[int, str], str]:
    """:func:`participants_sha256` of the columns of :func:`participants_statement` as read."""
    table = Participant.__table__
    connection = session.connection()
    names = sorted(PARTICIPANT_FACTS)
    _ids, experiments, pseudonyms, *columns = read
    if not experiments:
        return {}
    encoded = []
    for i, (name, values) in enumerate(zip(names, columns, strict=True)):
        kind = table.c[name].type
        process = json.loads if isinstance(kind, JSON) else kind.dialect_impl(connection.dialect).result_processor(connection.dialect, None)
        # the object's braces folded into its first and last member, so each row's text is one join of bytes
        opening, closing = "{" if i == 0 else "", "}" if i == len(names) - 1 else ""
        member = encode_basestring_ascii(name)
        text_of = {v: f"{opening}{member}:{canonical_json(v if v is None or process is None else process(v))}{closing}".encode("ascii")
                   for v in set(values)}
        encoded.append(map(text_of.__getitem__, values))
    join, sha256 = b",".join, hashlib.sha256
    return {(exp, pseudonym): sha256(join(parts)).hexdigest()
            for exp, pseudonym, parts in zip(experiments, pseudonyms, zip(*encoded, strict=True), strict=True)}


def _legacy_rows_sha256(rows: Iterable[Any]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(canonical_json(list(row), sort_keys=False).encode("ascii"))
        digest.update(b"\n")
    return digest.hexdigest()


def _legacy_statements(import_id: int) -> list[Select]:  # type: ignore[type-arg]
    om, si, sr, sc, oo = OutcomeMonth, SurveyItem, SurveyResponse, ServiceContact, OwnOutcomeMonth
    return [
        select(sc.participant_id, sc.on, sc.kind, sc.minutes, sc.recorded_by).where(sc.import_id == import_id)
        .order_by(sc.participant_id, sc.on, sc.kind, sc.id),
        select(om.participant_id, om.month, om.period, om.hours_per_week, om.contract, om.gross_earnings, om.on_benefit, om.source)
        .where(om.import_id == import_id).order_by(om.participant_id, om.month, om.source),
        select(si.participant_id, si.wave, si.item, si.value).where(si.import_id == import_id).order_by(si.participant_id, si.wave, si.item),
        select(sr.participant_id, sr.wave, sr.index_name, sr.score).where(sr.import_id == import_id)
        .order_by(sr.participant_id, sr.wave, sr.index_name),
        # last: an import without outcomes of the plan's own adds no row, so its digest is what it was before 0009
        select(oo.participant_id, oo.month, oo.period, oo.source, oo.name, oo.value).where(oo.import_id == import_id)
        .order_by(oo.participant_id, oo.month, oo.source, oo.name),
    ]


def legacy_import_rows_sha256(session: Session, import_id: int) -> str:
    """The digest of an import audited before :data:`ROWS_DIGEST`: SHA-256 of each row as canonical JSON, one per line."""
    return _legacy_rows_sha256(row for statement in _legacy_statements(import_id) for row in session.execute(statement))


ROWS_DIGEST = "columns-1"
"""The name of the rows digest's definition, recorded in every import's audit event."""


@dataclass(frozen=True)
class ImportedRows:
    """The rows an import writes into one table: the columns digested and the canonical order (a unique key)."""

    table: Table
    columns: tuple[str, ...]
    order: tuple[str, ...]


IMPORT_ROWS = (
    ImportedRows(ServiceContact.__table__, ("participant_id", "on", "kind", "minutes", "recorded_by"),  # type: ignore[arg-type]
                 ("participant_id", "on", "kind", "minutes", "recorded_by", "id")),
    ImportedRows(OutcomeMonth.__table__, ("participant_id", "month", "period", "hours_per_week", "contract",  # type: ignore[arg-type]
                                          "gross_earnings", "on_benefit", "source"), ("participant_id", "month", "source")),
    ImportedRows(SurveyItem.__table__, ("participant_id", "wave", "item", "value"), ("participant_id", "wave", "item")),  # type: ignore[arg-type]
    ImportedRows(SurveyResponse.__table__, ("participant_id", "wave", "index_name", "score"),  # type: ignore[arg-type]
                 ("participant_id", "wave", "index_name")),
    ImportedRows(OwnOutcomeMonth.__table__, ("participant_id", "month", "period", "source", "name", "value"),  # type: ignore[arg-type]
                 ("participant_id", "month", "source", "name")),
)
CHUNK_ROWS = 100_000


def _kind(rows: ImportedRows, column: str) -> str:
    kind = rows.table.c[column].type
    if isinstance(kind, Boolean):
        return "bool"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, Float):
        return "float"
    return "int" if isinstance(kind, Integer) else "text"


class _ColumnDigest:
    """The running digest of one column (see the module docstring); chunks may be of any size."""

    def __init__(self, kind: str) -> None:
        self.kind, self.rows = kind, 0
        self._values, self._lengths = hashlib.sha256(), hashlib.sha256()

    def update(self, values: Sequence[Any]) -> None:
        """Add a chunk of the column's values: a pandas column (a frame's, or a chunk read back with unusual types), or a
        tuple of the driver's plain values (:func:`_plain_values`), which give the same bytes without a frame."""
        if isinstance(values, tuple):
            self._update_plain(values)
            return
        self.rows += len(values)
        if self.kind == "text":
            codes, uniques = pd.factorize(values)  # type: ignore[call-overload]
            encoded = [str(u).encode("utf-8") for u in uniques] + [b""]
            self._lengths.update(np.array([len(e) for e in encoded], dtype="<i8")[codes].tobytes())
            self._values.update(b"".join(np.array(encoded, dtype=object)[codes]))
        elif self.kind == "date":  # ISO text (SQLite), datetime.date (PostgreSQL) or datetime64 (a frame)
            codes, uniques = pd.factorize(values)  # type: ignore[call-overload]
            days = pd.to_datetime(pd.Index(uniques, dtype=object), errors="coerce").to_numpy(dtype="datetime64[D]").astype("<i8")
            self._values.update(np.append(days, 0)[codes].astype("<i8").tobytes())
        elif self.kind == "float":
            self._values.update((np.asarray(values, dtype="<f8") + 0.0).tobytes())
        elif self.kind == "bool":
            self._values.update(np.asarray(values, dtype=bool).astype(np.uint8).tobytes())
        else:
            self._values.update(np.asarray(values, dtype="<i8").tobytes())

    def _update_plain(self, values: tuple[Any, ...]) -> None:
        """:meth:`update` of the driver's plain values (see :func:`_plain_values`): each distinct text or date converted once,
        in the order first met (as ``pd.factorize`` gives them), the rest converted by numpy from the tuple."""
        self.rows += len(values)
        if self.kind == "text":
            encoded = {u: b"" if u is None else u.encode("utf-8") for u in dict.fromkeys(values)}
            lengths = {u: len(e) for u, e in encoded.items()}
            self._lengths.update(np.fromiter(map(lengths.__getitem__, values), dtype="<i8", count=len(values)).tobytes())
            self._values.update(b"".join(map(encoded.__getitem__, values)))
        elif self.kind == "date":
            uniques = [u for u in dict.fromkeys(values) if u is not None]
            days = pd.to_datetime(pd.Index(uniques, dtype=object), errors="coerce").to_numpy(dtype="datetime64[D]").astype("<i8")
            day_of = {None: 0, **dict(zip(uniques, days.tolist(), strict=True))}
            self._values.update(np.fromiter(map(day_of.__getitem__, values), dtype="<i8", count=len(values)).tobytes())
        elif self.kind == "float":
            self._values.update((np.array(values, dtype="<f8") + 0.0).tobytes())
        elif self.kind == "bool":
            self._values.update(np.array(values, dtype=bool).astype(np.uint8).tobytes())
        else:
            self._values.update(np.array(values, dtype="<i8").tobytes())

    def update_arrow(self, values: pa.Array) -> None:
        """:meth:`update` of a column read as Arrow (:mod:`~proeftuin.registry.columnar`): the same bytes taken from its buffers
        (integers, floats, booleans, the UTF-8 text and its lengths, dates as days, as they are); a column with missing
        integers or booleans, or of another type than the kind's, through its Python values as the driver gives them."""
        kind, kind_of = self.kind, values.type
        if kind == "text" and (pa.types.is_string(kind_of) or pa.types.is_large_string(kind_of)):
            values = pc.fill_null(values, "")
            width = np.int64 if pa.types.is_large_string(kind_of) else np.int32
            offsets = np.frombuffer(values.buffers()[1], dtype=width)[values.offset : values.offset + len(values) + 1]
            self.rows += len(values)
            self._lengths.update(np.diff(offsets).astype("<i8").tobytes())
            if len(values):
                self._values.update(memoryview(values.buffers()[2])[int(offsets[0]) : int(offsets[-1])])
        elif kind == "date" and pa.types.is_date32(kind_of):
            self.rows += len(values)
            self._values.update(pc.fill_null(values.cast(pa.int32()), 0).to_numpy().astype("<i8").tobytes())
        elif kind == "float" and (pa.types.is_floating(kind_of) or pa.types.is_integer(kind_of)):
            self.rows += len(values)
            self._values.update((values.to_numpy(zero_copy_only=False).astype("<f8") + 0.0).tobytes())
        elif kind in ("int", "bool") and values.null_count == 0 and (pa.types.is_integer(kind_of) or pa.types.is_boolean(kind_of)):
            self.rows += len(values)
            numbers = values.to_numpy(zero_copy_only=False)
            self._values.update((numbers != 0).astype(np.uint8).tobytes() if kind == "bool" else numbers.astype("<i8").tobytes())
        else:
            plain = tuple(values.to_pylist())
            self.update(plain if _plain_values(kind, plain) else pd.DataFrame.from_records([(v,) for v in plain], columns=["x"])["x"])

    def update_bytes(self, rows: int, values: bytes | memoryview, lengths: bytes = b"") -> None:
        """Add ``rows`` values already encoded as the module docstring defines (the text's lengths apart)."""
        self.rows += rows
        self._values.update(values)
        self._lengths.update(lengths)

    def hexdigest(self) -> str:
        lengths = self._lengths.hexdigest() if self.kind == "text" else ""
        return hashlib.sha256((self._values.hexdigest() + lengths).encode("ascii")).hexdigest()


def _table_digests(rows: ImportedRows, chunks: Iterable[Sequence[Sequence[Any]] | pa.Table]) -> list[_ColumnDigest]:
    """The running digest of each column of ``rows`` over its rows in canonical order, as chunks of columns (or as one Arrow table)."""
    digests = [_ColumnDigest(_kind(rows, c)) for c in rows.columns]
    for columns in chunks:
        if isinstance(columns, pa.Table):
            for digest, column in zip(digests, columns.columns, strict=True):
                for values in column.chunks:
                    digest.update_arrow(values)
            continue
        for digest, values in zip(digests, columns, strict=True):
            digest.update(values)
    return digests


def _digests_sha256(tables: Iterable[tuple[ImportedRows, Sequence[_ColumnDigest]]]) -> str:
    """The rows digest from, per table of :data:`IMPORT_ROWS`, the digest of each of its columns."""
    lines = [f"{rows.table.name}.{c}:{d.kind}:{d.rows}:{d.hexdigest()}\n" for rows, digests in tables
             for c, d in zip(rows.columns, digests, strict=True)]
    return hashlib.sha256("".join(lines).encode("ascii")).hexdigest()


def _rows_sha256(chunks_of: Iterable[tuple[ImportedRows, Iterable[Sequence[Sequence[Any]] | pa.Table]]]) -> str:
    """The rows digest from, per table of :data:`IMPORT_ROWS`, its rows in canonical order as chunks of columns (or as one Arrow table)."""
    return _digests_sha256((rows, _table_digests(rows, chunks)) for rows, chunks in chunks_of)


FLOAT_SCALE = 1_000_000
"""The scale of the REAL values SQLite hands over as integers (:func:`_sqlite_aggregates`): exact for every value that is an
integer number of millionths (cents, hours, most measures) as the double nearest to it; any other value leaves its column to the driver."""
_SEPARATOR = 0x1F
"""The byte between the text values SQLite concatenates (the unit separator, ``char(31)``): never inside a multi-byte UTF-8 character."""
_ISO_DAY = len("YYYY-MM-DD")
"""The characters of a date as SQLite holds it: dates are concatenated without separators, ten bytes each."""


def _sqlite_aggregate(kind: str, name: str) -> tuple[str, str]:
    """The SQLite aggregate giving every value of column ``name`` as one text (or blob), and the condition under which the
    value's digest bytes (:func:`_decoded`) are exactly those of the value as the driver reads it.

    Integers as their decimal text (``typeof`` integer: SQLite writes them as ``%lld``); booleans as one
    ``0`` or ``1`` each (stored as integers; the digest takes any non-zero one as true); REAL values
    ``x`` as the integer ``m = CAST(round(x * 1e6) AS INTEGER)`` where ``x = m / 1e6`` in SQLite's
    double arithmetic: numpy's ``float64(m) / 1e6`` is the same IEEE conversion and division, so it
    gives ``x`` bit for bit (``-0.0`` as ``0.0``, as the digest has it); text as its UTF-8 bytes
    between separators; dates (ISO text on SQLite) of ten characters each, one after the other (ten
    bytes each unless one is not ASCII, which the total length shows). A ``NULL`` meets no condition.
    """
    x = f'"{name}"'
    if kind == "int":
        return f"group_concat({x})", f"typeof({x}) = 'integer'"
    if kind == "bool":
        return f"group_concat({x} != 0, '')", f"typeof({x}) = 'integer'"
    if kind == "float":
        scaled = f"CAST(round({x} * {FLOAT_SCALE}.0) AS INTEGER)"
        return f"group_concat({scaled})", f"typeof({x}) = 'real' AND {x} = {scaled} / {FLOAT_SCALE}.0"
    if kind == "date":
        return f"CAST(group_concat({x}, '') AS BLOB)", f"typeof({x}) = 'text' AND length({x}) = {_ISO_DAY}"
    return f"CAST(group_concat({x}, char({_SEPARATOR})) AS BLOB)", f"typeof({x}) = 'text'"


_FIRST_DAY, _LAST_DAY = np.datetime64("1678-01-01"), np.datetime64("2261-12-31")
"""The dates digested from SQLite's text here (within the range of nanosecond timestamps, which pandas parses as such); any other leaves its column to the driver."""


def _decoded(kind: str, text: str | bytes, n: int) -> tuple[bytes, bytes] | None:
    """The digest bytes (values, and the text's lengths) of the ``n`` values of one column as :func:`_sqlite_aggregate`
    concatenates them, or ``None`` where they would not be those of the values the driver reads (a text that is not UTF-8, a
    separator inside a value, a date not in canonical ISO form or out of range)."""
    if kind in ("int", "float"):
        numbers = np.fromstring(text, dtype=np.int64, sep=",")  # exact: the decimal text of 64-bit integers
        if len(numbers) != n:
            return None
        return ((numbers.astype("<f8") / FLOAT_SCALE + 0.0).tobytes() if kind == "float" else numbers.astype("<i8").tobytes()), b""
    if kind == "bool":
        flags = np.frombuffer(text.encode("ascii") if isinstance(text, str) else text, dtype=np.uint8) - ord("0")
        return (flags.tobytes(), b"") if len(flags) == n and not (flags > 1).any() else None
    assert isinstance(text, bytes)
    if kind == "date":
        days = _iso_days(text, n)
        return None if days is None else (days.astype("<i8").tobytes(), b"")
    cuts = np.flatnonzero(np.frombuffer(text, dtype=np.uint8) == _SEPARATOR)
    if len(cuts) != n - 1:  # a separator inside a value
        return None
    lengths = np.diff(np.concatenate(([-1], cuts, [len(text)]))) - 1
    joined = text.replace(bytes([_SEPARATOR]), b"")
    try:
        joined.decode("utf-8")  # what the driver would decode (or refuse)
    except UnicodeDecodeError:
        return None
    return joined, lengths.astype("<i8").tobytes()


_ISO_PARTS = np.dtype([("head", "<u8"), ("day", "<u2")])
"""A date's ten bytes as two numbers: ``YYYY-MM-`` and ``DD``."""


def _iso_days(joined: bytes, n: int) -> np.ndarray | None:
    """Days since 1970-01-01 of ``n`` dates written one after the other, or ``None`` unless every one is a valid date
    written ``YYYY-MM-DD`` between :data:`_FIRST_DAY` and :data:`_LAST_DAY` (which pandas reads as that date).

    Each distinct date is checked and converted once: a trial's rows hold few (their months), and
    grouping the rows by their two numbers (hashing, ``pd.factorize``) took a twentieth of the time of
    checking every row's digits (1,000,000 dates: 16 against 290 ms).
    """
    if len(joined) != n * _ISO_DAY:
        return None
    parts = np.frombuffer(joined, dtype=_ISO_PARTS)
    heads, head_values = pd.factorize(parts["head"])
    codes, uniques = pd.factorize(heads.astype(np.int64) << 16 | parts["day"])
    distinct = np.empty(len(uniques), dtype=_ISO_PARTS)
    distinct["head"], distinct["day"] = head_values[uniques >> 16], uniques & 0xFFFF
    days = _distinct_iso_days(distinct.tobytes())
    return None if days is None else days[codes]


def _distinct_iso_days(joined: bytes) -> np.ndarray | None:
    """Days since 1970-01-01 of dates written one after the other, every one's digits and day checked (``None`` unless all are
    valid and in range, as :func:`_iso_days` says)."""
    chars = np.frombuffer(joined, dtype=np.uint8).reshape(-1, _ISO_DAY).astype(np.int64)
    digits = chars[:, [0, 1, 2, 3, 5, 6, 8, 9]] - ord("0")
    if ((digits < 0) | (digits > 9)).any() or (chars[:, [4, 7]] != ord("-")).any():
        return None
    year = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
    month, day = digits[:, 4] * 10 + digits[:, 5], digits[:, 6] * 10 + digits[:, 7]
    if ((month < 1) | (month > 12) | (day < 1)).any():
        return None
    first = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    if (day > ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(np.int64)).any():
        return None  # the 30th of February, say
    days = first.astype("datetime64[D]") + (day - 1)
    return days if ((days >= _FIRST_DAY) & (days <= _LAST_DAY)).all() else None


def _sqlite_digests(cursor: Any, rows: ImportedRows, statement_sql: str) -> list[_ColumnDigest | None]:
    """The digest of each column of ``rows`` from one aggregate query over ``statement_sql`` (its columns in canonical order)
    on a SQLite cursor; ``None`` for a column with a value that :func:`_sqlite_aggregate` does not give exactly.

    SQLite walks the rows once and concatenates each column in C, without Python's global lock
    (``sqlite3_step``); the ordered subquery of an aggregate is not flattened into it, so the aggregate
    meets its rows in that order. The digest is the one :func:`_table_digests` computes from the rows.
    """
    if cursor.execute("PRAGMA encoding").fetchone()[0] != "UTF-8":  # the text's bytes are those the driver decodes
        return [None] * len(rows.columns)
    kinds = [_kind(rows, c) for c in rows.columns]
    parts = [_sqlite_aggregate(kind, c) for kind, c in zip(kinds, rows.columns, strict=True)]
    cursor.execute(f"SELECT count(*), {', '.join(f'total({condition}), {aggregate}' for aggregate, condition in parts)} FROM ({statement_sql})")
    n, *results = cursor.fetchone()
    digests: list[_ColumnDigest | None] = []
    for kind, exact_rows, text in zip(kinds, results[::2], results[1::2], strict=True):
        encoded = (_decoded(kind, text, n) if n else (b"", b"")) if exact_rows == n else None
        digest = None if encoded is None else _ColumnDigest(kind)
        if digest is not None and encoded is not None:
            digest.update_bytes(n, *encoded)
        digests.append(digest)
    return digests


def _sqlite_table_digests(cursor: Any, dialect: Dialect, rows: ImportedRows, import_id: int, most: bool) -> list[_ColumnDigest]:
    """The digest of each column of the rows of ``import_id`` in ``rows.table`` on SQLite: from SQLite's aggregates
    (:func:`_sqlite_digests`), the columns they cannot give from the driver's rows of those columns alone."""
    given = _sqlite_digests(cursor, rows, _literal(dialect, _statement(rows, import_id, most)))
    missing = ImportedRows(rows.table, tuple(c for c, d in zip(rows.columns, given, strict=True) if d is None), rows.order)
    if missing.columns:
        read = [_ColumnDigest(_kind(rows, c)) for c in missing.columns]
        cursor.execute(_literal(dialect, _statement(missing, import_id, most)))
        while chunk := cursor.fetchmany(CHUNK_ROWS):
            for digest, values in zip(read, _driver_columns(missing, chunk), strict=True):
                digest.update(values)
        filled = iter(read)
        given = [next(filled) if d is None else d for d in given]
    return [d for d in given if d is not None]


def _statement(rows: ImportedRows, import_id: int, most: bool = False) -> Select:  # type: ignore[type-arg]
    """The rows of ``import_id`` in ``rows.table`` in canonical order (``most``, on SQLite: the import holds most of the table's rows)."""
    table = rows.table
    match = table.c.import_id == import_id
    if most:
        # SQLite would find the import's rows through the import_id index and sort them all in a temporary B-tree; when the
        # import holds most of the table, walking the unique index in canonical order is cheaper (``+ 0``: that index unused)
        match = table.c.import_id + 0 == import_id
    return select(*(table.c[c] for c in rows.columns)).where(match).order_by(*(table.c[c] for c in rows.order))


def _stored(session: Session, rows: ImportedRows, import_id: int, reader: ColumnReader | None = None) -> Iterable[Sequence[Sequence[Any]] | pa.Table]:
    """The rows of ``import_id`` in ``rows.table`` as read back, in canonical order, as chunks of columns (the driver's values),
    or as one Arrow table through ``reader`` where it can read them."""
    statement = _statement(rows, import_id)
    columnar = _columnar(reader, rows, statement) if reader is not None else None
    if columnar is not None:
        yield columnar
        return
    for chunk in driver_chunks(session, statement, CHUNK_ROWS):
        yield _driver_columns(rows, chunk)


def _driver_columns(rows: ImportedRows, chunk: list[tuple[Any, ...]]) -> list[Sequence[Any]]:
    """A chunk of the driver's rows of ``rows.table`` as the columns :meth:`_ColumnDigest.update` digests."""
    plain = transposed(chunk, len(rows.columns))
    columns: list[Sequence[Any]] = list(plain)
    unusual = [i for i, c in enumerate(rows.columns) if not _plain_values(_kind(rows, c), plain[i])]
    if unusual:  # values of another type than the column's (written behind the registry's back): as a frame reads them
        frame = pd.DataFrame.from_records(chunk, columns=list(rows.columns))
        for i in unusual:
            columns[i] = frame[rows.columns[i]]
    return columns


def _columnar(reader: ColumnReader, rows: ImportedRows, statement: Select) -> pa.Table | None:  # type: ignore[type-arg]
    """The rows of ``statement`` (the columns of ``rows``) read as one Arrow table through ``reader``, or ``None`` if it cannot."""
    return reader.table(statement, [ARROW_KINDS[_kind(rows, c)] for c in rows.columns])


ARROW_KINDS: dict[str, Kind] = {"int": INTEGER, "float": FLOAT, "bool": BOOLEAN, "text": TEXT, "date": DATE}
"""The Arrow type each kind of column is read as (:mod:`~proeftuin.registry.columnar`)."""
_PLAIN: dict[str, set[type]] = {"int": {int}, "float": {float, int, type(None)}, "bool": {bool, int}, "text": {str, type(None)},
                                "date": {str, dt.date, type(None)}}
"""The Python types a driver gives for each kind of column, whose digest :meth:`_ColumnDigest.update` computes from the tuple
itself; exactly the types for which that gives the same bytes as the chunk read into a frame (integers without ``NULL``:
a frame reads a ``NULL`` among them as a float NaN; a ``datetime`` is not a plain ``date``)."""


def _plain_values(kind: str, values: tuple[Any, ...]) -> bool:
    """Whether every value of a column read back is of a type :data:`_PLAIN` allows for its kind (integers within 64 bits, ``bool`` not an integer)."""
    types = set(map(type, values))
    if not types <= _PLAIN[kind]:
        return False
    return kind != "int" or -(2**63) <= min(values) and max(values) < 2**63


def import_rows_sha256(session: Session, import_id: int, reader: ColumnReader | None = None) -> str:
    """The rows digest (:data:`ROWS_DIGEST`) of every row an import wrote (outcome months and the plan's own outcomes,
    survey items and scores, services), as stored; read as Arrow columns through ``reader`` where it can, on SQLite
    concatenated by SQLite (:func:`_sqlite_digests`) where it can."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":  # the session's own connection, in its transaction
        return sqlite_import_rows_sha256(connection.connection.driver_connection, connection.dialect, import_id)  # type: ignore[arg-type]
    return _rows_sha256((rows, _stored(session, rows, import_id, reader)) for rows in IMPORT_ROWS)


def _literal(dialect: Dialect, statement: ClauseElement) -> str:
    """``statement`` as SQL text with its parameters written in."""
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def sqlite_import_rows_sha256(connection: sqlite3.Connection, dialect: Dialect, import_id: int) -> str:
    """:func:`import_rows_sha256` through a ``sqlite3`` connection (the session's, or one of its own for a thread:
    :class:`ParallelDigests`). Where the import holds most of a table's rows (two counts on indexes), its rows are read in
    the order of the table's unique index (see :func:`_statement`)."""
    tables = []
    cursor = connection.cursor()
    try:
        for rows in IMPORT_ROWS:
            count = select(func.count()).select_from(rows.table)
            total = cursor.execute(_literal(dialect, count)).fetchone()[0]
            mine = cursor.execute(_literal(dialect, count.where(rows.table.c.import_id == import_id))).fetchone()[0]
            tables.append((rows, _sqlite_table_digests(cursor, dialect, rows, import_id, 2 * mine > total)))
    finally:
        cursor.close()
    return _digests_sha256(tables)


def frame_rows_sha256(frames: Mapping[Table, pd.DataFrame]) -> str:
    """The rows digest of an import that writes exactly ``frames`` (a frame per table; nothing into the others), before they are inserted."""
    def chunks(rows: ImportedRows) -> Iterable[Sequence[Sequence[Any]]]:
        frame = frames.get(rows.table)
        if frame is None or frame.empty:
            return
        ordered = frame.sort_values(list(rows.order), kind="stable")
        for start in range(0, len(ordered), CHUNK_ROWS):
            part = ordered.iloc[start : start + CHUNK_ROWS]
            yield [part[c] for c in rows.columns]

    return _rows_sha256((rows, chunks(rows)) for rows in IMPORT_ROWS)


def _sqlite_twin(session: Session) -> sqlite3.Connection | None:
    """A second, read-only connection to the session's SQLite file in a read transaction that sees exactly the session's state,
    or ``None`` if none can be had (a database in memory, a session that has written, a commit in between, an error).

    SQLite takes a read transaction's snapshot at its first read (write-ahead log). The session's
    transaction is begun again (:func:`~proeftuin.registry.db.restart_snapshot`) and takes its
    snapshot between two reads of the second connection's ``PRAGMA data_version``, the second of
    which begins that connection's transaction; the value changes exactly when another connection
    has committed in between (SQLite's documentation of the pragma), so where it has not, both
    transactions see the same commit. No lock is taken: writers are not kept waiting.
    """
    connection = session.connection()
    files = {name: file for _seq, name, file in connection.exec_driver_sql("PRAGMA database_list")}
    if not files.get("main"):
        return None
    twin = None
    try:
        twin = sqlite3.connect(f"{Path(files['main']).as_uri()}?mode=ro", uri=True, check_same_thread=False, isolation_level=None,
                               timeout=SQLITE_BUSY_SECONDS)
        before = twin.execute("PRAGMA data_version").fetchone()[0]
        if restart_snapshot(session):
            session.connection().exec_driver_sql("SELECT count(*) FROM sqlite_master")  # the session's snapshot taken
            twin.execute("BEGIN")
            if twin.execute("PRAGMA data_version").fetchone()[0] == before:  # (this read began the twin's)
                return twin
    except sqlite3.Error:
        pass
    if twin is not None:
        twin.close()
    return None


PARALLEL_ROWS = 200_000
"""Imported rows (of the active imports) from which ``verify`` digests them alongside its other passes (:class:`ParallelDigests`):
below, their digest is a small part of ``verify`` (a third connection is not worth opening for it), and the session makes it."""
SQLITE_PARALLEL_ROWS = 200_000
"""The same on SQLite, where the second connection also begins the session's transaction again (:func:`_sqlite_twin`)."""


class ParallelDigests:
    """The rows digests (:func:`import_rows_sha256`) of the active imports, computed while ``verify`` does its other passes (a
    context manager; :meth:`get` waits for them). Where they are not (too few rows, no columnar reader, a failure), :meth:`get`
    gives ``None`` and the caller digests the rows itself.

    On PostgreSQL with the ADBC driver, by a thread reading Arrow columns through its own
    connection on the reader's snapshot (:meth:`~proeftuin.registry.columnar.ColumnReader.twin`):
    the driver reads and hashlib hashes the columns' buffers without the GIL, so the thread
    overlaps the session's passes. It never touches the session; a table it cannot read as
    columns leaves that import to the caller.

    On SQLite, by a thread with a second connection that sees the session's state
    (:func:`_sqlite_twin`), from SQLite's aggregates of each column (:func:`sqlite_import_rows_sha256`):
    one ``sqlite3_step`` per table, during which Python's ``sqlite3`` releases the GIL, so SQLite
    concatenates the values while the session's passes run. A column whose values the aggregates
    do not give exactly is read through the driver in the thread (which then holds the GIL: ``sqlite3``
    makes an object of every value it reads).
    """

    def __init__(self, session: Session, reader: ColumnReader | None = None, minimum_rows: int | None = None) -> None:
        self._thread: threading.Thread | None = None
        self._twin: ColumnReader | None = None
        self._digests: dict[int, str] | None = None
        self._sqlite: sqlite3.Connection | None = None
        dialect = session.get_bind().dialect
        sqlite = dialect.name == "sqlite"
        if not sqlite and (reader is None or not reader.reads):
            return
        rows = select(func.coalesce(func.sum(DataImport.rows), 0)).where(DataImport.active)
        if (session.scalar(rows) or 0) < ((SQLITE_PARALLEL_ROWS if sqlite else PARALLEL_ROWS) if minimum_rows is None else minimum_rows):
            return
        if sqlite:
            self._start_sqlite(session, dialect)
            return
        assert reader is not None
        imports = list(session.scalars(select(DataImport.id).where(DataImport.active).order_by(DataImport.id)))
        self._twin = reader.twin(session)
        self._thread = threading.Thread(target=self._digest_columns, args=(self._twin, imports), daemon=True)
        self._thread.start()

    def _start_sqlite(self, session: Session, dialect: Dialect) -> None:
        self._sqlite = _sqlite_twin(session)
        if self._sqlite is None:
            return
        imports = list(session.scalars(select(DataImport.id).where(DataImport.active).order_by(DataImport.id)))  # in the shared snapshot
        self._thread = threading.Thread(target=self._digest_sqlite, args=(self._sqlite, dialect, imports), daemon=True)
        self._thread.start()

    def _digest_sqlite(self, connection: sqlite3.Connection, dialect: Dialect, imports: list[int]) -> None:
        """The thread on SQLite: each import's digest, from SQLite's aggregates where they give the values exactly; a failure
        leaves every import to the caller."""
        try:
            self._digests = {import_id: sqlite_import_rows_sha256(connection, dialect, import_id) for import_id in imports}
        except Exception:  # noqa: BLE001 - the caller digests the rows itself and reports what it finds
            self._digests = {}

    def __enter__(self) -> ParallelDigests:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._thread is not None:
            self._thread.join()
        if self._twin is not None:
            self._twin.__exit__(None, None, None)
        if self._sqlite is not None:
            self._sqlite.close()  # its read transaction with it

    @property
    def started(self) -> bool:
        """Whether a thread digests the imports."""
        return self._thread is not None

    def _digest_columns(self, reader: ColumnReader, imports: list[int]) -> None:
        """The thread: each import's digest from its tables read as Arrow columns; an import with a table that cannot be, left out.
        A failure (the connection lost, say) leaves every import to the caller, with no traceback on the thread's way out."""
        try:
            self._digests = self._digests_of(reader, imports)
        except Exception:  # noqa: BLE001 - the caller digests the rows itself and reports what it finds
            self._digests = {}

    @staticmethod
    def _digests_of(reader: ColumnReader, imports: list[int]) -> dict[int, str]:
        digests = {}
        for import_id in imports:
            tables = []
            for rows in IMPORT_ROWS:
                table = rows.table
                statement = (select(*(table.c[c] for c in rows.columns)).where(table.c.import_id == import_id)
                             .order_by(*(table.c[c] for c in rows.order)))
                tables.append(_columnar(reader, rows, statement))
            if all(t is not None for t in tables):
                digests[import_id] = _rows_sha256((rows, [t]) for rows, t in zip(IMPORT_ROWS, tables, strict=True))
        return digests

    def get(self, import_id: int) -> str | None:
        """The digest of ``import_id`` computed alongside (waiting for it), or ``None`` (none computed, a failure, not one of them)."""
        if self._thread is not None:
            self._thread.join()
        return None if self._digests is None else self._digests.get(import_id)

