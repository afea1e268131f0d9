"""What the pipeline needs of an SQL engine: the contract a Spark adapter will fulfil.

The rules never touch an engine's API; the service hands their SQL to these methods.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from sokhoe.reconcile.dialect import Dialect
from sokhoe.reconcile.inputs import Source


class Engine(Protocol):
    dialect: Dialect

    def load(self, source: Source) -> None:
        """Reads an input into ``<role>_lines`` (``line`` and the contract's columns, text)
        and ``<role>_unreadable`` (``line``, ``kind``, ``found``: lines it could not read)."""

    def loaded(self) -> None:
        """All inputs are read; later tables need no insertion order."""

    def release_inputs(self) -> None:
        """Drops what :meth:`load` made."""

    def create(self, table: str, sql: str) -> None:
        """Materialises ``sql`` as ``table``."""

    def view(self, name: str, sql: str) -> None: ...

    def drop(self, *names: str) -> None: ...

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """A small result, whole."""

    def batches(self, sql: str, size: int = 100_000) -> Iterator[Any]:
        """A large result as Arrow record batches, in the query's order."""

    def write_csv(self, sql: str, path: Path) -> None:
        """``sql``'s rows as one UTF-8 CSV file with a header, in the query's order."""

    def close(self) -> None: ...
