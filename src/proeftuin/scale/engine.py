"""The engines that run register-scale expressions: DuckDB (embedded, the default) and Spark.

Everything in :mod:`proeftuin.scale` is an Ibis expression; the backend that runs it is chosen
here, once. DuckDB runs in-process and spills to disk beyond ``memory_limit``, so a laptop
handles hundreds of millions of person-months; PySpark runs the same expressions on a cluster
(``--spark-master spark://host:7077``) or on local cores (``local[*]``). The in-memory numpy
engine (:mod:`proeftuin.analysis`) is the reference both must equal.
"""

from __future__ import annotations

import glob
import os
import tempfile
import uuid
import warnings
from pathlib import Path
from typing import Any, Literal, get_args

import ibis

Engine = Literal["memory", "duckdb", "spark"]
"""Where the estimates are computed: numpy in memory (the reference), DuckDB, or Spark."""
ENGINES: tuple[str, ...] = get_args(Engine)
DEFAULT_ENGINE: Engine = "duckdb"
DEFAULT_SPARK_MASTER = "local[*]"
DEFAULT_MEMORY_LIMIT = "2GB"
"""DuckDB's memory ceiling unless told otherwise: beyond it, joins and aggregations spill to disk."""


class DatasetError(ValueError):
    """A dataset that cannot be read: one line naming the path and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")


def connect(engine: Engine = DEFAULT_ENGINE, *, spark_master: str | None = None,
            memory_limit: str = DEFAULT_MEMORY_LIMIT, threads: int | None = None) -> Any:
    """An Ibis backend: an in-process DuckDB with ``memory_limit``, or PySpark on ``spark_master``.

    ``threads`` caps DuckDB's worker threads (default: all cores). The Spark session is the
    active one if there is one (tests start it once), else a new one on ``spark_master``.
    """
    if engine == "duckdb":
        con = ibis.duckdb.connect(threads=threads) if threads else ibis.duckdb.connect()
        con.raw_sql(f"SET memory_limit = '{memory_limit}'")
        # Spill beyond the limit to the system's temporary folder (DuckDB's default is ./.tmp).
        con.raw_sql(f"SET temp_directory = '{os.path.join(tempfile.gettempdir(), 'proeftuin-duckdb')}'")
        con.raw_sql("SET preserve_insertion_order = false")
        return con
    if engine == "spark":
        return ibis.pyspark.connect(spark_session(spark_master))
    raise ValueError(f"engine {engine!r} does not run Ibis expressions; use one of duckdb, spark")


def spark_session(master: str | None = None) -> Any:
    """The active Spark session, or a new one on ``master`` (default ``local[*]``), quiet.

    On local cores the shuffle uses a few partitions (Spark's default of 200 is sized for a
    cluster and makes small local jobs slow); on a cluster Spark's own settings apply.
    """
    warnings.filterwarnings("ignore", category=FutureWarning, module="pyspark.*")
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    if session is not None and (master is None or session.sparkContext.master == master):
        return session
    master = master or DEFAULT_SPARK_MASTER
    builder = (
        SparkSession.builder.master(master)
        .appName("proeftuin")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    if master.startswith("local"):
        builder = builder.config("spark.sql.shuffle.partitions", str(2 * (os.cpu_count() or 1)))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def dataset_files(path: Path | str) -> list[str]:
    """The Parquet files of ``path``: one file, a folder of partitions (recursively) or a glob."""
    text = str(path)
    if any(ch in text for ch in "*?["):
        files = sorted(glob.glob(text, recursive=True))
    elif os.path.isdir(text):
        files = sorted(glob.glob(os.path.join(text, "**", "*.parquet"), recursive=True))
    elif os.path.isfile(text):
        files = [text]
    else:
        raise DatasetError(path, "file not found")
    if not files:
        raise DatasetError(path, "no Parquet files found")
    bad = [f for f in files if not f.endswith(".parquet")]
    if bad:
        raise DatasetError(bad[0], "not a Parquet file (register-scale engines read .parquet)")
    return files


def read_parquet(con: Any, path: Path | str) -> ibis.Table:
    """The Parquet dataset at ``path`` (file, folder or glob) as a table of ``con``."""
    files = dataset_files(path)
    try:
        if con.name == "pyspark":  # Spark reads the list of files itself (Ibis would quote it as one path)
            name = f"parquet_{uuid.uuid4().hex[:12]}"
            con._session.read.parquet(*files).createOrReplaceTempView(name)
            return con.table(name)
        return con.read_parquet(files)
    except Exception as exc:  # the engines raise their own types for an unreadable file
        raise DatasetError(path, f"cannot be read as Parquet ({str(exc).splitlines()[0]})") from exc


def require_columns(table: ibis.Table, columns: list[str], path: Path | str) -> None:
    """Every one of ``columns`` is in ``table``; else name the first missing one."""
    for column in columns:
        if column not in table.columns:
            raise DatasetError(path, f"column {column}: no such column (columns are {', '.join(table.columns)})")
