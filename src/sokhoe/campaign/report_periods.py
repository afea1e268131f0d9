"""The periods of the communes' unified report form (R11) and their deadlines: pure rules.

- A DAILY period for every day covered by a phase with ``daily_reports`` (the peak, 01–31/3
  in the 2026 plan); a MONTHLY period for every month from the campaign's first month not
  fully covered by daily periods on, while the campaign is not closed (it goes on after its
  deadline: the province keeps watching that the rate does not fall, R17). A closed
  campaign's months end with its deadline's. A period exists once its first day has come.
- Due: the report of day D by 10:00 on D+1; that of month M before the 25th, so by
  24/M 23:59:59. A report sent within the due second is on time (``at < late_from``).
- Closed: a daily period at the end of D+3, a monthly one at the end of the 5th of the next
  month; nothing can be saved or sent into it afterwards.
- Status of a commune's period at a moment: not yet due (open), draft saved, sent on time,
  sent late (after the deadline, before the period closed), missing (deadline passed and
  nothing sent: a draft does not count).
- Figures: a daily report shows the commune's snapshot of its day D; a monthly one the
  latest snapshot of the month on or before min(today, 24th of M) — one taken before the
  month began would describe another month, so it is not used.

Times are Vietnam's (:data:`~sokhoe.vietnam_time.VIETNAM_TIME`); the instants returned are
aware, comparable with :func:`~sokhoe.access.clock.utcnow`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sokhoe.vietnam_time import VIETNAM_TIME, to_vietnam_time

#: A daily report is due by this time on the next day.
DAILY_DUE_TIME = dt.time(10, 0)
#: A daily period closes at the end of this many days after its day.
DAILY_CLOSED_AFTER_DAYS = 3
#: A monthly report is due before this day of its month.
MONTHLY_DUE_BEFORE_DAY = 25
#: A monthly period closes at the end of this day of the next month.
MONTHLY_CLOSED_AFTER_DAY = 5
#: The commune's list shows the daily periods of this many last days (and every month).
LISTED_DAYS = 60

_SECOND = dt.timedelta(seconds=1)


class PeriodKind(StrEnum):
    DAILY = "daily"
    MONTHLY = "monthly"


#: The kinds as the pages' addresses say them.
KIND_SLUGS = {PeriodKind.DAILY: "ngay", PeriodKind.MONTHLY: "thang"}


class Status(StrEnum):
    OPEN = "open"
    DRAFT = "draft"
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"


def _vietnam_instant(day: dt.date, at: dt.time = dt.time(0)) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=VIETNAM_TIME)


def _next_month(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


@dataclass(frozen=True, order=True)
class Period:
    """One report period: a day, or a month (``start`` is its first day)."""

    kind: PeriodKind
    start: dt.date

    @property
    def end(self) -> dt.date:
        if self.kind is PeriodKind.DAILY:
            return self.start
        return _next_month(self.start) - dt.timedelta(days=1)

    @property
    def due_at(self) -> dt.datetime:
        """The last second a report is on time (shown as the deadline)."""
        return self.late_from - _SECOND

    @property
    def late_from(self) -> dt.datetime:
        """The first instant a report is late, or missing if none was sent."""
        if self.kind is PeriodKind.DAILY:
            return _vietnam_instant(self.start + dt.timedelta(days=1), DAILY_DUE_TIME) + _SECOND
        return _vietnam_instant(self.start.replace(day=MONTHLY_DUE_BEFORE_DAY))

    @property
    def closes_at(self) -> dt.datetime:
        """The first instant nothing can be saved or sent into the period."""
        if self.kind is PeriodKind.DAILY:
            return _vietnam_instant(self.start + dt.timedelta(days=DAILY_CLOSED_AFTER_DAYS + 1))
        return _vietnam_instant(_next_month(self.start).replace(day=MONTHLY_CLOSED_AFTER_DAY + 1))

    @property
    def closed_on(self) -> dt.date:
        """The period's last open day (the date the pages say it closed)."""
        return self.closes_at.date() - dt.timedelta(days=1)

    @property
    def slug(self) -> str:
        """The period in an address: ``2026-03-20`` or ``2026-04``."""
        if self.kind is PeriodKind.DAILY:
            return self.start.isoformat()
        return self.start.strftime("%Y-%m")

    @property
    def label(self) -> str:
        """The period in a Vietnamese sentence: ``ngày 20/03/2026``, ``tháng 04/2026``."""
        if self.kind is PeriodKind.DAILY:
            return f"ngày {self.start:%d/%m/%Y}"
        return f"tháng {self.start:%m/%Y}"

    def is_closed(self, now: dt.datetime) -> bool:
        return now >= self.closes_at

    def is_late(self, at: dt.datetime) -> bool:
        return at >= self.late_from

    def figures_day_at_most(self, today: dt.date) -> dt.date:
        """The last day whose snapshot the report may show (see the module's doc)."""
        if self.kind is PeriodKind.DAILY:
            return self.start
        return min(today, self.start.replace(day=MONTHLY_DUE_BEFORE_DAY - 1))


