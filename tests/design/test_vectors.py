"""Fixed test vectors: seed + input -> allocation. A change in any algorithm fails here.

If an algorithm is changed on purpose, bump its version constant (e.g. ``BLOCKS_VERSION``) and
add new vectors; never regenerate old ones (randomizr issue #73: silent changes of allocations
across versions made published trials irreproducible).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proeftuin.design import RandomizationSpec, Recorded, Unit, commitment, replay
from proeftuin.design.sealing import derived_key

VECTORS = Path(__file__).parent / "vectors"
ALLOCATION_VECTORS = sorted(p for p in VECTORS.glob("*.json") if p.stem != "sealing")


@pytest.mark.parametrize("path", ALLOCATION_VECTORS, ids=lambda p: p.stem)
def test_allocation_matches_vector(path: Path) -> None:
    vector = json.loads(path.read_text())
    spec = RandomizationSpec.model_validate(vector["randomization"])
    assert spec.method.version == vector["version"]
    recorded = [
        Recorded(Unit(u["covariates"], u["cluster"]), u["sequence"], "", batch=u["batch"]) for u in vector["units"]
    ]
    assert replay(spec, vector["arms"], vector["ratios"], vector["seed"], recorded) == vector["expected"]


def test_sealing_vector() -> None:
    vector = json.loads((VECTORS / "sealing.json").read_text())
    assert commitment(vector["seed"]) == vector["commitment"]
    d = vector["derived_key"]
    assert str(derived_key(vector["seed"], d["version"], *d["labels"])) == d["key"]
