"""Register scale: outcomes and estimates as Ibis expressions run by DuckDB (default) or Spark.

The in-memory engine (:mod:`proeftuin.analysis`) is the reference; these functions equal it to
1e-9 on the same data (tests run both engines). Public API::

    connect(engine="duckdb", *, spark_master=None, memory_limit="2GB", threads=None) -> backend
    read_parquet(con, path) -> ibis.Table          # a file, a folder of parts or a glob
    register_outcomes(con, *, jobs, benefits, assignments, window, control="control") -> ibis.Table
    person_month_indicators(jobs_table, window) -> ibis.Table
    estimate_effects_engine(table, *, outcomes, arm, control, strata=None, cluster=None,
                            vcov=None, level=0.90) -> EffectTable
    randomization_inference_engine(table, *, outcomes, arm, control, strata=None, draws, seed=None,
                                   level=0.90) -> EffectTable   # 0/1 outcomes, on design cells
    reference_group_engine(table, *, outcome, participant, covariates, trim=0.0, level=0.90) -> Effect
    write_register(out, *, persons, months, seed, ...) -> RegisterSummary
"""

from proeftuin.scale.engine import (
    DEFAULT_ENGINE,
    DEFAULT_MEMORY_LIMIT,
    ENGINES,
    DatasetError,
    Engine,
    connect,
    dataset_files,
    read_parquet,
)
from proeftuin.scale.ols import estimate_effects_engine
from proeftuin.scale.reference_group import reference_group_engine
from proeftuin.scale.ri import randomization_inference_engine
from proeftuin.scale.outcomes import CONTROL, Window, check_assignments, person_month_indicators, register_outcomes, window_of
from proeftuin.scale.synthetic import RegisterSummary, write_register

__all__ = [
    "CONTROL",
    "DEFAULT_ENGINE",
    "DEFAULT_MEMORY_LIMIT",
    "ENGINES",
    "DatasetError",
    "Engine",
    "RegisterSummary",
    "Window",
    "check_assignments",
    "connect",
    "dataset_files",
    "estimate_effects_engine",
    "person_month_indicators",
    "randomization_inference_engine",
    "read_parquet",
    "reference_group_engine",
    "register_outcomes",
    "window_of",
    "write_register",
]
