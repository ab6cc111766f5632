"""What people read of the analysis' codes: reasons an effect is not estimable, category values and plan notes, in either language."""

from __future__ import annotations

import datetime as dt

import pytest

from proeftuin.analysis.inference import LEVERAGE_ONE, NotEstimable
from proeftuin.design import ExperimentSpec
from proeftuin.design.vocabulary import DISTANCES, EDUCATION_LEVELS, HOUSEHOLDS, SEXES, category_label
from proeftuin.report.i18n import TEXT
from proeftuin.report.reasons import reason_text
from proeftuin.report.sections.labels import column_label, value_label


@pytest.mark.parametrize("code", list(NotEstimable))
def test_every_reason_code_has_a_text_in_both_languages_and_round_trips(code: NotEstimable) -> None:
    key = f"reason_{code.name.lower()}"
    assert set(TEXT[key]) == {"nl", "en"}
    message = code.message(vcov="HC2")
    assert NotEstimable.parse(message) == (code, {"vcov": "HC2"} if "{vcov}" in code.value else {})
    assert reason_text(message, "en") == message  # the English text is the API's message


def test_a_reason_reads_dutch_with_its_parameters_and_the_api_keeps_english() -> None:
    message = LEVERAGE_ONE.format(vcov="CR2")
    assert reason_text(message, "nl") == "een waarneming in deze groep heeft hefboom 1 (een cel met één persoon): CR2 is niet gedefinieerd"
    assert reason_text("something unforeseen", "nl") == "something unforeseen"  # no code: shown as it is, never dropped


@pytest.mark.parametrize("value", [*HOUSEHOLDS, *SEXES, *EDUCATION_LEVELS, *DISTANCES])
def test_every_standard_category_has_a_dutch_and_an_english_label(value: str) -> None:
    assert category_label(value, "nl") and category_label(value, "en")
    assert "_" not in category_label(value, "nl")


def test_a_covariate_column_reads_as_label_and_value() -> None:
    assert column_label(None, "education[low]", "nl") == "Opleiding: laag"
    assert column_label(None, "household[single-parent]", "en") == "Household: single parent"
    assert column_label(None, "district[noord]", "nl") == "district: noord"  # a trial's own category without a plan: as spelled
    assert value_label("True", "nl") == "ja" and value_label("False", "en") == "no"  # a boolean stratum's levels


def spec(**notes: str) -> ExperimentSpec:
    return ExperimentSpec.model_validate({
        "slug": "x", "municipality": "X", "name": "X", "start": dt.date(2026, 1, 1), "end": dt.date(2026, 12, 31), "participants": 20,
        "arms": [{"code": "c", "label_nl": "C", "label_en": "C"}, {"code": "t", "label_nl": "T", "label_en": "T", "components": ["intensive"]}],
        **notes})


def test_plan_notes_in_each_language_and_the_old_single_field_read_as_english() -> None:
    both = spec(notes_nl="Proef in X.", notes_en="A trial in X.")
    assert (both.note("nl"), both.note("en")) == ("Proef in X.", "A trial in X.")
    old = spec(notes="Randomized before invitation.")
    assert (old.note("nl"), old.note("en")) == ("", "Randomized before invitation.")
