"""Emptying a PostgreSQL test database: the one helper the root and the registry fixtures share."""

from __future__ import annotations

from sqlalchemy import create_engine, text


def reset_schema(url: str) -> None:
    """Drop and recreate the public schema: an empty PostgreSQL database for the next test."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
