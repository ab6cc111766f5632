"""Web accounts of registry users: the stored password hash and the session generation.

The hashing itself (argon2) is the web's (:mod:`proeftuin.web.security`); here is only what is
stored. A user is handed out as an :class:`Account`, a plain value detached from any database
session (the web caches it across requests).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from proeftuin.registry.crud import RegistryError
from proeftuin.registry.models import User


@dataclass(frozen=True)
class Account:
    """A registry user as the web sees them: name, role, and the generation every session and
    bearer token of theirs must carry (raised at logout and at a new password)."""

    name: str
    role: str
    session_generation: int


def _account(user: User) -> Account:
    return Account(user.name, user.role, user.session_generation or 0)


def get_account(*, session: Session, name: str) -> Account | None:
    """The user called ``name``, if any."""
    user = session.scalar(select(User).where(User.name == name))
    return _account(user) if user is not None else None


def account_with_password_hash(*, session: Session, name: str) -> tuple[Account | None, str | None]:
    """The user called ``name`` (``None`` if unknown) and their stored password hash (``None`` without one)."""
    user = session.scalar(select(User).where(User.name == name))
    return (_account(user), user.password_hash) if user is not None else (None, None)


def store_password_hash(*, session: Session, name: str, password_hash: str) -> None:
    """Store a new password hash for user ``name``; their open sessions end (the generation goes up)."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise RegistryError(f"unknown user {name!r}")
    user.password_hash = password_hash
    user.session_generation = (user.session_generation or 0) + 1
    session.flush()


def end_sessions(*, session: Session, name: str) -> None:
    """End every web session and bearer token of user ``name`` (logout): their generation goes up."""
    session.execute(update(User).where(User.name == name).values(session_generation=User.session_generation + 1))


__all__ = ["Account", "account_with_password_hash", "end_sessions", "get_account", "store_password_hash"]
