"""Registry at scale: enrol, consent and randomize 100,000 people, import 2.4 million person-months.

Runs on a SQLite file (and on PostgreSQL with ``--pg URL``), through the same service functions
as the CLI (pseudonym door, audit chain, sealed blocks, all-or-nothing import), and prints the
time of each step and, for randomization, the ratio against the naive way (one transaction per
person, as two case managers at a desk would do), measured on a sample in the same run.

    python bench/bench_registry.py [--n 100000] [--months 24] [--pg postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import SecretStr

from proeftuin.design import TrialPlan, catalog_experiment
from proeftuin.registry.allocate import randomize
from proeftuin.registry.audit import keyed_engine
from proeftuin.registry.db import make_engine, migrate, session_scope
from proeftuin.registry.experiments import create_trial
from proeftuin.registry.intake import enrol, record_consent
from proeftuin.registry.roles import Role, add_user
from proeftuin.registry.schemas import ConsentCreate, EnrolmentCreate
from proeftuin.registry.settings import RegistrySettings
from proeftuin.registry.verify import verify_registry
from proeftuin.simulate.bsn import fake_bsns
from proeftuin.workflow.imports import import_outcomes

START = dt.date(2018, 6, 1)
SETTINGS = RegistrySettings(pseudonym_secrets={"Utrecht": SecretStr("bench-utrecht-7gI8I1H022WSqF82ZyzoJgCrDKCtsI3x")},
                            seal_key=SecretStr("bench-seal-lS6MVbI8f9Yk4GMmpE_gwTeH7ya6xGVaCNM"))


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    print(f"{label:<48} {time.perf_counter() - t0:8.2f} s", flush=True)
    return out


def run(url: str, n: int, months: int, workdir: Path) -> None:
    print(f"--- {url.split(':')[0]}: n = {n:,}, {n * months:,} person-months")
    engine = keyed_engine(make_engine(url), SETTINGS)
    migrate(engine)
    spec = catalog_experiment("utrecht").model_copy(update={"start": START, "end": dt.date(2020, 12, 31)})
    plan = TrialPlan.model_validate({"experiment": spec.model_dump(mode="json"), "consent_versions": ["1"],
                                     "randomization": {"method": "blocks", "strata": ["distance_to_labour_market", "sex"]}})
    with session_scope(engine) as session:
        add_user(session=session, actor=None, name="admin", role=Role.admin)
        add_user(session=session, actor="admin", name="rob", role=Role.researcher)
        create_trial(session=session, actor="admin", plan=plan, settings=SETTINGS)
    rng = np.random.default_rng(1)
    bsns = fake_bsns(n, rng)
    dist = rng.choice(["far", "medium", "near"], n)
    sex = rng.choice(["female", "male"], n)
    people = timed("validate enrolment records (eleven-test)", lambda: [
        EnrolmentCreate(bsn=SecretStr(b), enrolled_on=START, age=40, sex=str(s), household="single", months_on_benefit=24,
                        education="low", health=6.0, migration_background=False, distance_to_labour_market=str(d))
        for b, d, s in zip(bsns, dist, sex, strict=True)])

    def do_enrol():  # type: ignore[no-untyped-def]
        with session_scope(engine) as session:
            return [p.pseudonym for p in enrol(session=session, actor="admin", slug=spec.slug, people=people, settings=SETTINGS)]

    pseudonyms = timed(f"enrol {n:,} (pseudonymize, audit)", do_enrol)

    def do_consent() -> None:
        with session_scope(engine) as session:
            record_consent(session=session, actor="admin", slug=spec.slug, consents=[ConsentCreate(pseudonym=p, text_version="1", on=START) for p in pseudonyms])

    timed(f"consent {n:,}", do_consent)
    sample = 200

    def one_by_one() -> None:
        for p in pseudonyms[:sample]:
            with session_scope(engine) as session:
                randomize(session=session, actor="admin", slug=spec.slug, pseudonyms=[p], on=START, settings=SETTINGS)

    t0 = time.perf_counter()
    one_by_one()
    per_person = (time.perf_counter() - t0) / sample
    print(f"{'randomize one per transaction (per person)':<48} {per_person * 1000:8.2f} ms", flush=True)

    def do_randomize() -> None:
        with session_scope(engine) as session:
            randomize(session=session, actor="admin", slug=spec.slug, pseudonyms=pseudonyms[sample:], on=START, settings=SETTINGS)

    t0 = time.perf_counter()
    timed(f"randomize {n - sample:,} in one request (sealed blocks)", do_randomize)
    bulk = (time.perf_counter() - t0) / (n - sample)
    print(f"{'  ratio one-by-one / bulk, per person':<48} {per_person / bulk:8.1f} x")
    periods = pd.period_range(pd.Timestamp(START), periods=months, freq="M").strftime("%Y-%m")
    frame = pd.DataFrame({"pseudonym": np.repeat(pseudonyms, months), "month": np.tile(periods, n), "hours_per_week": 0,
                          "contract": "none", "gross_earnings": 0.0, "on_benefit": "true"})
    path = workdir / "outcomes.parquet"
    frame.to_parquet(path, index=False)
    timed(f"import {len(frame):,} person-months (one transaction)", lambda: import_outcomes(engine, path, slug=spec.slug, actor="rob"))
    timed("re-import the same file (unchanged)", lambda: import_outcomes(engine, path, slug=spec.slug, actor="rob"))

    def do_verify():  # type: ignore[no-untyped-def]
        with session_scope(engine) as session:
            return verify_registry(session=session, settings=SETTINGS)

    report = timed("verify (allocations, keyed chain, every fact)", do_verify)
    assert report.intact, report.problems
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--pg", help="a PostgreSQL URL to an empty database, to run there too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.n, args.months, Path(tmp))
        if args.pg:
            run(args.pg, args.n, args.months, Path(tmp))


if __name__ == "__main__":
    main()
