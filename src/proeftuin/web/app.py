"""The FastAPI application: server-rendered pages (Dutch first) and a JSON API beside them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from proeftuin.registry import Engine
from proeftuin.registry.crud import RegistryError
from proeftuin.registry.audit import keyed_engine
from proeftuin.registry.db import make_engine, migrate, session_scope
from proeftuin.registry.login_throttle import LoginThrottle
from proeftuin.registry.roles import PermissionDenied
from proeftuin.registry.settings import RegistrySettings, refuse_shared_keys
from proeftuin.web.deps import NotAuthenticated, authenticated_user, render
from proeftuin.web.results import DiskResults, ResultsCache
from proeftuin.web.security import LANG_COOKIE, SESSION_COOKIE, SESSION_MAX_AGE, WEB_SECRET_VARIABLE, Signer, WebSettings, new_csrf_token
from proeftuin.web.uploads import sweep_abandoned_uploads

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
}
NO_STORE = {"Cache-Control": "no-store"}
"""On every answer but the static files: pages and API answers may hold personal data, and a
shared or back-button cache must not keep them (the simple safe rule: all of them)."""
STATIC = "/static"
PUBLIC_WITH_BODY = frozenset({"/login", "/logout", "/api/token"})
"""The only paths that take a request body from someone not logged in."""


class Problem(BaseModel):
    """Why a request was refused."""

    detail: str


API_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Not logged in, or the session or token has ended (logout, a new password)"},
    403: {"model": Problem, "description": "The user's role may not do this"},
}
"""The refusals every API route may answer, declared in the OpenAPI schema (schemathesis checks it)."""
FORM_BODY_BYTES = 1 << 20
"""The largest request body of any route but the upload (which sets its own limit): forms are small."""


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def unauthenticated(request: Request) -> Response:
    """401: the API asks for a bearer token, a page shows the login form."""
    if _is_api(request):
        return JSONResponse({"detail": "Not authenticated"}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
    return render(request, "login.html", {"next": request.url.path, "error": None}, status_code=401)


class AuthenticateFirst:
    """Refuse a request body from someone not logged in (401) before a byte of it is read.

    FastAPI reads (and spools to disk) a form or upload before any dependency runs, so the
    routes' own role checks come too late for this: an anonymous 250 MB upload would be stored
    first. Only the login, logout and token routes take a body from anyone. The routes' body
    limits (413) come after this, so an anonymous client learns nothing but 401.
    """

    def __init__(self, app: ASGIApp, *, engine: Engine) -> None:
        self.app, self.engine = app, engine

    def _user_known(self, request: Request) -> bool:
        with session_scope(self.engine) as session:
            return authenticated_user(request, session) is not None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS") and scope["path"] not in PUBLIC_WITH_BODY:
            request = Request(scope)
            if not await run_in_threadpool(self._user_known, request):
                await unauthenticated(request)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class RecheckAfterWrites:
    """After any request that may write (not GET or HEAD), the results cache asks the database again."""

    def __init__(self, app: ASGIApp, *, cache: ResultsCache) -> None:
        self.app, self.cache = app, cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD"):
                self.cache.recheck()


class SessionCookies:
    """Load the signed session (a fresh one with a CSRF token if absent) and write it back when changed.

    A pure ASGI middleware rather than ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware
    streams every response body through an extra task and memory stream, which costs more than the
    rest of a cached results page together. The session is ``request.state.session``; a handler
    that changes it sets ``request.state.session_changed``.
    """

    def __init__(self, app: ASGIApp, *, signer: Signer) -> None:
        self.app, self.signer = app, signer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        loaded = self.signer.load_session(request.cookies.get(SESSION_COOKIE))
        state = scope.setdefault("state", {})
        state["session"] = loaded or {"csrf": new_csrf_token()}
        state["session_changed"] = loaded is None and not _is_api(request)
        https = request.url.scheme == "https"
        lang = request.query_params.get("lang")

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookies = Response()
                if state["session_changed"]:
                    cookies.set_cookie(SESSION_COOKIE, self.signer.dump_session(state["session"]), max_age=SESSION_MAX_AGE,
                                       httponly=True, samesite="lax", secure=https, path="/")
                if lang in ("nl", "en"):
                    cookies.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", secure=https, path="/")
                headers = MutableHeaders(scope=message)
                for name, value in cookies.raw_headers:
                    if name == b"set-cookie":
                        headers.append("set-cookie", value.decode("latin-1"))
                headers.update(SECURITY_HEADERS)
                if not scope["path"].startswith(STATIC):
                    headers.update(NO_STORE)
            await send(message)

        await self.app(scope, receive, send_with_cookies)


def create_app(db_url: str, *, settings: RegistrySettings | None = None, web_settings: WebSettings | None = None) -> FastAPI:
    """The app on the database at ``db_url`` (migrated on start); secrets from the environment by default.

    ``ValueError`` when the web secret is also one of the registry's keys.
    """
    settings = settings if settings is not None else RegistrySettings()
    web_settings = web_settings if web_settings is not None else WebSettings()
    refuse_shared_keys({**settings.named_keys(), WEB_SECRET_VARIABLE: web_settings.secret})
    app = FastAPI(title="proeftuin", description="Randomized experiments in social assistance", docs_url="/api/docs",
                  openapi_url="/api/openapi.json", redoc_url=None)
    engine = keyed_engine(make_engine(db_url), settings)
    migrate(engine)
    app.state.engine = engine
    app.state.settings = settings
    app.state.signer = Signer(web_settings)
    app.state.throttle = LoginThrottle(engine)
    folder, secret = web_settings.results_cache, web_settings.secret.get_secret_value().encode()
    app.state.results_cache = ResultsCache(DiskResults(folder, secret) if folder is not None else None)
    app.state.users = {}  # name -> (looked up at, Account): see deps.authenticated_user
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")

    sweep_abandoned_uploads()

    app.add_middleware(AuthenticateFirst, engine=engine)
    app.add_middleware(SessionCookies, signer=app.state.signer)
    app.add_middleware(RecheckAfterWrites, cache=app.state.results_cache)
    if web_settings.proxies:  # outermost: every layer sees the client's own address and scheme
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=web_settings.proxies)

    @app.exception_handler(NotAuthenticated)
    async def not_authenticated(request: Request, _exc: NotAuthenticated) -> Response:
        return unauthenticated(request)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return render(request, "error.html", {"status": exc.status_code, "detail": exc.detail}, status_code=exc.status_code)

    @app.exception_handler(PermissionDenied)
    async def denied(request: Request, exc: PermissionDenied) -> Response:
        return await http_error(request, HTTPException(status_code=403, detail=str(exc)))

    @app.exception_handler(RegistryError)
    async def refused(request: Request, exc: RegistryError) -> Response:
        return await http_error(request, HTTPException(status_code=400, detail=str(exc)))

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/experiments", status_code=303)

    from proeftuin.web.routes import audit, auth, data, experiments, intake, results, workpays

    for module in (auth, experiments, intake, audit, workpays, results, data):
        app.include_router(module.router, max_body_size=FORM_BODY_BYTES, responses=API_REFUSALS)
    return app
