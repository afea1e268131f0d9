"""A reconciliation run's findings, per person, copied into the database for the field.

A run's results stay in its files (``findings.csv`` …). The field worklist needs, for each
of a village's residents, why his card is not integrated; reading a file per page would not
join, so the findings with a person and something to do are copied once per run (about one
row per card of the province, in batches) and the worklist joins the latest copied run of
its province.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from sqlalchemy import ColumnElement, ScalarSelect, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session

from sokhoe.access.clock import utcnow
from sokhoe.campaign.models import CardFinding, CardFindingRun
from sokhoe.reconcile.categories import CATEGORIES, Worklist
from sokhoe.reconcile.models import ReconcileRun, RunStatus
from sokhoe.reconcile.runs import output_directory

BATCH = 10_000
#: Categories that say something is to be done about a card (not "integrated").
_ACTIONABLE = frozenset(c.code for c in CATEGORIES if c.worklist is not Worklist.NONE)
LABELS: dict[str, str] = {c.code: c.label for c in CATEGORIES}


class NotImportable(ValueError):
    """The run is not finished, has no province, or was copied already."""


def import_run(session: Session, run: ReconcileRun) -> int:
    """Copies the run's findings that name a person; returns how many finding rows were read
    (a person's second card in the same category is read but kept once)."""
    if run.status != RunStatus.DONE.value or run.province_code is None:
        raise NotImportable(f"Lần đối soát {run.id} chưa xong hoặc không thuộc tỉnh nào.")
    if session.get(CardFindingRun, run.id) is not None:
        raise NotImportable(f"Kết quả lần đối soát {run.id} đã được nạp.")
    session.add(
        CardFindingRun(run_id=run.id, province_code=run.province_code, imported_at=utcnow())
    )
    session.flush()
    read = 0
    batch: list[dict[str, object]] = []
    for person_id, category in _rows(run):
        batch.append({"run_id": run.id, "person_id": person_id, "category": category})
        if len(batch) == BATCH:
            read += _insert(session, batch)
    return read + _insert(session, batch)


def _rows(run: ReconcileRun) -> Iterator[tuple[str, str]]:
    with (output_directory(run) / "findings.csv").open(encoding="utf-8", newline="") as source:
        for row in csv.DictReader(source):
            if row["person_id"] and row["category"] in _ACTIONABLE:
                yield row["person_id"], row["category"]


def _insert(session: Session, batch: list[dict[str, object]]) -> int:
    """Inserts the batch; a person with two cards in one category is kept once."""
    if batch:
        dialect = session.get_bind().dialect.name
        statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(CardFinding)
        session.execute(statement.on_conflict_do_nothing(), batch)
    n = len(batch)
    batch.clear()
    return n


def latest_run_id(session: Session, province_code: int) -> int | None:
    """The latest run of the province whose findings were copied."""
    return session.scalar(
        select(CardFindingRun.run_id)
        .where(CardFindingRun.province_code == province_code)
        .order_by(CardFindingRun.run_id.desc())
        .limit(1)
    )


def category_of(
    run_id: int | None, person_id: ColumnElement[str] | InstrumentedAttribute[str]
) -> ScalarSelect[str | None]:
    """The run's category for the person in ``person_id`` (the first by code when his
    cards have several), as a column of a query over the register."""
    return (
        select(func.min(CardFinding.category))
        .where(CardFinding.run_id == run_id, CardFinding.person_id == person_id)
        .scalar_subquery()
    )
