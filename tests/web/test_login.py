"""Logging in: cookie flags, CSRF, wrong passwords, the failed-login limit, logout, language."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from pydantic import SecretStr

from conftest import PASSWORD, WEB_SECRET, csrf, login
from proeftuin.registry.db import session_scope
from proeftuin.registry.roles import Role, add_user
from proeftuin.web import create_app, security
from proeftuin.web.accounts import authenticate, set_password
from proeftuin.web.deps import USER_FRESH_SECONDS
from proeftuin.web.security import SESSION_COOKIE, WebSettings, hash_password, verify_password
from proeftuin.registry.login_throttle import MAX_FAILURES


def _post_login(client: TestClient, password: str, token: str | None = None):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"username": "cora", "password": password, "csrf_token": token or csrf(client), "next": "/intake"},
                       follow_redirects=False)


def test_passwords_are_argon2_hashes() -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, "wrong")
    assert not verify_password(None, PASSWORD)


def test_session_cookie_is_httponly_and_samesite_lax(client: TestClient) -> None:
    response = _post_login(client, PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/intake"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http in the test; https requests get Secure


def test_cookie_is_secure_over_tls(client: TestClient) -> None:
    response = client.get("https://testserver/login")
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
    assert "Secure" in cookie


def test_login_without_the_csrf_token_is_refused(client: TestClient) -> None:
    csrf(client)
    response = _post_login(client, PASSWORD, token="forged")
    assert response.status_code == 403
    assert "CSRF token missing or wrong" in response.text


def test_wrong_password_then_rate_limit(client: TestClient) -> None:
    for _ in range(MAX_FAILURES):
        assert _post_login(client, "wrong password").status_code == 401
    blocked = _post_login(client, PASSWORD)
    assert blocked.status_code == 429
    assert "Te veel mislukte pogingen" in blocked.text
    token = client.post("/api/token", data={"username": "cora", "password": PASSWORD})
    assert token.status_code == 429


def test_other_user_is_not_blocked_by_someone_elses_failures(client: TestClient) -> None:
    for _ in range(MAX_FAILURES):
        _post_login(client, "wrong password")
    assert client.post("/api/token", data={"username": "rob", "password": PASSWORD}).status_code == 200


def test_next_never_leaves_the_site(client: TestClient) -> None:
    response = client.post("/login", data={"username": "cora", "password": PASSWORD, "csrf_token": csrf(client), "next": "//evil.example"},
                           follow_redirects=False)
    assert response.headers["location"] == "/experiments"


def test_logout_ends_the_session(client: TestClient) -> None:
    login(client, "cora")
    assert client.get("/intake").status_code == 200
    client.post("/logout", data={"csrf_token": csrf(client)})
    assert client.get("/intake").status_code == 401


def test_dutch_by_default_english_on_request(client: TestClient) -> None:
    login(client, "cora")
    assert "<h1>Experimenten</h1>" in client.get("/experiments").text
    assert "<h1>Experiments</h1>" in client.get("/experiments?lang=en").text
    assert "<h1>Experiments</h1>" in client.get("/experiments").text  # the cookie remembers


def test_a_copied_cookie_stops_working_at_logout(client: TestClient) -> None:
    login(client, "cora")
    copied = client.cookies.get(SESSION_COOKIE)
    client.post("/logout", data={"csrf_token": csrf(client)})
    with TestClient(client.app) as other:
        other.cookies.set(SESSION_COOKIE, copied)
        assert other.get("/intake").status_code == 401


def test_logout_ends_the_users_bearer_tokens(client: TestClient) -> None:
    token = client.post("/api/token", data={"username": "cora", "password": PASSWORD}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=headers).status_code == 200
    login(client, "cora")
    client.post("/logout", data={"csrf_token": csrf(client)})
    assert client.get("/api/me", headers=headers).status_code == 401
    login(client, "cora")  # a new login works
    assert client.get("/intake").status_code == 200


def test_a_logout_in_one_worker_ends_the_session_in_another(db_url: str, settings) -> None:  # type: ignore[no-untyped-def]
    first, second = (create_app(db_url, settings=settings, web_settings=WebSettings(secret=SecretStr(WEB_SECRET))) for _ in range(2))
    with TestClient(first) as one, TestClient(second) as two:
        login(one, "cora")
        two.cookies.set(SESSION_COOKIE, one.cookies.get(SESSION_COOKIE))
        assert two.get("/intake").status_code == 200
        one.post("/logout", data={"csrf_token": csrf(one)})
        time.sleep(USER_FRESH_SECONDS)  # the other worker's cached account goes stale
        assert two.get("/intake").status_code == 401
    for app in (first, second):
        app.state.engine.dispose()


def test_a_new_password_ends_the_open_sessions(client: TestClient) -> None:
    login(client, "cora")
    engine = client.app.state.engine
    with session_scope(engine) as session:
        set_password(session=session, name="cora", password="another long password")
    client.app.state.users.clear()  # as a second later
    assert client.get("/intake").status_code == 401


def test_sessions_of_the_old_form_are_refused(client: TestClient) -> None:
    # A cookie signed before sessions carried a generation names the user alone.
    old = client.app.state.signer.dump_session({"user": "cora", "role": "case-manager", "csrf": "x"})
    client.cookies.set(SESSION_COOKIE, old)
    assert client.get("/intake").status_code == 401


def test_every_failure_costs_one_password_check(client: TestClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Equal timing: an unknown account and an account without a web password used to answer
    # without the argon2 check a wrong password costs, so timing told which accounts exist.
    with session_scope(client.app.state.engine) as session:
        add_user(session=session, actor="alice", name="nopass", role=Role.case_manager)
    checks: list[str] = []
    real = security._hasher

    class Counting:
        def verify(self, stored: str, password: str) -> bool:
            checks.append(stored)
            return real.verify(stored, password)

    monkeypatch.setattr(security, "_hasher", Counting())
    for name in ("cora", "nobody-at-all", "nopass"):
        with session_scope(client.app.state.engine) as session:
            assert authenticate(session=session, name=name, password="wrong password") is None
    assert len(checks) == 3 and all(stored.startswith("$argon2id$") for stored in checks)


def test_pages_and_api_answers_are_not_stored(client: TestClient) -> None:
    login(client, "cora")
    assert client.get("/intake").headers["cache-control"] == "no-store"
    assert client.get("/api/caseload").headers["cache-control"] == "no-store"
    assert client.get("/login").headers["cache-control"] == "no-store"
    assert "no-store" not in client.get("/static/style.css").headers.get("cache-control", "")
