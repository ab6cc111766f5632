"""The read pages: experiments (suppressed small counts), does work pay, audit with verify."""

from __future__ import annotations

from fastapi.testclient import TestClient

from conftest import VALID_BSN, csrf, login


def test_experiments_suppress_small_counts(client: TestClient) -> None:
    login(client, "rob")
    page = client.get("/experiments")
    assert "Utrecht" in page.text
    assert "<svg" in page.text and "<table>" in page.text
    assert client.get("/api/experiments").json()[0]["enrolled"] == 0


def test_one_enrolled_person_is_suppressed(client: TestClient) -> None:
    login(client, "cora")
    person = {"experiment": "utrecht", "bsn": VALID_BSN, "enrolled_on": "2018-06-01", "age": "30", "sex": "female", "household": "single",
              "months_on_benefit": "12", "education": "low", "health": "6", "distance_to_labour_market": "far"}
    assert client.post("/intake/enrol", data={**person, "csrf_token": csrf(client)}, follow_redirects=False).status_code == 303
    assert client.get("/api/experiments").json()[0]["enrolled"] is None
    assert "&lt;10" in client.get("/experiments").text or "< 10" in client.get("/experiments").text


def test_work_pays_table_and_chart(client: TestClient) -> None:
    login(client, "rob")
    page = client.get("/work-pays?date=2019-01-01&household=couple")
    assert page.status_code == 200
    assert "<polyline" in page.text
    assert "regular" in page.text and "utrecht-2018" in page.text
    assert client.get("/work-pays?household=nobody").status_code == 422


def test_audit_verify_button_runs_the_registry_check(client: TestClient) -> None:
    login(client, "aud")
    page = client.post("/audit/verify", data={"csrf_token": csrf(client)})
    assert page.status_code == 200
    assert "Intact: 1 experimenten" in page.text
    assert "create_experiment" in page.text or "seal" in page.text
