"""The server's thread that keeps the daily indicator snapshots current, so dashboards and
the commune report form never wait for someone to run ``sokhoe indicators snapshot``.

For every province with a campaign that is not closed, it re-counts today (Vietnam) when
today's figures are older than ``every``, and counts yesterday once more after midnight if
its last count was taken before the day ended: during a day the figures are at most
``every`` old, and a day's figures are final (the whole day counted) from shortly after
midnight. A count of Khánh Hòa takes seconds (``benchmarks/bench_indicators.py``).

Several server processes share the database: only the holder of the snapshot lease
(:mod:`sokhoe.database_lease`) counts, the others take over if its process dies.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from sokhoe.access.clock import as_utc, utcnow
from sokhoe.campaign.indicator_models import IndicatorSnapshot
from sokhoe.campaign.indicators import UnitLevel, take_snapshot
from sokhoe.campaign.models import Campaign
from sokhoe.campaign.vocabulary import CampaignStatus
from sokhoe.database_lease import DatabaseLease
from sokhoe.db import unit_of_work
from sokhoe.runtime import Database
from sokhoe.vietnam_time import VIETNAM_TIME, to_vietnam_time

log = logging.getLogger(__name__)

#: Key of the lease that makes one process per database the snapshot taker ("SKsnap").
LEASE_KEY = 0x534B736E6170
#: How often the thread looks whether a count is due.
POLL_SECONDS = 60.0


def days_to_count(
    now: dt.datetime, taken: Mapping[dt.date, dt.datetime], every: dt.timedelta
) -> list[dt.date]:
    """The days of one province to count now, given when each recent day was last counted
    (``taken``, by Vietnamese day): yesterday if its last count is older than its end,
    today if its last count is older than ``every``."""
    local = to_vietnam_time(now)
    today = local.date()
    yesterday = today - dt.timedelta(days=1)
    midnight = dt.datetime.combine(today, dt.time(), VIETNAM_TIME)
    due = []
    if yesterday in taken and taken[yesterday] < midnight:
        due.append(yesterday)
    if today not in taken or now - taken[today] >= every:
        due.append(today)
    return due


def _last_counts(session: Session, since: dt.date) -> dict[int, dict[dt.date, dt.datetime]]:
    """When each day from ``since`` was last counted, per province with an open campaign
    (a province with none yet counted has an empty mapping)."""
    provinces = select(Campaign.province_code).where(Campaign.status != CampaignStatus.CLOSED.value)
    counts: dict[int, dict[dt.date, dt.datetime]] = {
        code: {} for code in session.scalars(provinces.distinct())
    }
    rows = session.execute(
        select(IndicatorSnapshot.province_code, IndicatorSnapshot.day, IndicatorSnapshot.taken_at)
        .where(
            IndicatorSnapshot.unit_level == UnitLevel.PROVINCE.value,
            IndicatorSnapshot.province_code.in_(provinces),
            IndicatorSnapshot.day >= since,
        )
        .order_by(IndicatorSnapshot.day)
    )
    for province_code, day, taken_at in rows:
        counts[province_code][day] = as_utc(taken_at)
    return counts


def count_due(database: Database, every: dt.timedelta) -> list[tuple[int, dt.date]]:
    """Counts every (province, day) due now, each in a transaction of its own; returns them."""
    now = utcnow()
    since = to_vietnam_time(now).date() - dt.timedelta(days=1)
    with database.sessions() as session:
        last = _last_counts(session, since)
    counted = []
    for province_code, taken in sorted(last.items()):
        for day in days_to_count(now, taken, every):
            with unit_of_work(database.sessions) as session:
                take_snapshot(session, province_code, day)
            counted.append((province_code, day))
    return counted


class SnapshotScheduler:
    """The thread; started and stopped with the web app (``every`` of zero: not started)."""

    def __init__(
        self, database: Database, every: dt.timedelta, *, poll_seconds: float = POLL_SECONDS
    ) -> None:
        self._database = database
        self._every = every
        self._poll = poll_seconds
        self._lease = DatabaseLease(database.engine, LEASE_KEY)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if not self._every:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="indicator-snapshots", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():  # a count still going: the lease ends with the process
                return
        self._lease.release()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self._lease.try_acquire():
                    for province_code, day in count_due(self._database, self._every):
                        log.info("indicator snapshot: province %d, %s", province_code, day)
            except Exception as exc:  # the database went away: try again at the next poll
                log.error("indicator snapshots: %s", type(exc).__name__)
            self._stop.wait(self._poll)
