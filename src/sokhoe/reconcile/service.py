"""``run(options)``: reconcile the register, BHXH's card list and the VNeID wallet export.

The pipeline, in order: check the files (nothing is written if one is unusable), load them,
validate and normalise each line, link cards to people by exact ID, match what is left
(Fellegi–Sunter, :mod:`~sokhoe.reconcile.matching`), derive the findings
(:mod:`~sokhoe.reconcile.rules`) and write the outputs into a directory beside ``--out``,
which replaces ``--out`` only once complete (:mod:`~sokhoe.reconcile.outputs`).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sokhoe.reconcile import inputs, matching, normalize, outputs, rules, validate
from sokhoe.reconcile.engine import Engine
from sokhoe.reconcile.engine_duckdb import DuckDBEngine

#: ``start(label, total) -> advance(n)``, the shape of :func:`sokhoe.progress.progress_bars`.
ProgressStart = Callable[[str, int], Callable[[int], None]]


#: The steps a run announces, in order: their codes (what a recorded run stores, and pages
#: translate) and the labels shown on the command line's progress bars.
STEPS = {
    "check_files": "Kiểm tra tệp đầu vào",
    "read_files": "Đọc tệp",
    "validate": "Kiểm tra và chuẩn hóa từng dòng",
    "match": "Ghép thẻ với người",
    "find": "Phát hiện sai sót",
    "write": "Ghi kết quả",
}


class UnknownEngine(ValueError):
    """An engine this build cannot run (the message says which exist)."""


def _spark_engine(scratch: Path) -> Engine:
    """Spark is optional (the ``spark`` extra and a Java runtime): imported only when asked."""
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        raise UnknownEngine("máy xử lý 'spark' cần Java (17 trở lên): hãy cài Java rồi chạy lại")
    try:
        from sokhoe.reconcile.engine_spark import SparkEngine
    except ImportError as exc:
        raise UnknownEngine(
            "máy xử lý 'spark' cần PySpark: hãy cài bằng `uv sync --extra spark` rồi chạy lại"
        ) from exc
    return SparkEngine(scratch)


#: Engines by name; each takes the run's scratch directory (spill files).
ENGINES: dict[str, Callable[[Path], Engine]] = {"duckdb": DuckDBEngine, "spark": _spark_engine}


@dataclass(frozen=True)
class ReconcileOptions:
    register: Path
    cards: Path
    integrated: Path
    out: Path
    as_of: dt.date
    engine: str = "duckdb"


def run(options: ReconcileOptions, progress: ProgressStart | None = None) -> dict[str, Any]:
    """Runs the whole reconciliation; returns the summary also written to summary.json.

    Raises :class:`~sokhoe.bulk.messages.FileRejected` (nothing written) when an input
    cannot be used, :class:`UnknownEngine` for an engine not available here.
    """
    if options.engine not in ENGINES:
        raise UnknownEngine(f"máy xử lý {options.engine!r} chưa có; hiện có: {', '.join(ENGINES)}")
    start = progress or (lambda label, total: lambda n: None)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{options.out.name}.work-", dir=options.out.parent))
    try:
        with _step(start, "check_files"):
            sources = [
                inputs.prepare(contract, path, scratch)
                for contract, path in zip(
                    inputs.CONTRACTS,
                    (options.register, options.cards, options.integrated),
                    strict=True,
                )
            ]
        engine = ENGINES[options.engine](scratch)
        try:
            reconciled = _pipeline(engine, sources, options.as_of, start)
            with _step(start, "write"):
                return outputs.write(engine, sources, options, reconciled, scratch / "out")
        finally:
            engine.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@contextmanager
def _step(start: ProgressStart, code: str) -> Iterator[None]:
    advance = start(STEPS[code], 1)
    yield
    advance(1)


def _pipeline(
    engine: Engine, sources: list[inputs.Source], as_of: dt.date, start: ProgressStart
) -> outputs.Reconciled:
    """Builds ``facts`` and ``findings``, dropping each table once no later step reads it."""
    d = engine.dialect
    with _step(start, "read_files"):
        for source in sources:
            engine.load(source)
        engine.loaded()
    with _step(start, "validate"):
        texts = validate.texts_sql()
        for role, sql in texts.items():
            engine.view(f"{role}_text", sql)
        # Distinct texts first, in their own tables: normalising inside the same query lets
        # the optimiser push the work below the DISTINCT, onto every line.
        for table, sql in validate.distinct_texts_sql().items():
            engine.create(table, sql)
        engine.create("names", normalize.name_dictionary(d, "SELECT raw FROM name_texts"))
        engine.create("births", normalize.birth_dictionary(d, "SELECT raw FROM birth_texts"))
        engine.create("villages", validate.villages_sql(d))
        for role, sql in (
            ("register", validate.register_sql(d)),
            ("cards", validate.cards_sql(d)),
            ("integrated", validate.integrated_sql(d)),
        ):
            engine.create(f"{role}_rows", sql)
            engine.view(role, validate.usable_sql(role))
        problems = engine.rows(validate.problems_sql())
        rows = {role: engine.rows(f"SELECT count(*) FROM {role}")[0][0] for role in texts}
        engine.drop(*(f"{role}_text" for role in texts), *validate.distinct_texts_sql())
        engine.drop("names", "births", "villages")
        engine.release_inputs()
    with _step(start, "match"):
        model = _match(engine)
    with _step(start, "find"):
        engine.create("wallet", rules.wallet_sql())
        engine.create("facts", rules.facts_sql(d, as_of))
        engine.drop("best", "cards", "cards_rows", "integrated", "integrated_rows")
        engine.create("duplicates", rules.duplicates_sql())
        engine.create("shared_numbers", rules.shared_numbers_sql(d))
        engine.create("findings", rules.findings_sql(d, as_of))
        engine.drop("duplicates", "shared_numbers", "wallet", "register", "register_rows")
    return outputs.Reconciled(model, rows, problems)


def _match(engine: Engine) -> matching.Model:
    """Estimates the model and leaves each residual card's best candidate in ``best``."""
    d = engine.dialect
    engine.create("holders", matching.holders_sql())
    engine.create("residual", matching.residual_sql())
    engine.create("candidates", matching.candidates_sql())
    engine.create("name_frequencies", matching.name_frequencies_sql())
    (counts,) = engine.rows(matching.holder_counts_sql())
    holders = dict(zip(("register", "one", "several", "cards"), counts, strict=True))
    m_pairs = matching.m_pairs(holders["cards"])
    u_pairs = matching.u_pairs(holders["cards"], holders["register"])
    model = matching.estimate(
        engine.rows(matching.level_counts_sql(d, m_pairs)),
        engine.rows(matching.level_counts_sql(d, u_pairs)),
        holders,
    )
    engine.create("best", matching.best_sql(d, model))
    engine.drop("holders", "residual", "candidates", "name_frequencies")
    return model
