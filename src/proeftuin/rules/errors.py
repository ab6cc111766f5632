"""The one error type of the rules engine."""

from __future__ import annotations


class RulesError(ValueError):
    """Input the rules cannot apply to: an unknown regime or household type, a negative amount,
    or a date before the first known value of a parameter (the message names the parameter)."""
