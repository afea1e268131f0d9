"""Vietnam's civil time, for what happens on a day there (a card's last day, a report's date).

Stored datetimes are UTC; SQLite hands them back without an offset, so a naive value is taken
to be UTC.
"""

from __future__ import annotations

import datetime as dt

#: Indochina Time; Vietnam keeps no daylight-saving time, so a fixed offset is exact.
VIETNAM_TIME = dt.timezone(dt.timedelta(hours=7), "ICT")


def to_vietnam_time(value: dt.datetime) -> dt.datetime:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(VIETNAM_TIME)
