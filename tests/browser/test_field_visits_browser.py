"""A guidance-team member, on a phone, records visits door to door in two taps — one of them
while the network is down: it waits on the phone and reaches the server when the network
returns (R12)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.campaign import plans, service
from sokhoe.campaign.models import GuidanceTeam, GuidanceTeamMember, TeamVillage
from sokhoe.registry.models import Citizen, Village
from sokhoe.registry.units import ensure_province
from tests.browser.conftest import PHONE, LiveServer
from tests.browser.steps import assert_fits_width, sign_in
from tests.browser.visit_steps import recorded_outcomes, tap

MEMBER, PASSWORD = "tohuongdan.phuochai", "mật khẩu tổ hướng dẫn"
NHA_TRANG = 22366
LAM, HOA = "056089500101", "056192500102"
#: Three households of "Thôn Phước Hải Đông": who lives there and what they lack.
PEOPLE = [
    (LAM, "Trần Văn Lâm", dt.date(1989, 4, 2), "M", "PHD001", False),
    ("056192500103", "Trần Thị Hồng", dt.date(1992, 8, 19), "F", "PHD001", True),
    ("056218500104", "Trần Gia Bảo", dt.date(2018, 1, 5), "M", "PHD001", False),
    (HOA, "Nguyễn Thị Hoa", dt.date(1956, 11, 30), "F", "PHD002", True),
    ("056075500105", "Lê Văn Tám", dt.date(1975, 2, 14), "M", "PHD003", False),
]


@pytest.fixture(scope="module")
def member(live_server: LiveServer) -> None:
    with live_server.database.sessions() as session:
        ensure_province(session, 56)
        village = Village(commune_code=NHA_TRANG, name="Thôn Phước Hải Đông")
        session.add(village)
        session.flush()
        session.add_all(
            Citizen(
                person_id=pid,
                full_name=name,
                birth_date=born,
                sex=sex,
                commune_code=NHA_TRANG,
                village_id=village.id,
                household_id=household,
                level2_eid=level2,
            )
            for pid, name, born, sex, household, level2 in PEOPLE
        )
        user = create_user(
            session,
            username=MEMBER,
            password=PASSWORD,
            role=Role.GUIDANCE_MEMBER,
            display_name="Phạm Thị Thu",
            commune_code=NHA_TRANG,
            village_ids=[village.id],
        )
        campaign = service.active_campaign(session, 56) or plans.create_peak_campaign(
            session, province_code=56, year=2026
        )
        team = GuidanceTeam(
            campaign_id=campaign.id,
            commune_code=NHA_TRANG,
            name="Tổ hướng dẫn Phước Hải",
            head_name="Võ Văn Sơn",
            head_organisation="police",
        )
        session.add(team)
        session.flush()
        session.add(TeamVillage(campaign_id=campaign.id, village_id=village.id, team_id=team.id))
        session.add(GuidanceTeamMember(team_id=team.id, user_id=user.id, organisation="union"))
        session.commit()


@pytest.mark.browser
@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["375"])
def test_a_member_records_visits_and_one_made_offline_arrives_later(
    page: Page,
    live_server: LiveServer,
    member: None,
    screenshot: Callable[[Page, str], Path],
) -> None:
    sign_in(page, live_server.url, MEMBER, PASSWORD)
    page.get_by_role("link", name="Hộ cần thăm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hộ cần thăm")
    expect(page.get_by_text("3 hộ còn cần thăm")).to_be_visible()
    lam = page.locator("li.person").filter(has_text="Trần Văn Lâm")
    expect(lam.get_by_text("Chưa có định danh mức 2")).to_be_visible()

    tap(page, "Trần Văn Lâm", "Vắng nhà")
    expect(lam.locator("[data-visit-state]")).to_have_text("Đã gửi: Vắng nhà")
    assert recorded_outcomes(live_server, MEMBER) == {LAM: "not_home"}

    page.context.set_offline(True)
    tap(page, "Nguyễn Thị Hoa", "Đã hướng dẫn, đã kích hoạt")
    hoa = page.locator("li.person").filter(has_text="Nguyễn Thị Hoa")
    expect(hoa.locator("[data-visit-state]")).to_have_text("Chờ gửi: Đã hướng dẫn, đã kích hoạt")
    expect(page.locator("[data-visit-queue-status]")).to_contain_text("1 lần thăm chờ gửi")
    assert_fits_width(page)
    screenshot(page, "field-visits-375")
    assert recorded_outcomes(live_server, MEMBER) == {LAM: "not_home"}  # still only on the phone

    page.context.set_offline(False)
    expect(hoa.locator("[data-visit-state]")).to_have_text(
        "Đã gửi: Đã hướng dẫn, đã kích hoạt", timeout=20_000
    )
    expect(page.locator("[data-visit-queue-status]")).to_contain_text("đã được gửi")
    assert recorded_outcomes(live_server, MEMBER) == {LAM: "not_home", HOA: "guided_activated"}

    page.reload()  # Hoa's household needs nothing more; Lâm's is still to visit
    expect(page.get_by_text("2 hộ còn cần thăm")).to_be_visible()
    expect(lam.locator("[data-visit-state]")).to_contain_text("Vắng nhà")
    hong = page.locator("li.person").filter(has_text="Trần Thị Hồng")
    hong.locator("summary").click()  # the first tap: her six outcomes
    expect(hong.get_by_role("button")).to_have_count(6)
    assert_fits_width(page)
    screenshot(page, "field-visits-outcomes-375")


OFFICER = "canbo.phuochai"


@pytest.mark.browser
@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["375"])
def test_the_commune_officer_gives_a_village_to_a_new_team(
    page: Page,
    live_server: LiveServer,
    member: None,
    screenshot: Callable[[Page, str], Path],
) -> None:
    with live_server.database.sessions() as session:
        create_user(
            session,
            username=OFFICER,
            password=PASSWORD,
            role=Role.COMMUNE_OFFICER,
            display_name="Đặng Thị Yến",
            commune_code=NHA_TRANG,
        )
        village = Village(commune_code=NHA_TRANG, name="Thôn Phước Hải Tây")
        session.add(village)
        session.commit()
    sign_in(page, live_server.url, OFFICER, PASSWORD)
    page.goto(f"{live_server.url}/chien-dich/to-huong-dan")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tổ hướng dẫn")
    page.get_by_label("Tên tổ", exact=True).fill("Tổ hướng dẫn Phước Hải Tây")
    page.get_by_label("Tổ trưởng", exact=True).fill("Huỳnh Văn Nam")
    page.get_by_label("Tổ trưởng thuộc").select_option(label="Trưởng thôn")
    page.get_by_role("button", name="Thành lập tổ").click()
    expect(page.get_by_role("status")).to_have_text("Đã lưu.")
    village_team = page.get_by_label("Thôn Phước Hải Tây", exact=True)
    village_team.select_option(label="Tổ hướng dẫn Phước Hải Tây")
    page.locator("li", has=village_team).get_by_role("button", name="Giao").click()
    expect(page.get_by_role("status")).to_have_text("Đã lưu.")
    team = page.locator("li.team").filter(has_text="Tổ hướng dẫn Phước Hải Tây")
    expect(team).to_contain_text("Thôn phụ trách: Thôn Phước Hải Tây")
    expect(team).to_contain_text("Huỳnh Văn Nam (Trưởng thôn)")
    assert_fits_width(page)
    screenshot(page, "guidance-teams-375")
