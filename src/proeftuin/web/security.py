"""Passwords, signed sessions and bearer tokens, CSRF tokens and the web app's settings.

- Passwords are hashed with argon2id (argon2-cffi defaults).
- The browser session is a signed cookie (itsdangerous) holding the user name, the user's
  session generation and a CSRF token; it is HttpOnly, SameSite=Lax and Secure when the request
  came over TLS. Logging out raises the user's generation in the database, so every cookie and
  bearer token issued before (a copied cookie included) stops working.
- API bearer tokens are signed with the same secret under another salt, carry the generation
  too, and expire.
- Failed logins are throttled in the database (:mod:`proeftuin.registry.login_throttle`).
"""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path
from typing import Any, NamedTuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from proeftuin.registry.settings import refuse_weak_key

SESSION_COOKIE = "proeftuin_session"
LANG_COOKIE = "proeftuin_lang"
SESSION_MAX_AGE = 8 * 3600
TOKEN_MAX_AGE = 3600
WEB_SECRET_VARIABLE = "PROEFTUIN_WEB_SECRET"

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
"""Checked instead when there is no hash to check (an unknown user, a user without a web
password), so those answers take as long as a wrong password and do not tell which accounts exist."""


class WebSettings(BaseSettings):
    """The web app's settings (prefix ``PROEFTUIN_WEB_``).

    ``PROEFTUIN_WEB_SECRET``: signs cookies and tokens (a strong key of its own, see
    :mod:`proeftuin.registry.settings`). ``PROEFTUIN_WEB_TRUSTED_PROXIES``: comma-separated
    addresses or networks of the reverse proxies in front of the app; only requests coming from
    them have their ``X-Forwarded-For`` and ``X-Forwarded-Proto`` believed. Empty (the default):
    no forwarded header is believed, so a client cannot choose the address the login throttle
    counts by. ``PROEFTUIN_WEB_RESULTS_CACHE``: a folder where the results pages' analyses are
    kept between starts (:class:`~proeftuin.web.results.ResultsCache`); empty (the default): kept
    in memory only, so the first results view after a start runs the analysis.
    """

    model_config = SettingsConfigDict(env_prefix="PROEFTUIN_WEB_", extra="ignore", frozen=True)

    secret: SecretStr = Field(SecretStr(""), description="Signs session cookies and bearer tokens.")
    trusted_proxies: str = Field("", description="Comma-separated IP addresses or networks of trusted reverse proxies.")
    results_cache: Path | None = Field(None, description="Folder keeping the results pages' analyses between starts (none: memory only).")

    @field_validator("secret")
    @classmethod
    def _strong(cls, secret: SecretStr) -> SecretStr:
        return refuse_weak_key(WEB_SECRET_VARIABLE, secret)

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"PROEFTUIN_WEB_TRUSTED_PROXIES: {item!r} is not an IP address or network") from None
        return value

    @field_validator("results_cache", mode="before")
    @classmethod
    def _folder(cls, value: Any) -> Any:
        return None if value == "" else value  # an empty variable: no folder (not the working directory)

    @property
    def proxies(self) -> list[str]:
        """The trusted proxies as a list (empty: trust none)."""
        return [part.strip() for part in self.trusted_proxies.split(",") if part.strip()]


def hash_password(password: str) -> str:
    """The argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; without a hash never, after the same work."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def new_csrf_token() -> str:
    """A fresh random CSRF token."""
    return secrets.token_urlsafe(32)


class Bearer(NamedTuple):
    """Whom a session or token names, and the session generation it was issued under."""

    name: str
    generation: int


class Signer:
    """Signs and reads session cookies and bearer tokens with the installation's secret."""

    def __init__(self, settings: WebSettings) -> None:
        key = settings.secret.get_secret_value()
        self._session = URLSafeTimedSerializer(key, salt="proeftuin-session")
        self._token = URLSafeTimedSerializer(key, salt="proeftuin-api-token")

    def dump_session(self, data: dict[str, Any]) -> str:
        return self._session.dumps(data)

    def load_session(self, cookie: str | None) -> dict[str, Any] | None:
        """The session in ``cookie``, or ``None`` when absent, forged or expired."""
        if not cookie:
            return None
        try:
            data = self._session.loads(cookie, max_age=SESSION_MAX_AGE)
        except BadSignature:
            return None
        return data if isinstance(data, dict) else None

    def issue_token(self, bearer: Bearer) -> str:
        return self._token.dumps({"sub": bearer.name, "gen": bearer.generation})

    def read_token(self, token: str) -> Bearer | None:
        """Whom a bearer token names, or ``None`` when forged, expired or of the old form."""
        try:
            data = self._token.loads(token, max_age=TOKEN_MAX_AGE)
        except BadSignature:
            return None
        return session_bearer({"user": data.get("sub"), "gen": data.get("gen")}) if isinstance(data, dict) else None


def session_bearer(session: dict[str, Any]) -> Bearer | None:
    """Whom a browser session names (``None`` when nobody is logged in)."""
    name, generation = session.get("user"), session.get("gen")
    if not isinstance(name, str) or not name or not isinstance(generation, int) or isinstance(generation, bool):
        return None
    return Bearer(name, generation)
