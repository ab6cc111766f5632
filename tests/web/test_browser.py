"""End to end in Debian's headless Chromium, with axe-core's accessibility check on every page (screenshots in artifacts/).

Flow: a case manager logs in, enrols, records consent and randomizes; an auditor opens the audit
log; a researcher uploads an outcomes file (a wrong one first) and opens the results. A second
test opens the researcher's pages on two synthetic trials with full results. On every page
axe-core (pinned in ``tests/web/package.json``, installed with ``npm ci``) must find no serious
or critical violation; its findings go to ``artifacts/axe-*.json``.

Playwright drives the system browser through ``executable_path``; it never downloads one.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from pydantic import SecretStr

from conftest import DEMO_SEED, PASSWORD, RESEARCHER, VALID_BSN, WEB_SECRET
from proeftuin.registry.settings import RegistrySettings
from proeftuin.web import create_app
from proeftuin.web.security import WebSettings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).parents[2] / "artifacts"
HERE = Path(__file__).parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = ("serious", "critical")
"""axe impacts that fail the test (WCAG 2.1 AA as digitoegankelijk.nl asks)."""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"),
]


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, installed from the npm registry into tests/web/node_modules when missing."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("needs npm to install axe-core (tests/web/package.json)")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, capture_output=True, timeout=300)
    return AXE.read_text(encoding="utf-8")


class Axe:
    """Runs axe on a page and keeps every page's findings."""

    def __init__(self, source: str, name: str) -> None:
        self.source, self.name = source, name
        self.pages: dict[str, list[dict[str, Any]]] = {}
        self.passed: dict[str, int] = {}

    def check(self, page: Any, label: str) -> None:
        page.add_script_tag(content=self.source)
        result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
        self.pages[label] = [{"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
                             for v in result["violations"]]
        self.passed[label] = len(result["passes"])

    def assert_clean(self) -> None:
        (ARTIFACTS / f"axe-{self.name}.json").write_text(json.dumps({"violations": self.pages, "rules_passed": self.passed}, indent=2),
                                                          encoding="utf-8")
        assert all(n > 10 for n in self.passed.values()), self.passed  # axe really ran on every page
        blocking = {label: [v for v in found if v["impact"] in BLOCKING] for label, found in self.pages.items()}
        assert not any(blocking.values()), json.dumps({k: v for k, v in blocking.items() if v}, indent=2)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serve(db_url: str, settings: RegistrySettings) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a thread."""
    app = create_app(db_url, settings=settings, web_settings=WebSettings(secret=SecretStr(WEB_SECRET)))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start within 20 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()


@pytest.fixture
def base_url(db_url: str, settings: RegistrySettings) -> Iterator[str]:
    with _serve(db_url, settings) as url:
        yield url


@pytest.fixture
def demo_base_url(demo_url: str) -> Iterator[str]:
    from proeftuin.workflow.demo import demo_settings

    with _serve(demo_url, demo_settings(DEMO_SEED)) as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One Chromium for the tests of this file (each test gets its own context: no cookie or page shared)."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def _browser(chromium: Any) -> Iterator[Any]:
    """A page in a fresh context of ``chromium``."""
    # bypass_csp: axe is injected as an inline script, which the app's CSP rightly forbids
    context = chromium.new_context(viewport={"width": 1200, "height": 900}, bypass_csp=True)
    try:
        yield context.new_page()
    finally:
        context.close()


def _log_in(page: Any, name: str) -> None:
    page.get_by_label("Gebruikersnaam").fill(name)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()


def test_axe_finds_a_known_violation(chromium: Any, axe_source: str) -> None:
    """The check can fail: an unlabelled field is a critical violation."""
    axe = Axe(axe_source, "self-test")
    with _browser(chromium) as page:
        page.set_content('<!doctype html><html lang="nl"><head><title>t</title></head><body><main><input></main></body></html>')
        axe.check(page, "unlabelled")
    assert any(v["id"] == "label" and v["impact"] == "critical" for v in axe.pages["unlabelled"])


def test_case_manager_to_researcher_flow_in_chromium(chromium: Any, base_url: str, axe_source: str) -> None:
    from playwright.sync_api import expect

    axe = Axe(axe_source, "flow")
    with _browser(chromium) as page:
        page.goto(f"{base_url}/intake")
        expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()
        axe.check(page, "login")
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="Naar de inhoud")).to_be_focused()
        _log_in(page, "cora")
        expect(page.get_by_role("heading", name="Intake", exact=True)).to_be_visible()
        page.get_by_label("BSN").fill(VALID_BSN)
        page.get_by_label("Datum inschrijving").fill("2018-06-01")
        page.get_by_label("Leeftijd").fill("34")
        page.get_by_label("Maanden in de bijstand").fill("18")
        page.get_by_label("Ervaren gezondheid (0-10)").fill("6.5")
        axe.check(page, "intake")
        page.screenshot(path=str(ARTIFACTS / "web-intake.png"), full_page=True)
        page.get_by_role("button", name="Inschrijven").click()
        expect(page.get_by_role("heading", name="Toestemming")).to_be_visible()
        assert VALID_BSN not in page.url and VALID_BSN not in page.content()
        pseudonym = page.url.rsplit("/", 1)[1]
        page.get_by_role("button", name="Toestemming vastleggen").click()
        page.get_by_role("button", name="Loten").click()
        expect(page.get_by_text("Geloot in groep")).to_be_visible()
        expect(page.get_by_role("table")).to_contain_text("Netto inkomen")
        axe.check(page, "arm")
        page.screenshot(path=str(ARTIFACTS / "web-arm.png"), full_page=True)
        page.goto(f"{base_url}/experiments")
        axe.check(page, "experiments")
        page.screenshot(path=str(ARTIFACTS / "web-experiments.png"), full_page=True)
        page.goto(f"{base_url}/work-pays")
        axe.check(page, "work-pays")
        page.get_by_role("button", name="Uitloggen").click()

        _log_in(page, "aud")
        page.goto(f"{base_url}/audit")
        page.get_by_role("button", name="Controleer loting en auditlog").click()
        expect(page.get_by_text("Intact")).to_be_visible()
        axe.check(page, "audit")
        page.get_by_role("button", name="Uitloggen").click()

        _log_in(page, "rob")
        page.goto(f"{base_url}/data/utrecht")
        header = "pseudonym,month,hours_per_week,contract,gross_earnings,on_benefit\n"
        wrong = header + f"{pseudonym},2018-06,8,none,100,maybe\n"
        page.set_input_files("#outcomes-file", files=[{"name": "uitkomsten.csv", "mimeType": "text/csv", "buffer": wrong.encode()}])
        page.get_by_role("button", name="Uitkomsten importeren").click()
        expect(page.get_by_role("alert")).to_contain_text("Niet geïmporteerd")
        expect(page.get_by_role("table", name="Validatierapport")).to_contain_text("on_benefit")
        axe.check(page, "data-rejected")
        page.screenshot(path=str(ARTIFACTS / "web-data-rejected.png"), full_page=True)
        good = header + "".join(f"{pseudonym},2018-{m:02d},{4 * m},none,{50 * m},true\n" for m in range(6, 12))
        page.set_input_files("#outcomes-file", files=[{"name": "uitkomsten.csv", "mimeType": "text/csv", "buffer": good.encode()}])
        page.get_by_role("button", name="Uitkomsten importeren").click()
        expect(page.get_by_role("status")).to_contain_text("uitkomsten.csv: geïmporteerd")
        axe.check(page, "data")
        page.get_by_role("link", name="Resultaten", exact=True).click()
        page.get_by_role("link", name="Utrecht").click()
        expect(page.get_by_role("heading", name="Resultaten: Utrecht")).to_be_visible()
        axe.check(page, "results-one-person")
        page.screenshot(path=str(ARTIFACTS / "web-results-one-person.png"), full_page=True)
    axe.assert_clean()


def test_researcher_pages_with_full_results_in_chromium(chromium: Any, demo_base_url: str, axe_source: str) -> None:
    from playwright.sync_api import expect

    axe = Axe(axe_source, "results")
    with _browser(chromium) as page:
        page.goto(f"{demo_base_url}/results")
        _log_in(page, RESEARCHER)
        expect(page.get_by_role("heading", name="Gepoold over gemeenten")).to_be_visible()
        axe.check(page, "results-index")
        page.get_by_role("link", name="Utrecht").click()
        expect(page.get_by_role("heading", name="Resultaten: Utrecht")).to_be_visible()
        expect(page.get_by_role("table", name="Gemiddelden per groep en gestandaardiseerd verschil met de controlegroep")).to_be_visible()
        axe.check(page, "results")
        page.screenshot(path=str(ARTIFACTS / "web-results.png"), full_page=True)
        page.goto(f"{demo_base_url}/results/utrecht?lang=en")
        expect(page.get_by_role("heading", name="Results: Utrecht")).to_be_visible()
        axe.check(page, "results-en")
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the report (HTML)").click()
        assert download.value.suggested_filename == "proeftuin-utrecht-en.html"
        page.goto(f"{demo_base_url}/data/utrecht?lang=nl")
        axe.check(page, "data-reconciliation")
        page.screenshot(path=str(ARTIFACTS / "web-data.png"), full_page=True)
    axe.assert_clean()
