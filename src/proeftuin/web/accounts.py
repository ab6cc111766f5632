"""Web accounts: the password of a registry user (the user and role themselves are the registry's)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from proeftuin.registry.crud import RegistryError
from proeftuin.registry.models import User
from proeftuin.web.security import hash_password, verify_password

MIN_PASSWORD_LENGTH = 12
_UNKNOWN_USER_HASH = hash_password("no such user: spend the same time as a real check")


def set_password(*, session: Session, name: str, password: str) -> None:
    """Store the argon2 hash of ``password`` for user ``name`` (at least 12 characters)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RegistryError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise RegistryError(f"unknown user {name!r}")
    user.password_hash = hash_password(password)
    session.flush()


def authenticate(*, session: Session, name: str, password: str) -> User | None:
    """The user when ``password`` is theirs, else ``None`` (unknown users cost a hash too)."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        verify_password(_UNKNOWN_USER_HASH, password)
        return None
    return user if verify_password(user.password_hash, password) else None


def get_user(*, session: Session, name: str) -> User | None:
    """The user called ``name``, if any."""
    return session.scalar(select(User).where(User.name == name))
