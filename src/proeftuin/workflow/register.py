"""Use cases at register scale: outcomes from register extracts, and estimates on any engine."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pyarrow.dataset as ds

from proeftuin.analysis import DEFAULT_LEVEL, EffectTable, VcovType
from proeftuin.scale import (
    DEFAULT_MEMORY_LIMIT,
    DatasetError,
    Engine,
    Window,
    check_assignments,
    connect,
    dataset_files,
    estimate_effects_engine,
    randomization_inference_engine,
    read_parquet,
    register_outcomes,
    window_of,
)
from proeftuin.scale.engine import require_columns


def write_outcomes(
    *,
    jobs: Path | str,
    benefits: Path | str,
    assignments: Path | str,
    out: Path | str,
    engine: Engine = "duckdb",
    window: Window | None = None,
    control: str = "control",
    spark_master: str | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
) -> tuple[Path, Window]:
    """Compute the person-level outcomes in the engine and write them as Parquet under ``out``.

    All or nothing: the result is written next to ``out`` and moved into place when complete;
    ``out`` must not exist or be empty. Returns the folder and the window used (by default the
    months of the benefit records).
    """
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(f"{out}: exists and is not an empty folder; choose a new one")
    con = connect(engine, spark_master=spark_master, memory_limit=memory_limit)
    check_assignments(con, assignments)
    window = window or window_of(con, benefits)
    expr = register_outcomes(con, jobs=jobs, benefits=benefits, assignments=assignments, window=window, control=control)
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=parent))
    try:
        if engine == "spark":
            expr.to_parquet(str(staging / "outcomes"))  # Spark writes a folder of parts
        else:
            con.to_parquet(expr, staging / "outcomes.parquet")
        if out.exists():
            out.rmdir()
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out, window


def estimate_dataset(
    path: Path | str,
    *,
    engine: Engine,
    outcomes: Sequence[str],
    arm: str,
    control: str,
    strata: str | None = None,
    cluster: str | None = None,
    vcov: VcovType | None = None,
    level: float = DEFAULT_LEVEL,
    spark_master: str | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    ri_draws: int | None = None,
    seed: int | None = None,
) -> EffectTable:
    """Effects of every arm on ``outcomes`` in the Parquet dataset ``path``, computed by ``engine``.

    ``memory`` reads the dataset into memory and runs :func:`proeftuin.workflow.estimate.estimate_file`
    (the reference); ``duckdb`` and ``spark`` run :func:`proeftuin.scale.estimate_effects_engine`.
    With ``ri_draws`` the effects get ``extra["ri_p_value"]`` (re-randomizing within ``strata``;
    on an engine: :func:`proeftuin.scale.randomization_inference_engine`, 0/1 outcomes, HC2).
    """
    if engine == "memory":
        from proeftuin.workflow.estimate import estimate_file

        files = dataset_files(path)
        frame = ds.dataset(files, format="parquet").to_table().to_pandas()
        return estimate_file(path, frame=frame, outcomes=outcomes, arm=arm, control=control, strata=strata,
                             cluster=cluster, vcov=vcov, level=level, ri_draws=ri_draws, seed=seed)
    if ri_draws is not None and (cluster is not None or vcov not in (None, "HC2")):
        raise ValueError("randomization inference on an engine re-randomizes individuals with HC2; drop --cluster/--vcov or use --engine memory")
    con = connect(engine, spark_master=spark_master, memory_limit=memory_limit)
    table = read_parquet(con, path)
    require_columns(table, [arm, *outcomes, *(c for c in (strata, cluster) if c)], path)
    try:
        if ri_draws is not None:
            return randomization_inference_engine(table, outcomes=outcomes, arm=arm, control=control, strata=strata,
                                                  draws=ri_draws, seed=seed, level=level)
        return estimate_effects_engine(table, outcomes=outcomes, arm=arm, control=control, strata=strata,
                                       cluster=cluster, vcov=vcov, level=level)
    except ValueError as exc:
        if isinstance(exc, DatasetError):
            raise
        raise DatasetError(path, str(exc)) from exc
