"""Web accounts: the password of a registry user (the user and role themselves are the registry's) and their sessions."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from proeftuin.registry.crud import RegistryError
from proeftuin.registry.models import User
from proeftuin.web.security import hash_password, verify_password

MIN_PASSWORD_LENGTH = 12


def set_password(*, session: Session, name: str, password: str) -> None:
    """Store the argon2 hash of ``password`` for user ``name`` (at least 12 characters); their open sessions end."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RegistryError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise RegistryError(f"unknown user {name!r}")
    user.password_hash = hash_password(password)
    user.session_generation = (user.session_generation or 0) + 1
    session.flush()


def authenticate(*, session: Session, name: str, password: str) -> User | None:
    """The user when ``password`` is theirs, else ``None``.

    An unknown user and a user without a web password cost one argon2 check too, so the answer's
    timing does not tell which accounts exist or have a password.
    """
    user = session.scalar(select(User).where(User.name == name))
    ok = verify_password(user.password_hash if user is not None else None, password)
    return user if ok else None


def end_sessions(*, session: Session, name: str) -> None:
    """End every web session and bearer token of user ``name`` (logout): their generation goes up."""
    session.execute(update(User).where(User.name == name).values(session_generation=User.session_generation + 1))


def get_user(*, session: Session, name: str) -> User | None:
    """The user called ``name``, if any."""
    return session.scalar(select(User).where(User.name == name))
