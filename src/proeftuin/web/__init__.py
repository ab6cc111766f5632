"""The web app: server-rendered pages (Dutch first) and a JSON API on the registry's service functions."""

from proeftuin.web.app import create_app

__all__ = ["create_app"]
