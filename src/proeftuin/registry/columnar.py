"""Reads as Arrow columns on PostgreSQL: the rows of a statement read in C by an ADBC driver, for ``verify``'s passes over every row.

psycopg hands over every value as a Python object in a tuple; Apache Arrow's ADBC driver
(``adbc-driver-postgresql``: ``COPY`` in binary, parsed in C) fills whole columns, which
``verify`` then hashes and compares as columns. It reads through a second connection whose
transaction imports the session's snapshot (``pg_export_snapshot()``, ``SET TRANSACTION
SNAPSHOT``, repeatable read, read only), so it sees exactly what the session's transaction sees
at the export.

Not on SQLite: ``adbc-driver-sqlite`` links its own copy of SQLite, and two copies of SQLite in
one process do not see each other's POSIX locks (SQLite, "How To Corrupt An SQLite Database
File", 2.2.1): the driver's connection, on closing, took itself for the last one, checkpointed
and removed the write-ahead log under the process's other connections ("disk I/O error").
Where no columnar read is possible (SQLite, the driver not installed, a column of another type
than its SQL type's), :meth:`ColumnReader.table` returns ``None`` and the caller reads the rows
through the session's own driver.
"""

from __future__ import annotations

import contextlib
import importlib
from concurrent.futures import Future, ThreadPoolExecutor
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Unpack, cast

import pyarrow as pa
from sqlalchemy import Boolean, Date, DateTime, Engine, Float, Integer, Select, String
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ClauseElement
from sqlalchemy.types import TypeEngine

from proeftuin.registry.driver_reads import driver_rows, transposed

DRIVERS = {"postgresql": "adbc_driver_postgresql.dbapi"}
"""The ADBC driver module of each dialect read as columns."""

Kind = Callable[[pa.DataType], bool]
"""Whether a column read as Arrow has the type its SQL type gives."""
INTEGER: Kind = pa.types.is_integer
FLOAT: Kind = pa.types.is_floating
TEXT: Kind = lambda kind: pa.types.is_string(kind) or pa.types.is_large_string(kind)  # noqa: E731
DATE: Kind = pa.types.is_date32
BOOLEAN: Kind = pa.types.is_boolean


