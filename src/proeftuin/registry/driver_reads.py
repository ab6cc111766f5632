"""Bulk reads through the driver's own cursor, in the session's transaction: plain tuples, no ORM or type processing per row.

For the passes of ``verify`` over every row (audit events, participants, allocations, imported
rows), where SQLAlchemy's per-row result processing costs more than reading the rows. Values
come in the driver's form (on SQLite dates as ``YYYY-MM-DD`` text and booleans as 0/1; JSON
columns are selected ``CAST(... AS TEXT)`` by the callers, so both databases give the stored text).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ClauseElement


def driver_chunks(session: Session, statement: ClauseElement, batch: int = 10_000) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of ``statement`` (no bound parameters but literals) in chunks of at most ``batch`` tuples."""
    connection = session.connection()
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        while chunk := cursor.fetchmany(batch):
            yield chunk
    finally:
        cursor.close()


def transposed(rows: Sequence[tuple[Any, ...]], width: int) -> list[tuple[Any, ...]]:
    """The ``width`` columns of ``rows``, each as a tuple: one pass over the rows per column (``zip(*rows)`` keeps an
    iterator per row: three to five times slower on a chunk of 100,000 rows)."""
    return [tuple(map(itemgetter(i), rows)) for i in range(width)]


def driver_rows(session: Session, statement: ClauseElement) -> list[tuple[Any, ...]]:
    """Every row of ``statement`` as a tuple."""
    return [row for chunk in driver_chunks(session, statement, 100_000) for row in chunk]
