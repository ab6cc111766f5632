"""The trial plan: the one declaration of a trial (schema version :data:`SCHEMA_VERSION`).

A plan names everything about a trial that the registry, the simulator, the analysis and the
report need: the experiment and its arms (components, benefit regime, pooling group), the
baseline covariates with their type and categories, the strata, randomization, eligibility and
consent, the outcomes with their windows (the labour outcomes by name, plus the trial's own from
imported columns), the survey indices with their items, the follow-up end, the clusters and
whether invitations are recorded. ``proeftuin experiment create --plan FILE`` reads one YAML file
of this shape (``proeftuin experiment template`` prints a commented one, ``proeftuin experiment
schema`` the JSON Schema)::

    schema_version: 1
    experiment: {slug: ..., municipality: ..., start: ..., end: ..., participants: ..., arms: [...]}
    covariates: {age: {type: integer, minimum: 18, maximum: 67}, household: {type: category, categories: [...]}}
    randomization: {method: blocks, strata: [distance_to_labour_market]}
    eligibility: {min_age: 27, benefit_types: [participatiewet], min_months_on_benefit: 0}
    consent_versions: ["2017-09"]
    outcomes: {labour: [{name: work_12h}, {name: outflow, window: {first_month: 13}}], own: {...}}
    survey: {indices: {wellbeing: {items: [wb1, wb2, wb3], reverse: [wb3], scale: [1, 5]}}}
    follow_up_end: 2021-12-31
    clusters: household
    invitations: {recorded: true}

Everything here is validated when declared, before anyone is enrolled. The six trials of
2017-2019 are plans in ``catalog/participatiewet_2017.yaml`` like any other.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from enum import Enum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from proeftuin.design.blocks import BLOCKS_VERSION, DEFAULT_MULTIPLIERS
from proeftuin.design.minimization import MINIMIZATION_VERSION
from proeftuin.design.randomization import ALGORITHM_VERSION
from proeftuin.design.rerandomization import RERANDOMIZATION_VERSION
from proeftuin.design.outcomes import INCOME_OUTCOMES, LABOUR_OUTCOMES, OutcomeDefinition
from proeftuin.design.spec import ExperimentSpec
from proeftuin.design.vocabulary import (
    DISTANCES,
    EDUCATION_LEVELS,
    HOUSEHOLDS,
    SEXES,
    ClusterLevel,
    CovariateType,
    OutcomeKind,
    OwnOutcomeSummary,
)

SCHEMA_VERSION: Literal[1] = 1
"""The version of the plan schema; a plan names it in ``schema_version`` (a change that breaks
old plans raises it, and old plans are converted, never silently re-read)."""

NAME_PATTERN = r"^[a-z][a-z0-9_]*$"


class Method(str, Enum):
    """Randomization methods: two for one-by-one intake, two for a batch of people at once."""

    blocks = "blocks"
    """Stratified permuted blocks with random block sizes (rolling intake)."""
    minimization = "minimization"
    """Pocock-Simon minimization with a random element (rolling intake)."""
    complete = "complete"
    """Complete randomization within strata (one batch)."""
    rerandomization = "rerandomization"
    """Complete randomization repeated until balanced (one batch; Morgan & Rubin 2012)."""

    @property
    def sequential(self) -> bool:
        return self in (Method.blocks, Method.minimization)

    @property
    def version(self) -> str:
        """The algorithm version an allocation by this method is recorded with."""
        return {
            Method.blocks: BLOCKS_VERSION,
            Method.minimization: MINIMIZATION_VERSION,
            Method.complete: ALGORITHM_VERSION,
            Method.rerandomization: RERANDOMIZATION_VERSION,
        }[self]


class RandomizationSpec(BaseModel):
    """How allocations are drawn; ``strata`` and ``factors`` name baseline covariates."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: Method = Method.blocks
    strata: tuple[str, ...] = ()
    block_multipliers: tuple[Annotated[int, Field(ge=1)], ...] = DEFAULT_MULTIPLIERS
    factors: tuple[str, ...] = ()
    p_best: Annotated[float, Field(gt=0, le=1)] = 0.8
    covariates: tuple[str, ...] = ()
    acceptance: Annotated[float, Field(gt=0, le=1)] = 0.1
    cluster: bool = Field(False, description="Randomize households together: members share the first member's arm (needs clusters: household).")

    @model_validator(mode="after")
    def _inputs_for_method(self) -> RandomizationSpec:
        if self.method is Method.minimization and not self.factors:
            raise ValueError("minimization needs at least one prognostic factor in 'factors'")
        if self.method is Method.rerandomization and not self.covariates:
            raise ValueError("re-randomization needs numeric baseline 'covariates' to balance")
        if self.cluster and not self.method.sequential:
            raise ValueError("household clusters are supported with the sequential methods (blocks, minimization)")
        return self


