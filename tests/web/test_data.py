"""Data pages: upload outcome and survey files (all or nothing, errors by row and column), history, reconciliation."""

from __future__ import annotations

from fastapi.testclient import TestClient

from conftest import DEMO_ADMIN, RESEARCHER, VALID_BSN, csrf, login

HEADER = "pseudonym,month,hours_per_week,contract,gross_earnings,on_benefit\n"


def _upload(client: TestClient, slug: str, name: str, content: str, **form: str):  # type: ignore[no-untyped-def]
    data = {"kind": "outcomes", "source": "municipal", **form, "csrf_token": csrf(client)}
    return client.post(f"/data/{slug}/upload", data=data, files={"file": (name, content.encode(), "text/csv")})


def _randomized_person(client: TestClient) -> str:
    """Enrol, consent and randomize one person as the case manager; their pseudonym."""
    login(client, "cora")
    person = {"experiment": "utrecht", "bsn": VALID_BSN, "enrolled_on": "2018-06-01", "age": "30", "sex": "female", "household": "single",
              "months_on_benefit": "12", "education": "low", "health": "6", "distance_to_labour_market": "far"}
    page = client.post("/intake/enrol", data={**person, "csrf_token": csrf(client)}, follow_redirects=False).headers["location"]
    client.post(f"{page}/consent", data={"text_version": "2018-05", "on": "2018-06-01", "csrf_token": csrf(client)})
    client.post(f"{page}/randomize", data={"on": "2018-06-01", "csrf_token": csrf(client)})
    return page.rsplit("/", 1)[1]


def test_good_outcomes_file_is_imported_and_listed(client: TestClient) -> None:
    pseudonym = _randomized_person(client)
    login(client, "rob")
    rows = "".join(f"{pseudonym},2018-{m:02d},{8 * (m % 2)},none,{100 * (m % 2)},true\n" for m in range(6, 10))
    page = _upload(client, "utrecht", "utrecht-maart.csv", HEADER + rows)
    assert page.status_code == 200
    assert "utrecht-maart.csv: geïmporteerd" in page.text
    history = page.text.split('id="history"')[1]
    assert "<th scope=\"row\">utrecht-maart.csv</th><td>outcomes</td><td>municipal</td>" in history
    assert "<td>rob</td>" in history
    again = _upload(client, "utrecht", "utrecht-maart.csv", HEADER + rows)
    assert "ongewijzigd" in again.text


def test_bad_file_names_row_and_column_and_imports_nothing(client: TestClient) -> None:
    pseudonym = _randomized_person(client)
    login(client, "rob")
    rows = f"{pseudonym},2018-06,8,none,100,true\n{pseudonym},2018-07,8,forever,100,true\n"
    page = _upload(client, "utrecht", "wrong.csv", HEADER + rows)
    assert page.status_code == 422
    assert "Niet geïmporteerd" in page.text
    assert "<td>wrong.csv</td><td>3</td><td>contract</td><td>&#39;forever&#39; is not one of none, temporary, permanent</td>" in page.text
    assert "proeftuin-uploads" not in page.text  # the server's temporary folder is not shown
    assert "Nog niets geïmporteerd." in page.text


def test_survey_wave_must_be_a_number(demo_client: TestClient) -> None:
    login(demo_client, RESEARCHER)
    page = _upload(demo_client, "utrecht", "wave.csv", "pseudonym\n", kind="survey", wave="one")
    assert page.status_code == 422
    assert "wave must be a whole number" in page.text


def test_upload_needs_the_csrf_token(client: TestClient) -> None:
    login(client, "rob")
    response = client.post("/data/utrecht/upload", data={"kind": "outcomes"}, files={"file": ("a.csv", HEADER.encode(), "text/csv")})
    assert response.status_code == 403


def test_wrong_file_type_is_refused(client: TestClient) -> None:
    login(client, "rob")
    assert _upload(client, "utrecht", "outcomes.exe", HEADER).status_code == 422


def test_history_and_reconciliation_of_a_built_trial(demo_client: TestClient) -> None:
    login(demo_client, DEMO_ADMIN)
    page = demo_client.get("/data/utrecht")
    assert page.status_code == 200
    assert "utrecht-outcomes-cbs.csv" in page.text and "utrecht-survey-wave-2.csv" in page.text
    reconciliation = page.text.split('id="reconciliation"')[1]
    assert "<th scope=\"row\">2018-07</th>" in reconciliation
    assert "&lt;10" in reconciliation or "%" in reconciliation
