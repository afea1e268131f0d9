"""The daily indicator snapshot against a direct count, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from sokhoe.access.clock import as_utc
from sokhoe.access.models import AuditEntry, User
from sokhoe.access.roles import Role
from sokhoe.campaign import establishments, indicators
from sokhoe.campaign.establishment_models import Establishment, EstablishmentMember
from sokhoe.campaign.indicator_models import IndicatorSnapshot
from sokhoe.campaign.indicators import COUNTS, UnitLevel, read_snapshot, take_snapshot
from sokhoe.campaign.models import FieldVisit
from sokhoe.campaign.vocabulary import Outcome
from sokhoe.cli import app
from sokhoe.config import get_settings
from sokhoe.insurance.models import InsuranceCard, WalletIntegration
from sokhoe.registry.models import Citizen, Commune
from tests.campaign.conftest import Field, account, refreshed
from tests.campaign.test_fieldwork import add_card, visit
from tests.support.factories import BAC_NHA_TRANG, KHANH_HOA, NHA_TRANG, add_citizen

DAY = dt.date(2026, 3, 20)
#: 14 years before DAY: born on it, a person is 14 on DAY; born the day after, not yet.
FOURTEEN = dt.date(2012, 3, 20)


def _visit_time(day: dt.date) -> dt.datetime:
    """Early morning in Vietnam, which is the day before in UTC."""
    return dt.datetime.combine(day, dt.time(6, 30)) - dt.timedelta(hours=7)


@pytest.fixture
def province(session: Session, field: Field) -> Field:
    """Residents of Tổ 1, Tổ 2 and Tổ 9, one in Nha Trang without a village; accounts, cards
    and visits on the day before, the day and the day after."""
    rng = random.Random(11)
    members = {
        field.to_1.id: field.member,
        field.to_2.id: account(
            session,
            "thanhvien2",
            Role.GUIDANCE_MEMBER,
            commune_code=NHA_TRANG,
            village_ids=[field.to_2.id],
        ),
        field.to_9.id: field.stranger,
    }
    people: list[Citizen] = []
    for n in range(120):
        village = (field.to_1, field.to_2, field.to_9)[n % 3]
        born = rng.choice(
            [FOURTEEN, FOURTEEN + dt.timedelta(days=1), dt.date(2016, 5, 1), dt.date(1970, 1, 1)]
        )
        citizen = add_citizen(session, village, born=born, level2=rng.random() < 0.6)
        citizen.household_id = None if rng.random() < 0.2 else f"HO{rng.randrange(15):03d}"
        if n % 17 == 0:
            citizen.birth_date = None
        people.append(citizen)
        if rng.random() < 0.5:
            session.add(
                User(
                    username=f"cd{n}",
                    display_name="x",
                    role=Role.CITIZEN.value,
                    person_id=citizen.person_id,
                    active=rng.random() < 0.9,
                    last_login_at=_visit_time(DAY) if rng.random() < 0.7 else None,
                )
            )
        if rng.random() < 0.7:
            add_card(session, citizen.person_id, integrated=rng.random() < 0.5)
    unplaced = add_citizen(session, field.to_1, born=dt.date(1990, 1, 1))
    unplaced.village_id = None
    add_card(session, unplaced.person_id, integrated=True)
    session.flush()
    for citizen in people:
        for day in (DAY - dt.timedelta(days=1), DAY, DAY + dt.timedelta(days=1)):
            if rng.random() < 0.3:
                visit(
                    session,
                    field,
                    citizen.person_id,
                    Outcome.NOT_HOME,
                    actor=members[citizen.village_id or 0],
                    visited_at=_visit_time(day),
                )
    session.commit()
    return field


def _rows(session: Session, day: dt.date) -> dict[tuple[str, int], tuple[int, ...]]:
    return {
        (row.unit_level, row.unit_code): tuple(getattr(row, name) for name in COUNTS)
        for row in read_snapshot(session, province_code=KHANH_HOA, day=day)
    }


def _direct_counts(session: Session, day: dt.date) -> dict[int | None, tuple[int, ...]]:
    """Each village's (``None``: no village, per commune summed below) counts, in Python
    over the few rows, from the definitions in :mod:`sokhoe.campaign.flags`."""
    cutoff = day.replace(year=day.year - 14)
    signed_in = {
        u.person_id
        for u in session.scalars(select(User))
        if u.role == Role.CITIZEN.value and u.active and u.last_login_at is not None
    }
    listed = set(session.scalars(select(InsuranceCard.person_id)))
    wallet = set(session.scalars(select(WalletIntegration.person_id)))
    counts: dict[int | None, list[int]] = {}
    for c in session.scalars(select(Citizen)):
        adult = c.birth_date is None or c.birth_date <= cutoff
        row = counts.setdefault(c.village_id, [0] * len(COUNTS))
        flags = (
            True,
            adult,
            adult and c.level2_eid,
            adult and c.person_id in signed_in,
            c.person_id in listed,
            c.person_id in listed and c.person_id in wallet,
        )
        for i, flag in enumerate(flags):
            row[i] += int(bool(flag))
    households: dict[int, set[str]] = {}
    for v in session.scalars(select(FieldVisit)):
        on = (as_utc(v.visited_at) + dt.timedelta(hours=7)).date()
        if on > day:
            continue
        row = counts.setdefault(v.village_id, [0] * len(COUNTS))
        row[6] += int(on == day)
        row[7] += 1
        households.setdefault(v.village_id, set()).add(v.household_id or "#" + str(v.person_id))
    for village_id, keys in households.items():
        counts[village_id][8] = len(keys)
    return {key: tuple(value) for key, value in counts.items()}


def _sum(rows: list[tuple[int, ...]]) -> tuple[int, ...]:
    return tuple(sum(column) for column in zip(*rows, strict=True)) if rows else (0,) * len(COUNTS)


def test_every_unit_equals_a_direct_count(session: Session, province: Field) -> None:
    snapshot = take_snapshot(session, KHANH_HOA, DAY)
    session.commit()
    rows = _rows(session, DAY)
    direct = _direct_counts(session, DAY)
    villages = (province.to_1, province.to_2, province.to_9)
    for village in villages:
        assert rows[(UnitLevel.VILLAGE, village.id)] == direct[village.id]
    assert rows[(UnitLevel.COMMUNE, NHA_TRANG)] == _sum(
        [direct[province.to_1.id], direct[province.to_2.id], direct[None]]
    )
    assert rows[(UnitLevel.COMMUNE, BAC_NHA_TRANG)] == direct[province.to_9.id]
    every = [*direct.values()]
    assert rows[(UnitLevel.PROVINCE, KHANH_HOA)] == _sum(every)
    communes = session.scalar(
        select(func.count()).select_from(Commune).where(Commune.province_code == KHANH_HOA)
    )
    assert snapshot.communes == communes and snapshot.villages == 3
    assert len(rows) == communes + 3 + 1
    assert rows[(UnitLevel.PROVINCE, KHANH_HOA)][7] > rows[(UnitLevel.PROVINCE, KHANH_HOA)][6] > 0


def test_roll_ups_are_sums_of_their_children(session: Session, province: Field) -> None:
    take_snapshot(session, KHANH_HOA, DAY)
    snapshot = read_snapshot(session, province_code=KHANH_HOA, day=DAY)
    by_level = {level: [r for r in snapshot if r.unit_level == level] for level in UnitLevel}
    unplaced = _direct_counts(session, DAY)[None]
    for commune in by_level[UnitLevel.COMMUNE]:
        children = [
            tuple(getattr(r, n) for n in COUNTS)
            for r in by_level[UnitLevel.VILLAGE]
            if r.commune_code == commune.unit_code
        ]
        if commune.unit_code == NHA_TRANG:
            children.append(unplaced)
        assert tuple(getattr(commune, n) for n in COUNTS) == _sum(children)
    (total,) = by_level[UnitLevel.PROVINCE]
    communes = [tuple(getattr(r, n) for n in COUNTS) for r in by_level[UnitLevel.COMMUNE]]
    assert tuple(getattr(total, n) for n in COUNTS) == _sum(communes)


def test_a_rerun_replaces_the_day_and_another_day_is_kept(
    session: Session, province: Field
) -> None:
    take_snapshot(session, KHANH_HOA, DAY)
    session.commit()
    first = _rows(session, DAY)
    take_snapshot(session, KHANH_HOA, DAY)
    session.commit()
    assert _rows(session, DAY) == first
    next_day = DAY + dt.timedelta(days=1)
    take_snapshot(session, KHANH_HOA, next_day)
    session.commit()
    assert _rows(session, DAY) == first
    total = session.scalar(select(func.count()).select_from(IndicatorSnapshot))
    assert total == 2 * len(first)
    assert indicators.latest_day(session, KHANH_HOA) == next_day
    later = _rows(session, next_day)[(UnitLevel.PROVINCE, KHANH_HOA)]
    assert later == _sum([*_direct_counts(session, next_day).values()])
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "take_indicator_snapshot")
    ).all()
    assert len(entries) == 3
    assert {e.purpose for e in entries} == {"statistics"}
    assert all(e.subject_person_id is None for e in entries)


def test_ages_count_on_the_vietnamese_day(session: Session, field: Field) -> None:
    add_citizen(session, field.to_2, born=FOURTEEN)
    add_citizen(session, field.to_2, born=FOURTEEN + dt.timedelta(days=1))
    take_snapshot(session, KHANH_HOA, DAY)
    take_snapshot(session, KHANH_HOA, DAY + dt.timedelta(days=1))
    eligible = [
        session.get_one(IndicatorSnapshot, (day, UnitLevel.VILLAGE.value, field.to_2.id)).eligible
        for day in (DAY, DAY + dt.timedelta(days=1))
    ]
    assert eligible == [1, 2]


def test_today_is_vietnams(monkeypatch: pytest.MonkeyPatch) -> None:
    evening_utc = dt.datetime(2026, 3, 19, 17, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(indicators, "utcnow", lambda: evening_utc)
    assert indicators.vietnam_today() == DAY


def test_an_unknown_province_is_refused(session: Session) -> None:
    with pytest.raises(indicators.UnknownProvince):
        take_snapshot(session, 99, DAY)


runner = CliRunner()


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[None]:
    monkeypatch.setenv("SOKHOE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("configured")
def test_the_command_takes_the_days_snapshot(session: Session, province: Field) -> None:
    result = runner.invoke(
        app, ["indicators", "snapshot", "--province", "56", "--day", DAY.isoformat()]
    )
    assert result.exit_code == 0, result.output
    assert "Ngày 20/03/2026" in result.output and "3 thôn" in result.output
    assert _rows(session, DAY)[(UnitLevel.VILLAGE, province.to_1.id)]
    missing = runner.invoke(app, ["indicators", "snapshot", "--province", "99"])
    assert missing.exit_code == 1 and "Không có tỉnh mã 99" in missing.output


def test_schools_and_enterprises_equal_a_direct_count(session: Session, province: Field) -> None:
    """Rosters drawn at random over the province's people (some on two rosters), visits at
    some establishments before, on and after the day; the counts against Python's."""
    rng = random.Random(5)
    people = list(session.scalars(select(Citizen).order_by(Citizen.person_id)))
    contacts = {
        NHA_TRANG: account(
            session,
            "co.so.nt",
            Role.GUIDANCE_MEMBER,
            commune_code=NHA_TRANG,
            village_ids=[province.to_1.id],
        ),
        BAC_NHA_TRANG: account(
            session,
            "co.so.bnt",
            Role.GUIDANCE_MEMBER,
            commune_code=BAC_NHA_TRANG,
            village_ids=[province.to_9.id],
        ),
    }
    places = [
        ("school", NHA_TRANG),
        ("school", NHA_TRANG),
        ("school", BAC_NHA_TRANG),
        ("enterprise", NHA_TRANG),
        ("enterprise", BAC_NHA_TRANG),
        ("enterprise", BAC_NHA_TRANG),
    ]
    rosters: list[tuple[Establishment, list[tuple[Citizen, str]]]] = []
    for n, (kind, commune) in enumerate(places):
        place = Establishment(
            kind=kind,
            province_code=KHANH_HOA,
            commune_code=commune,
            code=f"C{n}",
            name=f"Cơ sở {n}",
        )
        session.add(place)
        session.flush()
        roles = ["pupil", "staff"] if kind == "school" else ["employee"]
        chosen = [(p, rng.choice(roles)) for p in rng.sample(people, 30)]
        for citizen, role in chosen:
            session.add(
                EstablishmentMember(
                    establishment_id=place.id, person_id=citizen.person_id, role=role
                )
            )
        establishments.add_contact(session, place, contacts[commune].username)
        rosters.append((place, chosen))
    session.flush()
    visit_days = {0: DAY - dt.timedelta(days=1), 1: DAY + dt.timedelta(days=1), 3: DAY, 5: DAY}
    for n, day in visit_days.items():
        place, chosen = rosters[n]
        establishments.record_establishment_visit(
            session,
            refreshed(session, contacts[place.commune_code]),
            establishment_id=place.id,
            client_uuid=str(uuid.uuid4()),
            person_id=chosen[0][0].person_id,
            outcome=Outcome.NOT_HOME,
            visited_at=_visit_time(day),
        )
    take_snapshot(session, KHANH_HOA, DAY)
    session.commit()

    cutoff = DAY.replace(year=DAY.year - 14)
    signed_in = {
        u.person_id
        for u in session.scalars(select(User))
        if u.role == Role.CITIZEN.value and u.active and u.last_login_at is not None
    }
    integrated = set(session.scalars(select(InsuranceCard.person_id))) & set(
        session.scalars(select(WalletIntegration.person_id))
    )
    names = COUNTS[9:]
    expected: dict[int, list[int]] = {}
    for n, (place, chosen) in enumerate(rosters):
        row = expected.setdefault(place.commune_code, [0] * len(names))
        reached = n in visit_days and visit_days[n] <= DAY
        school = place.kind == "school"
        offset = 0 if school else 4
        row[offset] += 1
        row[offset + 1] += int(reached)
        for citizen, role in chosen:
            if role == "pupil":
                row[2] += 1
                row[3] += int(citizen.person_id in integrated)
            elif role == "employee":
                adult = citizen.birth_date is None or citizen.birth_date <= cutoff
                row[6] += 1
                row[7] += int(adult and citizen.person_id in signed_in)
    snapshot = read_snapshot(session, province_code=KHANH_HOA, day=DAY)
    for row in snapshot:
        counted = [getattr(row, name) for name in names]
        if row.unit_level == UnitLevel.VILLAGE:
            assert counted == [0] * len(names)
        elif row.unit_level == UnitLevel.COMMUNE:
            assert counted == expected.get(row.unit_code, [0] * len(names)), row.unit_code
        else:
            assert counted == [sum(column) for column in zip(*expected.values(), strict=True)]
    assert all(expected[NHA_TRANG][i] > 0 for i in range(len(names)) if i != 5)
