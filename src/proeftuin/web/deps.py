"""Dependencies as ``Annotated`` aliases: the database session, the current user, role checks, CSRF, language.

Role checks are written once, here, from the registry's permission matrix: ``Allowed[op]`` is a
user whose role may perform ``op`` (403 otherwise); anyone not logged in gets 401.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from proeftuin.design.vocabulary import category_label
from proeftuin.registry import Session, session_scope
from proeftuin.registry.roles import PERMISSIONS, Operation, Role
from proeftuin.web.accounts import Account, get_account
from proeftuin.web.security import LANG_COOKIE, Bearer, session_bearer

Lang = Literal["nl", "en"]
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.globals["category_label"] = category_label


class NotAuthenticated(Exception):
    """No valid session or bearer token: 401 (pages show the login form)."""


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request, committed when the handler returns."""
    with session_scope(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db, scope="function")]
"""``scope="function"``: the transaction commits when the handler returns, before the response goes out.

Regression: with the default (request) scope the commit ran after the response was sent, so a
browser following the redirect after enrolment could ask for the person before they were
committed and get 400 "no participant" (an intermittent failure of the browser test)."""


USER_FRESH_SECONDS = 1.0
"""How long a looked-up account holds in a process: a removed user, a changed role or a logout in
another worker process takes effect within a second, and a busy page does not ask the database
for its user on every request (a logout in this process takes effect at once)."""


def request_bearer(request: Request) -> Bearer | None:
    """Whom the request's bearer token (API) or session cookie (pages) names, unchecked."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return request.app.state.signer.read_token(header[7:].strip())
    return session_bearer(request.state.session)


def authenticated_user(request: Request, session: Session) -> Account | None:
    """The user the request's token or cookie names, if that user exists and the session is still theirs.

    A session or token is theirs while it carries the user's current session generation (logout
    raises it). The user is cached for ``USER_FRESH_SECONDS`` as an :class:`~proeftuin.registry.accounts.Account`,
    a plain value, not an ORM object. Regression: the cached object used to stay attached to the request's
    session; a 403 or 400 rolled that session back, which expired it, and the user's next requests
    within the second failed with 500 (``DetachedInstanceError`` reading the expired role).
    """
    bearer = request_bearer(request)
    if bearer is None:
        return None
    known: dict[str, tuple[float, Account]] = request.app.state.users
    now = time.monotonic()
    cached = known.get(bearer.name)
    if cached is not None and now - cached[0] < USER_FRESH_SECONDS:
        user = cached[1]
    else:
        found = get_account(session=session, name=bearer.name)
        if found is None:
            known.pop(bearer.name, None)
            return None
        known[bearer.name] = (now, found)
        user = found
    return user if user.session_generation == bearer.generation else None


def current_user(request: Request, session: SessionDep) -> Account:
    """The authenticated user (see :func:`authenticated_user`); 401 otherwise."""
    user = authenticated_user(request, session)
    if user is None:
        raise NotAuthenticated()
    return user


CurrentUser = Annotated[Account, Depends(current_user)]


def _role_check(operation: Operation) -> Any:
    async def check(user: CurrentUser) -> Account:  # async: no I/O, so no hop to the thread pool
        if Role(user.role) not in PERMISSIONS[operation]:
            raise HTTPException(status_code=403, detail=f"role {user.role} may not {operation.value}")
        return user

    check.__name__ = f"may_{operation.value}"
    return Annotated[Account, Depends(check)]


Allowed: dict[Operation, Any] = {operation: _role_check(operation) for operation in Operation}
"""``Allowed[Operation.enrol]``: the current user, if their role may enrol (else 403)."""


def _language(request: Request) -> Lang:
    choice = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return "en" if choice == "en" else "nl"


async def language(request: Request) -> Lang:
    """``?lang=en`` or the language cookie; Dutch by default."""
    return _language(request)


LangDep = Annotated[Lang, Depends(language)]


async def csrf_checked(request: Request) -> None:
    """A form post must carry the session's CSRF token (bearer-token API calls carry no cookie)."""
    form = await request.form()
    sent = form.get("csrf_token")
    expected = request.state.session.get("csrf", "")
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent, expected):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong; reload the page and try again")


CsrfChecked = Depends(csrf_checked)


def render(request: Request, name: str, context: dict[str, Any], *, status_code: int = 200) -> Response:
    """Render template ``name`` with the language, the user name, the CSRF token and ``tr(nl, en)``."""
    lang = _language(request)
    base = {"lang": lang, "csrf_token": request.state.session.get("csrf", ""), "user_name": request.state.session.get("user"),
            "user_role": request.state.session.get("role"), "tr": (lambda nl, en: en if lang == "en" else nl)}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
