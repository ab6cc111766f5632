"""Web accounts: the password of a registry user (the user and role themselves are the registry's) and their sessions."""

from __future__ import annotations

from proeftuin.registry import Account, RegistryError, Session, account_with_password_hash, end_sessions, get_account, store_password_hash
from proeftuin.web.security import hash_password, verify_password

MIN_PASSWORD_LENGTH = 12


def set_password(*, session: Session, name: str, password: str) -> None:
    """Store the argon2 hash of ``password`` for user ``name`` (at least 12 characters); their open sessions end."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RegistryError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    store_password_hash(session=session, name=name, password_hash=hash_password(password))


def authenticate(*, session: Session, name: str, password: str) -> Account | None:
    """The user when ``password`` is theirs, else ``None``.

    An unknown user and a user without a web password cost one argon2 check too, so the answer's
    timing does not tell which accounts exist or have a password.
    """
    account, stored = account_with_password_hash(session=session, name=name)
    ok = verify_password(stored, password)
    return account if ok else None


__all__ = ["MIN_PASSWORD_LENGTH", "Account", "authenticate", "end_sessions", "get_account", "set_password"]
