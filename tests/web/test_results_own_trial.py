"""The results pages of trials of today with survey indices of their own (not the demo's ten).

Once the web ran the demo's fixed analysis: "Analyse nog niet mogelijk: index 'health' ..." for
any trial without the demo's indices, and its downloads answered 409 "import outcomes first"
although outcomes were imported.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from proeftuin.registry.audit import keyed_engine
from proeftuin.registry import make_engine, migrate, session_scope
from proeftuin.web import create_app
from proeftuin.web.accounts import set_password
from proeftuin.web.security import WebSettings

from conftest import PASSWORD, login, quick_password_hashes

sys.path.insert(0, str(Path(__file__).parents[1] / "workflow"))
import own_trials  # noqa: E402


@pytest.fixture(scope="module")
def own_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("own-web")
    url = f"sqlite:///{root / 'zwolle.db'}"
    engine = keyed_engine(make_engine(url), own_trials.SETTINGS)  # the audit chain is keyed
    migrate(engine)
    own_trials.users(engine)
    with session_scope(engine) as session, quick_password_hashes():
        set_password(session=session, name=own_trials.RESEARCHER, password=PASSWORD)
    for slug in own_trials.INDICES:
        own_trials.build(engine, slug, root / "files")
    engine.dispose()
    app = create_app(url, settings=own_trials.SETTINGS, web_settings=WebSettings(secret=SecretStr("web-ZwVnn6BRe88wlaxckP77V5VDJOCOPCS0ZA2iSU0J")))
    with TestClient(app) as client:
        login(client, own_trials.RESEARCHER)
        yield client
    app.state.engine.dispose()


def test_the_results_page_shows_the_trials_own_indices(own_client: TestClient) -> None:
    page = own_client.get("/results/zwolle-2")
    assert page.status_code == 200
    assert "Rondkomen met het inkomen" in page.text and "eigen regie" in page.text
    assert "index 'health'" not in page.text and "Nog niet" not in page.text


@pytest.mark.parametrize(("download", "start"), [("report.html", b"<!DOCTYPE html>"), ("report.pdf", b"%PDF-")])
def test_downloads_work_for_a_trial_of_its_own(own_client: TestClient, download: str, start: bytes) -> None:
    response = own_client.get(f"/results/zwolle-3/{download}?lang=en")
    assert response.status_code == 200
    assert response.content.startswith(start)


def test_the_two_trials_pool_their_shared_group(own_client: TestClient) -> None:
    page = own_client.get("/results?lang=nl").text
    assert "<td>Extra Hulp</td><td>2</td><td>Zwolle 2026 (2 groepen): Extra begeleiding; Zwolle 2026 (3 groepen): Extra begeleiding</td>" in page


def test_a_trial_without_the_profile_outcome_has_no_monthly_profiles() -> None:
    # The bug: the results page raised KeyError for a plan that does not estimate work_8h (zwolle-2arm),
    # because the monthly profiles were fixed to that outcome.
    from types import SimpleNamespace

    from proeftuin.design import catalog_experiment
    from proeftuin.design.outcomes import LABOUR_OUTCOMES
    from proeftuin.web.results import PROFILE_OUTCOME, Consort, ExperimentResults

    spec = catalog_experiment("utrecht")
    without = [o for o in LABOUR_OUTCOMES if o.name != PROFILE_OUTCOME]
    results = ExperimentResults(spec=spec, consort=Consort("–", "0", "0", "0", []), trial=SimpleNamespace(outcomes=tuple(without)))  # type: ignore[arg-type]
    assert not results.has_profiles
    results.trial = SimpleNamespace(outcomes=tuple(LABOUR_OUTCOMES))  # type: ignore[assignment]
    assert results.has_profiles
