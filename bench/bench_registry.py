"""Registry at scale: enrol, consent and randomize people, import their person-months, verify.

Runs on a SQLite file (and on PostgreSQL with ``--pg URL``), through the same service functions
as the CLI (pseudonym door, audit chain, sealed blocks, all-or-nothing import), and prints, in
the same run and with the machine's load: proeftuin's time of each step; the naive way
(randomization one transaction per person; the import as an ORM insert of one dict per row, on a
sample); and the floor of the import (pandas ``read_csv`` and a raw ``sqlite3`` executemany of
the same rows into the same indexed table, or ``COPY`` on PostgreSQL). The default run takes a
few minutes; the issue's sizes are ``--n 100000 --months 10`` (a million person-months, 100,000
allocations). Then ``verify`` is timed ``--repeats`` times, each run followed by its floor (reading
every row it reads through the driver, and as Arrow columns through the ADBC driver ``verify`` reads with), and the rows digest once. ``--workdir DIR`` keeps the
built SQLite file; ``--verify-only`` then times ``verify`` again on it (and on the ``--pg``
database built before). ``--json FILE`` appends the records ``bench/table.py`` makes the README
rows from (``registry``: import and randomization; ``registry-verify``: verify).

    python bench/bench_registry.py [--n 10000] [--months 24] [--pg postgresql+psycopg://...] [--json out/bench.jsonl]
    python bench/bench_registry.py --n 100000 --months 10 --workdir /tmp/reg          # build once, keep it
    python bench/bench_registry.py --workdir /tmp/reg --verify-only --repeats 5       # verify again on it
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from floor import load, write_record
from pydantic import SecretStr
from sqlalchemy import Engine, func, insert, select

from proeftuin.design import TrialPlan, catalog_experiment
from proeftuin.registry.allocate import randomize
from proeftuin.registry.audit import keyed_engine
from proeftuin.registry.db import make_engine, migrate, session_scope
from proeftuin.registry.digest import import_rows_sha256
from proeftuin.registry.experiments import create_trial
from proeftuin.registry.intake import enrol, record_consent
from proeftuin.registry.models import DataImport, OutcomeMonth
from proeftuin.registry.roles import Role, add_user
from proeftuin.registry.schemas import ConsentCreate, EnrolmentCreate
from proeftuin.registry.settings import RegistrySettings
from proeftuin.registry.verify import verify_registry
from proeftuin.simulate.bsn import fake_bsns
from proeftuin.workflow.imports import import_outcomes, parse_outcomes, validate_outcomes
from proeftuin.workflow.tabular import read_table

START = dt.date(2018, 6, 1)
SETTINGS = RegistrySettings(pseudonym_secrets={"Utrecht": SecretStr("bench-utrecht-7gI8I1H022WSqF82ZyzoJgCrDKCtsI3x")},
                            seal_key=SecretStr("bench-seal-lS6MVbI8f9Yk4GMmpE_gwTeH7ya6xGVaCNM"))


def timed(label: str, fn, record: dict | None = None, key: str | None = None):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t0
    print(f"{label:<58} {seconds:8.2f} s", flush=True)
    if record is not None and key is not None:
        record[key] = seconds
    return out


def _participant_rows(engine: Engine, frame: pd.DataFrame, import_id: int) -> list[tuple]:  # type: ignore[type-arg]
    """The floor's rows: the file's person-months as outcome_months tuples (ids and month numbers looked up the raw way)."""
    with engine.connect() as connection:
        ids: dict[str, int] = dict(connection.exec_driver_sql("SELECT pseudonym, id FROM participants").tuples().all())
    pid = frame["pseudonym"].map(ids).to_numpy(dtype=np.int64)
    period = pd.to_datetime(frame["month"] + "-01")
    month = ((period.dt.year - START.year) * 12 + period.dt.month - START.month + 1).to_numpy()
    benefit = frame["on_benefit"].isin(["true", "1"]).to_numpy()
    return list(zip(pid.tolist(), month.tolist(), period.dt.strftime("%Y-%m-%d").tolist(), frame["hours_per_week"].astype(float).tolist(),
                    frame["contract"].tolist(), frame["gross_earnings"].astype(float).tolist(), benefit.tolist(),
                    ["municipal"] * len(frame), [import_id] * len(frame), strict=True))


COLUMNS = "participant_id, month, period, hours_per_week, contract, gross_earnings, on_benefit, source, import_id"


def sqlite_floor(engine: Engine, db: Path, path: Path, workdir: Path) -> float:
    """pandas ``read_csv`` and a raw ``sqlite3`` executemany of the same rows into the same indexed table (a copy of the registry), committed."""
    copy = workdir / "floor.db"
    with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    connection = sqlite3.connect(copy, isolation_level=None)
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
        connection.execute(f"PRAGMA {pragma}")
    connection.execute("INSERT INTO imports (id, experiment_id, kind, source, filename, content_sha256, revision, active, rows, imported_by) "
                       "VALUES (999, 1, 'outcomes', 'municipal', 'floor', '', 1, 1, 0, 'rob')")
    t0 = time.perf_counter()
    rows = _participant_rows(engine, pd.read_csv(path, dtype=str, keep_default_na=False), 999)
    connection.execute("BEGIN")
    connection.executemany(f"INSERT INTO outcome_months ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    connection.execute("COMMIT")
    seconds = time.perf_counter() - t0
    connection.close()
    copy.unlink()
    return seconds


def postgres_floor(engine: Engine, path: Path) -> float:
    """pandas ``read_csv`` and ``COPY`` of the same rows into the same indexed table (rolled back)."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("INSERT INTO imports (id, experiment_id, kind, source, filename, content_sha256, revision, active, rows, imported_by) "
                       "VALUES (999, 1, 'outcomes', 'municipal', 'floor', '', 1, true, 0, 'rob')")
        t0 = time.perf_counter()
        rows = pd.DataFrame(_participant_rows(engine, pd.read_csv(path, dtype=str, keep_default_na=False), 999))
        buffer = rows.to_csv(index=False, header=False)
        with cursor.copy(f"COPY outcome_months ({COLUMNS}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(buffer)
        seconds = time.perf_counter() - t0
    finally:
        connection.rollback()
        connection.close()
    return seconds


def naive_insert(engine: Engine, path: Path, sample: int) -> float:
    """The ORM way proeftuin used before: one dict per row into ``insert(OutcomeMonth)``; seconds per row on ``sample`` rows (rolled back)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, nrows=sample)
    rows = _participant_rows(engine, frame, 0)
    names = [c.strip() for c in COLUMNS.split(",")]
    with session_scope(engine) as session:
        record = DataImport(experiment_id=1, kind="outcomes", source="municipal", filename="naive", content_sha256="", revision=1, active=True,
                            rows=0, imported_by="rob")
        session.add(record)
        session.flush()
        dicts = [{**dict(zip(names, r, strict=True)), "period": dt.date.fromisoformat(r[2]), "import_id": record.id} for r in rows]
        t0 = time.perf_counter()
        session.execute(insert(OutcomeMonth), dicts)
        seconds = time.perf_counter() - t0
        session.rollback()
    return seconds / len(rows)


def validation_runs(path: Path, size: int, repeats: int = 3) -> list[float]:
    """Seconds of each of ``repeats`` validations of the file's cells, read once (the validation alone; the load varies)."""
    cells = read_table(path)
    runs: dict = {}
    for i in range(repeats):
        timed(f"  validate the {size:,} rows read (validate_outcomes), run {i + 1}", lambda: validate_outcomes(cells, path), runs, str(i))
    return list(runs.values())


def run(url: str, n: int, months: int, workdir: Path, sample: int) -> dict:
    """Every step on the database at ``url``; the figures (seconds under keys ending in ``_s``)."""
    dialect = url.split(":")[0].split("+")[0]
    print(f"--- {dialect}: n = {n:,}, {n * months:,} person-months; load (1 min) {load():.2f} on {os.cpu_count()} cores")
    record: dict = {"dialect": dialect, "load_before": load(), "people": n, "person_months": n * months}
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
        EnrolmentCreate(bsn=SecretStr(b), enrolled_on=START, covariates={
            "age": 40, "sex": str(s), "household": "single", "months_on_benefit": 24, "education": "low", "health": 6.0,
            "migration_background": False, "distance_to_labour_market": str(d)})
        for b, d, s in zip(bsns, dist, sex, strict=True)])

    def do_enrol():  # type: ignore[no-untyped-def]
        with session_scope(engine) as session:
            return [p.pseudonym for p in enrol(session=session, actor="admin", slug=spec.slug, people=people, settings=SETTINGS)]

    pseudonyms = timed(f"enrol {n:,} (pseudonymize, audit)", do_enrol, record, "enrol_s")

    def do_consent() -> None:
        with session_scope(engine) as session:
            record_consent(session=session, actor="admin", slug=spec.slug, consents=[ConsentCreate(pseudonym=p, text_version="1", on=START) for p in pseudonyms])

    timed(f"consent {n:,}", do_consent, record, "consent_s")
    one = min(sample // 100, n // 10)

    def one_by_one() -> None:
        for p in pseudonyms[:one]:
            with session_scope(engine) as session:
                randomize(session=session, actor="admin", slug=spec.slug, pseudonyms=[p], on=START, settings=SETTINGS)

    timed(f"randomize {one} one per transaction (the naive way)", one_by_one, record, "randomize_naive_s")
    per_person = record.pop("randomize_naive_s") / max(one, 1)

    def do_randomize() -> None:
        with session_scope(engine) as session:
            randomize(session=session, actor="admin", slug=spec.slug, pseudonyms=pseudonyms[one:], on=START, settings=SETTINGS)

    timed(f"randomize {n - one:,} in one request (sealed blocks)", do_randomize, record, "randomize_s")
    record["randomize_naive_per_person_s"] = per_person
    print(f"{'  one per transaction, per person':<58} {per_person * 1000:8.2f} ms ({per_person * (n - one) / record['randomize_s']:.0f}x)")
    if not months:  # the allocations and their audit events only (--months 0: no person-months imported)
        engine.dispose()
        record["load_after"] = load()
        return record
    periods = pd.period_range(pd.Timestamp(START), periods=months, freq="M").strftime("%Y-%m")
    size = n * months
    frame = pd.DataFrame({"pseudonym": np.repeat(pseudonyms, months), "month": np.tile(periods, n),
                          "hours_per_week": rng.integers(0, 41, size), "contract": rng.choice(["none", "temporary", "permanent"], size),
                          "gross_earnings": np.round(rng.uniform(0, 4000, size), 2), "on_benefit": rng.choice(["true", "false"], size)})
    path = workdir / "outcomes.csv"
    frame.to_csv(path, index=False)
    del frame
    timed(f"read the {path.stat().st_size / 1e6:.0f} MB file (read_table)", lambda: read_table(path), record, "read_s")
    timed(f"read and validate {size:,} rows (parse_outcomes)", lambda: parse_outcomes(path), record, "parse_s")
    runs = validation_runs(path, size)
    record["validate_s"], record["validate_median_s"] = min(runs), statistics.median(runs)
    print(f"{'  validation: best, median of 3':<58} {record['validate_s']:8.2f} s {record['validate_median_s']:6.2f} s")
    if dialect == "sqlite":
        record["floor_s"] = timed("floor: read_csv + raw sqlite3 executemany, same table", lambda: sqlite_floor(engine, Path(url.split("///")[1]), path, workdir))
    else:
        record["floor_s"] = timed("floor: read_csv + COPY, same table", lambda: postgres_floor(engine, path))
    per_row = naive_insert(engine, path, sample)
    record["naive_s"] = per_row * size
    print(f"{'naive: ORM insert of one dict per row (' + f'{sample:,} rows, scaled)':<58} {record['naive_s']:8.2f} s")
    timed(f"import {size:,} person-months (one transaction)", lambda: import_outcomes(engine, path, slug=spec.slug, actor="rob"),
                     record, "import_s")
    print(f"{'  over the floor':<58} {record['import_s'] / record['floor_s']:8.2f} x")
    timed("re-import the same file (unchanged, not parsed)", lambda: import_outcomes(engine, path, slug=spec.slug, actor="rob"), record, "reimport_s")

    engine.dispose()
    record["load_after"] = load()
    print(f"load (1 min) {record['load_after']:.2f} after")
    return record


FLOOR_READS = (
    "SELECT id, at, actor, action, experiment_id, subject, CAST(payload AS TEXT), prev_hash, hash FROM audit_events ORDER BY id",
    "SELECT * FROM participants", "SELECT * FROM assignments", "SELECT * FROM consents",
    "SELECT participant_id, month, period, hours_per_week, contract, gross_earnings, on_benefit, source FROM outcome_months "
    "ORDER BY participant_id, month, source",
)
"""The floor of ``verify``: every row it reads (the chain, the people, their allocations and consents, the imported rows), through the driver."""


def read_floor(engine: Engine) -> None:
    """Read (and drop) every row of :data:`FLOOR_READS` through the driver's cursor, in one transaction."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        for sql in FLOOR_READS:
            cursor.execute(sql)
            while cursor.fetchmany(100_000):
                pass
    finally:
        connection.rollback()
        connection.close()


def read_floor_columns(engine: Engine) -> float | None:
    """Seconds to read every row of :data:`FLOOR_READS` as Arrow columns through the ADBC driver (``verify``'s columnar reads), or ``None``
    without the driver."""
    from proeftuin.registry.columnar import ColumnReader  # here: the --previous source tree, which imports this file, may have none

    with session_scope(engine) as session, ColumnReader(session) as reader:
        connection = reader._connection  # noqa: SLF001 - the reader's own connection, in the session's state
        if connection is None:
            return None
        start = time.perf_counter()
        for sql in FLOOR_READS:
            cursor = connection.cursor()
            cursor.execute(sql)
            cursor.fetch_arrow_table()
            cursor.close()
        return time.perf_counter() - start


def cpu_seconds() -> float:
    """CPU seconds of this process and of its children waited for (``verify`` on a SQLite file may digest the imported rows in one)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


PREVIOUS = """
import json, sys, time
from bench_registry import SETTINGS
from proeftuin.registry.audit import keyed_engine
from proeftuin.registry.db import make_engine, session_scope
from proeftuin.registry.verify import verify_registry
engine = keyed_engine(make_engine(sys.argv[1]), SETTINGS)
from bench_registry import cpu_seconds
wall, cpu = time.perf_counter(), cpu_seconds()
with session_scope(engine) as session:
    report = verify_registry(session=session, settings=SETTINGS)
print(json.dumps({"wall": time.perf_counter() - wall, "cpu": cpu_seconds() - cpu, "intact": report.intact}))
"""
"""``verify`` of another source tree (``--previous SRC``), timed inside a subprocess that imports it (its imports not counted)."""


def previous_verify(url: str, source: Path) -> tuple[float, float]:
    """Wall and CPU seconds of the ``verify`` of the proeftuin in ``source`` (e.g. the main branch's ``src``) on ``url``."""
    env = {**os.environ, "PYTHONPATH": f"{source}{os.pathsep}{Path(__file__).parent}"}
    out = subprocess.run([sys.executable, "-c", PREVIOUS, url], env=env, capture_output=True, text=True, check=True)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert figures["intact"]
    return figures["wall"], figures["cpu"]


def verify_run(url: str, repeats: int, previous: Path | None = None) -> dict:
    """``verify`` of the registry at ``url`` (built by :func:`run`), ``repeats`` times interleaved with its floor (and with the
    ``verify`` of the ``previous`` source tree, when given), and the rows digest once."""
    dialect = url.split(":")[0].split("+")[0]
    engine = keyed_engine(make_engine(url), SETTINGS)
    record: dict = {"dialect": dialect, "load_before": load()}
    print(f"--- verify, {dialect}; load (1 min) {record['load_before']:.2f} on {os.cpu_count()} cores")
    walls, cpus, floors, columns, before = [], [], [], [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), cpu_seconds()
        with session_scope(engine) as session:
            report = verify_registry(session=session, settings=SETTINGS)
        walls.append(time.perf_counter() - wall)
        cpus.append(cpu_seconds() - cpu)
        assert report.intact, report.problems
        floor = time.perf_counter()
        read_floor(engine)
        floors.append(time.perf_counter() - floor)
        columnar = read_floor_columns(engine)
        columns += [] if columnar is None else [columnar]
        print(f"verify {walls[-1]:6.2f} s wall, {cpus[-1]:6.2f} s CPU; floor (read every row it reads) {floors[-1]:6.2f} s"
              f"{'' if columnar is None else f', as Arrow columns {columnar:6.2f} s'}; load {load():.2f}", flush=True)
        if previous is not None:
            before.append(previous_verify(url, previous))
            print(f"  the previous verify ({previous}) {before[-1][0]:6.2f} s wall, {before[-1][1]:6.2f} s CPU", flush=True)
    from proeftuin.registry.columnar import ColumnReader

    with session_scope(engine) as session, ColumnReader(session) as reader:
        imports = session.execute(select(DataImport.id).where(DataImport.active)).scalars().all()
        gc.disable()  # as verify runs it (its cyclic collector paused)
        start = time.perf_counter()
        for import_id in imports:
            import_rows_sha256(session, import_id, reader)
        record["verify_rows_digest_s"] = time.perf_counter() - start
        gc.enable()
        record["person_months"] = session.scalar(select(func.count()).select_from(OutcomeMonth))
    engine.dispose()
    record.update(allocations=report.allocations, audit_events=report.audit_events, repeats=repeats, verify_s=min(walls),
                  verify_median_s=float(np.median(walls)), verify_cpu_s=min(cpus), verify_floor_s=min(floors), load_after=load())
    if columns:
        record["verify_floor_columns_s"] = min(columns)
    if before:
        record.update(previous_verify_s=min(w for w, _c in before), previous_verify_cpu_s=min(c for _w, c in before))
    print(f"verify best {record['verify_s']:.2f} s (median {record['verify_median_s']:.2f} s, CPU {record['verify_cpu_s']:.2f} s), "
          f"floor {record['verify_floor_s']:.2f} s: {record['verify_s'] / record['verify_floor_s']:.1f}x; rows digest "
          f"{record['verify_rows_digest_s']:.2f} s; load {record['load_after']:.2f}")
    return record


def _s(seconds: float) -> str:
    return f"{seconds * 1e3:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def table_rows(figures: dict) -> list[dict]:
    """The README rows of one database's figures, as ``bench/table.py`` renders a bench's own ``rows``."""
    where = "a SQLite file" if figures["dialect"] == "sqlite" else "PostgreSQL"
    floor = "read_csv + raw sqlite3 executemany into the same table" if figures["dialect"] == "sqlite" else "read_csv + COPY into the same table"
    people, months = figures["people"], figures["person_months"]
    randomized = {"what": f"randomize {people:,} people in one request ({where}, keyed audit chain, sealed blocks)", "seconds": figures["randomize_s"],
                  "naive_seconds": figures["randomize_naive_per_person_s"] * people, "naive": "one transaction per person (extrapolated)"}
    if not months:
        return [randomized]
    return [
        {"what": f"import {months:,} person-months into {where}, one transaction, rows digested into the audit chain (`bench/bench_registry.py`)",
         "seconds": figures["import_s"], "floor_seconds": figures["floor_s"], "floor": floor,
         "naive_seconds": figures["naive_s"], "naive": "ORM insert of one dict per row (scaled from a sample)",
         "note": f"validation of the rows read {_s(figures['validate_s'])} (best of 3, median {_s(figures['validate_median_s'])}); the same file again {_s(figures['reimport_s'])} (not parsed)"},
        randomized,
    ]


def verify_rows(figures: dict) -> list[dict]:
    """The README row of one database's :func:`verify_run`."""
    where = "a SQLite file" if figures["dialect"] == "sqlite" else "PostgreSQL"
    return [{"what": f"`proeftuin verify` ({where}): recompute {figures['allocations']:,} allocations, replay {figures['audit_events']:,} keyed "
                     f"audit events, compare every table with them (best of {figures['repeats']})", "seconds": figures["verify_s"],
             "floor_seconds": figures["verify_floor_s"], "floor": "reading every row it reads through the driver",
             "note": f"median {_s(figures['verify_median_s'])}, CPU {_s(figures['verify_cpu_s'])}; the rows digest of "
                     f"{figures['person_months']:,} person-months {_s(figures['verify_rows_digest_s'])}"
                     + (f"; the same rows read as Arrow columns (ADBC) {_s(figures['verify_floor_columns_s'])}" if "verify_floor_columns_s" in figures else ""),
             **({"naive_seconds": figures["previous_verify_s"],
                 "naive": f"the previous verify, same file, same run (CPU {_s(figures['previous_verify_cpu_s'])})"} if "previous_verify_s" in figures else {})}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="people (100000 with --months 10 for the issue's million person-months)")
    parser.add_argument("--months", type=int, default=24, help="person-months imported per person (0: none, the allocations and their audit events only)")
    parser.add_argument("--sample", type=int, default=50_000, help="rows of the naive ORM insert (scaled to the file)")
    parser.add_argument("--pg", action="append", default=[], help="a PostgreSQL URL to an empty database, to run there too (repeatable)")
    parser.add_argument("--previous", type=Path, help="a source tree (e.g. the main branch's src) whose verify is timed alongside")
    parser.add_argument("--json", type=Path, help="append the JSON records to this file (bench/table.py reads it)")
    parser.add_argument("--workdir", type=Path, help="build the SQLite file and the CSV here and keep them (default: a temporary folder)")
    parser.add_argument("--pg-only", action="store_true", help="run on the --pg database only (no SQLite file)")
    parser.add_argument("--verify-only", action="store_true", help="only time verify, on the registries built before in --workdir (and --pg)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of verify, each followed by its floor")
    args = parser.parse_args()
    if args.verify_only and not args.workdir and not args.pg_only:
        parser.error("--verify-only needs the --workdir of an earlier run")
    if args.pg_only and not args.pg:
        parser.error("--pg-only needs --pg URL")
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    with contextlib.nullcontext(str(args.workdir)) if args.workdir else tempfile.TemporaryDirectory() as tmp:
        urls = [*([] if args.pg_only else [f"sqlite:///{Path(tmp) / 'bench.db'}"]), *args.pg]
        if not args.verify_only:
            runs = [run(url, args.n, args.months, Path(tmp), args.sample) for url in urls]
            write_record({"bench": "registry", "cores": os.cpu_count(), "load_before": runs[0]["load_before"],
                          "load_after": runs[-1]["load_after"], "runs": runs, "rows": [row for figures in runs for row in table_rows(figures)]},
                         args.json)
        checks = [verify_run(url, args.repeats, args.previous) for url in urls]
    write_record({"bench": "registry-verify", "cores": os.cpu_count(), "load_before": checks[0]["load_before"], "load_after": checks[-1]["load_after"],
                  "runs": checks, "rows": [row for figures in checks for row in verify_rows(figures)]}, args.json)


if __name__ == "__main__":
    main()
