"""The health-book indicator for the commune digital-transformation index (R15), as the CSV
``sokhoe indicators dti`` writes, against a direct count."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from sokhoe.access.models import User
from sokhoe.access.roles import Role
from sokhoe.campaign.indicators import take_snapshot
from sokhoe.cli import app
from sokhoe.registry.models import Citizen, Commune
from tests.campaign.conftest import Field
from tests.campaign.test_indicators import DAY, configured, province
from tests.support.factories import KHANH_HOA, NHA_TRANG

__all__ = ["configured", "province"]

runner = CliRunner()


def _direct(session: Session, commune_code: int) -> tuple[int, int]:
    """(residents 14 or over or of unknown birth, of them with a citizen account that has
    signed in) of the commune on DAY."""
    cutoff = DAY.replace(year=DAY.year - 14)
    signed_in = set(
        session.scalars(
            select(User.person_id).where(
                User.role == Role.CITIZEN.value,
                User.active.is_(True),
                User.last_login_at.is_not(None),
            )
        )
    )
    eligible = [
        c.person_id
        for c in session.scalars(select(Citizen).where(Citizen.commune_code == commune_code))
        if c.birth_date is None or c.birth_date <= cutoff
    ]
    return len(eligible), sum(p in signed_in for p in eligible)


@pytest.mark.usefixtures("configured")
def test_the_csv_holds_each_communes_share_of_activated_books(
    session: Session, province: Field, tmp_path: Path
) -> None:
    take_snapshot(session, KHANH_HOA, DAY)
    session.commit()
    out = tmp_path / "dti.csv"
    later = (DAY + dt.timedelta(days=3)).isoformat()
    result = runner.invoke(
        app, ["indicators", "dti", "--province", "56", "--day", later, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "số liệu ngày 20/03/2026" in result.output  # the latest snapshot on or before
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    communes = session.scalar(
        select(Commune.code).where(Commune.province_code == KHANH_HOA).order_by(Commune.code)
    )
    assert int(rows[0]["ma_xa"]) == communes  # every commune, in code order
    nha_trang = next(row for row in rows if int(row["ma_xa"]) == NHA_TRANG)
    eligible, activated = _direct(session, NHA_TRANG)
    assert eligible > activated > 0
    assert (nha_trang["ten_xa"], nha_trang["ngay_so_lieu"]) == ("Phường Nha Trang", "2026-03-20")
    assert int(nha_trang["dan_so_tu_14_tuoi"]) == eligible
    assert int(nha_trang["da_kich_hoat_so_suc_khoe"]) == activated
    assert nha_trang["ty_le_phan_tram"] == f"{100 * activated / eligible:.2f}"
    empty = next(row for row in rows if row["dan_so_tu_14_tuoi"] == "0")
    assert empty["ty_le_phan_tram"] == ""  # no one to count: no share, not 0 %


@pytest.mark.usefixtures("configured")
def test_without_a_snapshot_the_command_says_what_to_run(tmp_path: Path) -> None:
    out = tmp_path / "dti.csv"
    result = runner.invoke(
        app, ["indicators", "dti", "--province", "56", "--day", "2026-03-20", "--out", str(out)]
    )
    assert result.exit_code == 1
    assert "sokhoe indicators snapshot --province 56" in result.output
    assert not out.exists()
