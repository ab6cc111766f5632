"""Declared experiments: municipality, period, strata and arms, validated when declared.

An :class:`ExperimentSpec` is the design of one trial as a municipality would write it down
before the start (DeclareDesign's "declare, then diagnose"). The six trials of 2017-2019 are in
``catalog/participatiewet_2017.yaml``.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from functools import cache
from importlib import resources
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Component(str, Enum):
    """The building blocks of an arm (Tijdelijk besluit experimenten Participatiewet, art. 5-7)."""

    exemption = "exemption"
    """Ontheffing: no job-search or re-integration duties (*Zelf in Actie*)."""
    intensive = "intensive"
    """Intensivering: intensive, tailored guidance (*Extra Hulp*)."""
    disregard = "disregard"
    """Vrijlating: keep more of part-time earnings (*Werken Loont*)."""
    work_bonus = "work_bonus"
    """Tilburg's bonus for full-time work."""
    coaching = "coaching"
    """Tilburg's coaching arm."""
    choice = "choice"
    """Groningen's choice group: the participant picks one of the treatments."""


class ArmSpec(BaseModel):
    """One arm: a code, its Dutch and English label, its components and benefit regime."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    label_nl: str
    label_en: str
    components: tuple[Component, ...] = ()
    regime: str = "regular"
    ratio: Annotated[float, Field(gt=0)] = 1.0

    @property
    def is_control(self) -> bool:
        return not self.components

    def label(self, lang: str = "nl") -> str:
        return self.label_nl if lang == "nl" else self.label_en


class ExperimentSpec(BaseModel):
    """The declared design of one trial."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    slug: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]
    municipality: str
    name: str
    start: dt.date
    end: dt.date
    invited: Annotated[int, Field(ge=0)] = 0
    participants: Annotated[int, Field(gt=0)]
    strata: tuple[str, ...] = ()
    survey_waves_analysed: tuple[int, ...] = (2,)
    notes: str = ""
    arms: tuple[ArmSpec, ...]

    @field_validator("arms")
    @classmethod
    def _one_control_and_unique_codes(cls, arms: tuple[ArmSpec, ...]) -> tuple[ArmSpec, ...]:
        controls = [a.code for a in arms if a.is_control]
        if len(controls) != 1:
            raise ValueError(f"an experiment needs exactly one control arm (no components); found {controls}")
        codes = [a.code for a in arms]
        if len(set(codes)) != len(codes):
            raise ValueError(f"arm codes must be unique; got {codes}")
        if len(arms) < 2:
            raise ValueError("an experiment needs a control arm and at least one treatment arm")
        return arms

    @model_validator(mode="after")
    def _period_in_order(self) -> ExperimentSpec:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self

    @property
    def control(self) -> ArmSpec:
        return next(a for a in self.arms if a.is_control)

    @property
    def treatments(self) -> tuple[ArmSpec, ...]:
        return tuple(a for a in self.arms if not a.is_control)

    @property
    def months(self) -> int:
        """Whole calendar months from start to end, inclusive."""
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def arm(self, code: str) -> ArmSpec:
        for a in self.arms:
            if a.code == code:
                return a
        raise KeyError(f"experiment {self.slug!r} has no arm {code!r}; arms: {[a.code for a in self.arms]}")


@cache
def catalog() -> tuple[ExperimentSpec, ...]:
    """The six experiments of 2017-2019, from the packaged YAML catalog."""
    text = resources.files("proeftuin.design").joinpath("catalog/participatiewet_2017.yaml").read_text("utf-8")
    return tuple(ExperimentSpec.model_validate(item) for item in yaml.safe_load(text)["experiments"])


def catalog_experiment(slug: str) -> ExperimentSpec:
    """One experiment of :func:`catalog` by slug."""
    for spec in catalog():
        if spec.slug == slug:
            return spec
    raise KeyError(f"no experiment {slug!r} in the catalog; known: {[s.slug for s in catalog()]}")
