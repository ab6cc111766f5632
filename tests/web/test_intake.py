"""Intake in the browser: enrol, consent, randomize, the arm page; the BSN never comes back out."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from conftest import VALID_BSN, csrf, login

PERSON = {"experiment": "utrecht", "enrolled_on": "2018-06-01", "age": "30", "sex": "female", "household": "single",
          "months_on_benefit": "12", "education": "low", "health": "6", "distance_to_labour_market": "far"}


def _enrol(client: TestClient, bsn: str):  # type: ignore[no-untyped-def]
    return client.post("/intake/enrol", data={**PERSON, "bsn": bsn, "csrf_token": csrf(client)}, follow_redirects=False)


def test_full_flow_shows_the_arm_and_a_worked_example(client: TestClient) -> None:
    login(client, "cora")
    enrolled = _enrol(client, VALID_BSN)
    assert enrolled.status_code == 303
    page = enrolled.headers["location"]
    assert client.post(f"{page}/consent", data={"text_version": "2018-05", "on": "2018-06-01", "csrf_token": csrf(client)}).status_code == 200
    shown = client.post(f"{page}/randomize", data={"on": "2018-06-01", "csrf_token": csrf(client)})
    assert shown.status_code == 200
    assert "Geloot in groep" in shown.text
    assert "Rekenvoorbeeld" in shown.text
    assert "€ 500" in shown.text
    caseload = client.get("/api/caseload").json()
    assert [c["pseudonym"] for c in caseload] == [page.rsplit("/", 1)[1]]
    assert caseload[0]["consent"] == "given" and caseload[0]["arm"] is not None


def test_bsn_never_appears_in_a_response_url_or_log(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    login(client, "cora")
    responses = [_enrol(client, VALID_BSN)]
    page = responses[0].headers["location"]
    other_facts = client.post("/intake/enrol", data={**PERSON, "age": "31", "bsn": VALID_BSN, "csrf_token": csrf(client)}, follow_redirects=False)
    responses += [client.get(page), client.get("/intake"), client.get("/api/caseload"), _enrol(client, VALID_BSN), other_facts]
    for response in responses:
        assert VALID_BSN not in response.text
        assert VALID_BSN not in str(response.url)
        assert VALID_BSN not in response.headers.get("location", "")
    assert responses[-1].status_code == 422
    assert VALID_BSN not in caplog.text


def test_the_same_person_posted_again_lands_on_their_page_and_other_facts_are_refused(client: TestClient) -> None:
    """A form sent twice (a double click, the back button) enrols once; the registry holds no second record and no second event."""
    login(client, "cora")
    page = _enrol(client, VALID_BSN).headers["location"]
    caseload = client.get("/api/caseload").json()
    again = _enrol(client, VALID_BSN)
    assert again.status_code == 303 and again.headers["location"] == page
    assert client.get("/api/caseload").json() == caseload
    other = client.post("/intake/enrol", data={**PERSON, "age": "31", "bsn": VALID_BSN, "csrf_token": csrf(client)}, follow_redirects=False)
    assert other.status_code == 422
    assert "bsn: already enrolled in &#39;utrecht&#39; (pseudonym " in other.text and "with other facts (age)" in other.text


def test_eleven_test_at_entry_without_echoing_the_number(client: TestClient) -> None:
    login(client, "cora")
    response = _enrol(client, "111222334")
    assert response.status_code == 422
    assert "bsn:" in response.text
    assert "111222334" not in response.text
    assert 'value="30"' in response.text  # the other fields are kept


def test_another_case_managers_person_is_403(client: TestClient) -> None:
    login(client, "cora")
    page = _enrol(client, VALID_BSN).headers["location"]
    client.post("/logout", data={"csrf_token": csrf(client)})
    login(client, "carl")
    response = client.get(page)
    assert response.status_code == 403
    assert "is not in the caseload of &#39;carl&#39;" in response.text


def test_randomize_without_consent_is_refused(client: TestClient) -> None:
    login(client, "cora")
    page = _enrol(client, VALID_BSN).headers["location"]
    response = client.post(f"{page}/randomize", data={"on": "2018-06-01", "csrf_token": csrf(client)})
    assert response.status_code == 400
