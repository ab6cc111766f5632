"""Web fixtures: an app on a migrated SQLite registry with one user per role (passwords set) and the Utrecht trial."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from proeftuin.registry.db import make_engine, migrate, session_scope
from proeftuin.registry.experiments import create_trial
from proeftuin.registry.roles import Role, add_user
from proeftuin.registry.settings import RegistrySettings
from proeftuin.web import create_app
from proeftuin.web.accounts import set_password
from proeftuin.web.security import WebSettings

sys.path.insert(0, str(Path(__file__).parents[1] / "registry"))
from trialkit import utrecht_plan  # noqa: E402

PASSWORD = "correct horse battery staple"
USERS = {"alice": Role.admin, "cora": Role.case_manager, "carl": Role.case_manager, "rob": Role.researcher, "aud": Role.auditor}
VALID_BSN = "111222333"


@pytest.fixture
def settings() -> RegistrySettings:
    return RegistrySettings(
        pseudonym_secrets={"Utrecht": SecretStr("u-" + "k3y-Utrecht-0123456789abcdefXYZ")},
        seal_key=SecretStr("seal-" + "0123456789abcdefghijklmnopqrstuvwxyz"),
    )


@pytest.fixture
def db_url(tmp_path: Path, settings: RegistrySettings) -> str:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    engine = make_engine(url)
    migrate(engine)
    with session_scope(engine) as session:
        for name, role in USERS.items():
            add_user(session=session, actor=None if name == "alice" else "alice", name=name, role=role)
            set_password(session=session, name=name, password=PASSWORD)
        create_trial(session=session, actor="alice", plan=utrecht_plan(), settings=settings)
    engine.dispose()
    return url


@pytest.fixture
def client(db_url: str, settings: RegistrySettings) -> Iterator[TestClient]:
    app = create_app(db_url, settings=settings, web_settings=WebSettings(secret=SecretStr("web-" + "0123456789abcdefghijklmnopqrstuvwxyz")))
    with TestClient(app) as test_client:
        yield test_client
    app.state.engine.dispose()


def csrf(client: TestClient) -> str:
    """The CSRF token of the client's session (from a rendered form)."""
    page = client.get("/login").text
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def login(client: TestClient, name: str) -> None:
    """Log ``client`` in as ``name`` through the form."""
    response = client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": csrf(client), "next": "/experiments"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
