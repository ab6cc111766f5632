"""The researcher's results pages on two synthetic trials: flow, balance, attrition, effects, profiles, pooling, report."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from proeftuin.registry.db import session_scope
from proeftuin.web import create_app
from proeftuin.web.security import WebSettings

from conftest import DEMO_ADMIN, DEMO_SEED, DEMO_SIZES, RESEARCHER, VALID_BSN, WEB_SECRET, csrf, login

MIN_CELL = 10


@pytest.fixture(scope="module")
def shared_demo(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[tuple[TestClient, str]]:
    """One app on one copy of the demo registry for the tests that only read it (each trial analysed once, not per
    test); its URL for the tests that read the registry beside the app. A test that changes data takes ``demo_client``."""
    from proeftuin.workflow.demo import demo_settings

    url = f"sqlite:///{tmp_path_factory.mktemp('results') / 'demo.db'}"
    shutil.copyfile(demo_template, url.removeprefix("sqlite:///"))
    app = create_app(url, settings=demo_settings(DEMO_SEED), web_settings=WebSettings(secret=SecretStr(WEB_SECRET)))
    with TestClient(app) as client:
        yield client, url
    app.state.engine.dispose()


@pytest.fixture
def read_only_client(shared_demo: tuple[TestClient, str]) -> TestClient:
    client = shared_demo[0]
    client.cookies.clear()  # every test starts logged out, as with a client of its own
    return client


def test_results_page_has_every_section(read_only_client: TestClient) -> None:
    login(read_only_client, RESEARCHER)
    page = read_only_client.get("/results/utrecht")
    assert page.status_code == 200
    text = page.text
    for heading in ("Stroomdiagram (CONSORT)", "Balans bij de start", "Uitval (respons op de enquête)", "Effecten per uitkomst",
                    "Effect per maand: werk (8+ uur per week)"):
        assert heading in text, heading
    assert f"Geloot: <strong>{DEMO_SIZES['utrecht']}</strong>" in text
    assert text.count("<svg") >= 3
    assert re.search(r"<td>[+-]\d+[.,]\d</td><td>\[[+-]\d+[.,]\d; [+-]\d+[.,]\d\]</td>", text), "every figure has a table with estimate and interval"
    assert "/results/utrecht/report.html" in text


def test_results_page_in_english(read_only_client: TestClient) -> None:
    login(read_only_client, RESEARCHER)
    text = read_only_client.get("/results/utrecht?lang=en").text
    assert "Flow diagram (CONSORT)" in text and 'lang="en"' in text


def test_analysed_counts_only_people_with_outcomes(read_only_client: TestClient) -> None:
    login(read_only_client, RESEARCHER)
    text = read_only_client.get("/results/wageningen").text
    randomized = [int(n) for n in re.findall(r"geloot: <strong>(\d+)</strong>", text)]
    analysed = [int(n) for n in re.findall(r"geanalyseerd: <strong>(\d+)</strong>", text)]
    assert len(analysed) == 4 and sum(randomized) == DEMO_SIZES["wageningen"]
    assert analysed == randomized  # the demo imports outcomes for everyone


def test_pooled_effects_across_municipalities(read_only_client: TestClient) -> None:
    login(read_only_client, RESEARCHER)
    page = read_only_client.get("/results")
    assert page.status_code == 200
    assert "REML" in page.text
    assert re.search(r"<td>2</td><td>Utrecht: [^<;]+; Wageningen: [^<;]+</td>\s*<td>[+-]\d+[.,]\d</td>", page.text)


def test_the_web_pools_as_proeftuin_report_does(shared_demo: tuple[TestClient, str]) -> None:
    """The same pooled numbers as ``proeftuin report`` of the same trials (once the web pooled per arm
    code over other arms than the report did: k=4 against k=6 for "Extra Hulp")."""
    from html import escape

    from proeftuin.registry import make_engine
    from proeftuin.report.html import outcome_definitions, pooled_rows
    from proeftuin.workflow.report import build_report

    demo_client, demo_url = shared_demo
    demo_client.cookies.clear()
    engine = make_engine(demo_url)
    try:
        report = build_report(engine, ["utrecht", "wageningen"], level=0.90)
    finally:
        engine.dispose()
    rows = pooled_rows(report.pooled, outcome_definitions(report.trials), "nl")
    assert {r.group for r in rows} >= {"Zelf in Actie", "Extra Hulp"}
    login(demo_client, RESEARCHER)
    page = demo_client.get("/results").text
    for row in rows:
        cells = f"<td>{escape(row.group)}</td><td>{row.k}</td><td>{escape(row.members)}</td>\n  <td>{row.estimate}</td><td>{row.ci}</td>"
        assert cells in page, row


def test_report_downloads_as_html(read_only_client: TestClient) -> None:
    login(read_only_client, RESEARCHER)
    response = read_only_client.get("/results/utrecht/report.html?lang=en")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="proeftuin-utrecht-en.html"'
    assert response.text.lstrip().lower().startswith("<!doctype html>")


def test_report_downloads_as_pdf(read_only_client: TestClient) -> None:
    login(read_only_client, RESEARCHER)
    response = read_only_client.get("/results/wageningen/report.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="proeftuin-wageningen-nl.pdf"'
    assert response.content.startswith(b"%PDF-") and len(response.content) > 10_000


def test_results_are_cached_until_the_data_change(demo_client: TestClient) -> None:
    login(demo_client, RESEARCHER)
    demo_client.get("/results/utrecht")
    state = demo_client.app.state  # type: ignore[attr-defined]
    with session_scope(state.engine) as session:
        first = state.results_cache.get(session, state.engine, "utrecht", MIN_CELL)
    with session_scope(state.engine) as session:
        assert state.results_cache.get(session, state.engine, "utrecht", MIN_CELL) is first
    _withdraw_one(state.engine)
    state.results_cache.recheck()  # what a POST through this process does
    with session_scope(state.engine) as session:
        assert state.results_cache.get(session, state.engine, "utrecht", MIN_CELL) is not first


def _withdraw_one(engine) -> None:  # type: ignore[no-untyped-def]
    """A data change the closed demo trial still allows (issue 10: no enrolment after close): a withdrawal."""
    from proeftuin.registry.intake import record_consent
    from proeftuin.registry.models import Participant
    from proeftuin.registry.schemas import ConsentCreate
    from proeftuin.design import catalog_plan

    with session_scope(engine) as session:
        pseudonym = session.scalars(select(Participant.pseudonym).order_by(Participant.id).limit(1)).one()
        record_consent(session=session, actor=DEMO_ADMIN, slug="utrecht", consents=[
            ConsentCreate(pseudonym=pseudonym, kind="withdrawn", text_version=catalog_plan("utrecht").consent_versions[0], on=dt.date(2019, 10, 1))])


def test_small_experiment_is_suppressed_and_not_analysed(client: TestClient) -> None:
    login(client, "cora")
    person = {"experiment": "utrecht", "bsn": VALID_BSN, "enrolled_on": "2018-06-01", "age": "30", "sex": "female", "household": "single",
              "months_on_benefit": "12", "education": "low", "health": "6", "distance_to_labour_market": "far"}
    assert client.post("/intake/enrol", data={**person, "csrf_token": csrf(client)}, follow_redirects=False).status_code == 303
    login(client, "rob")
    page = client.get("/results/utrecht")
    assert page.status_code == 200
    assert "Ingeschreven: <strong>&lt;10</strong>" in page.text
    assert "Nog te weinig gelote deelnemers" in page.text
    assert client.get("/results/utrecht/report.html").status_code == 409


def test_unknown_experiment_is_refused(read_only_client: TestClient) -> None:
    login(read_only_client, RESEARCHER)
    assert read_only_client.get("/results/atlantis").status_code == 400