class EligibilitySpec(BaseModel):
    """Who may be enrolled (age on the enrolment date, benefit type and duration, exclusions)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_age: Annotated[int, Field(ge=0)] = 18
    max_age: Annotated[int, Field(ge=0)] = 67
    benefit_types: tuple[str, ...] = ("participatiewet",)
    min_months_on_benefit: Annotated[int, Field(ge=0)] = 0
    exclusions: tuple[str, ...] = Field((), description="Reasons that exclude a person (e.g. 'full_exemption').")


class CovariateSpec(BaseModel):
    """A baseline covariate: its type, its allowed categories (``category``) or range (numbers).

    A value outside them is refused at enrolment with the allowed values in the message.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: CovariateType
    categories: tuple[str, ...] = Field((), description="The allowed values of a category covariate, in their natural order.")
    minimum: float | None = Field(None, description="Smallest allowed value (integer and number covariates).")
    maximum: float | None = Field(None, description="Largest allowed value (integer and number covariates).")
    label_nl: str = ""
    label_en: str = ""
    required: bool = Field(True, description="Every participant has a value; otherwise it may be left empty.")

    @model_validator(mode="after")
    def _consistent(self) -> CovariateSpec:
        if self.type == "category":
            if len(self.categories) < 2 or len(set(self.categories)) != len(self.categories):
                raise ValueError(f"a category covariate lists at least two distinct categories; got {list(self.categories)}")
            if any(not c.strip() for c in self.categories):
                raise ValueError("a category may not be empty")
        elif self.categories:
            raise ValueError(f"only a category covariate has categories (this one is {self.type})")
        if self.type not in ("integer", "number") and (self.minimum is not None or self.maximum is not None):
            raise ValueError(f"only integer and number covariates have a minimum or maximum (this one is {self.type})")
        if self.minimum is not None and self.maximum is not None and self.maximum < self.minimum:
            raise ValueError(f"maximum {self.maximum} is below minimum {self.minimum}")
        return self

    def allowed(self) -> str:
        """The allowed values in words, for an error message."""
        if self.type == "category":
            return ", ".join(self.categories)
        if self.type == "boolean":
            return "true, false"
        low = "" if self.minimum is None else f"{self.minimum:g}"
        high = "" if self.maximum is None else f"{self.maximum:g}"
        kind = "a whole number" if self.type == "integer" else "a number"
        return f"{kind}" + (f" from {low or '-inf'} to {high or 'inf'}" if low or high else "")

    def parse(self, value: object) -> str | int | float | bool | None:
        """``value`` as this covariate's type; ``ValueError`` naming the allowed values otherwise.

        Text is accepted as written in a CSV file (``"3"`` for an integer, ``true``/``false``/
        ``1``/``0``/``ja``/``nee`` for a boolean); nothing is rounded or guessed.
        """
        if value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, float) and value != value):
            if self.required:
                raise ValueError(f"is required (allowed: {self.allowed()})")
            return None
        if self.type == "category":
            text = str(value).strip()
            if text not in self.categories:
                raise ValueError(f"{text!r} is not an allowed category (allowed: {self.allowed()})")
            return text
        if self.type == "boolean":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("true", "1", "ja", "yes"):
                return True
            if text in ("false", "0", "nee", "no"):
                return False
            raise ValueError(f"{value!r} is not a boolean (allowed: {self.allowed()})")
        number = _number(value, integer=self.type == "integer")
        if number is None:
            raise ValueError(f"{value!r} is not {self.allowed()}")
        if (self.minimum is not None and number < self.minimum) or (self.maximum is not None and number > self.maximum):
            raise ValueError(f"{number!r} is outside the allowed range ({self.allowed()})")
        return number


