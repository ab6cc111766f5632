"""The permission matrix: every route, every role and anonymous.

Rule: anonymous gets 401 everywhere (pages render the login form with that status, the API adds
``WWW-Authenticate: Bearer``); a role outside the registry's matrix gets 403; an allowed role gets
neither (a made-up pseudonym then gives 400, which proves the handler ran).
"""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute

from conftest import PASSWORD, USERS, csrf, login
from proeftuin.registry.roles import PERMISSIONS, Operation, Role

NOBODY = "0" * 64
ROUTES: dict[tuple[str, str], Operation] = {
    ("GET", "/experiments"): Operation.list_experiments,
    ("GET", "/api/experiments"): Operation.list_experiments,
    ("GET", "/work-pays"): Operation.list_experiments,
    ("GET", "/intake"): Operation.enrol,
    ("GET", "/api/caseload"): Operation.enrol,
    ("POST", "/intake/enrol"): Operation.enrol,
    ("GET", "/intake/{slug}/{pseudonym}"): Operation.see_arm,
    ("POST", "/intake/{slug}/{pseudonym}/consent"): Operation.consent,
    ("POST", "/intake/{slug}/{pseudonym}/randomize"): Operation.randomize,
    ("GET", "/audit"): Operation.read_audit,
    ("POST", "/audit/verify"): Operation.verify,
    ("GET", "/results"): Operation.run_analysis,
    ("GET", "/results/{slug}"): Operation.run_analysis,
    ("GET", "/results/{slug}/report.html"): Operation.run_analysis,
    ("GET", "/results/{slug}/report.pdf"): Operation.run_analysis,
    ("GET", "/data"): Operation.import_data,
    ("GET", "/data/{slug}"): Operation.import_data,
    ("POST", "/data/{slug}/upload"): Operation.import_data,
}
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("POST", "/logout"), ("POST", "/api/token"), ("GET", "/")}
"""Routes open to anyone (logging in, and the redirect from the root)."""
AUTHENTICATED = {("GET", "/api/me")}
"""Routes open to any logged-in user."""
FORMS = {
    "/intake/enrol": {"experiment": "utrecht", "bsn": "123", "enrolled_on": "2018-06-01", "age": "30", "sex": "female", "household": "single",
                      "months_on_benefit": "1", "education": "low", "health": "5", "distance_to_labour_market": "far"},
    "/intake/{slug}/{pseudonym}/consent": {"text_version": "2018-05", "on": "2018-06-01"},
    "/intake/{slug}/{pseudonym}/randomize": {"on": "2018-06-01"},
    "/data/{slug}/upload": {"kind": "outcomes", "source": "municipal"},
}
FILES = {"/data/{slug}/upload": {"file": ("outcomes.csv", b"pseudonym,month,hours_per_week,contract,gross_earnings,on_benefit\n", "text/csv")}}
"""Uploads carry a file (an allowed role then gets the validation report, 422)."""


def _call(client: TestClient, method: str, path: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    url = path.replace("{slug}", "utrecht").replace("{pseudonym}", NOBODY)
    if method == "GET":
        return client.get(url, headers=headers)
    return client.post(url, data={**FORMS.get(path, {}), "csrf_token": csrf(client)}, files=FILES.get(path), headers=headers,
                       follow_redirects=False)


def _api_routes(routes: list[BaseRoute]) -> list[APIRoute]:
    """The app's endpoints, looking inside included routers (FastAPI >= 0.165 wraps them)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif (inner := getattr(route, "original_router", None)) is not None:
            found.extend(_api_routes(inner.routes))
    return found


def test_every_route_is_in_the_matrix(client: TestClient) -> None:
    routes = {(m, r.path) for r in _api_routes(client.app.routes) for m in r.methods}
    assert routes == set(ROUTES) | PUBLIC | AUTHENTICATED


@pytest.mark.parametrize(("method", "path"), sorted(ROUTES | dict.fromkeys(AUTHENTICATED)))
def test_anonymous_gets_401(client: TestClient, method: str, path: str) -> None:
    response = _call(client, method, path)
    assert response.status_code == 401
    if path.startswith("/api/"):
        assert response.headers["www-authenticate"] == "Bearer"
    else:
        assert 'action="/login"' in response.text


@pytest.mark.parametrize("role", list(Role))
def test_roles_get_exactly_what_the_matrix_allows(client: TestClient, role: Role) -> None:
    name = next(n for n, r in USERS.items() if r is role)
    login(client, name)
    for (method, path), operation in ROUTES.items():
        status = _call(client, method, path).status_code
        if role in PERMISSIONS[operation]:
            assert status not in (401, 403), (role, method, path, status)
        else:
            assert status == 403, (role, method, path, status)


@pytest.mark.parametrize("role", list(Role))
def test_bearer_token_carries_the_role(client: TestClient, role: Role) -> None:
    name = next(n for n, r in USERS.items() if r is role)
    token = client.post("/api/token", data={"username": name, "password": PASSWORD}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=headers).json() == {"name": name, "role": role.value}
    expected = 200 if role in PERMISSIONS[Operation.enrol] else 403
    assert client.get("/api/caseload", headers=headers).status_code == expected


def test_forged_bearer_token_is_401(client: TestClient) -> None:
    response = client.get("/api/me", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
