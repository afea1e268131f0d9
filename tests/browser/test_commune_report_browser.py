"""A commune officer, on a phone, sends the day's report during the peak: figures filled in
from the day's count, her difficulties and proposals typed; the next morning the Department
of Health sees the commune's completeness and opens its page to read what she wrote
(R11, R18).

The pages' clock is set to the peak (20/3/2026 evening, then the 21st at 11:00): the
server runs in this process, so the views' ``utcnow`` is patched like a unit test's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, or_, select

from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.campaign import plans, service
from sokhoe.campaign.indicators import UnitLevel, read_snapshot, take_snapshot
from sokhoe.campaign.report_models import CommuneReport
from sokhoe.registry.models import Citizen, Village
from sokhoe.registry.units import ensure_province
from sokhoe.vietnam_time import VIETNAM_TIME
from sokhoe.web import commune_report_views
from tests.browser.conftest import DESKTOP, LiveServer
from tests.browser.steps import assert_fits_width, browsing, sign_in
from tests.campaign.test_fieldwork import add_card

OFFICER, PROVINCE, PASSWORD = "baocao.canboxa", "baocao.soyte", "mật khẩu báo cáo xã"
BAC_NHA_TRANG = 22333
DAY = dt.date(2026, 3, 20)
PHONE_390 = {"width": 390, "height": 844}
DIFFICULTIES = "Thôn Đồng Bò còn 37 người cao tuổi chưa có điện thoại thông minh."
#: Bắc Nha Trang's residents here: (born, level-2 e-ID, BHYT card).
RESIDENTS = [
    (dt.date(1958, 4, 2), True, "integrated"),
    (dt.date(1984, 9, 12), True, "listed"),
    (dt.date(1991, 1, 30), False, "listed"),
    (dt.date(2003, 6, 5), True, None),
    (dt.date(2016, 2, 1), False, "integrated"),  # a child: not eligible
]
PROPOSALS = "Đề nghị Công an phường cử thêm 2 cán bộ hỗ trợ định danh mức 2 vào thứ Bảy."


@pytest.fixture(scope="module")
def accounts(live_server: LiveServer) -> int:
    """The officer of Bắc Nha Trang and Khánh Hòa's Department of Health; residents of a
    ward of Bắc Nha Trang; the campaign; the count of 20/3. Returns the commune's eligible
    residents in that count, checked against a count of the register."""
    with live_server.database.sessions() as session:
        ensure_province(session, 56)
        create_user(
            session,
            username=OFFICER,
            password=PASSWORD,
            role=Role.COMMUNE_OFFICER,
            display_name="Hồ Thị Mai",
            commune_code=BAC_NHA_TRANG,
        )
        create_user(
            session,
            username=PROVINCE,
            password=PASSWORD,
            role=Role.HEALTH_DEPARTMENT,
            display_name="Trương Văn Bình",
            province_code=56,
        )
        village = Village(commune_code=BAC_NHA_TRANG, name="Tổ dân phố Đồng Bò")
        session.add(village)
        session.flush()
        for n, (born, level2, card) in enumerate(RESIDENTS):
            person_id = f"05619{n:07d}"
            session.add(
                Citizen(
                    person_id=person_id,
                    full_name=f"Cư dân Đồng Bò {n}",
                    birth_date=born,
                    sex="F",
                    commune_code=BAC_NHA_TRANG,
                    village_id=village.id,
                    household_id=f"DB{n:03d}",
                    level2_eid=level2,
                )
            )
            session.flush()
            if card:
                add_card(session, person_id, integrated=card == "integrated")
        if service.active_campaign(session, 56) is None:
            plans.create_peak_campaign(session, province_code=56, year=2026)
        take_snapshot(session, 56, DAY)
        session.commit()
        (row,) = [
            r
            for r in read_snapshot(session, province_code=56, day=DAY, level=UnitLevel.COMMUNE)
            if r.unit_code == BAC_NHA_TRANG
        ]
        adults = session.scalar(
            select(func.count())
            .select_from(Citizen)
            .where(
                Citizen.commune_code == BAC_NHA_TRANG,
                or_(Citizen.birth_date.is_(None), Citizen.birth_date <= dt.date(2012, 3, 20)),
            )
        )
        assert row.eligible == adults >= 4
        return row.eligible


@pytest.mark.browser
@pytest.mark.parametrize("page", [PHONE_390], indirect=True, ids=["390"])
def test_the_commune_officer_sends_the_daily_report_and_the_province_sees_it(
    page: Page,
    live_server: LiveServer,
    accounts: int,
    monkeypatch: pytest.MonkeyPatch,
    screenshot: Callable[[Page, str], Path],
) -> None:
    now = [dt.datetime(2026, 3, 20, 18, 5, tzinfo=VIETNAM_TIME)]
    monkeypatch.setattr(commune_report_views, "utcnow", lambda: now[0])
    sign_in(page, live_server.url, OFFICER, PASSWORD)
    page.goto(f"{live_server.url}/chien-dich/bao-cao")
    expect(page.get_by_role("heading", level=1)).to_have_text("Báo cáo của Phường Bắc Nha Trang")
    today = page.locator("li.report-period").first
    expect(today).to_contain_text("Báo cáo ngày 20/03/2026")
    expect(today).to_contain_text("Chưa đến hạn")
    assert_fits_width(page)
    screenshot(page, "commune-report-list-390")

    today.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Báo cáo ngày 20/03/2026")
    expect(page.get_by_role("heading", name="Số liệu ngày 20/03/2026")).to_be_visible()
    figures = page.locator(".report-figures")
    expect(figures).to_contain_text(f"Người dân đủ điều kiện (từ 14 tuổi){accounts}")
    page.get_by_label("Khó khăn, vướng mắc").fill(DIFFICULTIES)
    page.get_by_label("Đề xuất, kiến nghị").fill(PROPOSALS)
    assert_fits_width(page)
    screenshot(page, "commune-report-form-390")
    page.get_by_role("button", name="Gửi báo cáo").click()
    expect(page.get_by_role("status")).to_have_text("Báo cáo đã gửi.")
    expect(page.locator(".report-meta")).to_contain_text("Đã gửi đúng hạn")
    expect(page.get_by_text("Đã gửi lúc 20/03/2026 18:05, người gửi: Hồ Thị Mai.")).to_be_visible()
    expect(page.get_by_role("button", name="Gửi báo cáo")).to_have_count(0)
    assert_fits_width(page)
    screenshot(page, "commune-report-sent-390")
    with live_server.database.sessions() as session:
        report = session.scalars(
            select(CommuneReport).where(CommuneReport.commune_code == BAC_NHA_TRANG)
        ).one()
    assert (report.difficulties, report.proposals) == (DIFFICULTIES, PROPOSALS)
    assert report.eligible == accounts and report.figures_day == DAY

    now[0] = dt.datetime(2026, 3, 21, 11, 0, tzinfo=VIETNAM_TIME)  # the next morning
    for viewport, name in ((PHONE_390, "390"), (DESKTOP, "desktop")):
        with browsing(page.context.browser, viewport) as province:  # type: ignore[arg-type]
            sign_in(province, live_server.url, PROVINCE, PASSWORD)
            province.goto(f"{live_server.url}/chien-dich/bao-cao/tinh?thang=2026-03")
            expect(province.get_by_role("heading", level=1)).to_have_text(
                "Báo cáo của các xã, tháng 03/2026"
            )
            row = province.get_by_role("row").filter(has_text="Phường Bắc Nha Trang")
            # 1/3–20/3 were due by now; she sent the 20th's, on time
            expect(row.locator("td")).to_have_text(
                ["20", "1", "1", "5,0 %", "5,0 %", "Chưa gửi (19): 01/03–19/03"]
            )
            assert_fits_width(province)
            screenshot(province, f"commune-report-province-{name}")
            row.get_by_role("link", name="Phường Bắc Nha Trang").click()
            expect(province.get_by_role("heading", level=1)).to_have_text(
                "Báo cáo của Phường Bắc Nha Trang"
            )
            sent = province.locator("article.report-sent")
            expect(sent).to_have_count(1)
            expect(sent).to_contain_text("Đã gửi đúng hạn")
            expect(sent).to_contain_text(DIFFICULTIES)
            expect(sent).to_contain_text(PROPOSALS)
            assert_fits_width(province)
            screenshot(province, f"commune-report-sent-province-{name}")
