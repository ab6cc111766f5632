"""The simulator's calibration, read from ``calibration.yaml`` (assumptions, documented there)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from proeftuin.design.outcomes import SURVEY_INDICES
from proeftuin.design.spec import Component

JOB_SIZES = ("tiny", "small", "large")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ComponentEffect(_Frozen):
    """True effect of one arm component.

    ``job_start``: relative change of the monthly job-start hazard per job size (0.1 = +10%).
    ``far_extra``: extra relative change for people far from the labour market.
    ``survey``: change in points (0-10) of survey indices at the follow-ups.
    """

    job_start: dict[str, float] = Field(default_factory=lambda: dict.fromkeys(JOB_SIZES, 0.0))
    far_extra: float = 0.0
    survey: dict[str, float] = Field(default_factory=dict)


class Calibration(_Frozen):
    """All parameters of the generative model; see ``calibration.yaml`` for their meaning."""

    population: dict[str, Any]
    labour: dict[str, Any]
    survey: dict[str, Any]
    effects: dict[Component, ComponentEffect]
    sources: dict[str, Any]

    def cbs_miss_share(self, slug: str) -> float:
        """Share of small-job person-months CBS misses in the municipality ``slug``."""
        shares = self.sources["cbs_missed_small_jobs"]
        return float(shares.get(slug, shares["default"]))

    @classmethod
    @cache
    def default(cls) -> Calibration:
        text = resources.files("proeftuin.simulate").joinpath("calibration.yaml").read_text("utf-8")
        calibration = cls.model_validate(yaml.safe_load(text))
        calibration.check()
        return calibration

    def check(self) -> None:
        """Every survey index effect names a declared index; job sizes are the known ones."""
        known = {o.name for o in SURVEY_INDICES}
        for component, effect in self.effects.items():
            unknown = set(effect.survey) - known
            if unknown:
                raise ValueError(f"effects.{component.value}.survey names unknown indices {sorted(unknown)}")
            if set(effect.job_start) != set(JOB_SIZES):
                raise ValueError(f"effects.{component.value}.job_start needs exactly {JOB_SIZES}")

    def with_effects(self, effects: dict[Component, ComponentEffect]) -> Calibration:
        """A copy with some components' true effects replaced (e.g. all zero for a null design)."""
        calibration = self.model_copy(update={"effects": {**self.effects, **effects}})
        calibration.check()
        return calibration

    def without_effects(self) -> Calibration:
        """The same model with every true effect zero (the sharp null)."""
        return self.with_effects({c: ComponentEffect() for c in self.effects})
