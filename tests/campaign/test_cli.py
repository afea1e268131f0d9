"""``sokhoe campaign create`` and ``sokhoe campaign findings`` on the configured database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from sokhoe.campaign import findings
from sokhoe.campaign.models import CardFinding
from sokhoe.campaign.service import active_campaign
from sokhoe.cli import app
from sokhoe.config import get_settings
from tests.campaign.conftest import Field
from tests.campaign.test_fieldwork import finished_run
from tests.support.factories import KHANH_HOA

runner = CliRunner()


@pytest.fixture(autouse=True)
def configured(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[None]:
    monkeypatch.setenv("SOKHOE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_create_makes_the_provinces_active_campaign(session: Session, field: Field) -> None:
    result = runner.invoke(app, ["campaign", "create", "--province", "56", "--year", "2027"])
    assert result.exit_code == 0, result.output
    assert "01/03/2027–30/06/2027" in result.output
    session.expire_all()
    campaign = active_campaign(session, KHANH_HOA)
    assert campaign is not None and campaign.id != field.campaign_id


def test_create_refuses_an_unknown_province() -> None:
    result = runner.invoke(app, ["campaign", "create", "--province", "99", "--year", "2027"])
    assert result.exit_code == 1 and "Không có tỉnh mã 99" in result.output


def test_findings_of_a_run_are_copied_once(session: Session, field: Field, tmp_path: Path) -> None:
    twice = ("056085000001", "ready_not_integrated")
    run_id = finished_run(session, tmp_path, [twice, twice, ("056085000002", "integrated")]).id
    session.commit()
    result = runner.invoke(app, ["campaign", "findings", "--run", str(run_id)])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(func.count()).select_from(CardFinding)) == 1
    assert findings.latest_run_id(session, KHANH_HOA) == run_id
    again = runner.invoke(app, ["campaign", "findings", "--run", str(run_id)])
    assert again.exit_code == 1 and "đã được nạp" in again.output
    missing = runner.invoke(app, ["campaign", "findings", "--run", "999"])
    assert missing.exit_code == 1 and "Không có lần đối soát 999" in missing.output
