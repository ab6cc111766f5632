"""Declared experiments: municipality, period, strata and arms, validated when declared.

An :class:`ExperimentSpec` is the design of one trial as a municipality would write it down
before the start (DeclareDesign's "declare, then diagnose"); it is the ``experiment`` of a
:class:`proeftuin.design.plan.TrialPlan`. The six trials of 2017-2019 are plans in
``catalog/participatiewet_2017.yaml``.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated

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


POOL_PATTERN = r"^[a-z][a-z0-9_]*(\+[a-z][a-z0-9_]*)*$"


def default_pool_as(components: tuple[Component, ...] | list[str]) -> str:
    """The pooling group of an arm that declares none: its components joined by ``+`` in the
    order of :class:`Component` (``exemption+disregard``), ``control`` for the control arm."""
    present = {Component(c) for c in components}
    return "+".join(c.value for c in Component if c in present) or "control"


class ArmSpec(BaseModel):
    """One arm: a code, its Dutch and English label, its components, benefit regime and pooling group.

    ``pool_as`` names the arms of other trials this arm is pooled with: arms pool only with arms
    of the same ``pool_as`` (Wageningen's *Extra begeleiding* with the *Extra Hulp* arms as
    ``intensive``). Undeclared, it is :func:`default_pool_as` of the components. A choice arm
    (Groningen's *Keuzegroep*) lists in ``choice_of`` the arms a participant may choose; the
    treatment chosen is recorded per participant and its arm's regime applies.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    label_nl: str
    label_en: str
    components: tuple[Component, ...] = ()
    regime: str = "regular"
    ratio: Annotated[float, Field(gt=0)] = 1.0
    pool_as: Annotated[str, Field(pattern=POOL_PATTERN)] | None = Field(
        None, description="Pooling group across trials (default: the components joined by '+'; 'control' for the control arm)."
    )
    choice_of: tuple[str, ...] = Field((), description="A choice arm: the arm codes a participant may choose from.")

    @model_validator(mode="before")
    @classmethod
    def _default_pool_as(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("pool_as") is None:
            return {**data, "pool_as": default_pool_as(tuple(data.get("components") or ()))}
        return data

    @model_validator(mode="after")
    def _choice_arm_lists_its_options(self) -> ArmSpec:
        if (Component.choice in self.components) != bool(self.choice_of):
            raise ValueError(f"arm {self.code!r}: an arm with the 'choice' component lists the arms chosen from in 'choice_of' (and only such an arm)")
        return self

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
    notes: str = Field("", description="Free-text notes in one language, read as English (the catalog's); prefer notes_nl and notes_en.")
    notes_nl: str = Field("", description="The notes in Dutch (the Dutch report shows these).")
    notes_en: str = Field("", description="The notes in English (the English report shows these, else notes).")
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
        choosable = {a.code for a in arms if not a.is_control and not a.choice_of}
        for arm in arms:
            if not set(arm.choice_of) <= choosable:
                raise ValueError(f"arm {arm.code!r} chooses from {sorted(set(arm.choice_of) - choosable)}, which are not treatment arms of the experiment")
        return arms

    @model_validator(mode="after")
    def _period_in_order(self) -> ExperimentSpec:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self

    @property
    def control(self) -> ArmSpec:
        return next(a for a in self.arms if a.is_control)

    def note(self, lang: str = "nl") -> str:
        """The notes in ``lang``: ``notes_nl`` in Dutch; ``notes_en``, else the single-language ``notes``, in English."""
        return self.notes_nl if lang == "nl" else self.notes_en or self.notes

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
