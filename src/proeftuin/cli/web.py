"""The web app on the command line: ``proeftuin serve`` and ``proeftuin user password NAME``.

``user add`` (in :mod:`proeftuin.cli.registry_commands`) creates the user and role; ``user
password`` gives them a web password, read from standard input (never from an argument, so it
stays out of the shell history and the process list).
"""


import os
import sys
from typing import Annotated

import typer

from proeftuin.cli.app import DEFAULT_DB, DbOption, app, fail
from proeftuin.cli.registry_commands import registry_engine, registry_errors, settings_or_fail, user_app


WORKER_START_SECONDS = 120
"""How long a worker process may take to start (import, migrate, build the app) before it is restarted."""


@app.command()
def serve(
    db: DbOption = DEFAULT_DB,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes (one per core serves most).")] = 1,
) -> None:
    """Start the web app (needs PROEFTUIN_WEB_SECRET and the registry's secrets in the environment)."""
    import uvicorn
    from pydantic import ValidationError

    from proeftuin.registry.settings import refuse_shared_keys
    from proeftuin.web.environment import DB_ENVIRONMENT
    from proeftuin.web.security import WEB_SECRET_VARIABLE, WebSettings

    settings = settings_or_fail()
    try:
        web_settings = WebSettings()
        refuse_shared_keys({**settings.named_keys(), WEB_SECRET_VARIABLE: web_settings.secret})
    except ValidationError as exc:
        raise fail(f"settings: {exc.errors()[0]['msg'].removeprefix('Value error, ')}") from None
    except ValueError as exc:
        raise fail(f"settings: {exc}") from None
    if workers < 1:
        raise fail(f"--workers must be 1 or more; got {workers}")
    # The database opened and migrated here, once, before any worker starts: one that cannot be opened is one
    # error line (exit 2), where each worker would print a traceback and be restarted for ever.
    registry_engine(db).dispose()
    # Forwarded headers are the app's business (PROEFTUIN_WEB_TRUSTED_PROXIES), never uvicorn's:
    # its default believes X-Forwarded-For from 127.0.0.1, so any local client could pick the
    # address the login throttle counts by.
    if workers == 1:
        from proeftuin.web import create_app

        uvicorn.run(create_app(db, settings=settings, web_settings=web_settings), host=host, port=port, proxy_headers=False)
        return
    # Several processes each build the app from the environment (the settings were checked above).
    os.environ[DB_ENVIRONMENT] = db
    # A worker imports the analysis and report stack before it answers uvicorn's health check; on a
    # busy machine that takes tens of seconds, and the default 5 s had every worker killed at start.
    uvicorn.run("proeftuin.web.environment:app_from_environment", factory=True, workers=workers, host=host, port=port,
                proxy_headers=False, timeout_worker_healthcheck=WORKER_START_SECONDS)


@user_app.command("password")
def user_password(name: Annotated[str, typer.Argument(help="User name.")], db: DbOption = DEFAULT_DB) -> None:
    """Set a user's web password, read from standard input (first line; at least 12 characters)."""
    from proeftuin.registry.db import make_engine, migrate, session_scope
    from proeftuin.web.accounts import set_password

    password = sys.stdin.readline().rstrip("\r\n")
    engine = make_engine(db)
    migrate(engine)
    with registry_errors(), session_scope(engine) as session:
        set_password(session=session, name=name, password=password)
    typer.echo(f"password set for {name}")
