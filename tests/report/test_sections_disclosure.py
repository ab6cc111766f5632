"""The report's extra sections publish no count under the threshold, not even by subtraction from a shown total."""

from __future__ import annotations

import pandas as pd

from proeftuin.design import ExperimentSpec
from proeftuin.report.disclosure import SECONDARY
from proeftuin.report.i18n import MISSING
from proeftuin.report.sections.data import Services
from proeftuin.report.sections.services import contamination_sentence, service_rows

MIN_CELL = 10
SPEC = ExperimentSpec.model_validate({
    "slug": "x", "municipality": "X", "name": "X", "start": "2026-01-01", "end": "2026-12-31", "participants": 80,
    "arms": [{"code": "c", "label_nl": "Controle", "label_en": "Control"},
             {"code": "t", "label_nl": "Coaching", "label_en": "Coaching", "components": ["intensive"]}]})


def services(control_any: int, control_coaching: int) -> Services:
    by_kind = pd.DataFrame([("c", "coaching", 40, control_coaching, 2 * control_coaching, 60 * control_coaching),
                            ("t", "coaching", 40, 35, 100, 4000), ("t", "workshop", 40, 12, 12, 1440)],
                           columns=["arm", "kind", "n_arm", "n_received", "contacts", "minutes"])
    return Services({"c": 40, "t": 40}, {"c": control_any, "t": 36}, by_kind)


def test_a_small_number_of_control_people_with_services_is_hidden_with_its_share_and_minutes() -> None:
    rows = service_rows(services(control_any=4, control_coaching=4), SPEC, "nl", MIN_CELL)
    control = [r for r in rows if r.arm == "Controle"]
    assert [r.n_received for r in control] == [f"<{MIN_CELL}", f"<{MIN_CELL}"]
    assert all(r.share == r.contacts == r.minutes == MISSING for r in control)
    assert "niet getoond" in contamination_sentence(services(4, 4), SPEC, "nl", MIN_CELL)


def test_those_without_a_service_are_protected_too() -> None:
    """36 of 40 treated had a service: the 4 without follow from the shown total, so 36 is not shown either."""
    rows = service_rows(services(control_any=20, control_coaching=20), SPEC, "nl", MIN_CELL)
    treated_any = next(r for r in rows if r.arm == "Coaching" and r.kind == "enige begeleiding")
    assert treated_any.n_received in (SECONDARY, f"<{MIN_CELL}") or treated_any.n_arm == SECONDARY
    shown = next(r for r in rows if r.arm == "Controle" and r.kind == "enige begeleiding")
    assert (shown.n_arm, shown.n_received, shown.share) == ("40", "20", "50%")