def _number(value: object, *, integer: bool) -> int | float | None:
    """``value`` as a whole number (``integer``) or a number; ``None`` when it is not one (a
    boolean, a fraction for an integer, text that is no number). Nothing is rounded."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text) if integer else float(text)
        except ValueError:
            return None
    if isinstance(value, int | float | np.integer | np.floating):
        if integer:
            return int(value) if float(value).is_integer() else None
        return float(value)
    return None


STANDARD_COVARIATES: dict[str, CovariateSpec] = {
    "age": CovariateSpec(type="integer", minimum=0, maximum=120, label_nl="Leeftijd", label_en="Age"),
    "sex": CovariateSpec(type="category", categories=SEXES, label_nl="Geslacht", label_en="Sex"),
    "household": CovariateSpec(type="category", categories=HOUSEHOLDS, label_nl="Huishouden", label_en="Household"),
    # a whole working life at most: a larger number is a typing error
    "months_on_benefit": CovariateSpec(type="integer", minimum=0, maximum=12 * 67, label_nl="Maanden in de bijstand",
                                       label_en="Months on benefit"),
    "education": CovariateSpec(type="category", categories=EDUCATION_LEVELS, label_nl="Opleiding", label_en="Education"),
    "health": CovariateSpec(type="number", minimum=0, maximum=10, label_nl="Ervaren gezondheid (0-10)", label_en="Self-rated health (0-10)"),
    "migration_background": CovariateSpec(type="boolean", label_nl="Migratieachtergrond", label_en="Migration background"),
    "distance_to_labour_market": CovariateSpec(
        type="category", categories=DISTANCES, label_nl="Afstand tot de arbeidsmarkt", label_en="Distance to the labour market"
    ),
}
"""The eight baseline covariates of the 2017-2019 trials: a plan that declares no ``covariates`` has these."""

RULES_COVARIATES = ("age", "household")
"""Covariates the benefit rules need of every participant (with the youngest child's age, which
every enrolment carries for single parents): a plan must declare them."""


class OutcomeWindow(BaseModel):
    """Months since randomization over which an outcome is measured (1 = the first month).

    ``last_month`` empty: up to the follow-up end (or the end of the experimental period).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    first_month: Annotated[int, Field(ge=1)] = 1
    last_month: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _in_order(self) -> OutcomeWindow:
        if self.last_month is not None and self.last_month < self.first_month:
            raise ValueError(f"last_month {self.last_month} is before first_month {self.first_month}")
        return self


LABOUR_OUTCOME_NAMES = tuple(o.name for o in LABOUR_OUTCOMES)


