"""The door through which a BSN enters: checked with the eleven-test, replaced by a keyed pseudonym.

pseudonym = HMAC-SHA256(secret, BSN) as 64 hex characters. Without the municipality's secret
the pseudonym cannot be linked back to a person, and the BSN itself is never stored.
"""

from __future__ import annotations

import hashlib
import hmac

BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


class InvalidBSN(ValueError):
    """A BSN that is not nine digits or fails the eleven-test (the BSN itself is never echoed)."""


def is_valid_bsn(bsn: str) -> bool:
    """The eleven-test (elfproef): ``sum_i w_i d_i = 0 (mod 11)``, weights 9..2 and -1.

    A BSN has nine digits (eight-digit numbers are written with a leading zero) and is not
    all zeros.
    """
    if len(bsn) != 9 or not bsn.isdigit() or bsn == "000000000":
        return False
    return sum(w * int(d) for w, d in zip(BSN_WEIGHTS, bsn, strict=True)) % 11 == 0


def pseudonymize(bsn: str, secret: bytes) -> str:
    """The keyed pseudonym of a valid BSN; raises :class:`InvalidBSN` otherwise."""
    bsn = bsn.strip()
    if not is_valid_bsn(bsn):
        raise InvalidBSN("not a valid BSN (nine digits that pass the eleven-test)")
    return hmac.new(secret, bsn.encode("ascii"), hashlib.sha256).hexdigest()
