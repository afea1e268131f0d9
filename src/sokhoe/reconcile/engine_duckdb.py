"""The DuckDB engine: reads the inputs, runs the rules' SQL, hands results back. Thin.

Everything reconciliation decides is in the SQL of ``validate``, ``matching`` and ``rules``;
this adapter only knows how DuckDB reads a CSV (and numbers its lines), creates tables,
streams rows and writes CSV. A Spark engine implements the same methods.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from sokhoe.reconcile.dialect import DUCKDB, Dialect
from sokhoe.reconcile.inputs import Source

#: DuckDB's reject types → the kinds of unreadable line the rules report.
_UNREADABLE = {
    "MISSING COLUMNS": "field_count",
    "TOO MANY COLUMNS": "field_count",
    "INVALID ENCODING": "encoding",
    "INVALID UNICODE": "encoding",
    "UNQUOTED VALUE": "quote",
    "LINE SIZE OVER MAXIMUM": "too_long",
}


class DuckDBEngine:
    dialect: Dialect = DUCKDB

    def __init__(self, scratch: Path, memory_limit: str = "3GB") -> None:
        self._con = duckdb.connect(config={"memory_limit": memory_limit})
        spill = scratch / "duckdb"
        spill.mkdir(exist_ok=True)
        self._con.execute(f"SET temp_directory = {DUCKDB.literal(str(spill))}")
        self._views: set[str] = set()
        self._roles: list[str] = []

    def load(self, source: Source) -> None:
        """Creates ``<role>_lines`` (``line`` and the contract's columns, all text) and
        ``<role>_unreadable`` (``line``, ``kind``, ``found``: lines the reader skipped)."""
        role = source.contract.role
        self._roles.append(role)
        columns = ", ".join(f"{DUCKDB.literal(c)}: 'VARCHAR'" for c in source.header)
        self._con.execute(
            f"""CREATE TABLE raw_{role} AS SELECT * FROM read_csv(
                {DUCKDB.literal(str(source.path))}, header = true, auto_detect = false,
                delim = {DUCKDB.literal(source.delimiter)}, quote = '"', escape = '"',
                columns = {{{columns}}}, store_rejects = true,
                rejects_table = 'rejects_{role}', rejects_scan = 'scan_{role}')"""
        )
        kinds = " ".join(f"WHEN '{t}' THEN '{k}'" for t, k in _UNREADABLE.items())
        self._con.execute(
            f"""CREATE TABLE {role}_unreadable AS
                SELECT line, CASE error_type {kinds} ELSE 'other' END AS kind,
                       try_cast(regexp_extract(error_message, 'Found: ([0-9]+)', 1) AS INT)
                           AS found
                FROM rejects_{role}"""
        )
        skipped = sorted(
            {line for (line,) in self.rows(f"SELECT line FROM {role}_unreadable")}
            | set(source.blank_lines)
        )
        picked = ", ".join(f'r."{c}"' for c in source.contract.columns)
        self._con.execute(f"CREATE TABLE skips_{role} (records BIGINT, skipped BIGINT)")
        if not skipped:
            self.view(f"{role}_lines", f"SELECT r.rowid + 2 AS line, {picked} FROM raw_{role} r")
            return
        # The k-th record read is on line k + 2 plus the lines skipped before it; the j-th
        # skipped line s (from 0) comes after s - 2 - j records.
        after = {line - 2 - j: j + 1 for j, line in enumerate(skipped)}
        self._con.executemany(f"INSERT INTO skips_{role} VALUES (?, ?)", sorted(after.items()))
        self.view(
            f"{role}_lines",
            f"""SELECT r.rowid + 2 + coalesce(s.skipped, 0) AS line, {picked}
                FROM raw_{role} r ASOF LEFT JOIN skips_{role} s ON r.rowid >= s.records""",
        )

    def loaded(self) -> None:
        """The inputs are in: later tables need no insertion order (outputs sort
        explicitly), and DuckDB builds them faster and leaner without it."""
        self._con.execute("SET preserve_insertion_order = false")

    def create(self, table: str, sql: str) -> None:
        self._con.execute(f"CREATE OR REPLACE TABLE {table} AS {sql}")

    def view(self, name: str, sql: str) -> None:
        self._con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")
        self._views.add(name)

    def drop(self, *names: str) -> None:
        """Frees tables and views no later step reads (a province's take gigabytes)."""
        for name in names:
            kind = "VIEW" if name in self._views else "TABLE"
            self._con.execute(f"DROP {kind} IF EXISTS {name}")
            self._views.discard(name)

    def release_inputs(self) -> None:
        """Drops what :meth:`load` made, once the checked tables are built."""
        for role in self._roles:
            self.drop(f"{role}_lines", f"{role}_unreadable", f"skips_{role}", f"raw_{role}")
            self.drop(f"rejects_{role}", f"scan_{role}")

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self._con.execute(sql).fetchall()

    def batches(self, sql: str, size: int = 100_000) -> Iterator[Any]:
        """The result of ``sql`` as Arrow record batches, in the query's order."""
        yield from self._con.sql(sql).to_arrow_reader(size)

    def write_csv(self, sql: str, path: Path) -> None:
        """``sql``'s rows as UTF-8 CSV with a header, in the query's order."""
        self._con.execute(
            f"COPY ({sql}) TO {DUCKDB.literal(str(path))} (HEADER, DELIMITER ',', QUOTE '\"')"
        )

    def close(self) -> None:
        self._con.close()
