"""The health-book indicator of the commune digital-transformation index (R15): per commune,
the share of residents aged 14 or over (the eligible of the campaign) whose electronic
health book is activated, read from a day's indicator snapshot.

The index is compiled outside Sổ Khỏe, so the indicator leaves as a CSV file a commune or
the province hands on: UTF-8, one row per commune in code order, ISO dates and a decimal
point, so any system reads it the same way. Counts only, no person.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from sokhoe.campaign.indicator_models import IndicatorSnapshot
from sokhoe.campaign.indicators import UnitLevel, read_snapshot
from sokhoe.registry.models import Commune

HEADER = (
    "ma_tinh",
    "ma_xa",
    "ten_xa",
    "ngay_so_lieu",
    "dan_so_tu_14_tuoi",
    "da_kich_hoat_so_suc_khoe",
    "ty_le_phan_tram",
)


class NoSnapshot(LookupError):
    """No snapshot of the province on or before the day."""


@dataclass(frozen=True)
class DtiIndicator:
    commune_code: int
    commune_name: str
    eligible: int
    activated: int

    @property
    def percent(self) -> float | None:
        return 100 * self.activated / self.eligible if self.eligible else None


def dti_indicators(
    session: Session, province_code: int, day: dt.date
) -> tuple[dt.date, list[DtiIndicator]]:
    """The indicator of every commune on the latest snapshot day on or before ``day``."""
    taken = session.scalar(
        select(IndicatorSnapshot.day)
        .where(IndicatorSnapshot.province_code == province_code, IndicatorSnapshot.day <= day)
        .order_by(IndicatorSnapshot.day.desc())
        .limit(1)
    )
    if taken is None:
        raise NoSnapshot(province_code, day)
    names = dict(
        session.execute(
            select(Commune.code, Commune.name).where(Commune.province_code == province_code)
        ).all()
    )
    rows = read_snapshot(session, province_code=province_code, day=taken, level=UnitLevel.COMMUNE)
    return taken, [
        DtiIndicator(row.unit_code, names[row.unit_code], row.eligible, row.books_activated)
        for row in rows
    ]


def write_dti_csv(
    path: Path, province_code: int, day: dt.date, indicators: list[DtiIndicator]
) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        for item in indicators:
            percent = item.percent
            writer.writerow(
                (
                    province_code,
                    item.commune_code,
                    item.commune_name,
                    day.isoformat(),
                    item.eligible,
                    item.activated,
                    "" if percent is None else f"{percent:.2f}",
                )
            )
