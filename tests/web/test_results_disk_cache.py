"""Results warm after a start: the analysis and its rendered pages kept on disk, keyed by the audit head.

A new app object stands for a restart of ``proeftuin serve`` (or another worker): its first
results view must come from the folder without running the analysis, and any audited change to
the registry (which moves the chain's head) must make the kept results stale.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from proeftuin.registry.audit import keyed_engine
from proeftuin.registry.db import make_engine, session_scope
from proeftuin.registry.models import Participant
from proeftuin.registry.roles import Role, add_user
from proeftuin.web import create_app, results
from proeftuin.web.security import WebSettings
from proeftuin.workflow.demo import demo_settings

from conftest import DEMO_ADMIN, DEMO_SEED, RESEARCHER, WEB_SECRET, login

PAGE = "/results/utrecht"


@contextmanager
def started(url: str, folder: Path, secret: str = WEB_SECRET) -> Iterator[TestClient]:
    """A fresh app (a start of the server) on ``url`` keeping results in ``folder``, the researcher logged in."""
    app = create_app(url, settings=demo_settings(DEMO_SEED), web_settings=WebSettings(secret=SecretStr(secret), results_cache=folder))
    try:
        with TestClient(app) as client:
            login(client, RESEARCHER)
            yield client
    finally:
        app.state.engine.dispose()


def analysis_must_not_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the analysis ran although its results were kept on disk")

    monkeypatch.setattr(results, "compute", refuse)


def test_the_first_view_after_a_restart_comes_from_disk(demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "cache"
    with started(demo_url, folder) as client:
        first = client.get(PAGE)
        assert first.status_code == 200
    assert len(list(folder.glob("*.results"))) == 1

    analysis_must_not_run(monkeypatch)
    monkeypatch.setattr(results, "forest_svg", lambda *_a, **_k: pytest.fail("a kept page was drawn again"))
    with started(demo_url, folder) as client:
        again = client.get(PAGE)
    assert again.status_code == 200
    assert again.text.split("<main", 1)[1].split("</main>")[0] == first.text.split("<main", 1)[1].split("</main>")[0]


def test_an_audited_change_makes_the_kept_results_stale(demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "cache"
    with started(demo_url, folder) as client:
        assert client.get(PAGE).status_code == 200
    kept = next(folder.glob("*.results")).read_bytes()

    engine = keyed_engine(make_engine(demo_url), demo_settings(DEMO_SEED))
    with session_scope(engine) as session:  # any change through the registry appends an event: the head moves
        add_user(session=session, actor=DEMO_ADMIN, name="nieuw", role=Role.auditor)
    engine.dispose()

    runs: list[str] = []
    compute = results.compute
    monkeypatch.setattr(results, "compute", lambda engine, slug, min_cell: runs.append(slug) or compute(engine, slug, min_cell))
    with started(demo_url, folder) as client:
        assert client.get(PAGE).status_code == 200
    assert runs == ["utrecht"]
    assert next(folder.glob("*.results")).read_bytes() != kept  # replaced, at the new head


@pytest.mark.parametrize("spoil", ["changed", "other-key"])
def test_a_file_that_is_not_ours_is_ignored(demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spoil: str) -> None:
    """The file is unpickled only when its signature holds: one changed byte, or another server's key, and it is computed again."""
    folder = tmp_path / "cache"
    with started(demo_url, folder) as client:
        assert client.get(PAGE).status_code == 200
    path = next(folder.glob("*.results"))
    if spoil == "changed":
        content = bytearray(path.read_bytes())
        content[-10] ^= 0xFF
        path.write_bytes(bytes(content))
    runs: list[str] = []
    compute = results.compute
    monkeypatch.setattr(results, "compute", lambda engine, slug, min_cell: runs.append(slug) or compute(engine, slug, min_cell))
    secret = WEB_SECRET if spoil == "changed" else WEB_SECRET[::-1]
    with started(demo_url, folder, secret) as client:
        assert client.get(PAGE).status_code == 200
    assert runs == ["utrecht"]


def test_the_kept_file_holds_no_pseudonym(demo_url: str, tmp_path: Path) -> None:
    """Aggregates only: no participant's pseudonym (the registry holds no BSN in clear to leak)."""
    folder = tmp_path / "cache"
    with started(demo_url, folder) as client:
        for lang in ("nl", "en"):
            assert client.get(f"{PAGE}?lang={lang}").status_code == 200
        assert client.get(f"{PAGE}/report.html").status_code == 200
    content = next(folder.glob("*.results")).read_bytes()
    engine = make_engine(demo_url)
    with session_scope(engine) as session:
        pseudonyms = list(session.scalars(select(Participant.pseudonym)))
    engine.dispose()
    assert pseudonyms
    assert not [p for p in pseudonyms if p.encode() in content]
