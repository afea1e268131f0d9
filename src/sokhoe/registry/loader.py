"""Import specs for the register's files: villages, facilities, citizens, guardian links.

Village ids are resolved (and unknown villages created) while citizens stream through, so a
real export without ``villages.csv`` loads as well as a synthetic one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from sokhoe.bulk import fields
from sokhoe.bulk.csv_source import Column
from sokhoe.bulk.messages import Problem
from sokhoe.bulk.runner import FileImport, NumberedRow
from sokhoe.bulk.upsert import Row, UpsertTarget
from sokhoe.registry.models import Citizen, Facility, GuardianLink, Village
from sokhoe.registry.units import all_commune_codes

_ID_LOOKUP_CHUNK = 500


class VillageIds:
    """(commune, village name) → village id, creating villages the database lacks.

    The known villages are read at first use, so villages loaded just before (from
    ``villages.csv``) are found rather than inserted twice.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.ids: dict[tuple[int, str], int] | None = None

    def _known(self) -> dict[tuple[int, str], int]:
        if self.ids is None:
            with self.engine.connect() as connection:
                rows = connection.execute(select(Village.commune_code, Village.name, Village.id))
                self.ids = {(commune, name): vid for commune, name, vid in rows}
        return self.ids

    def get(self, commune_code: int, name: str) -> int:
        known = self._known()
        key = (commune_code, name)
        found = known.get(key)
        if found is None:
            with self.engine.begin() as connection:
                stmt = insert(Village).values(commune_code=commune_code, name=name)
                found = int(connection.execute(stmt).inserted_primary_key[0])  # type: ignore[index]
            known[key] = found
        return found


def village_import() -> FileImport:
    communes = all_commune_codes()
    return FileImport(
        filename="villages.csv",
        columns=[
            Column("commune_code", fields.commune(communes)),
            Column("village", fields.text(80)),
        ],
        target=UpsertTarget(
            Village.__tablename__, ["commune_code", "name"], key=["commune_code", "name"]
        ),
        optional=True,
    )


def facility_import() -> FileImport:
    communes = all_commune_codes()
    return FileImport(
        filename="facilities.csv",
        columns=[
            Column("facility_code", fields.facility_code),
            Column("name", fields.text(120)),
            Column("commune_code", fields.commune(communes)),
            Column("kind", fields.text(20)),
        ],
        target=UpsertTarget(
            Facility.__tablename__, ["code", "name", "commune_code", "kind"], key=["code"]
        ),
        optional=True,
    )


CITIZEN_COLUMNS = [
    "person_id", "full_name", "birth_date", "birth_precision", "sex", "commune_code",
    "village_id", "household_id", "phone", "level2_eid",
]  # fmt: skip


def citizen_import(engine: Engine) -> FileImport:
    communes = all_commune_codes()
    villages = VillageIds(engine)

    def to_citizen(
        rows: Iterable[NumberedRow], _report: Callable[[Problem], None]
    ) -> Iterator[Row]:
        for _line, (pid, name, birth, sex, commune, village, level2, household, phone) in rows:
            village_id = villages.get(commune, village) if village else None
            born, precision = birth if birth else (None, "day")
            yield (pid, name, born, precision, sex, commune, village_id, household, phone, level2)

    return FileImport(
        filename="register.csv",
        columns=[
            Column("person_id", fields.person_id),
            Column("full_name", fields.text(120)),
            Column("birth_date", fields.partial_date),
            Column("sex", fields.sex),
            Column("commune_code", fields.commune(communes)),
            Column("village", fields.text(80, required=False)),
            Column("level2_eid", fields.flag),
            Column("household_id", fields.text(20, required=False), required=False),
            Column("phone", fields.text(15, required=False), required=False),
        ],
        target=UpsertTarget(Citizen.__tablename__, CITIZEN_COLUMNS, key=["person_id"]),
        transform=to_citizen,
    )


def guardian_import(engine: Engine) -> FileImport:
    """Guardian links whose two people are both in the register; others are reported."""

    def known_people(ids: set[str]) -> set[str]:
        found: set[str] = set()
        ordered = sorted(ids)
        with engine.connect() as connection:
            for start in range(0, len(ordered), _ID_LOOKUP_CHUNK):
                chunk = ordered[start : start + _ID_LOOKUP_CHUNK]
                query = select(Citizen.person_id).where(Citizen.person_id.in_(chunk))
                found.update(connection.scalars(query))
        return found

    def existing_only(
        rows: Iterable[NumberedRow], report: Callable[[Problem], None]
    ) -> Iterator[Row]:
        pending: list[NumberedRow] = []
        for row in rows:
            pending.append(row)
            if len(pending) >= 10_000:
                yield from _keep_known(pending, known_people, report)
                pending = []
        yield from _keep_known(pending, known_people, report)

    return FileImport(
        filename="guardians.csv",
        columns=[
            Column("child_id", fields.person_id),
            Column("guardian_id", fields.person_id),
            Column("relation", fields.text(10)),
        ],
        target=UpsertTarget(
            GuardianLink.__tablename__,
            ["child_id", "guardian_id", "relation"],
            key=["child_id", "guardian_id"],
        ),
        transform=existing_only,
        optional=True,
    )


def _keep_known(
    rows: list[NumberedRow],
    known_people: Callable[[set[str]], set[str]],
    report: Callable[[Problem], None],
) -> Iterator[Row]:
    known = known_people({pid for _line, row in rows for pid in row[:2]})
    for line, row in rows:
        missing = next((i for i in (0, 1) if row[i] not in known), None)
        if missing is None:
            yield row
        else:
            field = "child_id" if missing == 0 else "guardian_id"
            report(Problem("guardians.csv", line, field, "unknown_person"))
