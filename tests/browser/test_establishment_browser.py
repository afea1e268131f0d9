"""A teacher, on a phone, goes through her school's pupils still to guide and records each
outcome in two taps — one while the network is down: it waits on the phone and reaches the
server when the network returns (R12, R13)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.campaign import plans, service
from sokhoe.campaign.establishment_models import (
    Establishment,
    EstablishmentContact,
    EstablishmentMember,
)
from sokhoe.insurance.models import InsuranceCard
from sokhoe.registry.models import Citizen, Village
from sokhoe.registry.units import ensure_province
from tests.browser.conftest import DESKTOP, PHONE, LiveServer
from tests.browser.steps import assert_fits_width, sign_in
from tests.browser.visit_steps import recorded_outcomes, tap

TEACHER, PASSWORD = "establishment.giaovien", "mật khẩu của cô giáo"
NHA_TRANG = 22366
AN, BINH = "056213600201", "056212600202"
#: Pupils of "Trường THCS Phước Hải" and one teacher, in two villages of the commune.
PEOPLE = [
    (AN, "Lê Hoàng An", dt.date(2013, 10, 2), "M", "pupil"),
    (BINH, "Phạm Thị Bình", dt.date(2011, 4, 19), "F", "pupil"),
    ("056214600203", "Võ Minh Châu", dt.date(2014, 1, 5), "F", "pupil"),
    ("056086600204", "Đỗ Văn Dũng", dt.date(1986, 6, 1), "M", "staff"),
]
#: Where the screenshots are copied to be looked at.


@pytest.fixture(scope="module")
def school(live_server: LiveServer) -> int:
    with live_server.database.sessions() as session:
        ensure_province(session, 56)
        villages = [
            Village(commune_code=NHA_TRANG, name="Thôn Phước Hải Nam"),
            Village(commune_code=NHA_TRANG, name="Thôn Phước Hải Bắc"),
        ]
        session.add_all(villages)
        session.flush()
        school = Establishment(
            kind="school",
            province_code=56,
            commune_code=NHA_TRANG,
            code="THCS-PH",
            name="Trường THCS Phước Hải",
            head_name="Nguyễn Thị Lan",
        )
        session.add(school)
        session.flush()
        for n, (pid, name, born, sex, role) in enumerate(PEOPLE):
            session.add(
                Citizen(
                    person_id=pid,
                    full_name=name,
                    birth_date=born,
                    sex=sex,
                    commune_code=NHA_TRANG,
                    village_id=villages[n % 2].id,
                    household_id=f"PHN{n}",
                    level2_eid=False,
                )
            )
            session.flush()
            session.add(EstablishmentMember(establishment_id=school.id, person_id=pid, role=role))
            if born.year > 2012:  # under 14: only the card, not yet in the e-ID wallet
                session.add(
                    InsuranceCard(
                        card_number=f"HS4{pid[-10:]}",
                        bhxh_number=pid[-10:],
                        holder_key=pid,
                        person_id=pid,
                        full_name=name,
                    )
                )
        user = create_user(
            session,
            username=TEACHER,
            password=PASSWORD,
            role=Role.GUIDANCE_MEMBER,
            display_name="Cô giáo Trần Thị Mai",
            commune_code=NHA_TRANG,
            village_ids=[villages[0].id],
        )
        session.add(EstablishmentContact(establishment_id=school.id, user_id=user.id))
        if service.active_campaign(session, 56) is None:
            plans.create_peak_campaign(session, province_code=56, year=2026)
        session.commit()
        return school.id


@pytest.mark.browser
@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["375"])
def test_a_teacher_records_pupils_and_one_made_offline_arrives_later(
    page: Page,
    live_server: LiveServer,
    school: int,
    screenshot: Callable[[Page, str], Path],
) -> None:
    sign_in(page, live_server.url, TEACHER, PASSWORD)
    page.goto(f"{live_server.url}/chien-dich/truong-doanh-nghiep")  # one school: its list
    expect(page.get_by_role("heading", level=1)).to_have_text("Trường THCS Phước Hải")
    expect(page.get_by_text("Còn 4 người cần hướng dẫn")).to_be_visible()
    pupils = page.locator("li.household").filter(has_text="Học sinh")
    expect(pupils.locator("li.person")).to_have_count(3)
    an = page.locator("li.person").filter(has_text="Lê Hoàng An")
    expect(an).to_contain_text("Dưới 14 tuổi")

    tap(page, "Lê Hoàng An", "Vắng nhà")
    expect(an.locator("[data-visit-state]")).to_have_text("Đã gửi: Vắng nhà")
    assert recorded_outcomes(live_server, TEACHER) == {AN: "not_home"}

    page.context.set_offline(True)
    tap(page, "Phạm Thị Bình", "Đã hướng dẫn, đã kích hoạt")
    binh = page.locator("li.person").filter(has_text="Phạm Thị Bình")
    expect(binh.locator("[data-visit-state]")).to_have_text("Chờ gửi: Đã hướng dẫn, đã kích hoạt")
    expect(page.locator("[data-visit-queue-status]")).to_contain_text("1 lần thăm chờ gửi")
    assert_fits_width(page)
    screenshot(page, "establishment-visits-375")
    assert recorded_outcomes(live_server, TEACHER) == {AN: "not_home"}  # still only on the phone

    page.context.set_offline(False)
    expect(binh.locator("[data-visit-state]")).to_have_text(
        "Đã gửi: Đã hướng dẫn, đã kích hoạt", timeout=20_000
    )
    assert recorded_outcomes(live_server, TEACHER) == {AN: "not_home", BINH: "guided_activated"}

    page.reload()  # Bình is settled; An still needs his card
    expect(page.get_by_text("Còn 3 người cần hướng dẫn")).to_be_visible()
    expect(binh).to_have_count(0)


@pytest.mark.browser
def test_the_list_on_a_desktop(
    page: Page,
    live_server: LiveServer,
    school: int,
    screenshot: Callable[[Page, str], Path],
) -> None:
    assert page.viewport_size == DESKTOP
    sign_in(page, live_server.url, TEACHER, PASSWORD)
    page.goto(f"{live_server.url}/chien-dich/truong-doanh-nghiep/{school}")
    staff = page.locator("li.household").filter(has_text="Cán bộ, giáo viên")
    expect(staff).to_contain_text("Đỗ Văn Dũng")
    staff.locator("summary").click()
    expect(staff.get_by_role("button")).to_have_count(6)
    screenshot(page, "establishment-list-1280")


@pytest.mark.browser
@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["375"])
def test_a_contact_of_two_establishments_chooses_one(
    page: Page,
    live_server: LiveServer,
    school: int,
    screenshot: Callable[[Page, str], Path],
) -> None:
    with live_server.database.sessions() as session:
        factory = Establishment(
            kind="enterprise",
            province_code=56,
            commune_code=NHA_TRANG,
            code="DN-PH",
            name="Công ty TNHH Thủy sản Phước Hải",
            head_name="Huỳnh Văn Tài",
        )
        session.add(factory)
        session.flush()
        village = session.scalar(select(Village.id).where(Village.name == "Thôn Phước Hải Nam"))
        user = create_user(
            session,
            username="establishment.nhansu",
            password=PASSWORD,
            role=Role.GUIDANCE_MEMBER,
            display_name="Cán bộ nhân sự Lê Văn Hải",
            commune_code=NHA_TRANG,
            village_ids=[village] if village else [],
        )
        session.add_all(
            EstablishmentContact(establishment_id=e, user_id=user.id) for e in (school, factory.id)
        )
        session.commit()
    sign_in(page, live_server.url, "establishment.nhansu", PASSWORD)
    page.goto(f"{live_server.url}/chien-dich/truong-doanh-nghiep")
    expect(page.get_by_role("heading", level=1)).to_have_text("Trường học, doanh nghiệp")
    expect(page.locator("li.team")).to_have_count(2)
    expect(page.get_by_text("4 người trong danh sách")).to_be_visible()
    assert_fits_width(page)
    screenshot(page, "establishment-choice-375")
    page.get_by_role("link", name="Công ty TNHH Thủy sản Phước Hải").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Công ty TNHH Thủy sản Phước Hải")
    expect(page.get_by_text("Đã hướng dẫn hết mọi người trong danh sách.")).to_be_visible()
