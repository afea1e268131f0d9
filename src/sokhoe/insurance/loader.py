"""Import specs for BHXH's card list and the e-ID wallet's integrated cards."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from sokhoe.bulk import fields
from sokhoe.bulk.csv_source import LINE, Column
from sokhoe.bulk.messages import Problem
from sokhoe.bulk.runner import FileImport
from sokhoe.bulk.upsert import UpsertTarget
from sokhoe.insurance.models import InsuranceCard, WalletIntegration

CARD_COLUMNS = [
    "card_number", "bhxh_number", "group_code", "benefit_level", "holder_key", "person_id",
    "full_name", "birth_date", "birth_precision", "sex", "commune_code", "valid_from",
    "valid_to", "facility_code",
]  # fmt: skip


def _to_card(table: pa.Table, _report: Callable[[Problem], None]) -> pa.Table:
    number = table.column("card_number")
    birth = table.column("birth_date")
    person = table.column("person_id")
    columns = {
        "card_number": pc.struct_field(number, "text"),
        "bhxh_number": pc.struct_field(number, "bhxh_number"),
        "group_code": pc.struct_field(number, "group"),
        "benefit_level": pc.struct_field(number, "level"),
        "holder_key": pc.fill_null(person, ""),
        "person_id": person,
        "full_name": table.column("full_name"),
        "birth_date": pc.struct_field(birth, "date"),
        "birth_precision": pc.fill_null(pc.struct_field(birth, "precision"), "day"),
        "sex": table.column("sex"),
        "commune_code": table.column("commune_code"),
        "valid_from": table.column("valid_from"),
        "valid_to": table.column("valid_to"),
        "facility_code": table.column("facility_code"),
        LINE: table.column(LINE),
    }
    return pa.table(columns)


def card_import() -> FileImport:
    return FileImport(
        filename="cards.csv",
        columns=[
            Column("card_number", fields.card_number),
            Column("person_id", fields.person_id_as_given),
            Column("full_name", fields.text(120)),
            Column("birth_date", fields.partial_date),
            Column("sex", fields.sex),
            Column("commune_code", fields.optional_code),
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
