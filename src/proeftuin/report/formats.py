"""The file formats a report is written in: one HTML page, or that page printed to PDF."""

from __future__ import annotations

from typing import Literal

Format = Literal["html", "pdf"]
