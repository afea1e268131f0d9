"""Import specs for BHXH's card list and the e-ID wallet's integrated cards."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from sokhoe.bulk import fields
from sokhoe.bulk.csv_source import Column
from sokhoe.bulk.messages import FieldError, Problem
from sokhoe.bulk.runner import FileImport, NumberedRow
from sokhoe.bulk.upsert import Row, UpsertTarget
from sokhoe.insurance.models import InsuranceCard, WalletIntegration

CARD_COLUMNS = [
    "card_number", "bhxh_number", "group_code", "benefit_level", "holder_key", "person_id",
    "full_name", "birth_date", "birth_precision", "sex", "commune_code", "valid_from",
    "valid_to", "facility_code",
]  # fmt: skip


def _optional_code(value: str) -> int | None:
    """A commune code on BHXH's record: kept as given, even if no longer a unit."""
    if not value:
        return None
    if not value.isdigit():
        raise FieldError("unknown_commune", value=value)
    return int(value)


def _to_card(rows: Iterable[NumberedRow], _report: Callable[[Problem], None]) -> Iterator[Row]:
    for _line, (number, pid, name, birth, sex, commune, valid_from, valid_to, facility) in rows:
        born, precision = birth if birth else (None, "day")
        yield (
            number.text, number.bhxh_number, number.group, number.level, pid or "", pid,
            name, born, precision, sex, commune, valid_from, valid_to, facility,
        )  # fmt: skip


def card_import() -> FileImport:
    return FileImport(
        filename="cards.csv",
        columns=[
            Column("card_number", fields.card_number),
            Column("person_id", fields.person_id_as_given),
            Column("full_name", fields.text(120)),
            Column("birth_date", fields.partial_date),
            Column("sex", fields.sex),
            Column("commune_code", _optional_code),
            Column("valid_from", fields.full_date),
            Column("valid_to", fields.full_date),
            Column("facility_code", fields.facility_code),
        ],
        target=UpsertTarget(
            InsuranceCard.__tablename__, CARD_COLUMNS, key=["card_number", "holder_key"]
        ),
        transform=_to_card,
    )


def integration_import() -> FileImport:
    return FileImport(
        filename="integrated.csv",
        columns=[
            Column("person_id", fields.person_id),
            Column("card_number", fields.text(15)),
            Column("integrated_at", fields.timestamp),
        ],
        target=UpsertTarget(
            WalletIntegration.__tablename__,
            ["person_id", "card_number", "integrated_at"],
            key=["person_id", "card_number"],
        ),
    )