class LabourOutcomeSpec(BaseModel):
    """One labour outcome of the catalog (``work_12h``, ``outflow``, ...) over its window."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Field(json_schema_extra={"enum": list(LABOUR_OUTCOME_NAMES)})]
    window: OutcomeWindow = OutcomeWindow()

    @model_validator(mode="before")
    @classmethod
    def _name_alone(cls, data: object) -> object:
        return {"name": data} if isinstance(data, str) else data

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        if name not in LABOUR_OUTCOME_NAMES:
            raise ValueError(f"unknown labour outcome {name!r} (known: {', '.join(LABOUR_OUTCOME_NAMES)})")
        return name


class OwnOutcomeSpec(BaseModel):
    """An outcome of the trial's own: a column of its imported monthly records, summarised per person."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    column: Annotated[str, Field(pattern=NAME_PATTERN, description="The column of the imported outcome file.")]
    kind: OutcomeKind
    summary: OwnOutcomeSummary = Field("mean", description="ever (any month 1), mean over the months, or the last month's value.")
    label_nl: Annotated[str, Field(min_length=1)]
    label_en: Annotated[str, Field(min_length=1)]
    window: OutcomeWindow = OutcomeWindow()
    minimum: float | None = Field(None, description="Smallest plausible monthly value (scores and amounts); a smaller one is refused at import.")
    maximum: float | None = Field(None, description="Largest plausible monthly value (scores and amounts); a larger one is refused at import.")

    @model_validator(mode="after")
    def _ever_is_binary(self) -> OwnOutcomeSpec:
        if self.summary == "ever" and self.kind != "binary":
            raise ValueError(f"summary 'ever' is for binary outcomes (this one is {self.kind})")
        if self.kind == "binary" and (self.minimum is not None or self.maximum is not None):
            raise ValueError("a binary outcome is 0 or 1; it has no minimum or maximum")
        if self.minimum is not None and self.maximum is not None and self.maximum < self.minimum:
            raise ValueError(f"maximum {self.maximum} is below minimum {self.minimum}")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        """The plausible range of a monthly value: 0-1 for a binary outcome, else the declared minimum
        and maximum (unbounded where not declared)."""
        if self.kind == "binary":
            return 0.0, 1.0
        return (-np.inf if self.minimum is None else self.minimum), (np.inf if self.maximum is None else self.maximum)


class OutcomesSpec(BaseModel):
    """The trial's outcomes: labour outcomes by name, the benefit paid, and outcomes of its own."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    labour: tuple[LabourOutcomeSpec, ...] = tuple(LabourOutcomeSpec(name=name) for name in LABOUR_OUTCOME_NAMES)
    income: bool = Field(True, description="Analyse the benefit paid under each arm's regime (benefit_paid).")
    own: dict[Annotated[str, Field(pattern=NAME_PATTERN)], OwnOutcomeSpec] = {}

    @model_validator(mode="after")
    def _unique(self) -> OutcomesSpec:
        names = [o.name for o in self.labour]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"labour outcome {twice[0]!r} is listed twice")
        clash = sorted(set(self.own) & {*LABOUR_OUTCOME_NAMES, *(o.name for o in INCOME_OUTCOMES)})
        if clash:
            raise ValueError(f"own outcome {clash[0]!r} has the name of a catalog outcome")
        columns = [o.column for o in self.own.values()]
        if len(set(columns)) != len(columns):
            raise ValueError("two own outcomes read the same column")
        return self

    def definitions(self) -> tuple[OutcomeDefinition, ...]:
        """Every declared outcome as an :class:`OutcomeDefinition` (labour, income, own), in plan order."""
        labour = {o.name: o for o in LABOUR_OUTCOMES}
        own = tuple(OutcomeDefinition(name, o.label_nl, o.label_en, "own", o.kind, o.summary, (o.window.first_month, o.window.last_month))
                    for name, o in self.own.items())
        return (*(labour[o.name] for o in self.labour), *(INCOME_OUTCOMES if self.income else ()), *own)


class InvitationsSpec(BaseModel):
    """Whether a per-person invitation record (invited / declined / enrolled) is kept.

    Groningen randomized the people it invited before they answered; a reference group of
    non-participants is the people invited who did not enrol. Both need this record.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    recorded: bool = False
    randomized_before_invitation: bool = False

    @model_validator(mode="after")
    def _recorded_when_randomized_first(self) -> InvitationsSpec:
        if self.randomized_before_invitation and not self.recorded:
            raise ValueError("randomizing before invitation needs the invitations recorded (recorded: true)")
        return self


class SurveyIndexSpec(BaseModel):
    """One composite index: its items, the reverse-coded ones and the answer scale."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    items: tuple[Annotated[str, Field(pattern=NAME_PATTERN)], ...] = Field(min_length=2)
    reverse: tuple[str, ...] = ()
    label_nl: str = ""
    label_en: str = ""
    scale: tuple[float, float] = (1.0, 5.0)
    min_answered: Annotated[float, Field(gt=0, le=1)] = 0.5

    @model_validator(mode="after")
    def _consistent(self) -> SurveyIndexSpec:
        if not set(self.reverse) <= set(self.items):
            raise ValueError(f"reverse-coded items {sorted(set(self.reverse) - set(self.items))} are not items of the index")
        if self.scale[1] <= self.scale[0]:
            raise ValueError(f"scale must be (low, high) with low < high; got {self.scale}")
        return self


class SurveySpec(BaseModel):
    """The survey instrument: indices scored 0-10 from their items."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    indices: dict[Annotated[str, Field(pattern=NAME_PATTERN)], SurveyIndexSpec] = {}


