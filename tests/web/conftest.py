"""Web fixtures: an app on a migrated SQLite registry with one user per role (passwords set) and the Utrecht trial."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from pydantic import SecretStr

from proeftuin.registry.audit import keyed_engine
from proeftuin.registry.db import make_engine, migrate, session_scope
from proeftuin.registry.experiments import create_trial
from proeftuin.registry.roles import Role, add_user
from proeftuin.registry.settings import RegistrySettings
from proeftuin.web import create_app, security
from proeftuin.web.accounts import set_password
from proeftuin.web.security import WebSettings

sys.path.insert(0, str(Path(__file__).parents[1] / "registry"))
from trialkit import utrecht_plan  # noqa: E402

PASSWORD = "correct horse battery staple"
USERS = {"alice": Role.admin, "cora": Role.case_manager, "carl": Role.case_manager, "rob": Role.researcher, "aud": Role.auditor}
VALID_BSN = "111222333"
WEB_SECRET = "web-56oj7D3XV8uIqOHTsfeoZl4B2ku_NAKhjdiC8YBEqtTYVC3i"


def _settings() -> RegistrySettings:
    return RegistrySettings(
        pseudonym_secrets={"Utrecht": SecretStr("utrecht-7gI8I1H022WSqF82ZyzoJgCrDKCtsI3x3TkF")},
        seal_key=SecretStr("seal-lS6MVbI8f9Yk4GMmpE_gwTeH7ya6xGVaCNMghr4O"),
    )


@pytest.fixture
def settings() -> RegistrySettings:
    return _settings()


QUICK_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
"""argon2id at its lowest cost: the fixtures' users' hashes (:func:`quick_password_hashes`) and the dummy hash below."""
QUICK_DUMMY_HASH = QUICK_HASHER.hash("an account that does not exist")


@pytest.fixture(autouse=True)
def _unknown_accounts_cost_what_the_users_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown account, or one without a web password, is checked against the dummy hash, which costs what a user's check
    costs, so the two answer in the same time. The fixtures' users have quick hashes, so here the dummy hash is quick too
    (at the production cost, 0.14 s of CPU a check: the 20 sprayed logins of the throttle's test took 3.2 s)."""
    monkeypatch.setattr(security, "_DUMMY_HASH", QUICK_DUMMY_HASH)


@contextmanager
def quick_password_hashes() -> Iterator[None]:
    """Passwords set meanwhile are hashed with argon2id at its lowest cost, for the fixtures' users.

    A hash carries its own parameters and ``verify`` uses them, so every login of these users runs the
    product's whole check at a fraction of the production cost (0.18 s of CPU a login; the web tests log
    in about sixty times). Hashes made by the product keep the production cost: test_login.py checks
    them; the unknown-account check is as quick (:func:`_unknown_accounts_cost_what_the_users_cost`)."""
    production = security._hasher
    security._hasher = QUICK_HASHER
    try:
        yield
    finally:
        security._hasher = production


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The registry built once per test session; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "web.db"
    settings = _settings()
    url = f"sqlite:///{path}"
    engine = keyed_engine(make_engine(url), settings)
    migrate(engine)
    with session_scope(engine) as session, quick_password_hashes():
        for name, role in USERS.items():
            add_user(session=session, actor=None if name == "alice" else "alice", name=name, role=role)
            set_password(session=session, name=name, password=PASSWORD)
        create_trial(session=session, actor="alice", plan=utrecht_plan(), settings=settings)
    engine.dispose()
    return path


@pytest.fixture
def db_url(tmp_path: Path, template_db: Path) -> str:
    shutil.copyfile(template_db, tmp_path / "web.db")
    return f"sqlite:///{tmp_path / 'web.db'}"


@pytest.fixture
def client(db_url: str, settings: RegistrySettings) -> Iterator[TestClient]:
    app = create_app(db_url, settings=settings, web_settings=WebSettings(secret=SecretStr(WEB_SECRET)))
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


DEMO_SEED = 2017
DEMO_SIZES = {"utrecht": 120, "wageningen": 120}
"""Two synthetic trials built through the registry (30 per arm; enough for every estimate, and they share arms to pool)."""
RESEARCHER, DEMO_ADMIN = "demo-onderzoeker", "demo-admin"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Utrecht and Wageningen as the demo builds them (enrol, consent, randomize, import), once per session."""
    from proeftuin.design import catalog
    from proeftuin.workflow.demo import ADMIN, INTAKE, DemoSeeds, build_experiment, demo_settings

    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'demo.db'}"
    engine = keyed_engine(make_engine(url), demo_settings(DEMO_SEED))
    migrate(engine)
    with session_scope(engine) as session, quick_password_hashes():
        add_user(session=session, actor=None, name=ADMIN, role=Role.admin)
        add_user(session=session, actor=ADMIN, name=INTAKE, role=Role.case_manager)
        add_user(session=session, actor=ADMIN, name=RESEARCHER, role=Role.researcher)
        set_password(session=session, name=RESEARCHER, password=PASSWORD)
        set_password(session=session, name=ADMIN, password=PASSWORD)
    specs = catalog()
    for i, spec in enumerate(specs):
        if spec.slug in DEMO_SIZES:
            build_experiment(engine, spec, DemoSeeds.derive(DEMO_SEED, i), n=DEMO_SIZES[spec.slug], settings=demo_settings(DEMO_SEED),
                             files=folder / "imports")
    engine.dispose()
    return folder / "demo.db"


@pytest.fixture
def demo_url(tmp_path: Path, demo_template: Path) -> str:
    shutil.copyfile(demo_template, tmp_path / "demo.db")
    return f"sqlite:///{tmp_path / 'demo.db'}"


@pytest.fixture
def demo_client(demo_url: str) -> Iterator[TestClient]:
    from proeftuin.workflow.demo import demo_settings

    app = create_app(demo_url, settings=demo_settings(DEMO_SEED), web_settings=WebSettings(secret=SecretStr(WEB_SECRET)))
    with TestClient(app) as test_client:
        yield test_client
    app.state.engine.dispose()
