"""The pre-analysis plan: which outcomes, in which families, estimated how; frozen by its hash.

A plan is written and frozen before outcome data are loaded. ``proeftuin analyze`` runs exactly
the plan and labels every result ``pre_specified``; anything added on the command line is
exploratory. One YAML file of this shape::

    title: Participatiewet experiments, primary analysis
    experiment: tilburg            # optional: the plan applies to this experiment only
    level: 0.90
    covariates: [age, sex, education, distance_to_labour_market]
    estimator: {vcov: HC2, lin: false}
    families:
      labour: {outcomes: [work_12h, work_27h, outflow], adjustment: romano-wolf}
      survey: {outcomes: [wellbeing, self_efficacy], adjustment: holm}
    subgroups: [distance_to_labour_market]
    resampling: {draws: 999, seed: 20170901}

The plan's identity is ``SHA-256(canonical JSON)`` of the *validated* plan (defaults filled in,
keys sorted, no whitespace; as the audit log hashes its events), so reordering keys or spelling
out a default does not change the hash, while any change of substance does.

Multiple testing is within each family (Holm 1979; Benjamini-Hochberg 1995; Romano-Wolf 2005
step-down over re-randomization draws), see :mod:`proeftuin.analysis.multiple_testing`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from proeftuin.design.plan import NAME_PATTERN, TrialPlan

PlanAdjustment = Literal["holm", "bh", "romano-wolf"]
"""Multiple-testing methods of a family: Holm (FWER), Benjamini-Hochberg (FDR), Romano-Wolf (FWER, joint)."""
PlanVcov = Literal["HC0", "HC1", "HC2", "HC3"]
"""Variance estimators a plan may name (participants are randomized one by one in these trials);
the same spelling as :data:`proeftuin.analysis.VcovType`."""


class PlanError(ValueError):
    """A plan that does not validate; the message names the file and the field."""


class Family(BaseModel):
    """A family of hypotheses: its outcomes and how its p-values are adjusted.

    The outcomes are names the trial measures: the catalog's labour and income outcomes, and the
    trial plan's own outcomes and survey indices; which of them a trial has is checked against its
    plan when the analysis plan is run (:meth:`AnalysisPlan.check_outcomes`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    outcomes: tuple[Annotated[str, Field(pattern=NAME_PATTERN)], ...] = Field(min_length=1)
    adjustment: PlanAdjustment = "holm"

    @field_validator("outcomes")
    @classmethod
    def _once(cls, outcomes: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(outcomes)) != len(outcomes):
            raise ValueError(f"outcome {next(o for o in outcomes if outcomes.count(o) > 1)!r} is listed twice")
        return outcomes


class Estimator(BaseModel):
    """OLS of the outcome on the arms (and covariates) with a robust variance; ``lin``: Lin (2013)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    vcov: PlanVcov = "HC2"
    lin: bool = False


class Resampling(BaseModel):
    """Re-randomization draws for Romano-Wolf families (within the experiment's strata)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    draws: Annotated[int, Field(ge=19, le=100_000)] = 999
    seed: Annotated[int, Field(ge=0)] = 0


class AnalysisPlan(BaseModel):
    """A validated pre-analysis plan (see the module docstring for the file format)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = ""
    experiment: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")] | None = None
    level: Annotated[float, Field(gt=0, lt=1)] = 0.90
    covariates: tuple[str, ...] = ()
    estimator: Estimator = Estimator()
    families: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], Family] = Field(min_length=1)
    subgroups: tuple[str, ...] = ()
    resampling: Resampling = Resampling()

    @model_validator(mode="after")
    def _consistent(self) -> AnalysisPlan:
        seen: dict[str, str] = {}
        for name, family in self.families.items():
            for outcome in family.outcomes:
                if outcome in seen:
                    raise ValueError(f"families: outcome {outcome!r} is in two families ({seen[outcome]!r} and {name!r})")
                seen[outcome] = name
        if self.estimator.lin and not self.covariates:
            raise ValueError("estimator.lin: Lin's adjustment interacts the covariates with the arms: list them in 'covariates'")
        return self

    def canonical_json(self) -> str:
        """The plan as canonical JSON: defaults filled in, keys sorted, no whitespace, ASCII."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=True)

    @property
    def sha256(self) -> str:
        """SHA-256 of :meth:`canonical_json`: the identity the plan is frozen and cited with."""
        return hashlib.sha256(self.canonical_json().encode("ascii")).hexdigest()

    def check_outcomes(self, measured: Sequence[str], *, source: str = "plan") -> None:
        """:class:`PlanError` naming the first outcome of a family that the trial does not measure
        (``measured``: its plan's outcomes and survey indices, :func:`measured_outcomes`)."""
        for name, family in self.families.items():
            unknown = [o for o in family.outcomes if o not in measured]
            if unknown:
                raise PlanError(f"{source}: families.{name}.outcomes: unknown outcome {unknown[0]!r} for this trial "
                                f"(measured: {', '.join(measured)})")

    def family_of(self, outcome: str) -> str | None:
        """The family that lists ``outcome``, or ``None`` (then it is not pre-specified)."""
        return next((name for name, family in self.families.items() if outcome in family.outcomes), None)

    @classmethod
    def from_yaml(cls, path: Path | str) -> AnalysisPlan:
        """Read and validate a plan file; :class:`PlanError` names the file and the first bad field."""
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text("utf-8"))
        except OSError as exc:
            raise PlanError(f"{path}: cannot read the plan ({exc.strerror})") from exc
        except yaml.YAMLError as exc:
            raise PlanError(f"{path}: not valid YAML ({exc})") from exc
        return cls.from_mapping(data, source=str(path))

    @classmethod
    def from_mapping(cls, data: object, *, source: str = "plan") -> AnalysisPlan:
        """Validate a mapping; :class:`PlanError` reads ``source: field.path: message``."""
        if not isinstance(data, dict):
            raise PlanError(f"{source}: a plan is a mapping of fields (title, families, ...)")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"])  # empty for plan-wide checks, which name their field
            message = error["msg"].removeprefix("Value error, ")
            raise PlanError(f"{source}: {where + ': ' if where else ''}{message}") from None


def measured_outcomes(trial: TrialPlan) -> tuple[str, ...]:
    """The outcomes a trial measures, by the names an analysis plan uses: its labour, income and own
    outcomes (:meth:`~proeftuin.design.plan.OutcomesSpec.definitions`) and its survey indices."""
    return (*(o.name for o in trial.outcomes.definitions()), *trial.survey.indices)


__all__ = ["AnalysisPlan", "Estimator", "Family", "PlanAdjustment", "PlanError", "PlanVcov", "Resampling", "measured_outcomes"]
