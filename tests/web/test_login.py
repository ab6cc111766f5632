"""Logging in: cookie flags, CSRF, wrong passwords, the failed-login limit, logout, language."""

from __future__ import annotations

from fastapi.testclient import TestClient

from conftest import PASSWORD, csrf, login
from proeftuin.web.security import SESSION_COOKIE, hash_password, verify_password
from proeftuin.web.throttle import MAX_FAILURES


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