class PlanError(ValueError):
    """A plan file that does not validate; the message names the file and the field."""


class TrialPlan(BaseModel):
    """The declared trial: validated as a whole before the first enrolment (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra={"$id": "https://proeftuin.nl/schema/trial-plan-1.json"})

    schema_version: Literal[1] = Field(SCHEMA_VERSION, description="The version of this schema the plan is written in.")
    experiment: ExperimentSpec
    covariates: dict[Annotated[str, Field(pattern=NAME_PATTERN)], CovariateSpec] = Field(
        default_factory=lambda: dict(STANDARD_COVARIATES),
        description="The baseline covariates recorded at enrolment (default: the eight of the 2017-2019 trials); must include age and household.",
    )
    randomization: RandomizationSpec = RandomizationSpec()
    eligibility: EligibilitySpec = EligibilitySpec()
    consent_versions: tuple[str, ...] = Field(("1",), min_length=1)
    outcomes: OutcomesSpec = OutcomesSpec()
    survey: SurveySpec = SurveySpec()
    follow_up_end: dt.date | None = Field(
        None, description="Outcome records are accepted up to this date (a follow-up after the experimental period); default: the experiment's end."
    )
    clusters: ClusterLevel | None = Field(None, description="Clusters the analysis honours (CR2 variance, randomization inference by cluster).")
    invitations: InvitationsSpec = InvitationsSpec()

    @model_validator(mode="after")
    def _consistent(self) -> TrialPlan:
        missing = [c for c in RULES_COVARIATES if c not in self.covariates]
        if missing:
            raise ValueError(f"covariates: the benefit rules need {', '.join(missing)}; declare {'it' if len(missing) == 1 else 'them'}")
        if self.covariates["age"].type != "integer":
            raise ValueError("covariates.age: the benefit rules need age as an integer")
        household = self.covariates["household"]
        if household.type != "category" or not set(household.categories) <= set(HOUSEHOLDS):
            raise ValueError(f"covariates.household: a category with categories among {', '.join(HOUSEHOLDS)} (the benefit rules' household types)")
        if self.eligibility.min_months_on_benefit and self.covariates.get("months_on_benefit", CovariateSpec(type="boolean")).type != "integer":
            raise ValueError("eligibility.min_months_on_benefit: declare months_on_benefit as an integer covariate")
        r = self.randomization
        for field, names in (("randomization.strata", r.strata), ("randomization.factors", r.factors), ("experiment.strata", self.experiment.strata)):
            for name in names:
                self._check_discrete(field, name)
        for name in r.covariates:
            spec = self._declared("randomization.covariates", name)
            if spec.type not in ("integer", "number", "boolean"):
                raise ValueError(f"randomization.covariates: {name!r} is a {spec.type}; re-randomization balances numeric covariates")
        if self.follow_up_end is not None and self.follow_up_end < self.experiment.end:
            raise ValueError(f"follow_up_end {self.follow_up_end} is before the experiment's end {self.experiment.end}")
        if r.cluster and self.clusters == "team":
            raise ValueError("randomization.cluster randomizes households together: clusters must be household")
        own_columns = {o.column for o in self.outcomes.own.values()}
        clash = sorted(own_columns & set(self.covariates))
        if clash:
            raise ValueError(f"outcomes.own: column {clash[0]!r} is also a baseline covariate")
        return self

    @model_validator(mode="after")
    def _strata_declared(self) -> TrialPlan:
        update: dict[str, Any] = {}
        if self.randomization.method is Method.blocks and not self.randomization.strata and self.experiment.strata:
            update["randomization"] = self.randomization.model_copy(update={"strata": self.experiment.strata})
        if self.randomization.cluster and self.clusters is None:
            update["clusters"] = "household"
        return self.model_copy(update=update) if update else self

    def _declared(self, field: str, name: str) -> CovariateSpec:
        if name not in self.covariates:
            raise ValueError(f"{field}: {name!r} is not a declared covariate (declared: {', '.join(self.covariates)})")
        return self.covariates[name]

    def _check_discrete(self, field: str, name: str) -> None:
        spec = self._declared(field, name)
        if spec.type not in ("category", "boolean"):
            raise ValueError(f"{field}: {name!r} is a{'n' if spec.type == 'integer' else ''} {spec.type}; strata are formed from category or boolean covariates")

    @property
    def records_until(self) -> dt.date:
        """The last date on which outcome records are accepted: the follow-up end, else the experiment's end."""
        return self.follow_up_end or self.experiment.end

    @property
    def strata(self) -> tuple[str, ...]:
        """The covariates the randomization is stratified on."""
        return self.randomization.strata

    def parse_covariates(self, values: Mapping[str, object]) -> dict[str, str | int | float | bool | None]:
        """The declared covariates of one person, each parsed by :meth:`CovariateSpec.parse`.

        ``ValueError`` names the first bad covariate (``education: 'lowish' is not an allowed
        category (allowed: low, middle, high)``); a value of an undeclared covariate is refused.
        """
        unknown = sorted(set(values) - set(self.covariates))
        if unknown:
            raise ValueError(f"{unknown[0]}: not a covariate of this plan (declared: {', '.join(self.covariates)})")
        parsed = {}
        for name, spec in self.covariates.items():
            try:
                parsed[name] = spec.parse(values.get(name))
            except ValueError as exc:
                raise CovariateError(name, str(exc)) from None
        return parsed

    @classmethod
    def from_yaml(cls, path: Path | str) -> TrialPlan:
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
    def from_mapping(cls, data: object, *, source: str = "plan") -> TrialPlan:
        """Validate a mapping; :class:`PlanError` reads ``source: field.path: message``."""
        if not isinstance(data, dict):
            raise PlanError(f"{source}: a plan is a mapping of fields (schema_version, experiment, covariates, ...)")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            raise PlanError(f"{source}: {where + ': ' if where else ''}{message}") from None


