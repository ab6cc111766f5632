"""Use case: the six experiments of 2017-2019, from randomization to report, on synthetic data.

The demo walks the path a real trial takes through the registry, for each municipality of the
catalog:

1. an admin creates the trial from its plan, which seals the randomization (only the seed's
   SHA-256 commitment is stored);
2. a case manager enrols synthetic recipients: their fake but valid BSNs pass the eleven-test
   and are replaced by keyed pseudonyms at the door; they give consent; then, and only then,
   they are randomized through the sealed path (stratified permuted blocks for rolling intake,
   complete randomization within strata for Utrecht's single intake);
3. a researcher imports the monthly labour records (municipal and CBS) and the item answers of
   three survey waves as files, all or nothing, exactly as ``proeftuin import`` does;
4. the trial is over: the admin closes it and unseals it, publishing the seed so that anyone can recompute
   every allocation (``proeftuin verify``);
5. every arm is estimated against control for every outcome by the standard analysis
   (:mod:`proeftuin.workflow.standard_analysis`) and the report is written by the same use case
   as ``proeftuin report`` (:mod:`proeftuin.workflow.report`), in Dutch and English.

Same ``--seed``, same database contents and report on every machine: the demo derives its keys
from the seed. That is right for synthetic people only; a real installation takes its secrets
from the settings (:class:`~proeftuin.registry.settings.RegistrySettings`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import csv
from pydantic import SecretStr
from sqlalchemy import Engine, func, select

from proeftuin.analysis.trial import TrialResults
from proeftuin.design import ExperimentSpec, TrialPlan, catalog, catalog_plan
from proeftuin.registry import get_experiment, make_engine, migrate, session_scope
from proeftuin.registry.allocate import randomize
from proeftuin.registry.audit import keyed_engine
from proeftuin.registry.imports import Source
from proeftuin.registry.crud import latest_analysis_run, record_analysis_run
from proeftuin.registry.experiments import close, create_trial, unseal
from proeftuin.registry.intake import enrol, record_consent
from proeftuin.registry.models import Participant, User
from proeftuin.registry.roles import Role, add_user
from proeftuin.registry.schemas import ConsentCreate, EnrolmentCreate
from proeftuin.registry.settings import RegistrySettings
from proeftuin.registry.verify import VerifyReport, verify_registry
from proeftuin.report import LANGUAGES, Lang
from proeftuin.simulate import Calibration, synthetic_population, simulate_trial
from proeftuin.simulate.trial import statistics_netherlands_records, survey_items
from proeftuin.workflow.imports import import_outcomes, import_survey
from proeftuin.workflow.report import SYNTHETIC_BUILD, assemble_report, write_reports
from proeftuin.workflow.standard_analysis import analyze_stored, load_trial

DEFAULT_SEED = 2017
ADMIN, INTAKE, RESEARCHER = "demo-admin", "demo-klantmanager", "demo-onderzoeker"

Progress = Callable[[str], None]
"""Called with a short description after each step (the CLI draws progress bars with it)."""


class DemoError(ValueError):
    """The demo cannot run as asked (e.g. the database holds a demo made with other settings)."""


@dataclass(frozen=True)
class DemoSeeds:
    """The seeds of one experiment, derived from the demo seed and its place in the catalog."""

    population: int
    outcomes: int
    nonce: str

    @classmethod
    def derive(cls, seed: int, index: int) -> DemoSeeds:
        state = np.random.SeedSequence([seed, index]).generate_state(4, dtype=np.uint32)
        return cls(int(state[0]), int(state[1]), f"{int(state[2]):08x}{int(state[3]):08x}")


@dataclass(frozen=True)
class DemoResult:
    """What the demo made: the report's path, per-experiment results, the seal commitments and the verification."""

    report: Path
    trials: list[TrialResults]
    commitments: dict[str, str]
    participants: int
    verification: VerifyReport


MIN_PER_ARM = 30
"""Below this many people per arm the covariate-adjusted survey models have too few answers."""


def group_size(spec: ExperimentSpec, scale: float) -> int:
    """Participants of a municipality at ``scale`` (1 = the published number), at least
    :data:`MIN_PER_ARM` per arm."""
    if scale <= 0:
        raise DemoError(f"--scale must be positive; got {scale}")
    return max(len(spec.arms) * MIN_PER_ARM, round(spec.participants * scale))