def parse_period(kind_slug: str, start: str) -> Period | None:
    """The period an address names (``ngay``/``2026-03-20``, ``thang``/``2026-04``), or
    ``None`` if it names none."""
    try:
        if kind_slug == KIND_SLUGS[PeriodKind.DAILY]:
            return Period(PeriodKind.DAILY, dt.date.fromisoformat(start))
        if kind_slug == KIND_SLUGS[PeriodKind.MONTHLY] and len(start) == 7:
            return Period(PeriodKind.MONTHLY, dt.date.fromisoformat(f"{start}-01"))
    except ValueError:
        return None
    return None


@dataclass(frozen=True)
class Schedule:
    """What the periods of a campaign depend on: its dates, whether it is closed, and the
    (first, last) days of its phases with daily reports."""

    starts_on: dt.date
    deadline: dt.date
    closed: bool
    daily_ranges: tuple[tuple[dt.date, dt.date], ...]


def periods(schedule: Schedule, *, today: dt.date) -> list[Period]:
    """Every period of the campaign begun by ``today`` (Vietnam), oldest first, daily before
    monthly within a month."""
    days = sorted(
        {
            first + dt.timedelta(days=n)
            for first, last in schedule.daily_ranges
            for n in range((last - first).days + 1)
        }
    )
    daily = [Period(PeriodKind.DAILY, day) for day in days if day <= today]
    last_month = (schedule.deadline if schedule.closed else today).replace(day=1)
    monthly = []
    month = schedule.starts_on.replace(day=1)
    covered = set(days)
    while month <= min(last_month, today.replace(day=1)):
        whole = Period(PeriodKind.MONTHLY, month)
        if not _all_in(covered, whole.start, whole.end):
            monthly.append(whole)
        month = _next_month(month)
    return sorted(daily + monthly, key=lambda p: (p.start.year, p.start.month, p.kind, p.start))


def _all_in(days: set[dt.date], first: dt.date, last: dt.date) -> bool:
    return all(first + dt.timedelta(days=n) in days for n in range((last - first).days + 1))


def status(
    period: Period, *, submitted_at: dt.datetime | None, draft: bool, now: dt.datetime
) -> Status:
    """A commune's status for the period at ``now`` (see the module's doc)."""
    if submitted_at is not None:
        return Status.LATE if period.is_late(submitted_at) else Status.ON_TIME
    if period.is_late(now):
        return Status.MISSING
    return Status.DRAFT if draft else Status.OPEN


def named_spans(found: Sequence[Period]) -> str:
    """Periods named briefly, consecutive days as one span: ``01/03–19/03, 21/03, 04/2026``
    (a province's list of missing reports stays one line per commune)."""
    spans: list[list[Period]] = []
    for period in sorted(found):
        last = spans[-1][-1] if spans else None
        if (
            last is not None
            and period.kind is last.kind is PeriodKind.DAILY
            and period.start == last.start + dt.timedelta(days=1)
        ):
            spans[-1].append(period)
        else:
            spans.append([period])
    return ", ".join(
        _short(span[0]) if len(span) == 1 else f"{_short(span[0])}–{_short(span[-1])}"
        for span in spans
    )


def _short(period: Period) -> str:
    return f"{period.start:%d/%m}" if period.kind is PeriodKind.DAILY else f"{period.start:%m/%Y}"


def vietnam_day(now: dt.datetime) -> dt.date:
    return to_vietnam_time(now).date()


def due_between(
    found: Iterable[Period], first: dt.date, last: dt.date, now: dt.datetime
) -> list[Period]:
    """The periods whose deadline falls on a (Vietnam) day from ``first`` to ``last`` and has
    passed at ``now``: the ones a commune's completeness counts."""
    return [
        period
        for period in found
        if first <= vietnam_day(period.due_at) <= last and period.is_late(now)
    ]
