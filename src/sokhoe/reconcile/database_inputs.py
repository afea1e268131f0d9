""" "Use the data already in the system": the register, card list and wallet integrations
written out as the three input files of :data:`~sokhoe.reconcile.inputs.CONTRACTS`.

The rows come from the registry's and insurance's services, which check that the actor may
read the whole province for reconciliation and write one audit entry each. Those entries
are committed before the first row is read: on SQLite the audit lock is the database's
write lock, which must not be held for the minutes a province takes to stream out.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from sokhoe.access.purposes import Purpose
from sokhoe.access.scope import Actor
from sokhoe.insurance import service as insurance_service
from sokhoe.reconcile.inputs import CARDS, CONTRACTS, INTEGRATED, REGISTER, Contract
from sokhoe.registry import service as registry_service

#: Extra column of the card list kept for BHXH's readers (reconciliation ignores it).
_CARD_COLUMNS = (*CARDS.columns, "facility_code")


def export(session: Session, actor: Actor, *, province_code: int, directory: Path) -> list[Path]:
    """Writes ``register.csv``, ``cards.csv`` and ``integrated.csv`` of the actor's
    province into ``directory``; returns their paths in :data:`CONTRACTS` order.

    Commits ``session`` after the two authorisations (see the module's docstring).
    """
    register = registry_service.province_register(
        session, actor, province_code=province_code, purpose=Purpose.RECONCILIATION
    )
    card_list = insurance_service.province_card_list(
        session, actor, province_code=province_code, purpose=Purpose.RECONCILIATION
    )
    session.commit()
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / f"{contract.role}.csv" for contract in CONTRACTS]
    _write(paths[0], REGISTER, REGISTER.columns, (_register_line(r) for r in register))
    _write(paths[1], CARDS, _CARD_COLUMNS, (_card_line(r) for r in card_list.cards))
    _write(
        paths[2],
        INTEGRATED,
        INTEGRATED.columns,
        (_integration_line(r) for r in card_list.integrations),
    )
    return paths


def _write(
    path: Path, contract: Contract, columns: tuple[str, ...], lines: Iterable[list[str]]
) -> None:
    assert set(contract.columns) <= set(columns)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(lines)


def partial_date(value: dt.date | None, precision: str) -> str:
    """A birth date as far as it is known, in the contract's form: YYYY-MM-DD, YYYY-MM, YYYY."""
    if value is None:
        return ""
    if precision == "year":
        return f"{value.year:04d}"
    if precision == "month":
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _register_line(row: Any) -> list[str]:
    return [
        row.person_id,
        row.full_name,
        partial_date(row.birth_date, row.birth_precision),
        _text(row.sex),
        str(row.commune_code),
        _text(row.village),
        "1" if row.level2_eid else "0",
    ]


def _card_line(row: Any) -> list[str]:
    return [
        row.card_number,
        _text(row.person_id),
        row.full_name,
        partial_date(row.birth_date, row.birth_precision),
        _text(row.sex),
        _text(row.commune_code),
        _text(row.valid_from and row.valid_from.isoformat()),
        _text(row.valid_to and row.valid_to.isoformat()),
        _text(row.facility_code),
    ]


def _integration_line(row: Any) -> list[str]:
    when = row.integrated_at
    return [row.person_id, row.card_number, when.isoformat(timespec="seconds") if when else ""]
