"""End to end in Debian's headless Chromium: log in, enrol, consent, randomize, see the arm (screenshots in artifacts/).

Playwright drives the system browser through ``executable_path``; it never downloads one.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from pydantic import SecretStr

from conftest import PASSWORD, VALID_BSN
from proeftuin.registry.settings import RegistrySettings
from proeftuin.web import create_app
from proeftuin.web.security import WebSettings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).parents[2] / "artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def base_url(db_url: str, settings: RegistrySettings) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a thread."""
    app = create_app(db_url, settings=settings, web_settings=WebSettings(secret=SecretStr("web-" + "0123456789abcdefghijklmnopqrstuvwxyz")))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start within 20 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()


def test_case_manager_flow_in_chromium(base_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(f"{base_url}/intake")
        expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="Naar de inhoud")).to_be_focused()
        page.get_by_label("Gebruikersnaam").fill("cora")
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        page.get_by_role("button", name="Inloggen").click()
        expect(page.get_by_role("heading", name="Intake", exact=True)).to_be_visible()
        page.get_by_label("BSN").fill(VALID_BSN)
        page.get_by_label("Datum inschrijving").fill("2018-06-01")
        page.get_by_label("Leeftijd").fill("34")
        page.get_by_label("Maanden in de bijstand").fill("18")
        page.get_by_label("Ervaren gezondheid (0-10)").fill("6.5")
        page.screenshot(path=str(ARTIFACTS / "web-intake.png"), full_page=True)
        page.get_by_role("button", name="Inschrijven").click()
        expect(page.get_by_role("heading", name="Toestemming")).to_be_visible()
        assert VALID_BSN not in page.url and VALID_BSN not in page.content()
        page.get_by_role("button", name="Toestemming vastleggen").click()
        page.get_by_role("button", name="Loten").click()
        expect(page.get_by_text("Geloot in groep")).to_be_visible()
        expect(page.get_by_role("table")).to_contain_text("Netto inkomen")
        page.screenshot(path=str(ARTIFACTS / "web-arm.png"), full_page=True)
        page.goto(f"{base_url}/experiments")
        page.screenshot(path=str(ARTIFACTS / "web-experiments.png"), full_page=True)
        browser.close()
    assert (ARTIFACTS / "web-arm.png").stat().st_size > 0
