"""``proeftuin serve --workers 2``: two workers make and serve a new SQLite registry; randomize requests fired at
once, on SQLite and PostgreSQL: each person once, no sequence number twice.

Regression (issue 10): 40 concurrent randomize requests through the web app gave 76 assignments
with 45 distinct sequence numbers, and ``verify`` failed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import numpy as np
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from conftest import PASSWORD, _settings, quick_password_hashes
from proeftuin.registry.audit import keyed_engine
from proeftuin.registry.db import make_engine, migrate, session_scope
from proeftuin.registry.experiments import create_trial
from proeftuin.registry.intake import enrol, record_consent
from proeftuin.registry.models import Assignment
from proeftuin.registry.roles import Role, add_user
from proeftuin.registry.schemas import ConsentCreate, EnrolmentCreate
from proeftuin.registry.verify import verify_registry
from proeftuin.simulate.bsn import fake_bsns
from test_serve_workers import free_port
from proeftuin.web.accounts import set_password
from trialkit import START, utrecht_plan

N = 40


def _people(n: int) -> list[EnrolmentCreate]:
    rng = np.random.default_rng(40)
    return [EnrolmentCreate(bsn=SecretStr(b), enrolled_on=START, case_manager="cora", age=35, sex="female", household="single",
                            months_on_benefit=12, education="low", health=6.0, migration_background=False,
                            distance_to_labour_market=str(rng.choice(["far", "near"]))) for b in fake_bsns(n, rng)]


def _registry(url: str) -> None:
    """A migrated registry with the admin, the case manager (with her password) and the trial."""
    settings = _settings()
    engine = keyed_engine(make_engine(url), settings)
    migrate(engine)
    with session_scope(engine) as session, quick_password_hashes():
        add_user(session=session, actor=None, name="alice", role=Role.admin)
        add_user(session=session, actor="alice", name="cora", role=Role.case_manager)
        set_password(session=session, name="cora", password=PASSWORD)
        create_trial(session=session, actor="alice", plan=utrecht_plan(), settings=settings)
    engine.dispose()


@contextmanager
def _served(url: str) -> Iterator[str]:
    """``proeftuin serve --db URL --workers 2`` while the block runs: its base URL once it answers."""
    script = shutil.which("proeftuin", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the proeftuin console script is not installed next to this Python")
    settings = _settings()
    env = {**os.environ, "PROEFTUIN_WEB_SECRET": "web-secret-for-the-concurrency-test-0123456789",
           "PROEFTUIN_SEAL_KEY": settings.seal_key.get_secret_value(),
           "PROEFTUIN_PSEUDONYM_SECRETS": json.dumps({k: v.get_secret_value() for k, v in settings.pseudonym_secrets.items()})}
    port = free_port()
    server = subprocess.Popen([script, "serve", "--db", url, "--port", str(port), "--workers", "2"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # a loaded machine (CI shares its 2 cores) starts workers slowly
        while True:
            try:
                httpx.get(f"{base}/login", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a worker still importing on a loaded machine does not stop at once
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """One ``serve --workers 2`` on a SQLite file that does not exist yet (its two workers make the
    registry at once), shared by this file's SQLite tests: each start is three Python processes
    importing the app's stack, 3.4 s of CPU (same load). Yields the database URL and the base URL."""
    url = f"sqlite:///{tmp_path_factory.mktemp('served') / 'web.db'}"
    with _served(url) as base:
        yield url, base


def test_two_workers_serve_the_login_page(sqlite_server: tuple[str, str]) -> None:
    _, base = sqlite_server
    response = httpx.get(f"{base}/login", timeout=5)
    assert response.status_code == 200 and "csrf_token" in response.text
    assert httpx.get(f"{base}/results", timeout=5).status_code == 401


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_concurrent_randomize_requests_on_two_workers(request: pytest.FixtureRequest, backend: str) -> None:
    with ExitStack() as stack:
        if backend == "sqlite":
            url, base = request.getfixturevalue("sqlite_server")
            _registry(url)  # into the served database, which its workers have migrated
        else:
            url = request.getfixturevalue("postgres_databases").new()
            _registry(url)
            base = stack.enter_context(_served(url))
        settings = _settings()
        engine = keyed_engine(make_engine(url), settings)
        with session_scope(engine) as session:
            pseudonyms = [p.pseudonym for p in enrol(session=session, actor="cora", slug="utrecht", people=_people(N), settings=settings)]
            record_consent(session=session, actor="cora", slug="utrecht",
                           consents=[ConsentCreate(pseudonym=p, text_version="2018-05", on=START) for p in pseudonyms])
        with httpx.Client(base_url=base, timeout=120) as client:
            token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
            assert client.post("/login", data={"username": "cora", "password": PASSWORD, "csrf_token": token}).status_code in (200, 303)
            token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]

            def post(pseudonym: str) -> int:
                return client.post(f"/intake/utrecht/{pseudonym}/randomize", data={"on": "2018-06-01", "csrf_token": token}).status_code

            with ThreadPoolExecutor(max_workers=N) as pool:
                statuses = list(pool.map(post, pseudonyms))
    assert statuses == [303] * N, statuses
    with session_scope(engine) as session:
        sequences = sorted(session.scalars(select(Assignment.sequence)))
        assert sequences == list(range(1, N + 1))
        report = verify_registry(session=session, settings=settings)
        assert report.intact, report.problems
    engine.dispose()
    if backend == "postgresql":
        request.getfixturevalue("postgres_databases").drop(url)
