"""The norm amounts of DOMAIN.md section 4 come out to the cent on their dates (art. 21)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from proeftuin.rules import compute_benefit

DOMAIN = Path("/work/shared/DOMAIN.md")
ROW = re.compile(r"^\| (\d{4}-\d{2}-\d{2}) \| ([\d,]+\.\d\d) \| ([\d,]+\.\d\d) \|", re.M)


def _rows() -> list[tuple[str, float, float]]:
    if not DOMAIN.exists():
        pytest.skip("DOMAIN.md not available")
    found = [(d, float(s.replace(",", "")), float(c.replace(",", ""))) for d, s, c in ROW.findall(DOMAIN.read_text())]
    assert len(found) >= 9, "the norm table of DOMAIN.md section 4 was not found"
    return found


@pytest.mark.parametrize("household", ["single", "single-parent", "couple"])
def test_norms_of_domain_table_to_the_cent(household: str) -> None:
    for date, single, couple in _rows():
        expected = couple if household == "couple" else single
        assert compute_benefit(date=date, household=household, earnings=0).norm == expected, date
