"""Two trials of a municipality of today, built through the registry as a real one would be.

"Zwolle, 2026": a 2-arm and a 3-arm trial with survey indices of their own (two each, none of
the demo's ten names), synthetic people enrolled, consented, randomized, their monthly records and
item answers imported as files. In the 3-arm trial nobody answered the items of ``rondkomen`` at
the baseline wave (an all-missing baseline).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import SecretStr
from sqlalchemy import Engine

from proeftuin.design import ExperimentSpec, TrialPlan
from proeftuin.design.plan import Method, RandomizationSpec, SurveySpec
from proeftuin.registry import session_scope
from proeftuin.registry.allocate import randomize
from proeftuin.registry.experiments import close, create_trial, unseal
from proeftuin.registry.intake import enrol, record_consent
from proeftuin.registry.roles import Role, add_user
from proeftuin.registry.schemas import ConsentCreate, EnrolmentCreate
from proeftuin.registry.settings import RegistrySettings
from proeftuin.simulate import simulate_trial, synthetic_population
from proeftuin.workflow.imports import import_outcomes, import_services, import_survey

ADMIN, INTAKE, RESEARCHER = "admin", "intake", "researcher"
START = dt.date(2026, 1, 1)
INDICES = {
    "zwolle-2": {"rondkomen": ["rk1", "rk2", "rk3"], "eigen_regie": ["er1", "er2"]},
    "zwolle-3": {"rondkomen": ["rk1", "rk2", "rk3"], "netwerk": ["nw1", "nw2"]},
}
LABELS = {"rondkomen": {"label_nl": "Rondkomen met het inkomen", "label_en": "Making ends meet"}}
"""Labels the plan gives an index (``eigen_regie`` and ``netwerk`` have none: they show by name)."""
NO_BASELINE = {"zwolle-3": "rondkomen"}
SIZES = {"zwolle-2": 160, "zwolle-3": 210}
STRATUM = "distance_to_labour_market"
"""The trials are randomized within it, so the report's subgroups are its levels."""
NOTES = {"notes_nl": "Proef met extra begeleiding door de eigen klantmanagers.", "notes_en": "A trial of extra guidance by the city's own case managers."}
"""The plan's notes in both languages: each report shows its own."""
CBS_DISAGREE = 0.05
"""The share of person-months on which CBS records the opposite benefit status (a second source that mostly agrees)."""
SETTINGS = RegistrySettings(pseudonym_secrets={"Zwolle": SecretStr("q8Vt3kLm2ZxP9rWb7YcN4sHd6FgJ1aUe")}, seal_key=SecretStr("Mn5Rb2Xw8Kq4Tz7Lp1Hv9Cs3Dj6Fg0Ya"))


def spec(slug: str) -> ExperimentSpec:
    arms = [{"code": "control", "label_nl": "Controlegroep", "label_en": "Control group"},
            {"code": "coach", "label_nl": "Extra begeleiding", "label_en": "Extra guidance", "components": ["intensive"]}]
    if slug == "zwolle-3":
        arms.append({"code": "vrij", "label_nl": "Vrijlating", "label_en": "Disregard", "components": ["disregard"], "regime": "utrecht-2018"})
    return ExperimentSpec.model_validate({
        "slug": slug, "municipality": "Zwolle", "name": f"Zwolle 2026 ({len(arms)} groepen)", "start": START,
        "end": dt.date(2026, 12, 31), "participants": SIZES[slug], "arms": arms, **NOTES,
    })


def plan(slug: str) -> TrialPlan:
    indices = {name: {"items": items, "scale": [1, 5], **LABELS.get(name, {})} for name, items in INDICES[slug].items()}
    return TrialPlan(experiment=spec(slug), randomization=RandomizationSpec(method=Method.complete, strata=(STRATUM,)),
                     survey=SurveySpec.model_validate({"indices": indices}))


