"""Use case helper: open the registry a person names with ``--db``, refusing one that is not there.

Connecting to a missing SQLite file would create an empty one and then fail on a missing table;
a face asks here first so the person reads what is wrong (one line) and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from proeftuin.registry import make_engine, migrate

SUPPORTED_DATABASES = ("sqlite", "postgresql")


class DatabaseUnavailable(ValueError):
    """The ``--db`` URL is malformed or names a SQLite file that does not exist."""


def existing_registry(url: str) -> Engine:
    """An engine on the registry at ``url``; :class:`DatabaseUnavailable` when it cannot be one."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable(f"--db {url!r} is not a database URL (e.g. sqlite:///proeftuin.db)") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:") and not Path(parsed.database).is_file():
        raise DatabaseUnavailable(f"--db {url}: no such database file; run `proeftuin demo --db {url}` or create the experiment first")
    return make_engine(url)


def writable_registry(url: str) -> Engine:
    """An engine on the registry at ``url``, created or migrated to the current schema.

    :class:`DatabaseUnavailable` (one line) for a text that is no database URL, a database kind
    proeftuin does not support, a missing driver or a server that does not answer.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable("--db: not a database URL (write e.g. sqlite:///proeftuin.db or postgresql://user@host/name)") from None
    if parsed.get_backend_name() not in SUPPORTED_DATABASES:
        raise DatabaseUnavailable(f"--db: {parsed.get_backend_name()!r} is not supported; use {' or '.join(SUPPORTED_DATABASES)}")
    try:
        engine = make_engine(url)
        migrate(engine)
    except OperationalError as exc:
        raise DatabaseUnavailable(f"database: {str(exc.orig or exc).splitlines()[0]}") from None
    except ImportError as exc:
        raise DatabaseUnavailable(f"--db: the driver for {parsed.drivername!r} is not installed ({exc.name})") from None
    return engine


@contextmanager
def reading(url: str) -> Iterator[None]:
    """Turn a database error while reading the registry at ``url`` into :class:`DatabaseUnavailable`
    (one line: the URL without its password, the driver's first line, and the likely cause)."""
    try:
        yield
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        shown = make_url(url).render_as_string(hide_password=True)
        raise DatabaseUnavailable(f"--db {shown}: cannot read the registry ({reason}); is it a proeftuin database at the current schema?") from None


__all__ = ["SUPPORTED_DATABASES", "DatabaseUnavailable", "existing_registry", "reading", "writable_registry"]