def demo_settings(seed: int) -> RegistrySettings:
    """Secrets derived from the public demo seed: reproducible, and only fit for synthetic people."""

    def key(purpose: str) -> SecretStr:
        return SecretStr(hashlib.sha256(f"proeftuin-demo|{seed}|{purpose}".encode()).hexdigest())

    return RegistrySettings(
        pseudonym_secrets={spec.municipality: key(f"pseudonym|{spec.slug}") for spec in catalog()},
        seal_key=key("seal"),
    )


def demo_plan(spec: ExperimentSpec) -> TrialPlan:
    """The trial plan of a catalog experiment (its strata, consent text and survey instrument)."""
    return catalog_plan(spec.slug)


def _ensure_users(engine: Engine) -> None:
    with session_scope(engine) as session:
        present = set(session.scalars(select(User.name)))
        for name, role in ((ADMIN, Role.admin), (INTAKE, Role.case_manager), (RESEARCHER, Role.researcher)):
            if name not in present:
                add_user(session=session, actor=ADMIN, name=name, role=role)


def _enrolment(person: dict[str, Any], on: dt.date) -> EnrolmentCreate:
    return EnrolmentCreate(
        bsn=SecretStr(person["bsn"]), enrolled_on=on, case_manager=INTAKE,
        youngest_child_age=int(person["youngest_child_age"]) if person["youngest_child_age"] >= 0 else None,
        covariates={"age": int(person["age"]), "sex": person["sex"], "household": person["household"],
                    "months_on_benefit": int(person["months_on_benefit"]), "education": person["education"],
                    "health": float(person["health"]), "migration_background": bool(person["migration_background"]),
                    "distance_to_labour_market": person["distance_to_labour_market"]},
    )


