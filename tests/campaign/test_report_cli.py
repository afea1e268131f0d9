"""``sokhoe report``: the file written and what it says, and each refusal's exit code and
message, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from sokhoe.access.models import AuditEntry
from sokhoe.campaign.indicators import take_snapshot
from sokhoe.cli import app
from sokhoe.registry.models import Commune
from tests.campaign.conftest import Field
from tests.campaign.test_indicators import configured
from tests.support.factories import KHANH_HOA

__all__ = ["configured"]

runner = CliRunner()


@pytest.fixture
def snapshots(session: Session, field: Field) -> Field:
    for day in (dt.date(2026, 2, 28), dt.date(2026, 3, 31)):
        take_snapshot(session, KHANH_HOA, day)
    session.commit()
    return field


def _report(*options: str) -> list[str]:
    return ["report", "--province", "56", "--month", "2026-03", *options]


@pytest.mark.usefixtures("configured", "snapshots")
def test_the_xlsx_is_written_with_a_row_per_commune(session: Session, tmp_path: Path) -> None:
    out = tmp_path / "bao-cao.xlsx"
    result = runner.invoke(app, _report("--format", "xlsx", "--out", str(out)))
    assert result.exit_code == 0, result.output
    communes = session.scalar(
        select(func.count()).select_from(Commune).where(Commune.province_code == KHANH_HOA)
    )
    assert f"Đã ghi {out}: {communes} xã và dòng toàn tỉnh" in result.output
    assert "số liệu đến ngày 31/03/2026" in result.output and " s)." in result.output
    sheet = openpyxl.load_workbook(out)["Tổng hợp"]
    rows = list(sheet.iter_rows(min_col=1, max_col=3, values_only=True))
    assert rows[-1][2] == "Toàn tỉnh" and rows[-2][0] == communes
    audited = session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "province_monthly_report", AuditEntry.actor_role == "none")
    )
    assert audited == 1


@pytest.mark.usefixtures("configured", "snapshots")
def test_the_pdf_is_written(tmp_path: Path) -> None:
    out = tmp_path / "bao-cao.pdf"
    result = runner.invoke(app, _report("--format", "pdf", "--out", str(out)))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-")


@pytest.mark.usefixtures("configured", "snapshots")
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["report", "--province", "99", "--month", "2026-03"],
            "Không có tỉnh mã 99.",
        ),
        (
            ["report", "--province", "56", "--month", "2026-3"],
            "Tháng không hợp lệ: '2026-3' (cần dạng YYYY-MM",
        ),
        (
            ["report", "--province", "56", "--month", "2026-04"],
            "Chưa có số liệu chỉ số nào của tỉnh 56 trong tháng 04/2026: hãy chụp số liệu "
            "trước (sokhoe indicators snapshot --province 56",
        ),
    ],
)
def test_a_report_that_cannot_be_made_exits_1(
    arguments: list[str], message: str, tmp_path: Path
) -> None:
    out = tmp_path / "x.pdf"
    result = runner.invoke(app, [*arguments, "--format", "pdf", "--out", str(out)])
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())
    assert not out.exists()


@pytest.mark.usefixtures("configured", "snapshots")
def test_a_file_that_cannot_be_written_exits_1(session: Session, tmp_path: Path) -> None:
    out = tmp_path / "no-such-folder" / "x.xlsx"
    result = runner.invoke(app, _report("--format", "xlsx", "--out", str(out)))
    assert result.exit_code == 1
    assert "Không ghi được tệp" in result.output
    audited = session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "province_monthly_report")
    )
    assert audited == 0  # nothing was given out


def test_an_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, _report("--format", "csv", "--out", str(tmp_path / "x.csv")))
    assert result.exit_code == 2
