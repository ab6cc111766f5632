"""The web app: server-rendered pages (Dutch first) and a JSON API on the registry's service functions.

The app (and with it the analysis and report stack) loads on first use (PEP 562 ``__getattr__``):
``proeftuin serve --workers N`` supervises its workers from a process that never builds the app,
and its submodules (:mod:`proeftuin.web.environment`, :mod:`proeftuin.web.security`) are imported
without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from proeftuin.web.app import create_app


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from proeftuin.web.app import create_app

        return create_app
    raise AttributeError(f"module 'proeftuin.web' has no attribute {name!r}")


__all__ = ["create_app"]