def _write(frame: pd.DataFrame, path: Path) -> Path:
    """``frame`` as the CSV file a researcher imports, by Arrow's CSV writer (a tenth of the CPU of
    ``DataFrame.to_csv``): numbers in their shortest form that reads back to the same double, a
    missing value blank, no quotes (an error if a value needed them: pseudonyms, months and labels never do)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.write((",".join(map(str, frame.columns)) + "\n").encode())  # Arrow quotes the names of a header it writes
        csv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), handle, csv.WriteOptions(include_header=False, quoting_style="none"))
    return path


def _month_texts(periods: pd.Series) -> np.ndarray:
    """``YYYY-MM`` of each date, each distinct month formatted once (``strftime`` per row cost 0.1 s a file)."""
    codes, months = pd.factorize(periods)
    return pd.to_datetime(months).strftime("%Y-%m").to_numpy(dtype=object)[codes]


def build_experiment(engine: Engine, spec: ExperimentSpec, seeds: DemoSeeds, *, n: int, settings: RegistrySettings, files: Path) -> None:
    """Run one synthetic trial through the registry (see the module docstring)."""
    population = synthetic_population(spec, n=n, seed=seeds.population)
    frame = population.frame
    start = spec.start
    with session_scope(engine) as session:
        plan = demo_plan(spec)
        create_trial(session=session, actor=ADMIN, plan=plan, settings=settings, nonce=seeds.nonce)
    with session_scope(engine) as session:
        people = enrol(session=session, actor=INTAKE, slug=spec.slug, people=[_enrolment(row, start) for row in frame.to_dict("records")], settings=settings)
        pseudonyms = [p.pseudonym for p in people]
        record_consent(session=session, actor=INTAKE, slug=spec.slug,
                       consents=[ConsentCreate(pseudonym=p, text_version=plan.consent_versions[0], on=start) for p in pseudonyms])
    with session_scope(engine) as session:
        arm_of = {a.pseudonym: a.arm for a in randomize(session=session, actor=INTAKE, slug=spec.slug, pseudonyms=pseudonyms, on=start, settings=settings)}
    trial = simulate_trial(population, spec, np.array([arm_of[p] for p in pseudonyms]), seed=seeds.outcomes)

    who = np.asarray(pseudonyms, dtype=object)
    calibration = Calibration.default()
    sources: tuple[tuple[Source, pd.DataFrame], ...] = (
        ("municipal", trial.monthly_frame()),
        ("cbs", statistics_netherlands_records(trial, miss_share=calibration.cbs_miss_share(spec.slug), seed=seeds.outcomes)),
    )
    for source, months in sources:
        records = months.assign(pseudonym=who[months.pop("person")], month=_month_texts(months.pop("period")))
        columns = ["pseudonym", "month", "hours_per_week", "contract", "gross_earnings", "on_benefit"]
        import_outcomes(engine, _write(records[columns], files / f"{spec.slug}-outcomes-{source}.csv"), slug=spec.slug, actor=RESEARCHER, source=source)
    for wave in trial.waves:
        answers = survey_items(trial, wave, seed=seeds.outcomes)
        answers.insert(0, "pseudonym", who[answers.pop("person")])
        import_survey(engine, _write(answers, files / f"{spec.slug}-survey-wave-{wave}.csv"), slug=spec.slug, actor=RESEARCHER, wave=wave)
    with session_scope(engine) as session:
        close(session=session, actor=ADMIN, slug=spec.slug, on=spec.end)
        unseal(session=session, actor=ADMIN, slug=spec.slug, settings=settings)


def _demo_options(seed: int, scale: float) -> dict[str, float]:
    return {"seed": seed, "scale": scale}


def _existing(engine: Engine, spec: ExperimentSpec) -> dict | None:
    """The options of the demo run that built ``spec`` in this database, if it is there."""
    with session_scope(engine) as session:
        try:
            experiment = get_experiment(session=session, slug=spec.slug)
        except ValueError:
            return None
        run = latest_analysis_run(session=session, experiment=experiment, kind=SYNTHETIC_BUILD)
        people = session.scalar(select(func.count()).select_from(Participant).where(Participant.experiment_id == experiment.id))
        return {**(run.options if run else {}), "participants": int(people or 0)}


def _record_build(engine: Engine, spec: ExperimentSpec, seed: int, scale: float) -> None:
    with session_scope(engine) as session:
        record_analysis_run(session=session, experiment=get_experiment(session=session, slug=spec.slug), kind=SYNTHETIC_BUILD,
                            options=_demo_options(seed, scale), summary="synthetic trial built by proeftuin demo")


@contextmanager
def _engine(url: str, settings: RegistrySettings) -> Iterator[Engine]:
    engine = keyed_engine(make_engine(url), settings)
    try:
        yield engine
    finally:
        engine.dispose()


def run_demo(
    *,
    db: str,
    out: Path,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    lang: Lang = "nl",
    level: float = 0.90,
    progress: Progress | None = None,
) -> DemoResult:
    """Run the whole demo; see the module docstring. ``progress`` is told of every step."""
    step = progress or (lambda _message: None)
    specs = catalog()
    settings = demo_settings(seed)
    seeds = {spec.slug: DemoSeeds.derive(seed, i) for i, spec in enumerate(specs)}
    with _engine(db, settings) as engine:
        migrate(engine)
        _ensure_users(engine)
        for spec in specs:
            n = group_size(spec, scale)
            existing = _existing(engine, spec)
            if existing is None:
                build_experiment(engine, spec, seeds[spec.slug], n=n, settings=settings, files=out / "imports")
                _record_build(engine, spec, seed, scale)
            elif existing != {**_demo_options(seed, scale), "participants": n}:
                raise DemoError(
                    f"the database {db} already holds {spec.municipality}'s experiment, not made by a demo with "
                    f"--seed {seed} --scale {scale}; use another --db (or remove that database file)"
                )
            step(f"build:{spec.municipality}")
        with session_scope(engine) as session:
            verification = verify_registry(session=session, settings=settings)
        if not verification.intact:
            raise DemoError(f"the registry does not verify: {verification.problems[0]}")
        stored, trials = [], []
        for spec in specs:
            stored.append(load_trial(engine, spec.slug))
            trials.append(analyze_stored(stored[-1], level=level))
            step(f"analyse:{spec.municipality}")
        report = assemble_report(engine, trials, level=level, min_cell=settings.min_cell, stored=stored)
    paths = write_reports(report, out, langs=LANGUAGES, fmt=("html", "pdf"))
    step("report")
    return DemoResult(report=paths[lang], trials=trials, commitments=report.commitments,
                      participants=sum(sum(t.n_randomized.values()) for t in trials), verification=verification)


DEMO_STEPS = 2 * len(catalog()) + 1
"""How many times :func:`run_demo` calls ``progress`` (for a progress bar's total)."""

__all__ = ["DEFAULT_SEED", "DEMO_STEPS", "DemoError", "DemoResult", "DemoSeeds", "demo_settings", "run_demo"]
