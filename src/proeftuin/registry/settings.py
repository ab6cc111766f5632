"""Typed settings of an installation, from the environment (prefix ``PROEFTUIN_``).

Secrets are refused when empty, short, a well-known default or guessable (estimated with
zxcvbn, the password-strength estimator of Dropbox, told the Dutch words keys here are made of:
a key is refused below about 80 bits), and when one value serves two purposes: each municipality's pseudonym secret,
the seal key and the web app's secret must all differ, so that leaking one (the web secret sits
on the web server) gives away none of the others::

    PROEFTUIN_PSEUDONYM_SECRETS='{"Utrecht": "<at least 32 random characters>", ...}'
    PROEFTUIN_SEAL_KEY='<at least 32 random characters>'
    PROEFTUIN_MIN_CELL=10            # outputs suppress cells of fewer people
    PROEFTUIN_RETENTION_MONTHS=60    # person-level data kept this long after an experiment ends

Generate a secret with ``python -c "import secrets; print(secrets.token_urlsafe(32))"``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIN_SECRET_LENGTH = 32
MIN_GUESSES_LOG10 = 24.0
"""A secret needs zxcvbn's estimate of at least 10^24 guesses (about 80 bits). Random keys of 32
characters are estimated at 10^28 or more (hex; 10^30 for URL-safe base64, over 1,000 draws each);
``Welkom01`` four times over at 10^5."""
ESTIMATED_PREFIX = 72
"""zxcvbn's own cap on its input (its matching time grows fast with length): longer secrets are
judged by their first 72 characters, which can only make the judgement stricter."""
GUESSABLE_WORDS = ("proeftuin", "bijstand", "participatiewet", "gemeente", "experiment", "sleutel", "geheim", "wachtwoord",
                   "welkom", "zegel", "pseudoniem", "pseudonym", "seal", "secret", "key", "web", "groningen", "nijmegen",
                   "utrecht", "tilburg", "wageningen", "deventer")
"""Words an installation's keys are likely made of, which zxcvbn's English dictionaries lack."""
KNOWN_DEFAULTS = frozenset({"changethis", "changeme", "secret", "default", "password", "test", "proeftuin"})
PSEUDONYM_SECRETS_VARIABLE = "PROEFTUIN_PSEUDONYM_SECRETS"
SEAL_KEY_VARIABLE = "PROEFTUIN_SEAL_KEY"


def refuse_weak_key(name: str, value: SecretStr) -> SecretStr:
    """``value`` if it is fit to be a key; else ``ValueError`` naming ``name`` (never the value)."""
    text = value.get_secret_value()
    if not text.strip():
        raise ValueError(f"{name} is empty; set it to at least {MIN_SECRET_LENGTH} random characters")
    if text.strip().lower() in KNOWN_DEFAULTS:
        raise ValueError(f"{name} is a default or trivial value; set it to a random secret")
    if len(text) < MIN_SECRET_LENGTH:
        raise ValueError(f"{name} is {len(text)} characters; it needs at least {MIN_SECRET_LENGTH}")
    from zxcvbn import zxcvbn  # here: its dictionaries take 0.1 s to load, which commands without keys need not pay

    estimate = zxcvbn(text[:ESTIMATED_PREFIX], user_inputs=GUESSABLE_WORDS)
    if estimate["guesses_log10"] < MIN_GUESSES_LOG10:
        raise ValueError(f"{name} is guessable (about 10^{estimate['guesses_log10']:.0f} guesses: words, repeats or sequences); "
                         "set it to a random secret")
    return value


def refuse_shared_keys(keys: Mapping[str, SecretStr]) -> None:
    """``ValueError`` naming the first two settings (by name) that hold the same key."""
    seen: dict[str, str] = {}
    for name, key in keys.items():
        text = key.get_secret_value()
        if text in seen:
            raise ValueError(f"{seen[text]} and {name} are the same key; each purpose needs its own")
        seen[text] = name


class OutputSettings(BaseSettings):
    """The output rules of one installation, which need no secret (``proeftuin report`` reads only these)."""

    model_config = SettingsConfigDict(env_prefix="PROEFTUIN_", extra="ignore", frozen=True)

    min_cell: Annotated[int, Field(ge=1, description="Outputs suppress cells of fewer people than this (and cells they follow from).")] = 10


class RegistrySettings(OutputSettings):
    """Secrets and output rules of one installation (see the module docstring)."""

    pseudonym_secrets: Annotated[dict[str, SecretStr], NoDecode] = Field(
        default_factory=dict, description="Per municipality, the key of the BSN pseudonym (HMAC-SHA256)."
    )
    seal_key: SecretStr = Field(SecretStr(""), description="Key from which sealed randomization seeds are derived.")
    retention_months: Annotated[int, Field(ge=0)] = 60

    @field_validator("pseudonym_secrets", mode="before")
    @classmethod
    def _json_object(cls, value: Any) -> Any:
        """The environment's text parsed here (not by pydantic-settings), so a malformed value is one error naming the variable."""
        if not isinstance(value, str):
            return value
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{PSEUDONYM_SECRETS_VARIABLE} is not valid JSON ({exc.msg.lower()}, character {exc.pos + 1}); "
                             """expected {"Municipality": "<secret>", ...}""") from None
        if not isinstance(parsed, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in parsed.items()):
            raise ValueError(f"""{PSEUDONYM_SECRETS_VARIABLE} must be a JSON object of texts: {{"Municipality": "<secret>", ...}}""")
        return parsed

    @field_validator("pseudonym_secrets")
    @classmethod
    def _strong_pseudonym_secrets(cls, secrets: dict[str, SecretStr]) -> dict[str, SecretStr]:
        for municipality, secret in secrets.items():
            refuse_weak_key(f"the pseudonym secret of {municipality}", secret)
        return secrets

    @field_validator("seal_key")
    @classmethod
    def _strong_seal_key(cls, key: SecretStr) -> SecretStr:
        return refuse_weak_key(SEAL_KEY_VARIABLE, key)

    @model_validator(mode="after")
    def _one_key_per_purpose(self) -> RegistrySettings:
        refuse_shared_keys(self.named_keys())
        return self

    def named_keys(self) -> dict[str, SecretStr]:
        """Every key of this installation by the name an error may show (pseudonym secrets first)."""
        return {**{f"the pseudonym secret of {m}": s for m, s in self.pseudonym_secrets.items()}, SEAL_KEY_VARIABLE: self.seal_key}

    def pseudonym_secret(self, municipality: str) -> bytes:
        """The pseudonym key of ``municipality``; an error naming the setting when it is absent."""
        try:
            return self.pseudonym_secrets[municipality].get_secret_value().encode("utf-8")
        except KeyError:
            raise ValueError(
                f"no pseudonym secret for {municipality!r}; add it to {PSEUDONYM_SECRETS_VARIABLE} "
                f"(known: {', '.join(sorted(self.pseudonym_secrets)) or 'none'})"
            ) from None
