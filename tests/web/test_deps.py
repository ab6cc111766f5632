"""The dependencies' contracts that a page test would only catch by chance."""

from __future__ import annotations

from typing import get_args

from fastapi.testclient import TestClient

from conftest import login
from proeftuin.web.deps import SessionDep


def test_session_commits_before_the_response_is_sent() -> None:
    # Regression: with the default (request) scope the transaction committed after the response
    # went out, so the browser following the redirect after enrolment sometimes asked for the
    # person before the commit and got 400 "no participant ... in experiment 'utrecht'".
    _session, depends = get_args(SessionDep)
    assert depends.scope == "function"


def test_a_refusal_does_not_turn_the_next_requests_into_500(client: TestClient) -> None:
    # Regression: the user cached for a second stayed attached to the request's database session;
    # a 403 (or 400) rolled that session back, which expired the cached user, and the same user's
    # requests within the second failed with 500 (DetachedInstanceError reading its role).
    login(client, "cora")
    assert client.get("/audit").status_code == 403
    assert client.get("/intake").status_code == 200
    assert client.get("/intake/utrecht/" + "0" * 64).status_code == 400
    assert client.get("/intake").status_code == 200
