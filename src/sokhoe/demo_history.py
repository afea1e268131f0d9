"""The demo's daily indicators from the campaign's first day to yesterday, synthesized.

Only today's snapshot is counted from the register (``take_snapshot``); the days before are
made up for the demo, so that the dashboard's trends, the watch after the deadline and the
monthly reports have something to show. Each day is today's figures scaled by a share of
today's value that climbs along straight lines through the plan's dates (the campaign's
start, then the end of each phase), reaching today's value today:

- people and places listed (residents, eligible, cards listed, schools, enterprises, pupils,
  employees) stay as today;
- the campaign's results (level 2, books, cards in the wallet, establishments reached, …)
  start at about a fifth of today's, or a tenth in a few *lagging* communes that catch up
  only after the deadline;
- field visits and households visited start from nothing and reach yesterday what was
  recorded before today; each day's visits are the difference of two days' totals;
- in a couple of *falling* communes the cards in the wallet peak above today's some weeks
  after the deadline, then fall back to today's: the dashboard's watch flags them.

The arithmetic stays that of ``take_snapshot``: the villages (and each commune's residents
without a village) are scaled, communes are the sums of their parts and the province the sum
of its communes, and no count exceeds its denominator. Counts only, no person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, Dialect, insert
from sqlalchemy.orm import Session

from sokhoe.campaign.indicator_models import IndicatorSnapshot
from sokhoe.campaign.indicators import COUNTS, UnitLevel, read_snapshot
from sokhoe.campaign.models import Campaign
from sokhoe.campaign.service import phases_of
from sokhoe.vietnam_time import VIETNAM_TIME

#: Counts that are the same every day: who and what is listed.
_FIXED = (
    "residents",
    "eligible",
    "cards_listed",
    "schools",
    "enterprises",
    "students",
    "employees",
)
#: Counts that grow from nothing on the first day to what was recorded before today.
_FIELDWORK = ("visits_to_date", "households_visited")
#: Each result with the count it is a part of.
_DENOMINATORS = {
    "level2": "eligible",
    "books_activated": "eligible",
    "cards_integrated": "cards_listed",
    "schools_reached": "schools",
    "students_integrated": "students",
    "enterprises_reached": "enterprises",
    "employees_activated": "employees",
}
#: Shares of today's value on the campaign's first day and at the end of each phase.
_RESULTS = (0.2, 0.3, 0.65, 0.93)
_LAGGING = (0.1, 0.14, 0.35, 0.75)
_FIELD_VISITS = (0.0, 0.08, 0.7, 0.95)
#: A falling commune's cards in the wallet: this share of today's, this long after the
#: deadline (then straight down to today's).
_FALLING_PEAK = (dt.timedelta(days=45), 1.04)
_TABLE = IndicatorSnapshot.metadata.tables[IndicatorSnapshot.__tablename__]
#: The rows' values given to the driver: the table's columns, in its order.
_COLUMNS = ("day", "unit_level", "unit_code", "province_code", "commune_code", *COUNTS, "taken_at")

_COLUMN = {name: index for index, name in enumerate(COUNTS)}

Knots = list[tuple[dt.date, float]]


@dataclass(frozen=True)
class Profiles:
    """Which communes lag behind the others, and which fall after the deadline."""

    lagging: frozenset[int]
    falling: frozenset[int]


def share_on(knots: Sequence[tuple[dt.date, float]], day: dt.date) -> float:
    """The share on ``day``, on the straight line between the knots around it (the first
    knot's before them, the last one's after)."""
    if day <= knots[0][0]:
        return knots[0][1]
    for (start, low), (end, high) in pairwise(knots):
        if day <= end:
            return low + (high - low) * (day - start).days / (end - start).days
    return knots[-1][1]


def _knots(anchors: Sequence[dt.date], shares: Sequence[float], last: dt.date) -> Knots:
    """The plan's dates with their shares, those before ``last``, and 1 on ``last``."""
    points = [(day, share) for day, share in zip(anchors, shares, strict=False) if day < last]
    return [*points, (last, 1.0)]


def _factors(
    days: Sequence[dt.date], anchors: Sequence[dt.date], deadline: dt.date, *, profile: str
) -> NDArray[np.float64]:
    """(day, column) shares of today's value for one profile ("results", "lagging",
    "falling"); visits on the day are filled in later."""
    today = days[-1] + dt.timedelta(days=1)
    yesterday = days[-1]
    results = _knots(anchors, _LAGGING if profile == "lagging" else _RESULTS, today)
    fieldwork = _knots(anchors, _FIELD_VISITS, yesterday)
    after, peak = _FALLING_PEAK
    falling = [(d, s) for d, s in results[:-1] if d <= deadline]
    if deadline + after < today:
        falling.append((deadline + after, peak))
    falling.append((today, 1.0))
    factors = np.ones((len(days), len(COUNTS)))
    for column, index in _COLUMN.items():
        if column in _FIXED or column == "visits_on_day":
            continue
        if column in _FIELDWORK:
            knots = fieldwork
        elif column == "cards_integrated" and profile == "falling":
            knots = falling
        else:
            knots = results
        factors[:, index] = [share_on(knots, day) for day in days]
    return factors


