"""What a policy maker reads: numbers in the language's notation (Babel) and each effect in words."""

from __future__ import annotations

import math

from proeftuin.design.outcomes import outcome
from proeftuin.report.i18n import MISSING, euro, number
from proeftuin.report.sentences import effect_sentence, outcome_definition

WORK, TRUST, BENEFIT = outcome("work_8h"), outcome("social_trust"), outcome("benefit_paid")


def test_dutch_numbers_have_decimal_commas_and_euros_the_dutch_way() -> None:
    assert number(-106.3, "nl") == "-106,3" and number(-106.3, "en") == "-106.3"
    assert number(8.34, "nl", signed=True) == "+8,3" and number(8.34, "en", signed=True) == "+8.3"
    assert number(1234.5, "nl", digits=0) == "1.234"  # whole units, thousands grouped with a point
    assert euro(1319, "nl") == "€ 1.319" and euro(1319, "en") == "€1,319"


def test_a_value_that_rounds_to_zero_has_no_minus_sign() -> None:
    assert number(-0.04, "nl") == "0,0"
    assert number(-0.04, "nl", signed=True) == "+0,0"


def test_no_nan_is_ever_printed() -> None:
    assert number(math.nan, "nl") == MISSING and euro(math.nan, "en") == MISSING


def test_an_effect_whose_interval_excludes_zero_is_stated_with_its_size() -> None:
    sentence = effect_sentence("Werken Loont", 0.083, 0.031, 0.134, WORK, level=0.9, lang="nl")
    assert sentence == "Werken Loont: 8 procentpunt meer mensen (90%-interval: 3 tot 13)"
    assert effect_sentence("Work Pays", -0.083, -0.134, -0.031, WORK, level=0.9, lang="en") == (
        "Work Pays: 8 percentage points fewer people (90% interval: -13 to -3)"
    )
    assert effect_sentence("Extra Hulp", 0.31, 0.05, 0.57, TRUST, level=0.9, lang="nl") == (
        "Extra Hulp: 0,3 punt hoger op de schaal van 0 tot 10 (90%-interval: 0,1 tot 0,6)"
    )
    assert effect_sentence("Werken Loont", 45.2, 20.0, 70.4, BENEFIT, level=0.9, lang="nl") == (
        "Werken Loont: € 45 per maand meer (90%-interval: € 20 tot € 70)"
    )


def test_an_interval_that_includes_zero_is_no_clear_effect() -> None:
    sentence = effect_sentence("Zelf in Actie", 0.04, -0.02, 0.10, WORK, level=0.9, lang="nl")
    assert sentence == "Zelf in Actie: geen duidelijk effect (90%-interval: -2 tot 10)"


def test_a_small_cell_or_a_not_estimable_effect_gives_no_number() -> None:
    small = effect_sentence("Keuzegroep", 0.2, 0.1, 0.3, WORK, level=0.9, lang="nl", suppressed_below=10)
    assert small == "Keuzegroep: niet gepubliceerd, te weinig deelnemers (< 10)"
    missing = effect_sentence("Keuzegroep", math.nan, math.nan, math.nan, WORK, level=0.9, lang="en", not_estimable="no variation")
    assert missing == "Keuzegroep: not estimable (no variation)"


def test_a_labour_outcome_is_defined_as_any_month_of_the_period() -> None:
    assert "minstens één maand van de looptijd" in outcome_definition(WORK, "nl")
    assert "any month of the experiment's period" in outcome_definition(WORK, "en")
    assert "nulmeting" in outcome_definition(TRUST, "nl")


def test_an_own_outcome_is_defined_from_its_plan_and_its_score_keeps_its_own_scale() -> None:
    from proeftuin.design.outcomes import OutcomeDefinition

    debt = OutcomeDefinition("debt_help", "Schuldhulpverlening", "Debt counselling", "own", "binary", "ever", (1, 12))
    assert outcome_definition(debt, "nl").startswith(
        "Schuldhulpverlening: 1 als iemand in minstens één maand van maand 1 tot en met maand 12 na de loting een 1 had, anders 0")
    assert outcome_definition(debt, "en").endswith("the effect is the difference in percentage points.")
    later = OutcomeDefinition("stress", "Stress", "Stress", "own", "score", "last", (7, None))
    assert outcome_definition(later, "en") == ("Stress: the value in the last month with a record from month 7 after randomization "
                                               "(an outcome of the experiment's own, from the monthly records supplied); the effect is in points.")
    sentence = effect_sentence("Coach", 2.5, 1.0, 4.0, later, level=0.9, lang="en")
    assert sentence.startswith("Coach: 2.5 points higher (") and "0-10" not in sentence
