"""The failed-login throttle: in the database (every worker counts the same attempts), per account
and address, per account over addresses, per address over accounts (spraying); the client's
address comes from ``X-Forwarded-For`` only behind a configured proxy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from typer.testing import CliRunner

from conftest import PASSWORD, WEB_SECRET
from proeftuin.registry.db import make_engine
from proeftuin.registry.settings import RegistrySettings
from proeftuin.web import create_app
from proeftuin.web.security import WebSettings
from proeftuin.registry.login_throttle import MAX_ACCOUNT_FAILURES, MAX_ADDRESS_FAILURES, MAX_FAILURES, LoginThrottle

PROXY = "127.0.0.1"


def _token(client: TestClient, name: str, password: str, address: str | None = None) -> int:
    headers = {"X-Forwarded-For": address} if address else None
    return client.post("/api/token", data={"username": name, "password": password}, headers=headers).status_code


@pytest.fixture
def behind_proxy(db_url: str, settings: RegistrySettings) -> Iterator[TestClient]:
    """The app behind a reverse proxy on 127.0.0.1 that it trusts."""
    app = create_app(db_url, settings=settings, web_settings=WebSettings(secret=SecretStr(WEB_SECRET), trusted_proxies=PROXY))
    with TestClient(app, client=(PROXY, 50000)) as test_client:
        yield test_client
    app.state.engine.dispose()


def test_two_workers_count_the_same_failures(db_url: str) -> None:
    # Each worker process used to count alone in memory, so N workers allowed N times the guesses.
    engine = make_engine(db_url)
    first, second = LoginThrottle(engine), LoginThrottle(engine)
    for i in range(MAX_FAILURES):
        (first if i % 2 else second).failed("cora", "192.0.2.1")
    assert first.blocked("cora", "192.0.2.1") and second.blocked("cora", "192.0.2.1")
    assert not first.blocked("rob", "192.0.2.1") and not first.blocked("cora", "192.0.2.2")
    second.succeeded("cora", "192.0.2.1")
    assert not first.blocked("cora", "192.0.2.1")
    engine.dispose()


def test_failures_expire_with_the_window(db_url: str) -> None:
    engine = make_engine(db_url)
    throttle = LoginThrottle(engine, window=0.0)
    for _ in range(MAX_FAILURES):
        throttle.failed("cora", "192.0.2.1")
    assert not throttle.blocked("cora", "192.0.2.1")
    engine.dispose()


def test_forwarded_addresses_are_ignored_without_a_trusted_proxy(client: TestClient) -> None:
    for i in range(MAX_FAILURES):
        assert _token(client, "cora", "wrong password", address=f"198.51.100.{i}") == 401
    assert _token(client, "cora", PASSWORD, address="198.51.100.99") == 429


def test_behind_a_trusted_proxy_each_client_is_counted_by_its_own_address(behind_proxy: TestClient) -> None:
    for _ in range(MAX_FAILURES):
        assert _token(behind_proxy, "cora", "wrong password", address="198.51.100.1") == 401
    assert _token(behind_proxy, "cora", PASSWORD, address="198.51.100.1") == 429
    assert _token(behind_proxy, "cora", PASSWORD, address="198.51.100.2") == 200


def test_guessing_one_account_from_many_addresses_is_blocked(behind_proxy: TestClient) -> None:
    for i in range(MAX_ACCOUNT_FAILURES):
        assert _token(behind_proxy, "cora", "wrong password", address=f"198.51.100.{i}") == 401
    assert _token(behind_proxy, "cora", PASSWORD, address="203.0.113.7") == 429
    assert _token(behind_proxy, "rob", PASSWORD, address="203.0.113.7") == 200


def test_spraying_many_accounts_from_one_address_is_blocked(behind_proxy: TestClient) -> None:
    for i in range(MAX_ADDRESS_FAILURES):
        assert _token(behind_proxy, f"user{i}", "Welkom01!", address="198.51.100.1") == 401
    assert _token(behind_proxy, "rob", PASSWORD, address="198.51.100.1") == 429
    assert _token(behind_proxy, "rob", PASSWORD, address="198.51.100.2") == 200


def test_a_trusted_proxy_must_be_an_address() -> None:
    with pytest.raises(ValueError, match="PROEFTUIN_WEB_TRUSTED_PROXIES: 'proxy.example' is not an IP address or network"):
        WebSettings(secret=SecretStr(WEB_SECRET), trusted_proxies="10.0.0.0/8, proxy.example")


def test_serve_leaves_forwarded_headers_to_the_app(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # uvicorn's default believes X-Forwarded-For from 127.0.0.1, so any local client (or a proxy
    # passing the header on) could rotate the address the throttle counts by.
    import uvicorn

    from proeftuin.cli import app
    from test_serve_workers import ENV

    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: calls.append(options))
    result = CliRunner().invoke(app, ["serve", "--db", f"sqlite:///{tmp_path / 'web.db'}"])
    assert result.exit_code == 0, result.output
    assert calls[0]["proxy_headers"] is False
