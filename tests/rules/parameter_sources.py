"""The half-yearly tables of PARAMETERS.md (a copy in ``data/``), parsed for the specifications.

Each table row is ``| in force from | value | source URL | note |``; amounts are Dutch
(``€ 1.501,80``). The parser reads the published figures themselves, so a parameter file that
drifts from its source fails a test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SOURCE = Path(__file__).parent / "data" / "PARAMETERS.md"
EURO = re.compile(r"€ ([\d.]+(?:,\d\d)?)")


@dataclass(frozen=True)
class Row:
    start: str
    value: str
    source: str
    note: str


def dutch(amount: str) -> float:
    """``1.501,80`` -> 1501.80."""
    return float(amount.replace(".", "").replace(",", "."))


@cache
def table(section: int) -> tuple[Row, ...]:
    """The rows of section ``section`` (``## 1. ...``) in date order."""
    text = SOURCE.read_text(encoding="utf-8")
    body = re.split(r"^## ", text, flags=re.M)[section]
    assert body.startswith(f"{section}. "), f"section {section} of PARAMETERS.md not found"
    found = []
    for line in body.splitlines():
        if re.match(r"^\| \d{4}-\d{2}-\d{2} \|", line):
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            assert len(cells) == 4, line
            found.append(Row(*cells))
    return tuple(found)


def euros(row: Row) -> list[float]:
    """Every euro amount in the value cell, in order."""
    return [dutch(a) for a in EURO.findall(row.value)]


def wml_rows() -> list[tuple[str, float, float | None]]:
    """(start, monthly amount or referentiemaandloon, statutory hourly amount from 2024 or None)."""
    out = []
    for row in table(1):
        if "/uur" in row.value:
            hourly = dutch(EURO.search(row.value).group(1))  # type: ignore[union-attr]
            monthly = dutch(re.search(r"referentiemaandloon € ([\d.]+,\d\d)", row.value).group(1))  # type: ignore[union-attr]
            out.append((row.start, monthly, hourly))
        else:
            out.append((row.start, euros(row)[0], None))
    return out


def wml_hourly_36(row: Row) -> float | None:
    """The published hourly rate for a 36-hour week before 2024, where the row gives one."""
    match = re.search(r"per uur(?: 36/38/40 u:)? € ([\d,]+) / € [\d,]+ / € [\d,]+", row.value)
    return dutch(match.group(1)) if match else None


def norm_rows() -> list[tuple[str, float, float]]:
    """(start, single incl. holiday allowance, couple incl.)."""
    return [(r.start, *euros(r)[:2]) for r in table(2)]  # type: ignore[misc]


def norm_excl_rows() -> list[tuple[str, str, float]]:
    """(start, "single" or "couple", published amount excl. holiday allowance) where given."""
    out = []
    for row in table(2):
        match = re.search(r"excl\. (\(b\) )?([\d.]+,\d\d)(?: / ([\d.]+,\d\d))?", row.value)
        if not match:
            continue
        if match.group(1):
            out.append((row.start, "couple", dutch(match.group(2))))
        else:
            out.append((row.start, "single", dutch(match.group(2))))
            out.append((row.start, "couple", dutch(match.group(3))))
    return out


def cap_rows(section: int) -> list[tuple[str, float]]:
    """(start, monthly cap) of art. 31 lid 2 n (section 3) or r (section 4)."""
    return [(r.start, euros(r)[0]) for r in table(section)]
