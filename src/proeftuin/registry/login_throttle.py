"""The failed-login throttle of the web app, kept in the registry's database so every worker process counts the same attempts.

Within ``WINDOW`` seconds, logins are refused (429) for
- an account and address with ``MAX_FAILURES`` failures (someone guessing one password),
- an account with ``MAX_ACCOUNT_FAILURES`` failures from any addresses (guessing from many), and
- an address with ``MAX_ADDRESS_FAILURES`` failures over any user names (password spraying).
A successful login clears the failures of its own account and address. The account is stored as
the SHA-256 of the name typed; rows older than the window are deleted as new failures come in.
"""

from __future__ import annotations

import hashlib
import time

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.sql.elements import ColumnElement

from proeftuin.registry.db import session_scope
from proeftuin.registry.models import LoginFailure

MAX_FAILURES = 5
MAX_ACCOUNT_FAILURES = 20
MAX_ADDRESS_FAILURES = 20
WINDOW = 15 * 60.0


def _account(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def _address(address: str) -> str:
    return address[:64]  # the column's width; an IPv6 address takes at most 45


class LoginThrottle:
    """Counts failed logins in the registry's database (thread- and process-safe through it)."""

    def __init__(self, engine: Engine, *, window: float = WINDOW) -> None:
        self.engine, self.window = engine, window

    def blocked(self, name: str, address: str) -> bool:
        """Whether a login of ``name`` from ``address`` is refused now (see the module docstring)."""
        since, account, address = time.time() - self.window, _account(name), _address(address)
        with session_scope(self.engine) as session:
            def count(*where: ColumnElement[bool]) -> int:
                query = select(func.count()).select_from(LoginFailure).where(LoginFailure.at > since, *where)
                return int(session.scalar(query) or 0)

            return (count(LoginFailure.account == account, LoginFailure.address == address) >= MAX_FAILURES
                    or count(LoginFailure.account == account) >= MAX_ACCOUNT_FAILURES
                    or count(LoginFailure.address == address) >= MAX_ADDRESS_FAILURES)

    def failed(self, name: str, address: str) -> None:
        """Record a failed login (in its own transaction, whatever the request does next)."""
        now = time.time()
        with session_scope(self.engine) as session:
            session.execute(delete(LoginFailure).where(LoginFailure.at <= now - self.window))
            session.add(LoginFailure(at=now, account=_account(name), address=_address(address)))

    def succeeded(self, name: str, address: str) -> None:
        """Forget the failures of this account from this address."""
        with session_scope(self.engine) as session:
            session.execute(delete(LoginFailure).where(LoginFailure.account == _account(name), LoginFailure.address == _address(address)))
