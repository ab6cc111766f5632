"""The FastAPI application: server-rendered pages (Dutch first) and a JSON API beside them."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from proeftuin.registry.crud import RegistryError
from proeftuin.registry.audit import keyed_engine
from proeftuin.registry.db import make_engine, migrate
from proeftuin.registry.roles import PermissionDenied
from proeftuin.registry.settings import RegistrySettings
from proeftuin.web.deps import NotAuthenticated, render
from proeftuin.web.results import ResultsCache
from proeftuin.web.security import LANG_COOKIE, SESSION_COOKIE, SESSION_MAX_AGE, LoginLimiter, Signer, WebSettings, new_csrf_token

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


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
            await send(message)

        await self.app(scope, receive, send_with_cookies)


def create_app(db_url: str, *, settings: RegistrySettings | None = None, web_settings: WebSettings | None = None) -> FastAPI:
    """The app on the database at ``db_url`` (migrated on start); secrets from the environment by default."""
    app = FastAPI(title="proeftuin", description="Randomized experiments in social assistance", docs_url="/api/docs",
                  openapi_url="/api/openapi.json", redoc_url=None)
    app.state.settings = settings if settings is not None else RegistrySettings()
    engine = keyed_engine(make_engine(db_url), app.state.settings)
    migrate(engine)
    app.state.engine = engine
    app.state.signer = Signer(web_settings if web_settings is not None else WebSettings())
    app.state.limiter = LoginLimiter()
    app.state.results_cache = ResultsCache()
    app.state.users = {}  # name -> (looked up at, User): see deps.current_user
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")

    app.add_middleware(SessionCookies, signer=app.state.signer)
    app.add_middleware(RecheckAfterWrites, cache=app.state.results_cache)

    @app.exception_handler(NotAuthenticated)
    async def not_authenticated(request: Request, _exc: NotAuthenticated) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "Not authenticated"}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return render(request, "login.html", {"next": request.url.path, "error": None}, status_code=401)

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
        app.include_router(module.router)
    return app
