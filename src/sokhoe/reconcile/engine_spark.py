"""The Spark engine (``--engine spark``): the same rules' SQL on a Spark session. Thin.

Local mode (``local[2]``) by default; ``SOKHOE_SPARK_MASTER`` points it at a cluster. Inputs
are read by :mod:`~sokhoe.reconcile.csv_lines` (Spark's CSV reader numbers no lines) and
handed to Spark as Arrow. Each created table is a local checkpoint: computed once, kept by
the executors, its lineage cut, so a later query does not re-plan every step before it and
dropping a table leaves the tables built from it intact (a cached table would be cleared and
rebuilt). Results come back as Arrow, in the query's order; CSVs are rendered from Arrow
with DuckDB's quoting, so both engines write the same bytes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.pandas.functions import arrow_udf

from sokhoe.config import get_settings
from sokhoe.reconcile import csv_lines
from sokhoe.reconcile.dialect import Dialect
from sokhoe.reconcile.dialect_spark import SPARK, UDFS
from sokhoe.reconcile.inputs import Source

#: Small-job settings: a province is a few GB, not worth Spark's 200 shuffle partitions.
_CONFIG = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.adaptive.enabled": "true",
    "spark.driver.memory": "3g",
    "spark.sql.execution.arrow.maxRecordsPerBatch": "100000",
}
_JAVA_OPTIONS = "spark.driver.extraJavaOptions"
#: Errors only, from the JVM's start on (``setLogLevel`` comes after its notices).
_LOGGING = Path(__file__).with_name("spark-log4j2.properties")
#: Characters that make DuckDB's CSV writer quote a value (besides the value being empty).
_NEEDS_QUOTES = '[",#\r\n]'


def spark_session(
    master: str | None = None, settings: Mapping[str, str] | None = None
) -> SparkSession:
    """The process's Spark session, started on ``master`` (the settings' by default) with
    ``settings`` added, if none runs yet. Python workers run this interpreter, which has the
    UDFs' libraries."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master or get_settings().spark_master)
    chosen = {**_CONFIG, **(settings or {})}
    quiet = f"-Dlog4j2.configurationFile={_LOGGING.as_uri()}"
    chosen[_JAVA_OPTIONS] = f"{quiet} {chosen.get(_JAVA_OPTIONS, '')}".strip()
    for key, value in chosen.items():
        builder = builder.config(key, value)
    session = builder.appName("sokhoe-reconcile").getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkEngine:
    dialect: Dialect = SPARK

    def __init__(self, scratch: Path, master: str | None = None) -> None:
        """A session of its own (its own tables and UDFs) on the running Spark, or on a new
        one, which :meth:`close` then stops."""
        del scratch  # Spark spills into its own local directories
        running = SparkSession.getActiveSession()
        self._owns = running is None
        self._spark = (running or spark_session(master)).newSession()
        for name, (function, kind) in UDFS.items():
            # Scalar Arrow UDFs, known from the functions' pa.Array hints (the stubs' overloads
            # cannot see them: pyarrow is untyped).
            self._spark.udf.register(name, arrow_udf(function, kind))  # type: ignore[call-overload]
        self._tables: dict[str, DataFrame] = {}
        self._roles: list[str] = []

    def load(self, source: Source) -> None:
        role = source.contract.role
        self._roles.append(role)
        lines, unreadable = csv_lines.read(source).tables()
        self._keep(f"{role}_lines", self._spark.createDataFrame(lines))
        self._keep(f"{role}_unreadable", self._spark.createDataFrame(unreadable))

    def loaded(self) -> None:
        """Nothing to switch: Spark never promised insertion order."""

    def release_inputs(self) -> None:
        self.drop(*(f"{role}_{part}" for role in self._roles for part in ("lines", "unreadable")))

    def create(self, table: str, sql: str) -> None:
        self._keep(table, self._spark.sql(sql))

    def _keep(self, table: str, frame: DataFrame) -> None:
        self.drop(table)
        kept = frame.localCheckpoint(eager=True)
        kept.createOrReplaceTempView(table)
        self._tables[table] = kept

    def view(self, name: str, sql: str) -> None:
        self._spark.sql(sql).createOrReplaceTempView(name)

    def drop(self, *names: str) -> None:
        """Forgets tables and views; a table's blocks go once the JVM collects it."""
        for name in names:
            self._spark.catalog.dropTempView(name)
            self._tables.pop(name, None)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._spark.sql(sql).collect()]

    def batches(self, sql: str, size: int = 100_000) -> Iterator[Any]:
        """The result as Arrow record batches, in the query's order (collected whole: the
        largest result, a province's worklist rows, is some hundreds of MB)."""
        yield from self._spark.sql(sql).toArrow().to_batches(max_chunksize=size)

    def write_csv(self, sql: str, path: Path) -> None:
        """One UTF-8 CSV with a header, as DuckDB's ``COPY … (HEADER)`` writes it."""
        result = self._spark.sql(sql).toArrow()
        with path.open("wb") as out:
            out.write(",".join(_csv_text(name) for name in result.column_names).encode())
            out.write(b"\n")
            for batch in result.to_batches(max_chunksize=100_000):
                if batch.num_rows:
                    cells = [_csv_cells(column) for column in batch.columns]
                    rows = pc.binary_join_element_wise(*cells, ",")
                    out.write("\n".join(rows.to_pylist()).encode())
                    out.write(b"\n")

    def close(self) -> None:
        self.drop(*list(self._tables))
        if self._owns:
            self._spark.stop()


def _csv_cells(column: pa.Array) -> pa.Array:
    """A column's CSV text: NULL empty; a text quoted when empty or holding a quote, comma,
    ``#`` or line break (DuckDB's rule), its quotes doubled."""
    if not pa.types.is_string(column.type):
        return pc.fill_null(pc.cast(column, pa.string()), "")
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(column, '"', '""'), '"', "")
    needs = pc.or_(pc.match_substring_regex(column, _NEEDS_QUOTES), pc.equal(column, ""))
    return pc.fill_null(pc.if_else(needs, quoted, column), "")


def _csv_text(value: str) -> str:
    cell = _csv_cells(pa.array([value], pa.string()))[0].as_py()
    return str(cell)
