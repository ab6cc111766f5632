"""Eligibility of a person for an experiment, from the plan's declared rules."""

from __future__ import annotations

from collections.abc import Mapping

from proeftuin.design import EligibilitySpec
from proeftuin.registry.schemas import EnrolmentCreate


def ineligibility_reasons(rules: EligibilitySpec, person: EnrolmentCreate, covariates: Mapping[str, object]) -> list[tuple[str, str]]:
    """Why ``person`` may not be enrolled under ``rules``, each reason with the enrolment column it is about
    (empty when eligible); no personal data in the text.

    ``covariates`` are the person's baseline covariates as parsed against the plan (``age``
    always; ``months_on_benefit`` where the plan declares it, as it must when the rules need it).
    """
    reasons: list[tuple[str, str]] = []
    age = covariates["age"]
    if not isinstance(age, int) or not rules.min_age <= age <= rules.max_age:
        reasons.append(("age", f"age {age} outside {rules.min_age}-{rules.max_age}"))
    if person.benefit_type not in rules.benefit_types:
        reasons.append(("benefit_type", f"benefit type {person.benefit_type!r} not in {list(rules.benefit_types)}"))
    months = covariates.get("months_on_benefit")
    if rules.min_months_on_benefit and (not isinstance(months, int) or months < rules.min_months_on_benefit):
        reasons.append(("months_on_benefit", f"{months} months on benefit, fewer than {rules.min_months_on_benefit}"))
    excluded = sorted(set(person.exclusions) & set(rules.exclusions))
    if excluded:
        reasons.append(("exclusions", f"excluded: {', '.join(excluded)}"))
    return reasons
