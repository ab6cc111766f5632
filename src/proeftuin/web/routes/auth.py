"""Logging in and out (form and session cookie) and the API's OAuth2 password flow."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel
from starlette.responses import Response

from proeftuin.web.accounts import authenticate, end_sessions
from proeftuin.web.deps import CsrfChecked, CurrentUser, SessionDep, authenticated_user, render
from proeftuin.web.security import Bearer, new_csrf_token

router = APIRouter(tags=["auth"])


class Token(BaseModel):
    """An OAuth2 bearer token."""

    access_token: str
    token_type: str = "bearer"


class Me(BaseModel):
    """The logged-in user."""

    name: str
    role: str


class PasswordForm(OAuth2PasswordRequestForm):
    """OAuth2's password form, whose user name and password may not be empty.

    Found by schemathesis: the standard form declares them as any text, but FastAPI reads an
    empty form field as a missing one, so a schema-valid empty password got 422 "Field required";
    and a form has no null, so the optional fields are texts (empty when absent), not nullable.
    """

    def __init__(
        self,
        username: Annotated[str, Form(min_length=1, max_length=64)],
        password: Annotated[str, Form(min_length=1, max_length=1024, json_schema_extra={"format": "password"})],
        grant_type: Annotated[str, Form(pattern="^password$")] = "password",
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str, Form()] = "",
        client_secret: Annotated[str, Form(json_schema_extra={"format": "password"})] = "",
    ) -> None:
        super().__init__(grant_type=grant_type, username=username, password=password, scope=scope, client_id=client_id,
                         client_secret=client_secret)


def _client(request: Request) -> str:
    """The client's address: the connecting peer's, or the forwarded one behind a trusted proxy (see ``WebSettings``)."""
    return request.client.host if request.client else "?"


def _safe_next(target: str) -> str:
    """Only local paths: never redirect to another site after login."""
    return target if target.startswith("/") and not target.startswith("//") else "/experiments"


@router.get("/login", include_in_schema=False)
def login_form(request: Request, next: str = "/experiments") -> Response:
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login", include_in_schema=False, dependencies=[CsrfChecked])
def login(request: Request, session: SessionDep, username: Annotated[str, Form()], password: Annotated[str, Form()],
          next: Annotated[str, Form()] = "/experiments") -> Response:
    """Check the password (throttled per account, address and both), then start a fresh session."""
    throttle, client = request.app.state.throttle, _client(request)
    if throttle.blocked(username, client):
        return render(request, "login.html", {"next": _safe_next(next), "error": "blocked"}, status_code=429)
    user = authenticate(session=session, name=username, password=password)
    if user is None:
        throttle.failed(username, client)
        return render(request, "login.html", {"next": _safe_next(next), "error": "wrong"}, status_code=401)
    throttle.succeeded(username, client)
    request.state.session = {"user": user.name, "gen": user.session_generation, "role": user.role, "csrf": new_csrf_token()}
    request.state.session_changed = True
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", include_in_schema=False, dependencies=[CsrfChecked])
def logout(request: Request, session: SessionDep) -> Response:
    """End every session and token of the logged-in user (a copied cookie too), and this browser's session."""
    user = authenticated_user(request, session)
    if user is not None:
        end_sessions(session=session, name=user.name)
        request.app.state.users.pop(user.name, None)
    request.state.session = {"csrf": new_csrf_token()}
    request.state.session_changed = True
    return RedirectResponse("/login", status_code=303)


@router.post("/api/token", response_model=Token, responses={429: {"description": "Too many failed logins; try again later"}})
def token(request: Request, session: SessionDep, form: Annotated[PasswordForm, Depends()]) -> Token:
    """OAuth2 password flow: a bearer token valid for an hour (failed attempts throttled)."""
    throttle, client = request.app.state.throttle, _client(request)
    if throttle.blocked(form.username, client):
        raise HTTPException(status_code=429, detail="too many failed logins; try again later")
    user = authenticate(session=session, name=form.username, password=form.password)
    if user is None:
        throttle.failed(form.username, client)
        raise HTTPException(status_code=401, detail="wrong user name or password", headers={"WWW-Authenticate": "Bearer"})
    throttle.succeeded(form.username, client)
    return Token(access_token=request.app.state.signer.issue_token(Bearer(user.name, user.session_generation)))


@router.get("/api/me", response_model=Me)
def me(user: CurrentUser) -> Me:
    """Who the token belongs to."""
    return Me(name=user.name, role=user.role)
