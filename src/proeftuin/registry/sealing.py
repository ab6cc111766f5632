"""The registry's side of allocation concealment: where a sealed seed comes from and how it is opened.

The seed of an experiment is ``HMAC-SHA256(seal key, "proeftuin-seed" | slug | nonce)``: the
database holds the nonce and the commitment ``SHA-256(seed)``, never the seed, so nobody who can
read the database (admin included) can compute the next allocation. The seal key lives in the
installation's settings (``PROEFTUIN_SEAL_KEY``). Unsealing (after the trial, or for an audit)
writes the seed into the database, where anyone can check it against the commitment.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from proeftuin.design import SealError, check_seed, commitment
from proeftuin.registry.models import Experiment, Seal
from proeftuin.registry.settings import RegistrySettings


def sealed_seed(settings: RegistrySettings, slug: str, nonce: str) -> str:
    """The seed of experiment ``slug`` (64 hex characters), derived from the seal key."""
    key = settings.seal_key.get_secret_value().encode("utf-8")
    return hmac.new(key, f"proeftuin-seed|{slug}|{nonce}".encode(), hashlib.sha256).hexdigest()


def new_seal(settings: RegistrySettings, experiment: Experiment, *, method: str, version: str, nonce: str | None = None) -> Seal:
    """A fresh seal for ``experiment``: a random nonce (or the one given, for a reproducible
    synthetic demo) and the commitment to the derived seed."""
    nonce = nonce or secrets.token_hex(16)
    seed = sealed_seed(settings, experiment.slug, nonce)
    return Seal(experiment_id=experiment.id, method=method, version=version, commitment=commitment(seed),
                nonce=nonce, allocated=0, batches=0, state={})


def open_seed(seal: Seal, experiment: Experiment, settings: RegistrySettings | None) -> str:
    """The seed behind ``seal``: the unsealed one, else derived from the settings; checked against the commitment."""
    if seal.seed is not None:
        seed = seal.seed
    elif settings is not None:
        seed = sealed_seed(settings, experiment.slug, seal.nonce)
    else:
        raise SealError(f"experiment {experiment.slug!r} is sealed and no seal key is configured")
    try:
        check_seed(seed, seal.commitment)
    except SealError:
        raise SealError(
            f"the seed of experiment {experiment.slug!r} does not match its commitment "
            "(a different PROEFTUIN_SEAL_KEY, or a tampered seal)"
        ) from None
    return seed
