"""Building the app from the environment, for ``proeftuin serve --workers N`` (one app per process)."""

from __future__ import annotations

import os

from fastapi import FastAPI

DB_ENVIRONMENT = "PROEFTUIN_DB"
"""The database URL a worker process serves (set by ``proeftuin serve``)."""


def app_from_environment() -> FastAPI:
    """The app on ``$PROEFTUIN_DB`` with the registry's and the web's settings from the environment."""
    from proeftuin.web.app import create_app

    return create_app(os.environ[DB_ENVIRONMENT])
