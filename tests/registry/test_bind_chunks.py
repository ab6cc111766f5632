"""Look-ups of many people bind their values in slices: PostgreSQL refuses a statement with more than 65,535
bound parameters, so a request about 100,000 people must never put them in one ``IN`` list."""

from __future__ import annotations

from sqlalchemy import Engine

from proeftuin.registry.db import BIND_CHUNK, bind_chunks, session_scope
from proeftuin.registry.intake import latest_consents

POSTGRES_PARAMETER_LIMIT = 65_535


def test_slices_cover_every_value_in_order_and_none_is_too_long() -> None:
    values = list(range(2 * BIND_CHUNK + 7))
    slices = list(bind_chunks(iter(values)))
    assert [v for s in slices for v in s] == values
    assert [len(s) for s in slices] == [BIND_CHUNK, BIND_CHUNK, 7]
    assert list(bind_chunks([])) == []
    assert BIND_CHUNK < POSTGRES_PARAMETER_LIMIT


def test_a_look_up_of_more_people_than_postgres_binds_in_one_statement_runs(engine: Engine) -> None:
    # 70,000 participant ids (none of them enrolled): one IN list would exceed PostgreSQL's limit
    with session_scope(engine) as session:
        assert latest_consents(session=session, participant_ids=range(1, 70_001)) == {}
