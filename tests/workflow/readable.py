"""What a reader of a report sees, for the tests that check it reads as one language."""

from __future__ import annotations

import html
import re

from proeftuin.report.i18n import TEXT, Lang

RAW_NAME = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\b\w+\[\w+\]")
"""A variable's name as code spells it: ``distance_to_labour_market``, ``education[low]``."""


def visible_text(page: str) -> str:
    """The text of an HTML report as a reader sees it: no style, no tags, entities decoded (SVG text kept)."""
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    page = re.sub(r"<title>.*?</title>", " ", page, flags=re.S)  # the SVG hover texts repeat the visible ones
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def foreign_phrases(text: str, lang: Lang) -> list[str]:
    """Every phrase of the other language's translation table found in ``text``: each value split at
    its placeholders, the parts of three words or more that ``lang``'s own value does not also hold."""
    other: Lang = "en" if lang == "nl" else "nl"
    found = []
    for values in TEXT.values():
        for part in re.split(r"\{[^}]*\}", values[other]):
            part = part.strip(" .,:;()…")
            if len(part.split()) >= 3 and part not in values[lang] and part in text:
                found.append(part)
    return found
