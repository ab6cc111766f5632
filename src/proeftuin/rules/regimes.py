"""Earnings regimes as data: one YAML file per regime in ``regimes/``.

A regime is the set of rules that turns earnings into a disregard and bonuses: a list of
disregard tiers (rate, cap, the months of the disregard they cover, a minimum age, an optional
single-parent condition), an optional work bonus for full-time work and an optional part-time
premium. Each number is either a literal amount or the dotted name of a dated parameter in
``parameters/``, so a new regime (e.g. Participatiewet in balans) is a new YAML file, no code.
In a month the disregard is the largest amount among the tiers that apply (tiers never add up).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeAlias

import yaml

from proeftuin.rules.errors import RulesError
from proeftuin.rules.legislation import parameter

REGIMES_DIR = Path(__file__).parent / "regimes"
DEFAULT_REGIME = "regular"

#: A literal number or the dotted name of a dated parameter.
Amount: TypeAlias = float | str


@dataclass(frozen=True)
class DisregardTier:
    """min(rate x earnings, cap) in disregard months first_month .. first_month + months - 1.

    ``months`` None: no limit (the whole experiment). ``min_age`` None: any age from 21.
    ``single_parent_child_under``: only single parents whose youngest child is younger.
    """

    rule: str
    rate: Amount
    cap: Amount
    first_month: int = 1
    months: Amount | None = None
    min_age: Amount | None = None
    single_parent_child_under: Amount | None = None


@dataclass(frozen=True)
class WorkBonus:
    """``annual`` / 12 per month in which the person works at least ``min_hours_per_week``."""

    annual: Amount
    min_hours_per_week: Amount


@dataclass(frozen=True)
class PartTimePremium:
    """min(rate x earnings, cap) per month with earnings while a benefit is still paid."""

    rate: Amount
    cap: Amount


@dataclass(frozen=True)
class Regime:
    """One earnings regime: its name, Dutch and English labels, legal source and rules."""

    name: str
    label: str
    label_en: str
    reference_name: str
    reference_href: str
    disregard: tuple[DisregardTier, ...]
    work_bonus: WorkBonus | None = None
    part_time_premium: PartTimePremium | None = None

    @property
    def needs_hours(self) -> bool:
        """Whether hours worked per week are needed (a work bonus for full-time work)."""
        return self.work_bonus is not None

    @property
    def has_single_parent_tier(self) -> bool:
        """Whether a tier depends on the age of a single parent's youngest child."""
        return any(t.single_parent_child_under is not None for t in self.disregard)


def _check_parameter_names(part: object) -> None:
    """Every string amount of ``part`` (except a tier's ``rule`` label) must name a parameter."""
    for field in part.__dataclass_fields__:  # type: ignore[attr-defined]
        value = getattr(part, field)
        if isinstance(value, str) and field != "rule":
            parameter(value)  # raises RulesError for an unknown name


def _build(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise RulesError(f"{where}: expected a mapping, got {data!r}")
    allowed = set(cls.__dataclass_fields__)
    unknown = set(data) - allowed
    if unknown:
        raise RulesError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}")
    try:
        return cls(**data)
    except TypeError as exc:
        raise RulesError(f"{where}: {exc}") from exc


def load_regime(path: Path) -> Regime:
    """Read and validate one regime file; every parameter name it uses must exist.

    Raises:
        RulesError: a malformed file, an unknown key or an unknown parameter name.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    where = f"regime file {path.name}"
    if not isinstance(data, dict):
        raise RulesError(f"{where}: expected a mapping")
    reference = data.pop("reference", None) or {}
    tiers = tuple(_build(DisregardTier, t, where) for t in data.pop("disregard", None) or [])
    bonus = data.pop("work_bonus", None)
    premium = data.pop("part_time_premium", None)
    regime = _build(
        Regime,
        {
            **data,
            "reference_name": reference.get("name", ""),
            "reference_href": reference.get("href", ""),
            "disregard": tiers,
            "work_bonus": _build(WorkBonus, bonus, where) if bonus else None,
            "part_time_premium": _build(PartTimePremium, premium, where) if premium else None,
        },
        where,
    )
    if regime.name != path.stem:
        raise RulesError(f"{where}: name {regime.name!r} differs from the file name")
    for part in (*regime.disregard, regime.work_bonus, regime.part_time_premium):
        if part is not None:
            _check_parameter_names(part)
    return regime


@cache
def registry() -> dict[str, Regime]:
    """All regimes of ``regimes/``, by name, sorted with ``regular`` first."""
    found = {r.name: r for r in map(load_regime, sorted(REGIMES_DIR.glob("*.yaml")))}
    return dict(sorted(found.items(), key=lambda kv: (kv[0] != DEFAULT_REGIME, kv[0])))


def get_regime(name: str) -> Regime:
    """The regime called ``name``.

    Raises:
        RulesError: an unknown regime; the message lists the known ones.
    """
    known = registry()
    if name not in known:
        raise RulesError(f"unknown regime {name!r}: expected one of {', '.join(known)}")
    return known[name]
