"""Import specs for the register's files: villages, facilities, citizens, guardian links.

Village ids are resolved (and unknown villages created) while citizens stream through, so a
real export without ``villages.csv`` loads as well as a synthetic one.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from sokhoe.bulk import fields
from sokhoe.bulk.csv_source import LINE, Column
from sokhoe.bulk.messages import Problem
from sokhoe.bulk.runner import FileImport
from sokhoe.bulk.upsert import UpsertTarget
from sokhoe.registry.models import Citizen, Facility, GuardianLink, Village
from sokhoe.registry.units import all_commune_codes


class VillageIds:
    """(commune, village name) → village id, creating the villages the database lacks.

    The known villages are read at first use, so villages loaded just before (from
    ``villages.csv``) are found rather than inserted twice; the villages new to a block are
    inserted together, in one transaction.
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

    def _create(self, missing: list[tuple[int, str]]) -> None:
        known = self._known()
        with self.engine.begin() as connection:
            connection.execute(
                insert(Village), [{"commune_code": c, "name": n} for c, n in missing]
            )
            query = select(Village.commune_code, Village.name, Village.id).where(
                Village.commune_code.in_(sorted({c for c, _ in missing}))
            )
            known.update(((c, n), vid) for c, n, vid in connection.execute(query))

    def lookup(self, communes: pa.ChunkedArray, names: pa.ChunkedArray) -> pa.Array:
        """Village id of each (commune, name); NULL where the name is."""
        keys = pc.binary_join_element_wise(pc.cast(communes, pa.string()), names, "\x1f")
        encoded = pc.dictionary_encode(keys).combine_chunks()
        pairs = []
        for key in encoded.dictionary.to_pylist():
            commune, name = key.split("\x1f", 1)
            pairs.append((int(commune), name))
        known = self._known()
        missing = [pair for pair in pairs if pair not in known]
        if missing:
            self._create(missing)
        ids = pa.array([known[pair] for pair in pairs], pa.int64())
        return pc.take(ids, encoded.indices)


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

    def to_citizen(table: pa.Table, _report: Callable[[Problem], None]) -> pa.Table:
        birth = table.column("birth_date")
        columns = {
            "person_id": table.column("person_id"),
            "full_name": table.column("full_name"),
            "birth_date": pc.struct_field(birth, "date"),
            "birth_precision": pc.fill_null(pc.struct_field(birth, "precision"), "day"),
            "sex": table.column("sex"),
            "commune_code": table.column("commune_code"),
            "village_id": villages.lookup(table.column("commune_code"), table.column("village")),
            "household_id": table.column("household_id"),
            "phone": table.column("phone"),
            "level2_eid": table.column("level2_eid"),
            LINE: table.column(LINE),
        }
        return pa.table(columns)

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


class KnownPeople:
    """The personal IDs of the register, read once (as sorted integers) at first use."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._ids: npt.NDArray[np.int64] | None = None

    def _all(self) -> npt.NDArray[np.int64]:
        if self._ids is None:
            with self.engine.connect() as connection:
                cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
                cursor.execute(f"SELECT person_id FROM {Citizen.__tablename__}")
                ids = pa.array([row[0] for row in cursor.fetchall()], pa.string())
                cursor.close()
            ids = ids.filter(pc.match_substring_regex(ids, r"^[0-9]{12}$"))
            self._ids = np.sort(np.asarray(pc.cast(ids, pa.int64()).to_numpy(), np.int64))
        return self._ids

    def contains(self, person_ids: pa.ChunkedArray) -> npt.NDArray[np.bool_]:
        """Whether each ID (12 digits, as validated) is in the register."""
        known = self._all()
        wanted = np.asarray(pc.cast(person_ids, pa.int64()).to_numpy(), np.int64)
        if not len(known):
            return np.zeros(len(wanted), np.bool_)
        at = np.minimum(np.searchsorted(known, wanted), len(known) - 1)
        return np.asarray(known[at] == wanted, np.bool_)


def guardian_import(engine: Engine) -> FileImport:
    """Guardian links whose two people are both in the register; others are reported."""
    people = KnownPeople(engine)

    def existing_only(table: pa.Table, report: Callable[[Problem], None]) -> pa.Table:
        child = people.contains(table.column("child_id"))
        guardian = people.contains(table.column("guardian_id"))
        lines = table.column(LINE).to_numpy()
        unknown = [(int(lines[i]), "child_id") for i in np.flatnonzero(~child)]
        unknown += [(int(lines[i]), "guardian_id") for i in np.flatnonzero(child & ~guardian)]
        for line, field in sorted(unknown):
            report(Problem("guardians.csv", line, field, "unknown_person"))
        kept = table.filter(pa.array(child & guardian)) if unknown else table
        return kept.rename_columns(["child_id", "guardian_id", "relation", LINE])

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
