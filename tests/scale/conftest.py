"""Fixtures of the register-scale tests: both engines, started once per test session.

Spark runs on ``local[2]`` in one session-scoped SparkSession (the JVM starts once); where Java
or PySpark is missing, the Spark cases skip with the reason.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ENGINES = ("duckdb", "spark")
SPARK_TEST_JVM = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
"""The test JVM's options: the quick compiler only and one garbage-collector thread. The tests' jobs are
small and short, so C2's optimising compiles and the parallel collector's threads cost CPU that never
pays back: half the JVM's CPU (33 -> 17 s for test_scale_ols.py, same load). Neither option changes
what a query computes."""
SPARK_TEST_CONF = {"spark.sql.codegen.wholeStage": "false", "spark.sql.codegen.factoryMode": "NO_CODEGEN"}
"""The test session's plans run interpreted: Spark otherwise compiles Java for every query (Janino), which pays off on a
register's millions of rows, never on a test's few thousand. The JVM's CPU over tests/scale: 21.0 -> 18.5 s (AQE off as
well: no further change). Interpreted and generated code compute the same results (Spark falls back to the former)."""


def _spark_missing() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed"
    if shutil.which("java") is None:
        return "Java is not installed (Spark needs a JRE 17: apt-get install openjdk-17-jre-headless)"
    return None


@pytest.fixture(scope="session")
def spark_session() -> Iterator[Any]:
    reason = _spark_missing()
    if reason:
        pytest.skip(reason)
    from proeftuin.scale.engine import spark_session as start

    with pytest.MonkeyPatch.context() as patch:  # read once, when the JVM is launched
        if "PYSPARK_SUBMIT_ARGS" not in os.environ:
            patch.setenv("PYSPARK_SUBMIT_ARGS", f"--driver-java-options '{SPARK_TEST_JVM}' pyspark-shell")
        session = start("local[2]")
    for key, value in SPARK_TEST_CONF.items():
        session.conf.set(key, value)
    yield session
    session.stop()


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Each test that takes ``engine`` runs once on DuckDB and once on Spark."""
    if request.param == "spark":
        request.getfixturevalue("spark_session")
    return request.param


@pytest.fixture
def con(engine: str) -> Any:
    from proeftuin.scale import connect

    return connect(engine, memory_limit="500MB")


@pytest.fixture(scope="session")
def register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic register (2,000 people x 14 months), written once."""
    from proeftuin.scale import write_register

    out = tmp_path_factory.mktemp("register") / "reg"
    write_register(out, persons=2000, months=14, seed=7)
    return out


@pytest.fixture
def as_table(con: Any):
    """``as_table(frame)``: a pandas frame as a temporary table of the engine under test."""
    import uuid

    def make(frame: Any) -> Any:
        name = f"t_{uuid.uuid4().hex[:12]}"
        if con.name == "pyspark":
            con._session.createDataFrame(frame).createOrReplaceTempView(name)
            return con.table(name)
        con.con.register(name, frame)  # DuckDB reads the frame in place
        return con.table(name)

    return make
