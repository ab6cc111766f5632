"""Why an effect is not estimable, in the report's language (:class:`proeftuin.analysis.inference.NotEstimable`)."""

from __future__ import annotations

from proeftuin.analysis.inference import NotEstimable
from proeftuin.report.i18n import Lang, t


def reason_text(message: str, lang: Lang) -> str:
    """The reason ``message`` (as an :class:`~proeftuin.analysis.results.Effect` carries it, in English) in ``lang``:
    its code translated through the table with its parameters; a message of no known code as it is."""
    parsed = NotEstimable.parse(message)
    if parsed is None:
        return message
    code, parameters = parsed
    return t(f"reason_{code.name.lower()}", lang, **parameters)


__all__ = ["reason_text"]
