"""The Department of Health's dashboard in a real browser, on a desktop and on a 390 px
phone: it names the head of a lagging commune, finds that commune at the top of the ranking
flagged "Chậm tiến độ" with its head beside it, and opens the commune's villages (R14); the
schools, pupils and enterprises reached are shown beside them, "—" for a commune without
school (R13)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from sqlalchemy import delete, select

from sokhoe.access.clock import utcnow
from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.campaign import plans, service
from sokhoe.campaign.indicator_models import IndicatorSnapshot
from sokhoe.campaign.models import GuidanceTeam, TeamVillage
from sokhoe.registry.models import Commune, Village
from sokhoe.registry.units import ensure_province
from tests.browser.conftest import DESKTOP, LiveServer
from tests.browser.steps import assert_fits_width, browsing, sign_in

USER, PASSWORD = "theodoi.soyte", "mật khẩu sở y tế"
KHANH_HOA = 56
PHONE_390: ViewportSize = {"width": 390, "height": 844}
FIRST, DAYS = dt.date(2026, 3, 1), 46
#: The two communes that lag (by position among the ten drawn), and their villages.
LAGGING = (3, 7)
#: The commune (by position) without any school or pupil.
SCHOOLLESS = 2
VILLAGES = ("Thôn Phú Lộc", "Thôn Phú Thạnh", "Thôn Xuân Ngọc")


def _row(
    day: dt.date,
    level: str,
    code: int,
    commune: int | None,
    eligible: int,
    share: float,
    cards: float,
    visits: int,
    **establishments: int,
) -> IndicatorSnapshot:
    return IndicatorSnapshot(
        day=day,
        unit_level=level,
        unit_code=code,
        province_code=KHANH_HOA,
        commune_code=commune,
        residents=eligible + eligible // 5,
        eligible=eligible,
        level2=int(eligible * min(1.0, share + 0.2)),
        books_activated=int(eligible * share),
        cards_listed=eligible,
        cards_integrated=int(eligible * cards),
        visits_on_day=0,
        visits_to_date=visits,
        households_visited=0,
        taken_at=utcnow(),
        **establishments,
    )


def _establishments(index: int, n: int) -> dict[str, int]:
    """A commune's schools, pupils and enterprises on day ``n``: reached a little ahead of
    the straight path to 100 % by 30/6 (none for :data:`SCHOOLLESS`'s schools)."""
    reached = min(1.0, 0.1 + 0.012 * n)
    schools = 0 if index == SCHOOLLESS else 10 + index
    students = 0 if index == SCHOOLLESS else 2_000 + 150 * index
    enterprises = 20 + 2 * index
    return {
        "schools": schools,
        "schools_reached": round(schools * reached),
        "students": students,
        "students_integrated": round(students * reached),
        "enterprises": enterprises,
        "enterprises_reached": round(enterprises * reached),
    }


@pytest.fixture(scope="module")
def province(live_server: LiveServer) -> str:
    """Ten communes over 46 days from 1/3: shares growing, two communes slower; the first
    lagging commune has three villages, one without a team. Returns that commune's name."""
    with live_server.database.sessions() as session:
        ensure_province(session, KHANH_HOA)
        create_user(
            session,
            username=USER,
            password=PASSWORD,
            role=Role.HEALTH_DEPARTMENT,
            display_name="Võ Thị Kim Anh",
            province_code=KHANH_HOA,
        )
        campaign = service.active_campaign(session, KHANH_HOA) or plans.create_peak_campaign(
            session, province_code=KHANH_HOA, year=2026
        )
        communes = list(
            session.scalars(
                select(Commune).where(Commune.province_code == KHANH_HOA).order_by(Commune.code)
            )
        )[:10]
        lagging = communes[LAGGING[0]]
        villages = [Village(commune_code=lagging.code, name=name) for name in VILLAGES]
        session.add_all(villages)
        team = GuidanceTeam(
            campaign_id=campaign.id,
            commune_code=lagging.code,
            name="Tổ hướng dẫn Phú Lộc",
            head_name="Huỳnh Văn Nam",
            head_organisation="village_head",
        )
        session.add(team)
        session.flush()
        session.add_all(
            TeamVillage(campaign_id=campaign.id, village_id=v.id, team_id=team.id)
            for v in villages[:2]
        )
        # the browser tests of a worker share one database: another's snapshot of a day
        # (the report form's) would collide with these rows
        session.execute(delete(IndicatorSnapshot).where(IndicatorSnapshot.province_code == 56))
        for n in range(DAYS):
            day = FIRST + dt.timedelta(days=n)
            totals = [0, 0.0, 0.0, 0]
            counted: dict[str, int] = {}
            for index, commune in enumerate(communes):
                eligible = 12_000 + 1_700 * index
                pace = 0.004 if index in LAGGING else 0.009 + 0.0004 * index
                books, cards = 0.12 + 0.02 * index + pace * n, 0.3 + pace * 0.8 * n
                visits = (40 + index * 3) * n
                places = _establishments(index, n)
                for name, count in places.items():
                    counted[name] = counted.get(name, 0) + count
                session.add(
                    _row(
                        day,
                        "commune",
                        commune.code,
                        commune.code,
                        eligible,
                        books,
                        cards,
                        visits,
                        **places,
                    )
                )
                totals = [
                    totals[0] + eligible,
                    totals[1] + eligible * books,
                    totals[2] + eligible * cards,
                    totals[3] + visits,
                ]
                if commune is lagging:
                    for k, village in enumerate(villages):
                        session.add(
                            _row(
                                day,
                                "village",
                                village.id,
                                commune.code,
                                4_000,
                                books + 0.03 * (k - 1),
                                cards,
                                visits // 3,
                            )
                        )
            total = int(totals[0])
            session.add(
                _row(
                    day,
                    "province",
                    KHANH_HOA,
                    None,
                    total,
                    totals[1] / total,
                    totals[2] / total,
                    int(totals[3]),
                    **counted,
                )
            )
        session.commit()
        return lagging.name


@pytest.fixture(scope="module")
def schoolless(live_server: LiveServer, province: str) -> str:
    with live_server.database.sessions() as session:
        return session.scalars(
            select(Commune.name).where(Commune.province_code == KHANH_HOA).order_by(Commune.code)
        ).all()[SCHOOLLESS]


def _dashboard(page: Page, base: str, lagging: str, name: str) -> None:
    page.goto(f"{base}/chien-dich/theo-doi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Theo dõi chiến dịch: Khánh Hòa")
    first = page.locator("tr.ranking__row").first
    expect(first).to_contain_text(lagging)
    expect(first).to_contain_text("Chậm tiến độ")
    expect(first).to_contain_text(name)
    expect(page.locator("svg.chart__svg polyline")).to_have_count(5)
    expect(page.locator(".figure").filter(has_text="Trường học đã đến vận động")).to_contain_text(
        "trường đã đến vận động; theo tiến độ cần đạt"
    )


@pytest.mark.browser
def test_the_department_names_a_head_and_finds_the_lagging_commune_first(
    browser: Browser,
    live_server: LiveServer,
    province: str,
    schoolless: str,
    screenshot: Callable[[Page, str], Path],
) -> None:
    base = live_server.url
    with browsing(browser, DESKTOP) as page:
        sign_in(page, base, USER, PASSWORD)
        page.goto(f"{base}/chien-dich/nguoi-dung-dau")
        item = page.locator("li.heads__item").filter(has_text=province)
        item.get_by_label("Họ và tên").fill("Phan Thị Thu Hà")
        item.get_by_label("Chức vụ").fill("Chủ tịch UBND phường")
        item.get_by_role("button", name="Lưu").click()
        expect(page.get_by_role("status")).to_have_text("Đã lưu.")
        expect(page.locator("li.heads__item").filter(has_text=province)).to_contain_text(
            "Hiện tại: Phan Thị Thu Hà, Chủ tịch UBND phường"
        )

        _dashboard(page, base, province, "Phan Thị Thu Hà, Chủ tịch UBND phường")
        no_school = page.locator("tr.ranking__row").filter(has_text=schoolless)
        expect(no_school.locator('td[data-label="Trường học đã đến vận động"]')).to_have_text("—")
        expect(no_school.locator('td[data-label="Doanh nghiệp đã đến vận động"]')).to_contain_text(
            "cần đạt"
        )
        assert_fits_width(page)
        screenshot(page, "dashboard-desktop")

        page.get_by_role("link", name=province, exact=True).first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            f"Theo dõi chiến dịch: {province}"
        )
        ranking = page.locator("tr.ranking__row")
        expect(ranking).to_have_count(3)
        expect(ranking.filter(has_text="Thôn Phú Lộc")).to_contain_text(
            "Huỳnh Văn Nam, tổ trưởng Tổ hướng dẫn Phú Lộc"
        )
        expect(ranking.filter(has_text="Thôn Xuân Ngọc")).to_contain_text("chưa khai báo")
        screenshot(page, "dashboard-commune-desktop")

    with browsing(browser, PHONE_390) as page:
        sign_in(page, base, USER, PASSWORD)
        _dashboard(page, base, province, "Phan Thị Thu Hà")
        first = page.locator("tr.ranking__row").first
        # A list of cards: the row is a block as wide as the screen, its header hidden.
        expect(page.locator("table.ranking thead")).to_be_hidden()
        box = first.bounding_box()
        assert box is not None and box["width"] > 300
        assert_fits_width(page)
        screenshot(page, "dashboard-390")
        page.get_by_role("link", name="Người đứng đầu chịu trách nhiệm ở các xã, phường").click()
        expect(page.locator("li.heads__item").filter(has_text=province)).to_contain_text(
            "Phan Thị Thu Hà"
        )
        assert_fits_width(page)
