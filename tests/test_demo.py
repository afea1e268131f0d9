"""`sokhoe demo`'s building blocks: the province is built once, the logins are stable, and
the campaign's pages show something: a falling commune with its head, the communes' reports,
the months of the monthly report, the guidance member's school and enterprise."""

from __future__ import annotations

import datetime as dt
import re
import stat
from collections import defaultdict
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sokhoe import demo
from sokhoe.access.identity import LocalPasswordIdentity
from sokhoe.access.models import User
from sokhoe.campaign.establishment_models import (
    Establishment,
    EstablishmentContact,
    EstablishmentMember,
)
from sokhoe.campaign.head_models import CommuneHead
from sokhoe.campaign.indicator_models import IndicatorSnapshot
from sokhoe.campaign.indicators import COUNTS, vietnam_today
from sokhoe.campaign.report_models import CommuneReport
from sokhoe.config import Settings
from sokhoe.records.models import Immunization, Visit
from sokhoe.registry.models import Citizen, Commune
from sokhoe.runtime import Database, open_database
from sokhoe.web.app import create_app
from sokhoe.web.formatting import vn_number
from tests.web.conftest import sign_in

PEOPLE = 1500
START, DEADLINE = dt.date(2026, 3, 1), dt.date(2026, 6, 30)
_DENOMINATORS = {
    "level2": "eligible",
    "books_activated": "eligible",
    "cards_integrated": "cards_listed",
    "schools_reached": "schools",
    "students_integrated": "students",
    "enterprises_reached": "enterprises",
    "employees_activated": "employees",
}


def test_demo_builds_once_and_its_pages_show_something(database_url: str, tmp_path: Path) -> None:
    """One build per backend (a minute): the checks below share it."""
    database = open_database(database_url)
    assert not demo.has_citizens(database)
    demo.build_province(database, tmp_path / "data", people=PEOPLE)
    assert demo.has_citizens(database)
    logins_file = tmp_path / "demo-logins.json"
    first = demo.demo_logins(database, logins_file)
    assert demo.demo_logins(database, logins_file) == first
    assert stat.S_IMODE(logins_file.stat().st_mode) == 0o600

    _check_logins(database, first)
    _check_history(database)
    _check_department_pages(database, first, tmp_path)
    _check_member_pages(database, first, tmp_path)

    logins_file.unlink()
    with pytest.raises(RuntimeError, match="thiếu tệp"):
        demo.demo_logins(database, logins_file)
    database.engine.dispose()


def _check_logins(database: Database, first: list[demo.DemoLogin]) -> None:
    """The same working logins on every run."""
    assert len({login.role for login in first}) == 8

    with Session(database.engine) as session:
        # The eight logins, and an officer without a password for every other commune,
        # who sent its reports.
        communes = session.scalar(
            select(func.count()).select_from(Commune).where(Commune.province_code == 56)
        )
        signing_in = select(func.count()).where(User.password_hash.is_not(None))
        assert session.scalar(signing_in) == 8
        assert session.scalar(select(func.count()).select_from(User)) == 8 + communes - 1
        assert session.scalar(select(func.count()).select_from(Citizen)) == PEOPLE
        citizen = next(login for login in first if login.username == "congdan")
        user = LocalPasswordIdentity().authenticate(
            session, username=citizen.username, password=citizen.password, remote_addr=None
        )
        assert user.person_id is not None
        # The hospitals' files are in the health books, the demo citizen's among them.
        own_visits = select(func.count()).where(Visit.person_id == user.person_id)
        assert session.scalar(own_visits) > 0
        assert session.scalar(select(func.count()).select_from(Immunization)) > 0


def _rows(session: Session) -> dict[dt.date, list[IndicatorSnapshot]]:
    days: dict[dt.date, list[IndicatorSnapshot]] = defaultdict(list)
    for row in session.scalars(select(IndicatorSnapshot)):
        days[row.day].append(row)
    return days


def _check_history(database: Database) -> None:
    """Every day from the start to today has a row per unit; villages sum to communes, and
    communes to the province; no count exceeds its denominator; visits only grow."""
    today = vietnam_today()
    with Session(database.engine) as session:
        days = _rows(session)
    assert sorted(days) == [START + dt.timedelta(days=n) for n in range((today - START).days + 1)]
    units = {len(rows) for rows in days.values()}
    assert len(units) == 1
    previous: dict[tuple[str, int], int] = {}
    for day in sorted(days):
        rows = days[day]
        villages = [r for r in rows if r.unit_level == "village"]
        communes = {r.unit_code: r for r in rows if r.unit_level == "commune"}
        (province,) = [r for r in rows if r.unit_level == "province"]
        for name in COUNTS:
            assert sum(getattr(c, name) for c in communes.values()) == getattr(province, name)
            within: dict[int, int] = defaultdict(int)
            for village in villages:
                assert village.commune_code is not None
                within[village.commune_code] += getattr(village, name)
            for code, total in within.items():
                # a commune's residents without a village count in the commune only
                assert total <= getattr(communes[code], name), (day, code, name)
        for row in rows:
            for part, whole in _DENOMINATORS.items():
                assert 0 <= getattr(row, part) <= getattr(row, whole), (day, row.unit_code, part)
            key = (row.unit_level, row.unit_code)
            assert row.visits_to_date >= previous.get(key, 0)
            previous[key] = row.visits_to_date
    # Growing from about a fifth of today's cards in the wallet (a tenth where lagging).
    first = next(r for r in days[START] if r.unit_level == "province")
    last = next(r for r in days[today] if r.unit_level == "province")
    assert 0.1 * last.cards_integrated < first.cards_integrated < 0.25 * last.cards_integrated