def _today(
    session: Session, province_code: int, today: dt.date
) -> tuple[list[int], list[int], list[int], NDArray[np.int64]]:
    """Today's parts: each village and each commune's residents without a village, as
    (village id or -1, its commune, and the counts to scale); the communes in order."""
    rows = read_snapshot(session, province_code=province_code, day=today)
    villages = [r for r in rows if r.unit_level == UnitLevel.VILLAGE.value]
    communes = [r for r in rows if r.unit_level == UnitLevel.COMMUNE.value]
    if not communes:
        raise RuntimeError(f"no snapshot of province {province_code} on {today}")
    values = {r.unit_code: [getattr(r, name) for name in COUNTS] for r in communes}
    for village in villages:
        assert village.commune_code is not None
        rest = values[village.commune_code]
        for index, name in enumerate(COUNTS):
            rest[index] -= getattr(village, name)
    ids = [v.unit_code for v in villages] + [-1] * len(communes)
    owners = [v.commune_code or 0 for v in villages] + [c.unit_code for c in communes]
    counts = [[getattr(v, n) for n in COUNTS] for v in villages] + [
        values[c.unit_code] for c in communes
    ]
    matrix = np.array(counts, dtype=np.int64)
    # Scaled below: what was recorded before today (today's visits are today's).
    matrix[:, _COLUMN["visits_to_date"]] -= matrix[:, _COLUMN["visits_on_day"]]
    return ids, owners, [c.unit_code for c in communes], matrix


def write_history(
    session: Session, campaign: Campaign, *, today: dt.date, profiles: Profiles
) -> int:
    """Writes the synthesized rows of every day from the campaign's start to the day before
    ``today`` (whose snapshot must be taken); returns how many rows."""
    days = [
        campaign.starts_on + dt.timedelta(days=n) for n in range((today - campaign.starts_on).days)
    ]
    if not days:
        return 0
    province_code = campaign.province_code
    ids, owners, commune_codes, today_counts = _today(session, province_code, today)
    phases = phases_of(session, campaign.id)
    anchors = sorted({campaign.starts_on, *(phase.ends_on for phase in phases)})
    by_profile = {
        name: _factors(days, anchors, campaign.deadline, profile=name)
        for name in ("results", "lagging", "falling")
    }
    unit_profile = [
        "lagging" if c in profiles.lagging else "falling" if c in profiles.falling else "results"
        for c in owners
    ]
    # (day, part, column): every part's counts on every day.
    factors = np.stack([by_profile[name] for name in unit_profile], axis=1)
    exact = today_counts[np.newaxis, :, :] * factors
    # Up where a count is above today's: a falling village of a few people falls too.
    scaled = np.where(factors > 1, np.ceil(exact), np.rint(exact)).astype(np.int64)
    for part, whole in _DENOMINATORS.items():
        numerator = scaled[:, :, _COLUMN[part]]
        np.minimum(numerator, scaled[:, :, _COLUMN[whole]], out=numerator)
    to_date = scaled[:, :, _COLUMN["visits_to_date"]]
    scaled[:, :, _COLUMN["visits_on_day"]] = np.diff(to_date, axis=0, prepend=0)
    # Communes are the sums of their parts, the province the sum of its communes.
    membership = np.array([[owner == code for owner in owners] for code in commune_codes])
    per_commune = np.einsum("cp,dpk->dck", membership.astype(np.int64), scaled)
    per_province = per_commune.sum(axis=1)
    villages = [(index, vid) for index, vid in enumerate(ids) if vid >= 0]
    connection = session.connection()
    day_to_db = _to_driver(connection.dialect, "day")
    at_to_db = _to_driver(connection.dialect, "taken_at")
    rows: list[tuple[Any, ...]] = []
    for n, day in enumerate(days):
        # taken as the server would, just after the day ended (it then counts it no more)
        taken_at = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 5), VIETNAM_TIME)
        on, at = day_to_db(day), at_to_db(taken_at.astimezone(dt.UTC))
        village, commune = UnitLevel.VILLAGE.value, UnitLevel.COMMUNE.value
        day_counts = scaled[n].tolist()
        rows.extend(
            (on, village, vid, province_code, owners[i], *day_counts[i], at) for i, vid in villages
        )
        rows.extend(
            (on, commune, code, province_code, code, *counts, at)
            for code, counts in zip(commune_codes, per_commune[n].tolist(), strict=True)
        )
        province = UnitLevel.PROVINCE.value
        rows.append(
            (on, province, province_code, province_code, None, *per_province[n].tolist(), at)
        )
    _insert(connection, rows)
    return len(rows)


def _to_driver(dialect: Dialect, column: str) -> Callable[[Any], Any]:
    """How the dialect hands the column's values to the driver (a date as text in SQLite)."""
    process = _TABLE.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return process if process is not None else _same


def _same(value: Any) -> Any:
    return value


def _insert(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    """``rows`` (values of :data:`_COLUMNS`, dates already as the driver takes them) by the
    driver's own executemany: SQLAlchemy's handling of each row's parameters took most of
    the time for a quarter million rows."""
    compiled = insert(_TABLE).compile(dialect=connection.dialect)
    if compiled.positiontup is None:  # named parameters (PostgreSQL's driver)
        connection.exec_driver_sql(
            compiled.string, [dict(zip(_COLUMNS, row, strict=True)) for row in rows]
        )
    else:  # SQLite's: the table's order
        assert compiled.positiontup == list(_COLUMNS)
        connection.exec_driver_sql(compiled.string, rows)
