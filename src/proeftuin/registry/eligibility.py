"""Eligibility of a person for an experiment, from the plan's declared rules."""

from __future__ import annotations

from proeftuin.design import EligibilitySpec
from proeftuin.registry.schemas import EnrolmentCreate


def ineligibility_reasons(rules: EligibilitySpec, person: EnrolmentCreate) -> list[str]:
    """Why ``person`` may not be enrolled under ``rules`` (empty when eligible); no personal data in the text."""
    reasons = []
    if not rules.min_age <= person.age <= rules.max_age:
        reasons.append(f"age {person.age} outside {rules.min_age}-{rules.max_age}")
    if person.benefit_type not in rules.benefit_types:
        reasons.append(f"benefit type {person.benefit_type!r} not in {list(rules.benefit_types)}")
    if person.months_on_benefit < rules.min_months_on_benefit:
        reasons.append(f"{person.months_on_benefit} months on benefit, fewer than {rules.min_months_on_benefit}")
    excluded = sorted(set(person.exclusions) & set(rules.exclusions))
    if excluded:
        reasons.append(f"excluded: {', '.join(excluded)}")
    return reasons
