"""The province's monthly report to the People's Committee and the Ministry of Health (R18):
one line per commune, the province's total, and the province's daily rates over the month.

It reads the daily indicator snapshots only (:mod:`.indicators`), never the register: a
province of 2.3 M people is a few hundred rows here. Month M is described by two snapshots:

- the *end*, the latest snapshot day within M (none: :class:`NoSnapshot`, take one first);
- the *start*, the latest day before M, or, when there is none, the first day within M.

A line's stock (residents, eligible, level 2, books, cards) is the end's; its changes over
the month are end − start. Visits in the month are the visits to date at the end less those
at the start, plus the start's own day when that day is in M (it was a day of the month).

Schools and enterprises (R13) are stocks of the end too. The communes' own reports (R11)
of the month are the periods whose deadline fell in it and had passed when the report was
made (:func:`.report_completeness.completeness`), and their difficulties and proposals are
those of the sent reports of periods beginning in the month.

Counts and the officers' free text, no person: one audit entry (purpose statistics) says
who made which report.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import RowMapping, and_, func, select
from sqlalchemy.orm import Session

from sokhoe.access import audit, guard
from sokhoe.access.clock import as_utc
from sokhoe.access.purposes import Purpose
from sokhoe.access.scope import Actor
from sokhoe.campaign.indicator_models import IndicatorSnapshot
from sokhoe.campaign.indicators import UnitLevel, UnknownProvince, share
from sokhoe.campaign.report_completeness import Counts, completeness, submitted_reports, totals
from sokhoe.campaign.report_periods import Period, PeriodKind, vietnam_day
from sokhoe.registry.models import Commune, Province

#: The snapshot's columns a line reads, by name (the snapshot has others).
STOCKS = (
    "residents",
    "eligible",
    "level2",
    "books_activated",
    "cards_listed",
    "cards_integrated",
    "households_visited",
    "schools",
    "schools_reached",
    "students",
    "students_integrated",
    "enterprises",
    "enterprises_reached",
)
_READ = (*STOCKS, "visits_on_day", "visits_to_date")
#: The start of a unit the start day has no row of (a commune added since).
_NOTHING: Mapping[str, int] = dict.fromkeys(_READ, 0)
#: The reports of a commune the snapshot has and the register no longer (as ``names`` allows).
_NONE_DUE = Counts(due=0, submitted=0, on_time=0)
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_ACTION = "province_monthly_report"


class ReportFormat(StrEnum):
    """The files the report is written as (:mod:`.province_report_files`)."""

    XLSX = "xlsx"
    PDF = "pdf"


class ReportError(ValueError):
    """A report that cannot be made; the message says why, in Vietnamese."""


class BadMonth(ReportError):
    def __init__(self, text: str) -> None:
        super().__init__(f"Tháng không hợp lệ: {text!r} (cần dạng YYYY-MM, ví dụ 2026-03).")


class NoSnapshot(ReportError):
    def __init__(self, province_code: int, month: dt.date) -> None:
        super().__init__(
            f"Chưa có số liệu chỉ số nào của tỉnh {province_code} trong tháng {month:%m/%Y}: "
            f"hãy chụp số liệu trước (sokhoe indicators snapshot --province {province_code} "
            "--day YYYY-MM-DD)."
        )


def parse_month(text: str) -> dt.date:
    """``2026-03`` as the month's first day; raises :class:`BadMonth`."""
    match = _MONTH.fullmatch(text.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise BadMonth(text)
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def next_month(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Line:
    """A commune's line of the table, or the province's (the total)."""

    code: int
    name: str
    residents: int
    #: Aged 14 or over (or of unknown birth date).
    eligible: int
    level2: int
    books_activated: int
    cards_listed: int
    cards_integrated: int
    books_activated_change: int
    cards_integrated_change: int
    visits_in_month: int
    #: Households visited at least once, to the end day.
    households_visited: int
    #: Schools and enterprises in the unit, those with a visit recorded there by the end
    #: day; pupils on the schools' rosters, those with their card integrated.
    schools: int
    schools_reached: int
    students: int
    students_integrated: int
    enterprises: int
    enterprises_reached: int
    #: The unit's reports due in the month (the province's: its communes').
    reports: Counts

    @property
    def level2_rate(self) -> float | None:
        return share(self.level2, self.eligible)

    @property
    def books_rate(self) -> float | None:
        return share(self.books_activated, self.eligible)

    @property
    def cards_rate(self) -> float | None:
        return share(self.cards_integrated, self.cards_listed)

    @property
    def schools_rate(self) -> float | None:
        return share(self.schools_reached, self.schools)

    @property
    def students_rate(self) -> float | None:
        return share(self.students_integrated, self.students)

    @property
    def enterprises_rate(self) -> float | None:
        return share(self.enterprises_reached, self.enterprises)


@dataclass(frozen=True)
class SentReport:
    """A commune's report sent for a period of the month: what it found hard, what it asks."""

    commune_code: int
    commune_name: str
    period: Period
    submitted_at: dt.datetime
    difficulties: str
    proposals: str

    @property
    def late(self) -> bool:
        return self.period.is_late(self.submitted_at)


@dataclass(frozen=True)
class DayRates:
    """The province's rates on one snapshot day of the month (the trend chart)."""

    day: dt.date
    level2_rate: float | None
    books_rate: float | None
    cards_rate: float | None


@dataclass(frozen=True)
class ProvinceReport:
    province_code: int
    #: "Khánh Hòa", "Thành phố Hải Phòng".
    province_name: str
    division_type: str
    #: The month's first day.
    month: dt.date
    start_day: dt.date
    end_day: dt.date
    generated_on: dt.date
    communes: Sequence[Line]
    total: Line
    trend: Sequence[DayRates]
    #: By commune, then period.
    sent_reports: Sequence[SentReport]

    @property
    def department(self) -> str:
        """``SỞ Y TẾ TỈNH KHÁNH HÒA``, ``SỞ Y TẾ THÀNH PHỐ HẢI PHÒNG`` (a city's name says
        "Thành phố" already, a province's not "Tỉnh")."""
        unit = self.province_name
        if self.division_type == "tỉnh":
            unit = f"tỉnh {unit}"
        return f"SỞ Y TẾ {unit}".upper()

    @property
    def title(self) -> str:
        return f"BÁO CÁO KẾT QUẢ TRIỂN KHAI SỔ SỨC KHỎE ĐIỆN TỬ THÁNG {self.month:%m/%Y}"

    @property
    def slug(self) -> str:
        """The file's name without extension: which province and month, nobody in it."""
        return f"bao-cao-so-suc-khoe-{self.province_code}-{self.month:%Y-%m}"


@dataclass(frozen=True)
class ReportMonth:
    """A month with snapshots, and its latest snapshot day (where its report stops)."""

    month: dt.date
    last_day: dt.date


def report_months(session: Session, province_code: int) -> list[ReportMonth]:
    """The months with at least one snapshot of the province, newest first."""
    days = session.scalars(
        select(IndicatorSnapshot.day)
        .where(
            IndicatorSnapshot.province_code == province_code,
            IndicatorSnapshot.unit_level == UnitLevel.PROVINCE.value,
        )
        .order_by(IndicatorSnapshot.day.desc())
    )
    latest: dict[dt.date, dt.date] = {}
    for day in days:
        latest.setdefault(day.replace(day=1), day)
    return [ReportMonth(month, last_day) for month, last_day in latest.items()]


def build_report(
    session: Session,
    *,
    province_code: int,
    month: dt.date,
    now: dt.datetime,
    actor: Actor | None = None,
) -> ProvinceReport:
    """The report of ``month`` (its first day) made at ``now`` (aware), by ``actor``
    (``None``: the command line), audited in the caller's transaction. Raises
    :class:`UnknownProvince`, :class:`NoSnapshot`, or ``AccessDenied`` for an actor outside
    the province."""
    province = session.get(Province, province_code)
    if province is None:
        raise UnknownProvince(f"Không có tỉnh mã {province_code}.")
    detail = f"báo cáo tháng {month:%m/%Y} (số liệu tổng hợp)"
    if actor is not None:
        guard.authorize_province(
            session,
            actor,
            province_code=province_code,
            action=_ACTION,
            purpose=Purpose.STATISTICS,
            detail=detail,
        )
    else:
        audit.record(
            session,
            actor=None,
            action=_ACTION,
            purpose=Purpose.STATISTICS,
            detail=f"tỉnh {province_code}, {detail}",
        )
    end_day, start_day = _bounds(session, province_code, month)
    end = _units(session, province_code, end_day)
    start = _units(session, province_code, start_day)
    named = select(Commune.code, Commune.name).where(Commune.province_code == province_code)
    names: dict[int, str] = dict(session.execute(named).all())
    counted_from_start = start_day >= month
    last_day = next_month(month) - dt.timedelta(days=1)
    due = {
        line.commune_code: line
        for line in completeness(
            session, province_code=province_code, first_day=month, last_day=last_day, now=now
        )
    }

    def line(key: tuple[str, int], name: str, reports: Counts) -> Line:
        stock, then = end[key], start.get(key, _NOTHING)
        return Line(
            code=key[1],
            name=name,
            **{column: stock[column] for column in STOCKS},
            books_activated_change=stock["books_activated"] - then["books_activated"],
            cards_integrated_change=stock["cards_integrated"] - then["cards_integrated"],
            visits_in_month=stock["visits_to_date"]
            - then["visits_to_date"]
            + (then["visits_on_day"] if counted_from_start else 0),
            reports=reports,
        )

    communes = [
        line(key, names.get(key[1], str(key[1])), due.get(key[1], _NONE_DUE))
        for key in sorted(end)
        if key[0] == UnitLevel.COMMUNE.value
    ]
    return ProvinceReport(
        province_code=province_code,
        province_name=province.name,
        division_type=province.division_type,
        month=month,
        start_day=start_day,
        end_day=end_day,
        generated_on=vietnam_day(now),
        communes=communes,
        total=line(
            (UnitLevel.PROVINCE.value, province_code), _whole(province), totals(list(due.values()))
        ),
        trend=_trend(session, province_code, month),
        sent_reports=[
            SentReport(
                commune_code=sent.commune_code,
                commune_name=names.get(sent.commune_code, str(sent.commune_code)),
                period=Period(PeriodKind(sent.period_kind), sent.period_start),
                submitted_at=as_utc(sent.submitted_at),
                difficulties=sent.difficulties,
                proposals=sent.proposals,
            )
            for sent in submitted_reports(
                session, province_code=province_code, first_day=month, last_day=last_day
            )
            if sent.submitted_at is not None
        ],
    )


def _whole(province: Province) -> str:
    """The total line's name: "Toàn tỉnh", "Toàn thành phố"."""
    return "Toàn tỉnh" if province.division_type == "tỉnh" else "Toàn thành phố"


def _bounds(session: Session, province_code: int, month: dt.date) -> tuple[dt.date, dt.date]:
    """The month's end and start snapshot days (see the module's doc)."""
    province_days = and_(
        IndicatorSnapshot.province_code == province_code,
        IndicatorSnapshot.unit_level == UnitLevel.PROVINCE.value,
    )
    end_day, first_day = session.execute(
        select(func.max(IndicatorSnapshot.day), func.min(IndicatorSnapshot.day)).where(
            province_days,
            IndicatorSnapshot.day >= month,
            IndicatorSnapshot.day < next_month(month),
        )
    ).one()
    if end_day is None:
        raise NoSnapshot(province_code, month)
    before = session.scalar(
        select(func.max(IndicatorSnapshot.day)).where(province_days, IndicatorSnapshot.day < month)
    )
    return end_day, before or first_day


def _units(session: Session, province_code: int, day: dt.date) -> dict[tuple[str, int], RowMapping]:
    """The communes' and the province's rows of ``day``, by (level, code)."""
    rows = session.execute(
        select(
            IndicatorSnapshot.unit_level,
            IndicatorSnapshot.unit_code,
            *(IndicatorSnapshot.__table__.c[name] for name in _READ),
        ).where(
            IndicatorSnapshot.province_code == province_code,
            IndicatorSnapshot.day == day,
            IndicatorSnapshot.unit_level != UnitLevel.VILLAGE.value,
        )
    )
    return {(row.unit_level, row.unit_code): row._mapping for row in rows}


def _trend(session: Session, province_code: int, month: dt.date) -> list[DayRates]:
    rows = session.execute(
        select(
            IndicatorSnapshot.day,
            IndicatorSnapshot.eligible,
            IndicatorSnapshot.level2,
            IndicatorSnapshot.books_activated,
            IndicatorSnapshot.cards_listed,
            IndicatorSnapshot.cards_integrated,
        )
        .where(
            IndicatorSnapshot.province_code == province_code,
            IndicatorSnapshot.unit_level == UnitLevel.PROVINCE.value,
            IndicatorSnapshot.day >= month,
            IndicatorSnapshot.day < next_month(month),
        )
        .order_by(IndicatorSnapshot.day)
    )
    return [
        DayRates(
            day=row.day,
            level2_rate=share(row.level2, row.eligible),
            books_rate=share(row.books_activated, row.eligible),
            cards_rate=share(row.cards_integrated, row.cards_listed),
        )
        for row in rows
    ]
