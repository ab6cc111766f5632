"""Typed settings of an installation, from the environment (prefix ``PROEFTUIN_``).

Secrets are refused when empty, short or a well-known default, so a pseudonym can never be made
with a key that somebody else also uses::

    PROEFTUIN_PSEUDONYM_SECRETS='{"Utrecht": "<at least 32 random characters>", ...}'
    PROEFTUIN_SEAL_KEY='<at least 32 random characters>'
    PROEFTUIN_MIN_CELL=10            # outputs suppress cells of fewer people
    PROEFTUIN_RETENTION_MONTHS=60    # person-level data kept this long after an experiment ends

Generate a secret with ``python -c "import secrets; print(secrets.token_urlsafe(32))"``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_SECRET_LENGTH = 32
KNOWN_DEFAULTS = frozenset({"changethis", "changeme", "secret", "default", "password", "test", "proeftuin"})


def _refuse_weak(name: str, value: SecretStr) -> SecretStr:
    text = value.get_secret_value()
    if not text.strip():
        raise ValueError(f"{name} is empty; set it to at least {MIN_SECRET_LENGTH} random characters")
    if text.strip().lower() in KNOWN_DEFAULTS or len(set(text)) < 8:
        raise ValueError(f"{name} is a default or trivial value; set it to a random secret")
    if len(text) < MIN_SECRET_LENGTH:
        raise ValueError(f"{name} is {len(text)} characters; it needs at least {MIN_SECRET_LENGTH}")
    return value


class RegistrySettings(BaseSettings):
    """Secrets and output rules of one installation (see the module docstring)."""

    model_config = SettingsConfigDict(env_prefix="PROEFTUIN_", extra="ignore", frozen=True)

    pseudonym_secrets: dict[str, SecretStr] = Field(
        default_factory=dict, description="Per municipality, the key of the BSN pseudonym (HMAC-SHA256)."
    )
    seal_key: SecretStr = Field(SecretStr(""), description="Key from which sealed randomization seeds are derived.")
    min_cell: Annotated[int, Field(ge=1)] = 10
    retention_months: Annotated[int, Field(ge=0)] = 60

    @field_validator("pseudonym_secrets")
    @classmethod
    def _strong_pseudonym_secrets(cls, secrets: dict[str, SecretStr]) -> dict[str, SecretStr]:
        for municipality, secret in secrets.items():
            _refuse_weak(f"the pseudonym secret of {municipality}", secret)
        values = [s.get_secret_value() for s in secrets.values()]
        if len(set(values)) != len(values):
            raise ValueError("two municipalities share a pseudonym secret; each needs its own")
        return secrets

    @field_validator("seal_key")
    @classmethod
    def _strong_seal_key(cls, key: SecretStr) -> SecretStr:
        return _refuse_weak("PROEFTUIN_SEAL_KEY", key)

    def pseudonym_secret(self, municipality: str) -> bytes:
        """The pseudonym key of ``municipality``; an error naming the setting when it is absent."""
        try:
            return self.pseudonym_secrets[municipality].get_secret_value().encode("utf-8")
        except KeyError:
            raise ValueError(
                f"no pseudonym secret for {municipality!r}; add it to PROEFTUIN_PSEUDONYM_SECRETS "
                f"(known: {', '.join(sorted(self.pseudonym_secrets)) or 'none'})"
            ) from None