class CovariateError(ValueError):
    """A covariate value the plan does not allow; ``name`` is the covariate (the column of a file)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def plan_json_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`TrialPlan` (draft 2020-12), as ``proeftuin experiment schema`` prints it."""
    schema = TrialPlan.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def plan_json_schema_text() -> str:
    """:func:`plan_json_schema` as indented JSON text."""
    return json.dumps(plan_json_schema(), indent=2, ensure_ascii=False) + "\n"


def plan_template() -> str:
    """A complete, commented plan of a two-arm trial (``proeftuin experiment template``); it validates as is."""
    return resources.files("proeftuin.design").joinpath("catalog/plan_template.yaml").read_text("utf-8")


@cache
def catalog_plans() -> tuple[TrialPlan, ...]:
    """The six trials of 2017-2019 as plans, from the packaged YAML catalog."""
    text = resources.files("proeftuin.design").joinpath("catalog/participatiewet_2017.yaml").read_text("utf-8")
    return tuple(TrialPlan.model_validate(item) for item in yaml.safe_load(text)["plans"])


def catalog_plan(slug: str) -> TrialPlan:
    """One plan of :func:`catalog_plans` by the experiment's slug."""
    for plan in catalog_plans():
        if plan.experiment.slug == slug:
            return plan
    raise KeyError(f"no experiment {slug!r} in the catalog; known: {[p.experiment.slug for p in catalog_plans()]}")


def catalog() -> tuple[ExperimentSpec, ...]:
    """The six experiments of 2017-2019 (the ``experiment`` of each catalog plan)."""
    return tuple(plan.experiment for plan in catalog_plans())


def catalog_experiment(slug: str) -> ExperimentSpec:
    """One experiment of :func:`catalog` by slug."""
    return catalog_plan(slug).experiment
