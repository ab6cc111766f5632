"""Use case helper: open the registry a person names with ``--db``, refusing one that is not there.

Connecting to a missing SQLite file would create an empty one and then fail on a missing table;
a face asks here first so the person reads what is wrong (one line) and nothing is written.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from proeftuin.registry import make_engine


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


def display_url(url: str) -> str:
    """``url`` as it may be printed (the password hidden)."""
    return make_url(url).render_as_string(hide_password=True)


__all__ = ["DatabaseUnavailable", "display_url", "existing_registry"]