def _client(database: Database, tmp_path: Path) -> TestClient:
    settings = Settings(home=tmp_path / "home", secret_key="test", snapshot_every_minutes=0)
    return TestClient(create_app(database, settings=settings), follow_redirects=False)


def _login(logins: list[demo.DemoLogin], username: str) -> tuple[str, str]:
    login = next(login for login in logins if login.username == username)
    return login.username, login.password


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _check_department_pages(
    database: Database, logins: list[demo.DemoLogin], tmp_path: Path
) -> None:
    """A falling commune with its head, March's completeness, the report's months."""
    today = vietnam_today()
    with Session(database.engine) as session:
        # Independently: communes whose share of cards in the wallet is now lower than its
        # highest since the deadline by more than 0.1 point, with their heads.
        highest: dict[int, float] = defaultdict(float)
        latest: dict[int, float] = {}
        for row in session.scalars(
            select(IndicatorSnapshot).where(
                IndicatorSnapshot.unit_level == "commune", IndicatorSnapshot.day >= DEADLINE
            )
        ):
            if row.cards_listed:
                share = row.cards_integrated / row.cards_listed
                if row.day == today:
                    latest[row.unit_code] = share
                else:
                    highest[row.unit_code] = max(highest[row.unit_code], share)
        falling = [code for code, share in latest.items() if highest[code] - share > 0.001]
        assert falling
        names = {
            c.code: c.name
            for c in session.scalars(select(Commune).where(Commune.province_code == 56))
        }
        heads = {h.commune_code: h.name for h in session.scalars(select(CommuneHead))}
        assert len(heads) == len(names)
        # The reports of March's days due in March (the 31st's is due on 1 April).
        due = 30 * len(names)
        sent = session.scalar(
            select(func.count())
            .select_from(CommuneReport)
            .where(
                CommuneReport.submitted_at.is_not(None),
                CommuneReport.period_kind == "daily",
                CommuneReport.period_start <= dt.date(2026, 3, 30),
            )
        )
        assert 0 < sent < due
        months = {
            day.strftime("%m/%Y")
            for day in session.scalars(select(IndicatorSnapshot.day).distinct())
        }
    with _client(database, tmp_path) as client:
        assert sign_in(client, *_login(logins, "soyte")).status_code == 303
        page = client.get("/chien-dich/theo-doi")
        assert page.status_code == 200
        declines = _text(page.text.split('id="declines-title"')[1].split("</section>")[0])
        assert "Đang giảm" in declines
        for code in falling:
            assert names[code] in declines and heads[code] in declines

        reports = client.get("/chien-dich/bao-cao/tinh?thang=2026-03")
        assert reports.status_code == 200
        figures = _text(reports.text)
        assert f"{vn_number(100 * sent / due, 1)} % Tỷ lệ đầy đủ" in figures
        assert "Gửi muộn (" in figures and "Chưa gửi (" in figures

        offered = client.get("/bao-cao/thang")
        assert offered.status_code == 200
        assert set(re.findall(r"<option value=\"\d{4}-\d{2}\">(\d{2}/\d{4})", offered.text)) == (
            months
        )


def _check_member_pages(database: Database, logins: list[demo.DemoLogin], tmp_path: Path) -> None:
    """The guidance member guides a school and an enterprise of her commune."""
    with Session(database.engine) as session:
        member = session.scalar(select(User).where(User.username == "tohuongdan"))
        assert member is not None
        assigned = session.scalars(
            select(Establishment)
            .join(EstablishmentContact, EstablishmentContact.establishment_id == Establishment.id)
            .where(EstablishmentContact.user_id == member.id)
        ).all()
        assert sorted(e.kind for e in assigned) == ["enterprise", "school"]
        assert {e.commune_code for e in assigned} == {member.commune_code}
        school = next(e for e in assigned if e.kind == "school")
        members = session.scalars(
            select(Citizen.full_name)
            .join(EstablishmentMember, EstablishmentMember.person_id == Citizen.person_id)
            .where(EstablishmentMember.establishment_id == school.id)
        ).all()
        assert members
    with _client(database, tmp_path) as client:
        assert sign_in(client, *_login(logins, "tohuongdan")).status_code == 303
        listed = client.get("/chien-dich/truong-doanh-nghiep")
        assert listed.status_code == 200
        for establishment in assigned:
            assert establishment.name in listed.text
        assert f"{vn_number(len(members))} người trong danh sách" in listed.text
        roster = client.get(f"/chien-dich/truong-doanh-nghiep/{school.id}")
        assert roster.status_code == 200
        assert any(name in roster.text for name in members)
