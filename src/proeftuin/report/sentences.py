"""Effects in words, for policy makers: one sentence per arm and outcome, and each outcome's definition.

A sentence states the direction and size only when the confidence interval excludes zero;
otherwise it says "no clear effect" with the interval, so a reader is never told of an effect
the data do not show. Small cells are not published; a not-estimable effect gives its reason.
"""

from __future__ import annotations

from proeftuin.design.outcomes import OutcomeDefinition
from proeftuin.report.forest import scale
from proeftuin.report.i18n import Lang, euro, number, t

DIGITS = {"binary": 0, "score": 1, "amount": 0}
"""Decimals of a sentence's numbers: whole percentage points and euros, tenths of a score point."""


def _value(value: float, outcome: OutcomeDefinition, lang: Lang) -> str:
    value *= scale(outcome)
    return euro(value, lang) if outcome.kind == "amount" else number(value, lang, digits=DIGITS[outcome.kind])


def effect_sentence(
    who: str, estimate: float, ci_low: float, ci_high: float, outcome: OutcomeDefinition, *, level: float, lang: Lang,
    not_estimable: str | None = None, suppressed_below: int | None = None,
) -> str:
    """``who``'s effect on ``outcome`` in words: "Werken Loont: 8 procentpunt meer mensen (90%-interval: 3 tot 13)".

    ``suppressed_below``: the disclosure threshold when the effect's cells are too small to publish.
    """
    if suppressed_below is not None:
        return t("sentence_suppressed", lang, who=who, k=suppressed_below)
    if not_estimable is not None:
        return t("sentence_not_estimable", lang, who=who, reason=not_estimable)
    interval = t("sentence_interval", lang, level=round(level * 100), low=_value(ci_low, outcome, lang), high=_value(ci_high, outcome, lang))
    if ci_low <= 0 <= ci_high:
        return t("sentence_unclear", lang, who=who, interval=interval)
    direction = "more" if estimate > 0 else "less"
    kind = "own_score" if outcome.family == "own" and outcome.kind == "score" else outcome.kind  # a plan's own score has its own scale
    return t(f"sentence_{direction}_{kind}", lang, who=who, value=_value(abs(estimate), outcome, lang), interval=interval)


def outcome_definition(outcome: OutcomeDefinition, lang: Lang) -> str:
    """How ``outcome`` is measured, in words (the labour outcomes: in any month of the trial's period;
    an outcome of the plan's own: its summary over its window, and the unit of its effect)."""
    if outcome.family != "own":
        return t(f"definition_{outcome.family}", lang, label=outcome.label(lang))
    first, last = outcome.window or (1, None)
    if last is not None:
        window = t("own_window_range", lang, first=first, last=last)
    else:
        window = t("own_window_all", lang) if first == 1 else t("own_window_from", lang, first=first)
    return t(f"definition_own_{outcome.summary or 'mean'}", lang, label=outcome.label(lang), window=window,
             unit=t(f"own_unit_{outcome.kind}", lang))


__all__ = ["effect_sentence", "outcome_definition"]
