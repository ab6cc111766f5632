"""The door through which a BSN enters: checked with the eleven-test, replaced by a keyed pseudonym.

pseudonym = HMAC-SHA256(secret, BSN) as 64 hex characters. Without the municipality's secret
the pseudonym cannot be linked back to a person, and the BSN itself is never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)
BSN_MASK = "*********"
# nine digits of any script (Arabic-Indic, full-width, ...), optionally grouped by spaces, dots or
# hyphens as people write them (1234.56.782), not part of a longer run of digits
_HEX = re.compile(r"[0-9a-fA-F]+")
PSEUDONYM_PREFIX = 12
_NINE_DIGITS = re.compile(r"(?<!\d)\d(?:[ .\-]?\d){8}(?![ .\-]?\d)")


class InvalidBSN(ValueError):
    """A BSN that is not nine digits or fails the eleven-test (the BSN itself is never echoed)."""


def ascii_digits(text: str) -> str:
    """``text`` with every decimal digit of any script written as 0-9 (a BSN is a number, whatever its script)."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def mask_bsns(text: str) -> str:
    """``text`` with every BSN-like value (nine digits passing the eleven-test, any script or grouping) masked.

    The one masking function of every error path, log line and free-text check: a BSN must never
    reach a message, a log or a stored note, even when it was typed in the wrong place.
    """

    def mask(match: re.Match[str]) -> str:
        digits = ascii_digits(re.sub(r"[ .\-]", "", match.group()))
        return BSN_MASK if is_valid_bsn(digits) and not _inside_pseudonym(text, match) else match.group()

    return _NINE_DIGITS.sub(mask, text)


def _inside_pseudonym(text: str, match: re.Match[str]) -> bool:
    """The digits are part of a hex word of 12 or more characters with letters: a pseudonym (or its shown prefix)."""
    start, end = match.start(), match.end()
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    word = text[start:end]
    return len(word) >= PSEUDONYM_PREFIX and _HEX.fullmatch(word) is not None and not word.isdigit()


def contains_bsn(text: str) -> bool:
    """True when ``text`` holds a BSN-like value (see :func:`mask_bsns`)."""
    return mask_bsns(text) != text


def is_valid_bsn(bsn: str) -> bool:
    """The eleven-test (elfproef): ``sum_i w_i d_i = 0 (mod 11)``, weights 9..2 and -1.

    A BSN has nine digits (eight-digit numbers are written with a leading zero) and is not
    all zeros.
    """
    if len(bsn) != 9 or not bsn.isascii() or not bsn.isdigit() or bsn == "000000000":
        return False
    return sum(w * int(d) for w, d in zip(BSN_WEIGHTS, bsn, strict=True)) % 11 == 0


def pseudonymize(bsn: str, secret: bytes) -> str:
    """The keyed pseudonym of a valid BSN (digits of any script read as 0-9); raises :class:`InvalidBSN` otherwise."""
    bsn = ascii_digits(bsn.strip())
    if not is_valid_bsn(bsn):
        raise InvalidBSN("not a valid BSN (nine digits that pass the eleven-test)")
    return hmac.new(secret, bsn.encode("ascii"), hashlib.sha256).hexdigest()