def _snapshot(session: Session) -> tuple[Any, str, str] | None:
    """The ADBC driver module, the URL and the exported snapshot of the session's transaction (see the module docstring);
    ``None`` if no second connection can see its state."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    dialect = engine.dialect.name
    if dialect not in DRIVERS:
        return None
    try:
        dbapi = importlib.import_module(DRIVERS[dialect])
    except ImportError:
        return None
    snapshot = session.connection().exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
    return dbapi, engine.url.set(drivername="postgresql").render_as_string(hide_password=False), snapshot


def _connect(dbapi: Any, url: str, snapshot: str) -> Any:
    """A connection through ADBC whose transaction imports ``snapshot`` (repeatable read, read only)."""
    connection = dbapi.connect(url, autocommit=False)
    cursor = connection.cursor()
    try:  # the driver has begun a transaction; before its first query it takes the session's snapshot
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
    except Exception:
        connection.close()
        raise
    finally:
        cursor.close()
    return connection


def _kind_of(sql_type: TypeEngine[Any]) -> Kind | None:
    """The Arrow kind a column of ``sql_type`` is read as (``None``: a type not read as columns here)."""
    if isinstance(sql_type, Boolean):
        return BOOLEAN
    if isinstance(sql_type, Integer):
        return INTEGER
    if isinstance(sql_type, Float):
        return FLOAT
    if isinstance(sql_type, DateTime):
        return None
    if isinstance(sql_type, Date):
        return DATE
    return TEXT if isinstance(sql_type, String) else None


def kinds_of(statement: Select[Unpack[tuple[Any, ...]]]) -> list[Kind] | None:
    """The Arrow kind of each column of ``statement`` (as :meth:`ColumnReader.columns` reads it), or ``None`` if one is not read as columns."""
    kinds = [_kind_of(column.type) for column in statement.selected_columns]
    return None if any(kind is None for kind in kinds) else cast(list[Kind], kinds)


class ColumnReader:
    """Statements read as Arrow tables through a second connection that sees the session's state (a context manager)."""

    def __init__(self, session: Session, snapshot: tuple[Any, str, str] | None = None) -> None:
        self._dialect = session.get_bind().dialect
        self._snapshot = _snapshot(session) if snapshot is None else snapshot
        self._connection = None if self._snapshot is None else _connect(*self._snapshot)
        self._ahead: dict[str, Future[pa.Table | None]] = {}
        self._ahead_reader: ColumnReader | None = None

    @property
    def reads(self) -> bool:
        """Whether this reader reads as columns (a connection of its own), or leaves every statement to the session's driver."""
        return self._connection is not None

    def twin(self, session: Session) -> ColumnReader | None:
        """Another reader on the same snapshot (its own connection: for another thread), or ``None`` if this one reads nothing."""
        return None if self._snapshot is None else ColumnReader(session, self._snapshot)

    def __enter__(self) -> ColumnReader:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        for future in self._ahead.values():  # the read under way finished, those not begun dropped, before their connection closes
            future.cancel()
        for future in self._ahead.values():
            with contextlib.suppress(BaseException):
                future.result()
        self._ahead.clear()
        if self._ahead_reader is not None:
            self._ahead_reader.__exit__(None, None, None)
            self._ahead_reader = None
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.rollback()
            self._connection.close()

    def table(self, statement: ClauseElement, kinds: Sequence[Kind]) -> pa.Table | None:
        """Every row of ``statement`` (no bound parameters but literals) as one Arrow table whose columns are of ``kinds``, or
        ``None`` if it cannot be read so (no driver, or a column of another type); a column of nulls only passes whatever its type."""
        if self._connection is None:
            return None
        sql = self._sql(statement)
        ahead = self._ahead.pop(sql, None)
        if ahead is not None:
            with contextlib.suppress(Exception):  # a failed read ahead (the connection lost, say): read again on this one
                return ahead.result()
        return self._read(sql, kinds)

    def read_ahead(self, session: Session, statements: Sequence[tuple[ClauseElement, Sequence[Kind]]]) -> None:
        """Begin reading ``statements`` (as :meth:`table` would, with their kinds), in order, in a thread with a connection of
        its own on the same snapshot; :meth:`table` of one of them then waits for it instead of reading it (nothing where
        this reader reads nothing).

        The server sorts and sends the rows, and the driver parses them in C, without the GIL: while
        ``verify`` checks the allocations in Python, the thread reads the audit chain (on PostgreSQL 1.2-1.5 s
        of wall time for 300,000 events, 0.35-0.5 s of it this process's CPU, the rest the server's).
        """
        if self._connection is None or self._snapshot is None or not statements:
            return
        if self._ahead_reader is None:
            self._ahead_reader = ColumnReader(session, self._snapshot)
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="proeftuin-read-ahead")
        for statement, kinds in statements:
            self._ahead[self._sql(statement)] = pool.submit(self._ahead_reader._read, self._sql(statement), kinds)  # noqa: SLF001
        pool.shutdown(wait=False)  # its thread ends when the last read is done

    def _sql(self, statement: ClauseElement) -> str:
        return str(statement.compile(dialect=self._dialect, compile_kwargs={"literal_binds": True}))

    def _read(self, sql: str, kinds: Sequence[Kind]) -> pa.Table | None:
        """The rows of ``sql`` through this reader's own connection, as :meth:`table` gives them."""
        assert self._connection is not None
        cursor = self._connection.cursor()
        try:
            cursor.execute(sql)
            table = cursor.fetch_arrow_table().combine_chunks()
        finally:
            cursor.close()
        typed = all(kind(column.type) or column.null_count == len(column) for kind, column in zip(kinds, table.columns, strict=True))
        return table if typed else None  # (a column of nulls only: the driver's type is its guess)

    def columns(self, statement: Select[Unpack[tuple[Any, ...]]]) -> list[tuple[Any, ...]] | None:
        """Every column of ``statement`` as a tuple of the values the session's driver gives (ints, floats, text, booleans,
        ``None``), dates as ISO text (formatted by Arrow: faster than a ``date`` object per value, and what the callers
        compare), read as columns; ``None`` if it cannot be read so (see :meth:`table`)."""
        kinds = kinds_of(statement)
        if self._connection is None or kinds is None:
            return None
        table = self.table(statement, kinds)
        if table is None:
            return None
        return [tuple((column.cast(pa.string()) if pa.types.is_date32(column.type) else column).to_pylist()) for column in table.columns]

    def rows(self, statement: Select[Unpack[tuple[Any, ...]]]) -> list[tuple[Any, ...]] | None:
        """Every row of ``statement`` as a tuple of the values :meth:`columns` gives; ``None`` if it cannot be read so."""
        columns = self.columns(statement)
        return None if columns is None else list(zip(*columns, strict=True))


def read_rows(session: Session, statement: Select[Unpack[tuple[Any, ...]]], reader: ColumnReader | None) -> list[tuple[Any, ...]]:
    """Every row of ``statement`` as a tuple: read as columns through ``reader`` where it can, else through the session's driver."""
    rows = reader.rows(statement) if reader is not None else None
    return rows if rows is not None else driver_rows(session, statement)


def read_columns(session: Session, statement: Select[Unpack[tuple[Any, ...]]], reader: ColumnReader | None) -> list[tuple[Any, ...]]:
    """Every column of ``statement`` as a tuple (the values :func:`read_rows` gives, by column): read as columns through ``reader``
    where it can, else the rows of the session's driver :func:`~proeftuin.registry.driver_reads.transposed`."""
    columns = reader.columns(statement) if reader is not None else None
    return columns if columns is not None else transposed(driver_rows(session, statement), len(statement.selected_columns))
