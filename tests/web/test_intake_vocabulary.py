"""The web intake form shows the covariates and categories the experiment's plan declares, and
refuses a category the plan does not allow with the allowed values (one vocabulary: issue 9)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from conftest import VALID_BSN, csrf, login
from test_intake import PERSON


def test_the_form_offers_the_plans_categories(client: TestClient) -> None:
    login(client, "cora")
    page = client.get("/intake", params={"experiment": "utrecht"}).text
    # regression (issue 9): the form offered sex f/m and education "medium" while the simulator and analysis used female/male, middle
    for value in ("female", "male", "low", "middle", "high", "single-parent", "far", "near"):
        assert f'<option value="{value}"' in page
    assert '<option value="f"' not in page and '<option value="medium" ' not in page.split('name="education"')[1].split("</select>")[0]
    # the value is the code, the text the label in the page's language (issue 13)
    assert re.search(r'<option value="single-parent"[^>]*>alleenstaande ouder</option>', page)
    english = client.get("/intake", params={"experiment": "utrecht", "lang": "en"}).text
    assert re.search(r'<option value="single-parent"[^>]*>single parent</option>', english)


def test_an_unknown_category_is_refused_with_the_allowed_values(client: TestClient) -> None:
    login(client, "cora")
    response = client.post("/intake/enrol", data={**PERSON, "sex": "x", "bsn": VALID_BSN, "csrf_token": csrf(client)}, follow_redirects=False)
    assert response.status_code == 422
    assert "sex: &#39;x&#39; is not an allowed category (allowed: female, male)" in response.text
    assert VALID_BSN not in response.text
    assert client.get("/api/caseload").json() == []
