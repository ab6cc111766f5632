"""Web pages publish no count that subtraction gives back, state the threshold in force, and never echo a BSN."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from conftest import login
from proeftuin.registry.listings import ArmCount, ExperimentOverview


def _overview(enrolled: int, control: int, treatment: int) -> ExperimentOverview:
    return ExperimentOverview("utrecht", "Utrecht", "Weten wat werkt", dt.date(2018, 6, 1), dt.date(2019, 12, 31), 100, enrolled,
                              [ArmCount("control", "Controle", "Control", "regular", True, control),
                               ArmCount("treatment", "Behandeling", "Treatment", "disregard", False, treatment)])


@pytest.mark.parametrize(("enrolled", "control", "treatment"), [(40, 26, 6), (40, 18, 18), (60, 30, 25), (36, 26, 10)])
def test_no_small_count_follows_from_the_shown_ones(client: TestClient, monkeypatch: pytest.MonkeyPatch,
                                                    enrolled: int, control: int, treatment: int) -> None:
    # the bug: randomized 36, control 26 and treatment suppressed gave treatment = 36 - 26 by subtraction
    monkeypatch.setattr("proeftuin.web.routes.experiments.experiment_overviews", lambda session: [_overview(enrolled, control, treatment)])
    login(client, "rob")
    shown = client.get("/api/experiments").json()[0]
    arms, randomized = shown["arms"], shown["randomized"]
    waiting = enrolled - control - treatment
    if treatment < 10:
        assert arms["treatment"] is None and (arms["control"] is None or randomized is None)
    if 0 < waiting < 10:  # those not yet randomized: enrolled minus randomized
        assert shown["enrolled"] is None or randomized is None
    if None not in (arms["control"], arms["treatment"]) and shown["enrolled"] is not None:
        assert waiting == 0 or waiting >= 10
    page = client.get("/experiments").text
    assert ("<li>Control: x</li>" in page or "<li>Controle: x</li>" in page or ">x /" in page) == (treatment < 10)


def test_suppression_leaves_the_overview_alone_when_nothing_is_small(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("proeftuin.web.routes.experiments.experiment_overviews", lambda session: [_overview(60, 25, 25)])
    login(client, "rob")
    assert client.get("/api/experiments").json()[0] | {} == {
        "slug": "utrecht", "municipality": "Utrecht", "status": "closed", "target": 100, "enrolled": 60, "randomized": 50,
        "arms": {"control": 25, "treatment": 25}}


@pytest.mark.parametrize(("enrolled", "consented"), [(40, 37), (40, 40), (60, 40)])
def test_the_flow_diagram_hides_enrolled_minus_consented(monkeypatch: pytest.MonkeyPatch, enrolled: int, consented: int) -> None:
    # the bug: enrolled 40 and consented 37 shown side by side, so 3 refusals by subtraction
    import contextlib

    import pandas as pd

    from proeftuin.design import catalog_experiment
    from proeftuin.web import results

    monkeypatch.setattr(results, "session_scope", lambda engine: contextlib.nullcontext(None))
    monkeypatch.setattr(results, "enrolment_counts", lambda session, slug: (enrolled, consented))
    spec = catalog_experiment("utrecht")
    codes = [a.code for a in spec.arms]
    participants = pd.DataFrame({"participant_id": range(consented), "arm": [codes[i % len(codes)] for i in range(consented)]})
    months = pd.DataFrame({"participant_id": range(consented)})
    trial = SimpleNamespace(data=SimpleNamespace(spec=spec, participants=participants, months=months))  # what _consort reads
    flow = results._consort(None, trial, 10)  # type: ignore[arg-type]
    refused = enrolled - consented
    both_shown = flow.enrolled.isdigit() and flow.consented.isdigit()
    assert not both_shown if 0 < refused < 10 else both_shown


def test_the_footer_states_the_threshold_in_force(db_url: str, settings) -> None:  # type: ignore[no-untyped-def]
    # the bug: the footer said 10 whatever PROEFTUIN_MIN_CELL was
    from pydantic import SecretStr

    from proeftuin.web.app import create_app
    from proeftuin.web.security import WebSettings

    web = WebSettings(secret=SecretStr("web-ZwVnn6BRe88wlaxckP77V5VDJOCOPCS0ZA2iSU0J"))
    with TestClient(create_app(db_url, settings=settings.model_copy(update={"min_cell": 7}), web_settings=web)) as client:
        login(client, "rob")
        page = client.get("/experiments").text
        assert "cells under 7 are suppressed" in page or "kleiner dan 7 worden onderdrukt" in page
        assert "kleiner dan 10" not in page and "cells under 10" not in page


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
PERSON = {"experiment": "utrecht", "enrolled_on": "2018-06-01", "age": "30", "sex": "female", "household": "single",
          "months_on_benefit": "12", "education": "low", "health": "6", "distance_to_labour_market": "far"}


@pytest.mark.parametrize("digits", [None, ARABIC_INDIC, FULL_WIDTH], ids=["ascii", "arabic-indic", "full-width"])
def test_an_outcomes_file_keyed_by_bsn_is_refused_without_echoing_it(client: TestClient, digits: dict[int, str] | None) -> None:
    # the bug: the error quoted the BSN of the first row (CLI and web)
    from conftest import VALID_BSN, csrf

    bsn = VALID_BSN.translate(digits) if digits else VALID_BSN
    login(client, "rob")
    content = f"pseudonym,month,hours_per_week,contract,gross_earnings,on_benefit\n{bsn},2018-06,8,none,100,true\n"
    page = client.post("/data/utrecht/upload", data={"kind": "outcomes", "source": "municipal", "csrf_token": csrf(client)},
                       files={"file": ("bsn.csv", content.encode(), "text/csv")})
    assert page.status_code == 422
    assert bsn not in page.text and VALID_BSN not in page.text and "*********" in page.text


def test_a_bsn_in_arabic_indic_digits_is_the_same_person_not_a_500(client: TestClient) -> None:
    # the bug: the eleven-test passed, the pseudonym's ASCII encoding then failed: 500
    from conftest import VALID_BSN, csrf

    login(client, "cora")
    first = client.post("/intake/enrol", data={**PERSON, "bsn": VALID_BSN, "csrf_token": csrf(client)}, follow_redirects=False)
    assert first.status_code == 303
    again = client.post("/intake/enrol", data={**PERSON, "bsn": VALID_BSN.translate(ARABIC_INDIC), "csrf_token": csrf(client)},
                        follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == first.headers["location"]  # the same person, enrolled once
    other = client.post("/intake/enrol", data={**PERSON, "age": "31", "bsn": VALID_BSN.translate(ARABIC_INDIC), "csrf_token": csrf(client)})
    assert other.status_code == 422 and "already enrolled" in other.text
    assert VALID_BSN not in other.text and VALID_BSN.translate(ARABIC_INDIC) not in other.text
