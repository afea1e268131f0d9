"""Writing a run's results: CSVs, summary, worklists, BHXH's fixes; then publishing them.

Everything is written into a staging directory beside ``--out`` and moved into place only
when complete, so a crash leaves ``--out`` as it was. Order is fixed everywhere (card line,
category, village, name), so the same inputs give the same bytes.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sokhoe.bulk.messages import Problem
from sokhoe.bulk.report import write_problems
from sokhoe.reconcile.categories import BY_CODE, CATEGORIES
from sokhoe.reconcile.inputs import Source
from sokhoe.reconcile.matching import Model
from sokhoe.reconcile.worklists import worklist_sql, write_fixes, write_worklists

if TYPE_CHECKING:
    from sokhoe.reconcile.engine import Engine
    from sokhoe.reconcile.service import ReconcileOptions


@dataclass(frozen=True)
class Reconciled:
    """What the pipeline hands the outputs besides the engine's ``facts`` and ``findings``."""

    model: Model
    #: Usable lines per input role.
    rows: dict[str, int]
    #: Rejected lines: (role, line, ``field:code`` or ``line:kind``, value, fields found).
    problems: list[tuple[Any, ...]]


def write(
    engine: Engine,
    sources: Sequence[Source],
    options: ReconcileOptions,
    reconciled: Reconciled,
    staging: Path,
) -> dict[str, Any]:
    """Writes every output into ``staging``, then publishes it as ``options.out``."""
    staging.mkdir()
    # A probable link never shows as certain (1.0000), however close its score.
    score = "CASE WHEN match = 'probable' THEN least(score, 0.9999) ELSE score END"
    engine.write_csv(
        f"""SELECT card_number, person_id, match, {engine.dialect.decimals(score, 4)} AS score,
                   line
            FROM facts ORDER BY line""",
        staging / "links.csv",
    )
    engine.write_csv(
        """SELECT card_number, person_id, commune_code, category, detail, suggested_fix,
                  label, line
           FROM findings ORDER BY line, position, variant""",
        staging / "findings.csv",
    )
    engine.write_csv(worklist_sql(engine), staging / "worklist.csv")
    rejected = _write_rejects(reconciled.problems, sources, staging / "rejects.csv")
    worklists = write_worklists(engine, staging / "worklists")
    fixes = write_fixes(engine, staging / "fixes_for_bhxh.xlsx")
    summary = _summary(engine, sources, options, reconciled, rejected, worklists, fixes)
    (staging / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    publish(staging, options.out)
    return summary


def publish(staging: Path, out: Path) -> None:
    """Moves ``staging`` to ``out``; a previous ``out`` is set aside first and removed
    after, and put back if the move fails."""
    if not out.exists():
        staging.rename(out)
        return
    previous = out.with_name(f".{out.name}.old-{uuid.uuid4().hex[:8]}")
    out.rename(previous)
    try:
        staging.rename(out)
    except BaseException:
        previous.rename(out)
        raise
    shutil.rmtree(previous)


def _write_rejects(
    rejected: list[tuple[Any, ...]], sources: Sequence[Source], path: Path
) -> dict[str, int]:
    names = {source.contract.role: source.name for source in sources}
    widths = {source.contract.role: len(source.header) for source in sources}
    problems = [
        _problem(names[role], line, problem, value, found, widths[role])
        for role, line, problem, value, found in rejected
    ]
    write_problems(path, problems)
    counts = dict.fromkeys(names.values(), 0)
    for problem in problems:
        counts[problem.file] += 1
    return counts


_LINE_PROBLEMS = {
    "field_count": "wrong_field_count",
    "encoding": "not_utf8",
    "quote": "unreadable_line",
    "too_long": "unreadable_line",
    "other": "unreadable_line",
}
_LINE_REASONS = {
    "quote": "dấu ngoặc kép mở mà không đóng",
    "too_long": "dòng dài quá giới hạn",
    "other": "không tách được các cột",
}


def _problem(
    file: str, line: int, problem: str, value: str | None, found: int | None, width: int
) -> Problem:
    """A rejected line as a :class:`Problem`; ``problem`` is ``field:code`` or
    ``line:kind`` for a line the reader could not split."""
    field, code = problem.split(":", 1)
    if field != "line":
        params: dict[str, object] = {"value": value, "column": field}
        if code == "duplicate_person_id":
            value, _, first = (value or "").rpartition(":")
            params = {"value": value, "first": first}
        return Problem(file, line, field, code, params)
    params = {"found": found, "expected": width, "reason": _LINE_REASONS.get(code, "")}
    return Problem(file, line, None, _LINE_PROBLEMS[code], params)


def _summary(
    engine: Engine,
    sources: Sequence[Source],
    options: ReconcileOptions,
    reconciled: Reconciled,
    rejected: dict[str, int],
    worklists: dict[str, int],
    fixes: int,
) -> dict[str, Any]:
    files = {
        source.contract.role: {
            "file": source.name,
            "encoding": source.encoding,
            "rows": reconciled.rows[source.contract.role],
            "rejected": rejected[source.name],
        }
        for source in sources
    }
    links = dict(engine.rows("SELECT match, count(*) FROM facts GROUP BY match"))
    findings = dict(engine.rows("SELECT category, count(*) FROM findings GROUP BY category"))
    return {
        "as_of": options.as_of.isoformat(),
        "engine": options.engine,
        "inputs": files,
        "links": {match: links.get(match, 0) for match in ("exact", "probable", "none")},
        "findings": {c.code: findings.get(c.code, 0) for c in CATEGORIES},
        "labels": {c.code: BY_CODE[c.code].label for c in CATEGORIES},
        "worklists": worklists,
        "fixes_for_bhxh": fixes,
        "model": reconciled.model.as_dict(),
    }