def _answers(pseudonyms: np.ndarray, slug: str, wave: int, arm: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    frame = pd.DataFrame({"pseudonym": pseudonyms})
    lift = np.where(arm == "control", 0.0, 0.4)
    for name, items in INDICES[slug].items():
        for item in items:
            answer = np.clip(np.round(3 + (lift if wave > 0 else 0.0) + rng.normal(0, 1, len(arm))), 1, 5)
            blank = rng.random(len(arm)) < 0.15
            if wave == 0 and NO_BASELINE.get(slug) == name:
                blank[:] = True
            frame[item] = pd.Series(answer, dtype="Int64").mask(blank)
    return frame


def build(engine: Engine, slug: str, files: Path, seed: int = 7) -> None:
    """Enrol, consent, randomize and import ``slug`` (users are made by :func:`users`)."""
    experiment = spec(slug)
    population = synthetic_population(experiment, n=SIZES[slug], seed=seed)
    people = population.frame
    with session_scope(engine) as session:
        create_trial(session=session, actor=ADMIN, plan=plan(slug), settings=SETTINGS, nonce=f"{seed:016x}")
    with session_scope(engine) as session:
        enrolled = enrol(session=session, actor=INTAKE, slug=slug, settings=SETTINGS, people=[
            EnrolmentCreate(bsn=SecretStr(p["bsn"]), enrolled_on=START, case_manager=INTAKE, age=int(p["age"]), sex=p["sex"],
                            household=p["household"], months_on_benefit=int(p["months_on_benefit"]), education=p["education"],
                            health=float(p["health"]), migration_background=bool(p["migration_background"]),
                            distance_to_labour_market=p["distance_to_labour_market"],
                            youngest_child_age=int(p["youngest_child_age"]) if p["youngest_child_age"] >= 0 else None)
            for _, p in people.iterrows()])
        pseudonyms = [p.pseudonym for p in enrolled]
        record_consent(session=session, actor=INTAKE, slug=slug, consents=[ConsentCreate(pseudonym=p, text_version="1", on=START) for p in pseudonyms])
    with session_scope(engine) as session:
        arm_of = {a.pseudonym: a.arm for a in randomize(session=session, actor=INTAKE, slug=slug, pseudonyms=pseudonyms, on=START, settings=SETTINGS)}
    arm = np.array([arm_of[p] for p in pseudonyms])
    trial = simulate_trial(population, experiment, arm, seed=seed)
    who = np.asarray(pseudonyms, dtype=object)
    months = trial.monthly_frame()
    records = months.assign(pseudonym=who[months.pop("person")], month=pd.to_datetime(months.pop("period")).dt.strftime("%Y-%m"))
    files.mkdir(parents=True, exist_ok=True)
    path = files / f"{slug}-outcomes.csv"
    records[["pseudonym", "month", "hours_per_week", "contract", "gross_earnings", "on_benefit"]].to_csv(path, index=False)
    import_outcomes(engine, path, slug=slug, actor=RESEARCHER)
    rng = np.random.default_rng(seed)
    cbs = records.copy()
    flip = rng.random(len(cbs)) < CBS_DISAGREE
    cbs["on_benefit"] = np.where(flip, ~cbs["on_benefit"].astype(bool), cbs["on_benefit"].astype(bool))
    path = files / f"{slug}-cbs.csv"
    cbs[["pseudonym", "month", "hours_per_week", "contract", "gross_earnings", "on_benefit"]].to_csv(path, index=False)
    import_outcomes(engine, path, slug=slug, actor=RESEARCHER, source="cbs")
    path = files / f"{slug}-services.csv"
    services(who, arm, rng).to_csv(path, index=False)
    import_services(engine, path, slug=slug, actor=INTAKE)
    for wave in (0, 2):
        path = files / f"{slug}-survey-{wave}.csv"
        _answers(who, slug, wave, arm, rng).to_csv(path, index=False)
        import_survey(engine, path, slug=slug, actor=RESEARCHER, wave=wave)
    with session_scope(engine) as session:
        close(session=session, actor=ADMIN, slug=slug, on=spec(slug).end)
    with session_scope(engine) as session:
        unseal(session=session, actor=ADMIN, slug=slug, settings=SETTINGS)


def services(pseudonyms: np.ndarray, arm: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Coaching for most of the treated arms and for a few of the control group (contamination), a workshop for some."""
    rows = []
    for pseudonym, a in zip(pseudonyms, arm, strict=True):
        if rng.random() < (0.15 if a == "control" else 0.8):
            rows += [(pseudonym, (START + dt.timedelta(days=int(d))).isoformat(), "coaching", 45) for d in rng.integers(1, 300, 3)]
        if rng.random() < 0.3:
            rows.append((pseudonym, (START + dt.timedelta(days=int(rng.integers(1, 300)))).isoformat(), "workshop", 120))
    return pd.DataFrame(rows, columns=["pseudonym", "on", "kind", "minutes"])


def users(engine: Engine) -> None:
    with session_scope(engine) as session:
        add_user(session=session, actor=None, name=ADMIN, role=Role.admin)
        add_user(session=session, actor=ADMIN, name=INTAKE, role=Role.case_manager)
        add_user(session=session, actor=ADMIN, name=RESEARCHER, role=Role.researcher)
