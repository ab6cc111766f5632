"""The JSON API against its own OpenAPI schema (schemathesis): no input makes it answer 500, and
every answer matches what the schema declares.

Bounded for CI: a fixed number of examples per operation, derandomized (the same examples every
run), no deadline per example (argon2 is slow on purpose). Each operation is run through
hypothesis directly: schemathesis' lazy pytest fixture does not work with pytest 9.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from conftest import PASSWORD

EXAMPLES = 30
ROLE_OF = {"/api/caseload": "cora"}
"""Who calls each operation (one allowed to, so the handler runs); the researcher otherwise."""


def _operations(client: TestClient) -> dict[str, object]:
    import schemathesis  # here, not at module level: only this file's worker pays its import (0.4 s)

    schema = schemathesis.openapi.from_asgi("/api/openapi.json", client.app)
    return {f"{op.method.upper()} {op.path}": op for op in (result.ok() for result in schema.get_all_operations())}


def test_every_api_route_is_in_the_schema(client: TestClient) -> None:
    assert sorted(_operations(client)) == ["GET /api/caseload", "GET /api/experiments", "GET /api/me", "POST /api/token"]


@pytest.mark.parametrize("operation", ["GET /api/caseload", "GET /api/experiments", "GET /api/me", "POST /api/token"])
def test_the_api_keeps_its_schema(client: TestClient, operation: str) -> None:
    api = _operations(client)[operation]
    name = ROLE_OF.get(api.path, "rob")  # type: ignore[attr-defined]
    token = client.post("/api/token", data={"username": name, "password": PASSWORD}).json()["access_token"]

    @given(case=api.as_strategy())  # type: ignore[attr-defined]
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    def check(case) -> None:  # type: ignore[no-untyped-def]
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"})

    check()
