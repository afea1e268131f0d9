"""Importing the rosters of schools and enterprises (the Education department's, the
employers'): ``kind,code,name,commune_code,head_name,person_id,role``, one row per member,
the establishment's columns repeated on each of its rows.

The rules of every import of the house (``sokhoe load``): a bad row is reported with the
file, line and field and a Vietnamese message, the good rows go through; the whole file is
refused only when it cannot be read (not UTF-8, a column missing). Importing again gives
the same state: an establishment is found by (province, kind, code) and updated, and its
roster becomes the file's good rows, so a member no longer on it is removed. Establishments
absent from the file are left as they are. Each batch of establishments is one transaction,
with all of an establishment's rows in the same batch.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.orm import Session, sessionmaker

from sokhoe.access import audit
from sokhoe.access.purposes import Purpose
from sokhoe.bulk.messages import TEMPLATES, FileRejected, Problem, located_message
from sokhoe.campaign.establishment_models import (
    KIND_ROLES,
    Establishment,
    EstablishmentKind,
    EstablishmentMember,
)
from sokhoe.db import unit_of_work
from sokhoe.registry.models import Citizen, Commune

COLUMNS = ("kind", "code", "name", "commune_code", "head_name", "person_id", "role")
#: Roster rows per transaction (an establishment's rows never straddle two).
BATCH_ROWS = 20_000
_LOOKUP_CHUNK = 5_000
_T = TypeVar("_T")
_PERSON_ID = re.compile(r"[0-9]{12}")
_LIMITS = {"code": 20, "name": 200, "head_name": 120}

ROSTER_TEMPLATES: dict[str, tuple[str, str]] = {
    **TEMPLATES,
    "unknown_kind": (
        "loại cơ sở {value!r} không hợp lệ (school: trường học, enterprise: doanh nghiệp)",
        "establishment kind {value!r} is not valid (school or enterprise)",
    ),
    "unknown_role": (
        "vai trò {value!r} không hợp lệ cho {kind} (hợp lệ: {allowed})",
        "role {value!r} is not valid for a {kind} (valid: {allowed})",
    ),
    "inconsistent_establishment": (
        "tên, xã hoặc người đứng đầu khác với dòng {first} của cùng cơ sở",
        "name, commune or head differ from line {first} of the same establishment",
    ),
    "duplicate_member": (
        "người này đã có trong danh sách của cơ sở ở dòng {first}",
        "this person is already on the establishment's roster on line {first}",
    ),
}


@dataclass(frozen=True, slots=True)
class RosterProblem(Problem):
    """A :class:`~sokhoe.bulk.messages.Problem` whose codes include the rosters' own."""

    def message(self, lang: str = "vi") -> str:
        places = (("dòng", "line", self.line), ("cột", "field", self.field))
        return located_message(ROSTER_TEMPLATES, self.code, self.params, lang, self.file, places)


@dataclass(frozen=True)
class RosterReport:
    filename: str
    establishments: int
    #: Members on the imported rosters (the file's good rows).
    members: int
    #: Members taken off a roster because the file no longer lists them.
    removed: int
    problems: list[Problem] = field(default_factory=list)


@dataclass
class _Roster:
    """One establishment as the file gives it: its columns and its good members."""

    kind: str
    province_code: int
    code: str
    name: str
    commune_code: int
    head_name: str
    line: int
    #: person ID → (role, line).
    members: dict[str, tuple[str, int]] = field(default_factory=dict)

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.province_code, self.kind, self.code)


Advance = Callable[[int], None]


