"""The server keeps the indicator snapshots current: today re-counted when its figures are
older than the interval, yesterday counted once more after midnight, every province with an
open campaign, nothing else."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from sokhoe.campaign import indicators, plans, snapshot_schedule
from sokhoe.campaign.indicator_models import IndicatorSnapshot
from sokhoe.campaign.snapshot_schedule import SnapshotScheduler, count_due, days_to_count
from sokhoe.campaign.vocabulary import CampaignStatus
from sokhoe.db import session_factory
from sokhoe.runtime import Database
from sokhoe.vietnam_time import VIETNAM_TIME
from tests.support.factories import KHANH_HOA, NHA_TRANG, add_citizen, add_village

HOUR = dt.timedelta(hours=1)
MARCH_20 = dt.date(2026, 3, 20)


def _vn(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), VIETNAM_TIME).astimezone(dt.UTC)


def test_today_is_counted_when_missing_or_older_than_the_interval() -> None:
    now = _vn(MARCH_20, 15)
    assert days_to_count(now, {}, HOUR) == [MARCH_20]
    assert days_to_count(now, {MARCH_20: now - HOUR + dt.timedelta(seconds=1)}, HOUR) == []
    assert days_to_count(now, {MARCH_20: now - HOUR}, HOUR) == [MARCH_20]


def test_yesterday_is_counted_again_once_after_its_end() -> None:
    yesterday = MARCH_20 - dt.timedelta(days=1)
    # 00:10 on the 20th in Vietnam is 17:10 UTC on the 19th: the day is Vietnam's
    now = _vn(MARCH_20, 0, 10)
    evening = _vn(yesterday, 23, 30)
    assert days_to_count(now, {yesterday: evening}, HOUR) == [yesterday, MARCH_20]
    after_midnight = _vn(MARCH_20, 0, 1)
    assert days_to_count(now, {yesterday: after_midnight, MARCH_20: now}, HOUR) == []
    # a day never counted is not counted late: there was no campaign to count yet
    assert days_to_count(now, {MARCH_20: now}, HOUR) == []


@pytest.fixture
def database(engine: Engine) -> Iterator[Database]:
    yield Database(engine=engine, sessions=session_factory(engine))


def test_the_provinces_with_an_open_campaign_are_counted_and_re_counted(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with database.sessions() as session:
        village = add_village(session, NHA_TRANG, "Tổ 1")
        add_citizen(session, village)
        campaign = plans.create_peak_campaign(session, province_code=KHANH_HOA, year=2026)
        session.commit()

    def at(moment: dt.datetime) -> None:
        monkeypatch.setattr(snapshot_schedule, "utcnow", lambda: moment)
        monkeypatch.setattr(indicators, "utcnow", lambda: moment)

    at(_vn(MARCH_20, 23, 0))
    assert count_due(database, HOUR) == [(KHANH_HOA, MARCH_20)]
    assert count_due(database, HOUR) == []  # fresh enough
    march_21 = MARCH_20 + dt.timedelta(days=1)
    at(_vn(march_21, 0, 5))
    assert count_due(database, HOUR) == [(KHANH_HOA, MARCH_20), (KHANH_HOA, march_21)]
    with database.sessions() as session:
        taken = session.execute(
            select(IndicatorSnapshot.day, IndicatorSnapshot.residents).where(
                IndicatorSnapshot.unit_level == "province"
            )
        ).all()
        assert sorted(taken) == [(MARCH_20, 1), (march_21, 1)]
        session.get_one(type(campaign), campaign.id).status = CampaignStatus.CLOSED.value
        session.commit()
    at(_vn(march_21, 12, 0))
    assert count_due(database, HOUR) == []  # closed: nothing to keep current


def test_the_servers_thread_counts_when_started(database: Database) -> None:
    with database.sessions() as session:
        add_citizen(session, add_village(session, NHA_TRANG, "Tổ 1"))
        plans.create_peak_campaign(session, province_code=KHANH_HOA, year=2026)
        session.commit()
    scheduler = SnapshotScheduler(database, HOUR, poll_seconds=0.05)
    scheduler.start()
    try:
        deadline = time.monotonic() + 20
        while _latest(database) is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.stop()
    assert _latest(database) == indicators.vietnam_today()


def _latest(database: Database) -> dt.date | None:
    with database.sessions() as session:
        return indicators.latest_day(session, KHANH_HOA)
