"""Allocation as a function of the sealed seed, the method's version and the people: one entry point.

Sequential methods (:class:`SequentialAllocator`) allocate one person at a time and keep a small,
JSON-serialisable state (block positions per stratum, or minimization counts) that the registry
stores next to its allocation counter. Batch methods (:func:`batch_allocate`) allocate a whole
batch at once. :func:`replay` recomputes every allocation of an experiment from the seed and the
recorded order of randomization; ``proeftuin verify`` compares it with what the registry holds.

Household clusters: a person whose household already has an arm gets that arm without a draw
(:meth:`SequentialAllocator.follow`); see Donner & Klar (2000).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from proeftuin.design.blocks import BlockDesign, BlockPosition, block_assignment, continue_blocks, next_in_block
from proeftuin.design.minimization import add_to_counts, minimization_choice
from proeftuin.design.plan import Method, RandomizationSpec
from proeftuin.design.randomization import stratified_assignment
from proeftuin.design.rerandomization import rerandomize
from proeftuin.design.sealing import derived_key, derived_rng


@dataclass(frozen=True)
class Unit:
    """One person to allocate: baseline covariates by name, and a household key (or ``None``)."""

    covariates: Mapping[str, Any]
    cluster: str | None = None


@dataclass(frozen=True)
class Recorded:
    """An allocation as recorded: the unit, its sequence number, its batch (batch methods) and arm."""

    unit: Unit
    sequence: int
    arm: str
    batch: int | None = None


def stratum_key(covariates: Mapping[str, Any], names: Sequence[str]) -> str:
    """The stratum of a person: ``"a=x|b=y"`` over ``names`` (``"all"`` without strata)."""
    missing = [n for n in names if n not in covariates]
    if missing:
        raise KeyError(f"the person has no value for the stratification variable(s) {missing}")
    return "|".join(f"{n}={covariates[n]}" for n in names) or "all"


@dataclass
class SequentialAllocator:
    """Blocks or minimization, one person at a time, with state kept in :attr:`state`."""

    spec: RandomizationSpec
    arms: tuple[str, ...]
    ratios: tuple[float, ...]
    seed: str
    state: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.spec.method.sequential:
            raise ValueError(f"{self.spec.method.value} is a batch method; use batch_allocate")
        self._blocks = BlockDesign.from_ratios(self.arms, self.ratios, self.spec.block_multipliers)

    def allocate(self, unit: Unit, sequence: int) -> str:
        """The arm of ``unit``, randomized as number ``sequence`` of the experiment."""
        if self.spec.method is Method.blocks:
            stratum = stratum_key(unit.covariates, self.spec.strata)
            positions = self.state.setdefault("blocks", {})
            block, used = positions.get(stratum, (0, 0))
            arm, after = next_in_block(self._blocks, self.seed, stratum, BlockPosition(block, used))
            positions[stratum] = [after.block, after.used]
            return arm
        levels = self._levels(unit)
        rng = derived_rng(self.seed, self.spec.method.version, "minimization", sequence)
        arm = minimization_choice(self.state.get("counts", {}), levels, self.arms, self.ratios, p_best=self.spec.p_best, rng=rng)
        add_to_counts(self.state.setdefault("counts", {}), levels, arm)
        return arm

    def allocate_many(self, units: Sequence[Unit], first: int, households: dict[str, str]) -> list[str]:
        """The arms of ``units`` randomized in order as numbers ``first``, ``first + 1``, ...

        A unit whose household (``cluster``) is in ``households`` takes that arm
        (:meth:`follow`); the first of a household to be drawn adds it there. The same arms and
        :attr:`state` as :meth:`allocate` and :meth:`follow` one unit at a time; blocks without
        households are drawn stratum by stratum (:func:`~proeftuin.design.blocks.continue_blocks`).
        """
        if not units:
            return []
        if self.spec.method is Method.blocks and all(unit.cluster is None for unit in units):
            positions = self.state.setdefault("blocks", {})
            strata = [stratum_key(unit.covariates, self.spec.strata) for unit in units]
            arms, after = continue_blocks(self._blocks, self.seed, strata, {s: BlockPosition(*p) for s, p in positions.items()})
            for stratum, position in after.items():
                positions[stratum] = [position.block, position.used]
            return arms
        out: list[str] = []
        for sequence, unit in enumerate(units, start=first):
            if unit.cluster is not None and unit.cluster in households:
                arm = households[unit.cluster]
                self.follow(unit, arm)
            else:
                arm = self.allocate(unit, sequence)
                if unit.cluster is not None:
                    households[unit.cluster] = arm
            out.append(arm)
        return out

    def follow(self, unit: Unit, arm: str) -> None:
        """Record a household member who takes the household's ``arm`` (no draw, no block place)."""
        if self.spec.method is Method.minimization:
            add_to_counts(self.state.setdefault("counts", {}), self._levels(unit), arm)

    def _levels(self, unit: Unit) -> dict[str, str]:
        return {f: str(unit.covariates[f]) for f in self.spec.factors}


def batch_allocate(
    spec: RandomizationSpec, arms: Sequence[str], ratios: Sequence[float], seed: str, units: Sequence[Unit], batch: int
) -> list[str]:
    """Allocate ``units`` (in the order given) as batch number ``batch`` of the experiment."""
    if spec.method is Method.complete:
        strata = [stratum_key(u.covariates, spec.strata) for u in units]
        key = derived_key(seed, spec.method.version, "batch", batch)
        return [str(a) for a in stratified_assignment(strata, arms, ratios, seed=key)]
    if spec.method is Method.rerandomization:
        x = np.array([[float(u.covariates[c]) for c in spec.covariates] for u in units])
        result = rerandomize(x, arms, ratios, seed=seed, batch=batch, acceptance=spec.acceptance)
        return [str(a) for a in result.arms]
    raise ValueError(f"{spec.method.value} is a sequential method; use SequentialAllocator")


def replay(
    spec: RandomizationSpec, arms: Sequence[str], ratios: Sequence[float], seed: str, recorded: Sequence[Recorded]
) -> list[str]:
    """Recompute the arm of every recorded allocation, in the order of their sequence numbers.

    Returns the recomputed arms aligned with ``recorded`` (not sorted), so a caller can name the
    first record whose stored arm differs.
    """
    order = sorted(range(len(recorded)), key=lambda i: recorded[i].sequence)
    out: list[str] = [""] * len(recorded)
    if spec.method is Method.blocks and all(r.unit.cluster is None for r in recorded):  # no household follows: each stratum's blocks in turn
        design = BlockDesign.from_ratios(arms, ratios, spec.block_multipliers)
        strata = [stratum_key(recorded[i].unit.covariates, spec.strata) for i in order]
        for i, arm in zip(order, block_assignment(design, seed, strata), strict=True):
            out[i] = arm
        return out
    if spec.method.sequential:
        allocator = SequentialAllocator(spec, tuple(arms), tuple(ratios), seed)
        households: dict[str, str] = {}
        for i in order:
            unit = recorded[i].unit
            if unit.cluster is not None and unit.cluster in households:
                out[i] = households[unit.cluster]
                allocator.follow(unit, out[i])
                continue
            out[i] = allocator.allocate(unit, recorded[i].sequence)
            if unit.cluster is not None:
                households[unit.cluster] = out[i]
        return out
    batches: dict[int, list[int]] = {}
    for i in order:
        batches.setdefault(int(recorded[i].batch or 0), []).append(i)
    for batch, members in batches.items():
        for i, arm in zip(members, batch_allocate(spec, arms, ratios, seed, [recorded[i].unit for i in members], batch), strict=True):
            out[i] = arm
    return out
