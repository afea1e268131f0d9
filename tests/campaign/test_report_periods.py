"""The report periods of the 2026 plan and their deadlines, at the exact minute (R11)."""

from __future__ import annotations

import datetime as dt

import pytest

from sokhoe.campaign.plans import peak_plan
from sokhoe.campaign.report_periods import (
    Period,
    PeriodKind,
    Schedule,
    Status,
    due_between,
    parse_period,
    periods,
    status,
)
from sokhoe.vietnam_time import VIETNAM_TIME

DAILY, MONTHLY = PeriodKind.DAILY, PeriodKind.MONTHLY


def vn(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=VIETNAM_TIME)  # type: ignore[misc]


def plan_2026(*, closed: bool = False) -> Schedule:
    phases, _, start, deadline = peak_plan(2026)
    return Schedule(
        starts_on=start,
        deadline=deadline,
        closed=closed,
        daily_ranges=tuple((p.starts_on, p.ends_on) for p in phases if p.daily_reports),
    )


def test_the_2026_plan_is_daily_through_march_then_monthly_while_not_closed() -> None:
    found = periods(plan_2026(), today=dt.date(2026, 9, 10))
    march = [dt.date(2026, 3, 1) + dt.timedelta(days=n) for n in range(31)]
    assert [p for p in found if p.kind is DAILY] == [Period(DAILY, day) for day in march]
    assert [p.start for p in found if p.kind is MONTHLY] == [
        dt.date(2026, month, 1)
        for month in (4, 5, 6, 7, 8, 9)  # after the 30/6 deadline too
    ]
    closed = periods(plan_2026(closed=True), today=dt.date(2026, 9, 10))
    assert [p.start.month for p in closed if p.kind is MONTHLY] == [4, 5, 6]


def test_only_begun_periods_exist_and_a_month_partly_daily_also_has_a_monthly_period() -> None:
    assert periods(plan_2026(), today=dt.date(2026, 2, 28)) == []
    begun = periods(plan_2026(), today=dt.date(2026, 3, 20))
    assert begun[-1] == Period(DAILY, dt.date(2026, 3, 20)) and len(begun) == 20
    peak_only = Schedule(
        dt.date(2026, 3, 1),
        dt.date(2026, 6, 30),
        False,
        ((dt.date(2026, 3, 15), dt.date(2026, 3, 31)),),
    )
    months = [p.start for p in periods(peak_only, today=dt.date(2026, 4, 2)) if p.kind is MONTHLY]
    assert months == [dt.date(2026, 3, 1), dt.date(2026, 4, 1)]


def test_a_daily_report_is_due_by_10_00_the_next_day_and_closes_after_three_days() -> None:
    day = Period(DAILY, dt.date(2026, 3, 20))
    assert not day.is_late(vn(2026, 3, 21, 10, 0, 0))
    assert day.is_late(vn(2026, 3, 21, 10, 1))
    assert not day.is_closed(vn(2026, 3, 23, 23, 59))
    assert day.is_closed(vn(2026, 3, 24, 0, 0))
    assert day.due_at == vn(2026, 3, 21, 10, 0) and day.closed_on == dt.date(2026, 3, 23)


def test_a_monthly_report_is_due_before_the_25th_and_closes_after_the_5th() -> None:
    april = Period(MONTHLY, dt.date(2026, 4, 1))
    assert not april.is_late(vn(2026, 4, 24, 23, 59))
    assert april.is_late(vn(2026, 4, 25, 0, 0))
    assert not april.is_closed(vn(2026, 5, 5, 23, 59))
    assert april.is_closed(vn(2026, 5, 6, 0, 0))
    assert april.figures_day_at_most(dt.date(2026, 4, 10)) == dt.date(2026, 4, 10)
    assert april.figures_day_at_most(dt.date(2026, 5, 2)) == dt.date(2026, 4, 24)
    december = Period(MONTHLY, dt.date(2026, 12, 1))
    assert december.closes_at == vn(2027, 1, 6) and december.end == dt.date(2026, 12, 31)


@pytest.mark.parametrize(
    ("submitted_at", "draft", "now", "expected"),
    [
        (None, False, vn(2026, 3, 21, 10, 0), Status.OPEN),
        (None, True, vn(2026, 3, 21, 10, 0), Status.DRAFT),
        (None, True, vn(2026, 3, 21, 10, 1), Status.MISSING),  # a draft does not count
        (None, False, vn(2026, 3, 21, 10, 1), Status.MISSING),
        (vn(2026, 3, 20, 18, 0), False, vn(2026, 3, 20, 18, 5), Status.ON_TIME),
        (vn(2026, 3, 21, 10, 0), False, vn(2026, 3, 22), Status.ON_TIME),
        (vn(2026, 3, 21, 10, 1), False, vn(2026, 3, 22), Status.LATE),
    ],
)
def test_status_at_a_moment(
    submitted_at: dt.datetime | None, draft: bool, now: dt.datetime, expected: Status
) -> None:
    day = Period(DAILY, dt.date(2026, 3, 20))
    assert status(day, submitted_at=submitted_at, draft=draft, now=now) is expected


def test_periods_due_in_a_month_are_those_whose_deadline_fell_in_it_and_passed() -> None:
    found = periods(plan_2026(), today=dt.date(2026, 4, 30))
    march = due_between(found, dt.date(2026, 3, 1), dt.date(2026, 3, 31), vn(2026, 4, 30))
    # 31/3's report is due on 1/4: it counts in April, with April's own report
    assert [p.start.day for p in march] == list(range(1, 31))
    april = due_between(found, dt.date(2026, 4, 1), dt.date(2026, 4, 30), vn(2026, 4, 30))
    assert april == [Period(DAILY, dt.date(2026, 3, 31)), Period(MONTHLY, dt.date(2026, 4, 1))]
    early = due_between(found, dt.date(2026, 4, 1), dt.date(2026, 4, 30), vn(2026, 4, 24, 12))
    assert early == [Period(DAILY, dt.date(2026, 3, 31))]


@pytest.mark.parametrize(
    ("kind", "start", "expected"),
    [
        ("ngay", "2026-03-20", Period(DAILY, dt.date(2026, 3, 20))),
        ("thang", "2026-04", Period(MONTHLY, dt.date(2026, 4, 1))),
        ("thang", "2026-04-01", None),
        ("ngay", "2026-02-30", None),
        ("tuan", "2026-04", None),
        ("thang", "2026-13", None),
    ],
)
def test_an_address_names_a_period_or_none(kind: str, start: str, expected: Period | None) -> None:
    assert parse_period(kind, start) == expected
    if expected is not None:
        assert parse_period(kind, expected.slug) == expected
