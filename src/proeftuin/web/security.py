"""Passwords, signed sessions and bearer tokens, CSRF tokens and the failed-login limiter.

- Passwords are hashed with argon2id (argon2-cffi defaults).
- The browser session is a signed cookie (itsdangerous) holding the user name and a CSRF token;
  it is HttpOnly, SameSite=Lax and Secure when the request came over TLS.
- API bearer tokens are signed with the same secret under another salt and expire.
- Failed logins are counted per user name and client address in memory; after
  ``MAX_FAILURES`` within ``FAILURE_WINDOW`` seconds, logins are refused until the window passes.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict, deque
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from proeftuin.registry.settings import MIN_SECRET_LENGTH

SESSION_COOKIE = "proeftuin_session"
LANG_COOKIE = "proeftuin_lang"
SESSION_MAX_AGE = 8 * 3600
TOKEN_MAX_AGE = 3600
MAX_FAILURES = 5
FAILURE_WINDOW = 15 * 60.0

_hasher = PasswordHasher()


class WebSettings(BaseSettings):
    """The web app's secret (``PROEFTUIN_WEB_SECRET``, at least 32 random characters)."""

    model_config = SettingsConfigDict(env_prefix="PROEFTUIN_WEB_", extra="ignore", frozen=True)

    secret: SecretStr = Field(SecretStr(""), description="Signs session cookies and bearer tokens.")

    @field_validator("secret")
    @classmethod
    def _strong(cls, secret: SecretStr) -> SecretStr:
        text = secret.get_secret_value()
        if len(text) < MIN_SECRET_LENGTH or len(set(text)) < 8:
            raise ValueError(f"PROEFTUIN_WEB_SECRET needs at least {MIN_SECRET_LENGTH} random characters")
        return secret


def hash_password(password: str) -> str:
    """The argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (no hash: never)."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_csrf_token() -> str:
    """A fresh random CSRF token."""
    return secrets.token_urlsafe(32)


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

    def issue_token(self, user: str) -> str:
        return self._token.dumps({"sub": user})

    def read_token(self, token: str) -> str | None:
        """The user name in a bearer token, or ``None`` when forged or expired."""
        try:
            data = self._token.loads(token, max_age=TOKEN_MAX_AGE)
        except BadSignature:
            return None
        return data.get("sub") if isinstance(data, dict) else None


class LoginLimiter:
    """Counts failed logins per (user name, client address) in a sliding window (thread-safe)."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = FAILURE_WINDOW) -> None:
        self.max_failures, self.window = max_failures, window
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures[key]
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def blocked(self, user: str, client: str) -> bool:
        with self._lock:
            return len(self._recent((user, client), time.monotonic())) >= self.max_failures

    def failed(self, user: str, client: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._recent((user, client), now).append(now)

    def succeeded(self, user: str, client: str) -> None:
        with self._lock:
            self._failures.pop((user, client), None)