def import_rosters(
    sessions: sessionmaker[Session],
    path: Path,
    *,
    start: Callable[[str, int], Advance] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> RosterReport:
    """Import ``path``; raises :class:`~sokhoe.bulk.messages.FileRejected` (nothing
    written) when it cannot be read as a roster file."""
    name = path.name
    lines = _read(path)
    with sessions() as session:
        communes = dict(session.execute(select(Commune.code, Commune.province_code)).all())
    rosters, problems = _parse(name, lines, communes)
    with sessions() as session:
        _drop_unknown_people(session, name, rosters, problems)
    advance = start(f"Nạp {name}", len(lines)) if start else (lambda n: None)
    members = removed = 0
    for batch in _batches(list(rosters.values()), batch_rows):
        with unit_of_work(sessions) as session:
            removed += _write(session, batch)
            batch_members = sum(len(r.members) for r in batch)
            members += batch_members
            audit.record(
                session,
                actor=None,
                action="import_establishments",
                purpose=Purpose.ADMINISTRATION,
                detail=f"{name}: {len(batch)} cơ sở, {batch_members} người",
            )
        advance(sum(len(r.members) for r in batch))
    advance(len(lines) - members)  # the refused rows
    problems.sort(key=lambda p: p.line or 0)
    return RosterReport(name, len(rosters), members, removed, problems)


def _read(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The data rows with their line numbers, values stripped; a row of the wrong width
    is kept with ``None`` for its values so that it is reported."""
    name = path.name
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise FileRejected(Problem(name, None, None, "empty_file"))
            header = [column.strip() for column in header]
            for column in COLUMNS:
                if column not in header:
                    raise FileRejected(
                        Problem(name, 1, column, "missing_column", {"column": column})
                    )
            rows = []
            for values in reader:
                if not any(value.strip() for value in values):
                    continue
                row = dict(zip(header, (value.strip() for value in values), strict=False))
                if len(values) != len(header):
                    row["#width"] = str(len(values))
                rows.append((reader.line_num, row))
            return rows
    except UnicodeDecodeError:
        raise FileRejected(Problem(name, None, None, "not_utf8")) from None


def _parse(
    name: str, rows: list[tuple[int, dict[str, str]]], communes: dict[int, int]
) -> tuple[dict[tuple[int, str, str], _Roster], list[Problem]]:
    rosters: dict[tuple[int, str, str], _Roster] = {}
    problems: list[Problem] = []

    def refuse(line: int, column: str | None, code: str, **params: object) -> None:
        problems.append(RosterProblem(name, line, column, code, params))

    for line, row in rows:
        if "#width" in row:
            refuse(line, None, "wrong_field_count", found=row["#width"], expected=len(COLUMNS))
            continue
        problem = _field_problem(row, communes)
        if problem is not None:
            column, code, params = problem
            refuse(line, column, code, **params)
            continue
        commune = int(row["commune_code"])
        roster = _Roster(
            kind=row["kind"],
            province_code=communes[commune],
            code=row["code"],
            name=row["name"],
            commune_code=commune,
            head_name=row["head_name"],
            line=line,
        )
        first = rosters.setdefault(roster.key, roster)
        if (first.name, first.commune_code, first.head_name) != (
            roster.name,
            roster.commune_code,
            roster.head_name,
        ):
            refuse(line, None, "inconsistent_establishment", first=first.line)
        elif row["person_id"] in first.members:
            refuse(line, "person_id", "duplicate_member", first=first.members[row["person_id"]][1])
        else:
            first.members[row["person_id"]] = (row["role"], line)
    return rosters, problems


def _field_problem(
    row: dict[str, str], communes: dict[int, int]
) -> tuple[str, str, dict[str, object]] | None:
    """The first problem of the row's fields, in the columns' order: (column, code, params)."""
    kind = row["kind"]
    if kind not in set(EstablishmentKind):
        return ("kind", "unknown_kind", {"value": kind})
    for column in ("code", "name"):
        if not row[column]:
            return (column, "required", {})
    for column, limit in _LIMITS.items():
        if len(row[column]) > limit:
            return (column, "too_long", {"limit": limit})
    commune = row["commune_code"]
    if not (commune.isascii() and commune.isdigit() and int(commune) in communes):
        return ("commune_code", "unknown_commune", {"value": commune})
    if not _PERSON_ID.fullmatch(row["person_id"]):
        return ("person_id", "bad_person_id", {"value": row["person_id"]})
    allowed = KIND_ROLES[EstablishmentKind(kind)]
    if row["role"] not in {role.value for role in allowed}:
        names = ", ".join(sorted(role.value for role in allowed))
        return ("role", "unknown_role", {"value": row["role"], "kind": kind, "allowed": names})
    return None


def _drop_unknown_people(
    session: Session,
    name: str,
    rosters: dict[tuple[int, str, str], _Roster],
    problems: list[Problem],
) -> None:
    """Take off the rosters the people the register does not know, reporting their rows."""
    wanted = sorted({pid for roster in rosters.values() for pid in roster.members})
    known: set[str] = set()
    for chunk in _chunks(wanted, _LOOKUP_CHUNK):
        known.update(session.scalars(select(Citizen.person_id).where(Citizen.person_id.in_(chunk))))
    for roster in rosters.values():
        for person_id in [pid for pid in roster.members if pid not in known]:
            _, line = roster.members.pop(person_id)
            problems.append(RosterProblem(name, line, "person_id", "unknown_person"))


def _batches(rosters: list[_Roster], batch_rows: int) -> Iterator[list[_Roster]]:
    batch: list[_Roster] = []
    rows = 0
    for roster in rosters:
        batch.append(roster)
        rows += len(roster.members) + 1
        if rows >= batch_rows:
            yield batch
            batch, rows = [], 0
    if batch:
        yield batch


def _write(session: Session, batch: list[_Roster]) -> int:
    """Upsert the batch's establishments and make their rosters the file's; the number of
    members removed."""
    keys = [roster.key for roster in batch]
    existing = {
        (e.province_code, e.kind, e.code): e
        for e in session.scalars(
            select(Establishment).where(
                tuple_(Establishment.province_code, Establishment.kind, Establishment.code).in_(
                    keys
                )
            )
        )
    }
    for roster in batch:
        establishment = existing.get(roster.key)
        if establishment is None:
            establishment = Establishment(
                kind=roster.kind, province_code=roster.province_code, code=roster.code
            )
            session.add(establishment)
            existing[roster.key] = establishment
        establishment.name = roster.name
        establishment.commune_code = roster.commune_code
        establishment.head_name = roster.head_name
    session.flush()
    ids = {key: establishment.id for key, establishment in existing.items()}
    current = {
        (eid, pid): role
        for eid, pid, role in session.execute(
            select(
                EstablishmentMember.establishment_id,
                EstablishmentMember.person_id,
                EstablishmentMember.role,
            ).where(EstablishmentMember.establishment_id.in_(ids.values()))
        )
    }
    wanted = {
        (ids[roster.key], pid): role
        for roster in batch
        for pid, (role, _line) in roster.members.items()
    }
    stale = [key for key, role in current.items() if wanted.get(key) != role]
    for chunk in _chunks(stale, _LOOKUP_CHUNK):
        session.execute(
            delete(EstablishmentMember).where(
                tuple_(EstablishmentMember.establishment_id, EstablishmentMember.person_id).in_(
                    chunk
                )
            )
        )
    fresh = [
        {"establishment_id": eid, "person_id": pid, "role": role}
        for (eid, pid), role in wanted.items()
        if current.get((eid, pid)) != role
    ]
    if fresh:
        session.execute(insert(EstablishmentMember), fresh)
    return sum(1 for key in current if key not in wanted)


def _chunks(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    for begin in range(0, len(items), size):
        yield items[begin : begin + size]
