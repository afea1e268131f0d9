"""The card wallet end to end, as people do it (R1, R2, R5, R7), each in a browser of their own:

1. A citizen on a phone integrates his BHYT card through the steps of VNeID's how-to (Ví giấy
   tờ → Tích hợp giấy tờ → Tạo mới yêu cầu → Thẻ bảo hiểm y tế → issuing unit and number →
   confirm → "Gửi yêu cầu thành công"); BHXH's list approves it at once. He sets the wallet
   passcode and presents the card; reception, at a desk, photographs the code on his screen
   and the check says "HỢP LỆ" with his card.
2. A mother files for her son under 14; BHXH's list holds the number twice, so it goes to the
   BHXH officer's queue. The officer approves it in his own browser; the mother sees the
   history change, then presents her son's card.
3. A neighbour never reaches another person's card, by the page or by the API: the answer is
   the one for an ID that exists nowhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from sokhoe.access.roles import Role
from sokhoe.access.service import create_user, get_by_username
from sokhoe.insurance.models import InsuranceCard, WalletIntegration
from sokhoe.registry.models import Citizen, GuardianLink
from sokhoe.registry.units import ensure_province
from tests.browser.conftest import DESKTOP, PHONE, LiveServer
from tests.browser.steps import NOT_FOUND_LOG, assert_fits_width, browsing, sign_in
from tests.browser.test_card_check_browser import clinic_account, open_check_page

__all__ = ["clinic_account"]

PASSWORD = "mật khẩu công dân"
OFFICER = "bhxh.duyet"
NHA_TRANG, KHANH_HOA = 22366, 56
CODE = "246810"
TODAY = dt.date.today()
VALID = {"valid_from": TODAY - dt.timedelta(days=30), "valid_to": TODAY + dt.timedelta(days=300)}
LAST_YEAR = {
    "valid_from": TODAY - dt.timedelta(days=400),
    "valid_to": TODAY - dt.timedelta(days=35),
}
UNKNOWN_PERSON = "099099099099"


@dataclass(frozen=True)
class Person:
    person_id: str
    full_name: str
    born: dt.date
    sex: str
    card: str
    #: The account of a person who signs in himself.
    username: str | None = None
    #: A child's parent, who manages his wallet (R5).
    guardian: Person | None = None


BINH = Person(
    "056090000211", "Trần Văn Bình", dt.date(1990, 5, 1), "M", "GD4565600000211", "congdan.binh"
)
LAN = Person(
    "056188000212", "Nguyễn Thị Lan", dt.date(1988, 3, 9), "F", "GD4565600000212", "congdan.lan"
)
KHOI = Person(
    f"0562{(TODAY.year - 5) % 100:02d}000213",
    "Nguyễn Minh Khôi",
    TODAY.replace(year=TODAY.year - 5, day=1),
    "M",
    "TE1565600000213",
    guardian=LAN,
)
DUNG = Person(
    "056085000214", "Lê Văn Dũng", dt.date(1985, 1, 1), "M", "GD4565600000214", "congdan.dung"
)
#: A family the neighbour tries to reach: both cards already in their wallets.
HOA = Person("056192000215", "Phạm Thị Hoa", dt.date(1992, 7, 20), "F", "GD4565600000215")
HUY = Person(
    f"0562{(TODAY.year - 8) % 100:02d}000216",
    "Phạm Gia Huy",
    TODAY.replace(year=TODAY.year - 8, day=1),
    "M",
    "HS4565600000216",
    guardian=HOA,
)


def _card_row(person: Person, *, linked: bool = True, **validity: dt.date) -> InsuranceCard:
    """A row of BHXH's list; ``linked`` false: without the personal ID (as BHXH sometimes has)."""
    return InsuranceCard(
        card_number=person.card,
        bhxh_number=person.card[-10:],
        holder_key=person.person_id if linked else "",
        person_id=person.person_id if linked else None,
        full_name=person.full_name.upper(),
        birth_date=person.born,
        sex=person.sex,
        facility_code="56001",
        **(validity or VALID),
    )


@pytest.fixture(scope="module")
def people(live_server: LiveServer, clinic_account: None) -> None:
    """The register, BHXH's list and the accounts: Khôi's number is listed twice (last
    year's row without his personal ID), which only an officer can settle."""
    with live_server.database.sessions() as session:
        if get_by_username(session, OFFICER) is not None:  # another test of this module
            return
        ensure_province(session, KHANH_HOA)
        everyone = (BINH, LAN, KHOI, DUNG, HOA, HUY)
        for person in everyone:
            session.add(
                Citizen(
                    person_id=person.person_id,
                    full_name=person.full_name,
                    birth_date=person.born,
                    sex=person.sex,
                    commune_code=NHA_TRANG,
                )
            )
        session.flush()
        for child in (KHOI, HUY):
            assert child.guardian is not None
            session.add(
                GuardianLink(
                    child_id=child.person_id, guardian_id=child.guardian.person_id, relation="mẹ"
                )
            )
        session.add_all(_card_row(person) for person in everyone)
        session.add(_card_row(KHOI, linked=False, **LAST_YEAR))
        for person in (HOA, HUY):
            session.add(WalletIntegration(person_id=person.person_id, card_number=person.card))
        session.flush()
        for person in (BINH, LAN, DUNG):
            assert person.username is not None
            create_user(
                session,
                username=person.username,
                password=PASSWORD,
                role=Role.CITIZEN,
                display_name=person.full_name,
                person_id=person.person_id,
            )
        create_user(
            session,
            username=OFFICER,
            password=PASSWORD,
            role=Role.BHXH_OFFICER,
            display_name="Đỗ Văn Hải",
            province_code=KHANH_HOA,
        )
        session.commit()


@contextmanager
def phone_of(
    browser: Browser,
    live_server: LiveServer,
    username: str,
    *,
    expected_errors: tuple[str, ...] = (),
) -> Iterator[Page]:
    """A citizen's own phone, signed in."""
    with browsing(browser, PHONE, expected_errors=expected_errors) as page:
        sign_in(page, live_server.url, username, PASSWORD)
        yield page


def fill_in_request(page: Page, *, card_for: str, number: str) -> None:
    """Ví giấy tờ → Tích hợp giấy tờ → Tạo mới yêu cầu → Thẻ bảo hiểm y tế, then the form,
    as the commune's how-to (seed 002, "Hướng dẫn") teaches it."""
    page.get_by_role("link", name="Ví giấy tờ", exact=True).click()
    page.get_by_role("link", name="Tích hợp giấy tờ").click()
    page.get_by_text("Tạo mới yêu cầu", exact=True).click()
    page.get_by_role("link", name="Thẻ bảo hiểm y tế (BHYT)").click()
    page.get_by_label("Thẻ của").select_option(label=card_for)
    page.get_by_label("Đơn vị cấp thẻ").select_option(label="BHXH Khánh Hòa")
    page.get_by_label("Mã thẻ").fill(number)


def send_request(page: Page) -> None:
    """Tiếp tục, check the confirmation, Gửi yêu cầu."""
    page.get_by_role("button", name="Tiếp tục").click()
    expect(page.get_by_role("heading", name="Xác nhận yêu cầu", level=1)).to_be_visible()
    page.get_by_role("button", name="Gửi yêu cầu").click()
    expect(page.get_by_role("status")).to_have_text("Gửi yêu cầu thành công")


def set_passcode(page: Page) -> None:
    """On Xuất trình giấy tờ, the first time: choose the wallet passcode."""
    page.get_by_label("Mã bảo vệ mới (6 chữ số)").fill(CODE)
    page.get_by_role("button", name="Lưu mã bảo vệ").click()
    expect(page.get_by_role("status")).to_have_text("Đã lưu mã bảo vệ ví.")


def present(page: Page, card_for: str) -> None:
    """On Xuất trình giấy tờ: whose card, the passcode; the code is shown."""
    page.get_by_label("Thẻ của").select_option(label=card_for)
    page.get_by_label("Mã bảo vệ ví").fill(CODE)
    page.get_by_role("button", name="Xuất trình thẻ BHYT").click()
    expect(page.locator(".presented__qr svg")).to_be_visible()
    assert_fits_width(page)


@pytest.mark.browser
@pytest.mark.usefixtures("people")
def test_a_citizen_integrates_presents_and_reception_accepts_his_card(
    browser: Browser,
    live_server: LiveServer,
    screenshot: Callable[[Page, str], Path],
    tmp_path: Path,
) -> None:
    with phone_of(browser, live_server, "congdan.binh") as phone:
        fill_in_request(phone, card_for="Bản thân", number="gd4 56 5600000211")
        screenshot(phone, "wallet-request-375")
        send_request(phone)
        history = phone.locator(".history")
        expect(history).to_contain_text("Chờ duyệt")
        expect(history).to_contain_text("Đã duyệt")
        expect(phone.locator(".request-reason")).to_contain_text("Thẻ còn hiệu lực")
        assert BINH.person_id not in phone.url and BINH.card not in phone.url
        assert_fits_width(phone)
        screenshot(phone, "wallet-status-375")
        phone.get_by_role("link", name="Quay lại ví giấy tờ").click()
        expect(phone.get_by_text(BINH.card)).to_be_visible()
        screenshot(phone, "wallet-375")

        phone.get_by_role("link", name="Xuất trình giấy tờ").click()
        set_passcode(phone)
        present(phone, "Bản thân")
        expect(phone.locator(".presented")).to_contain_text(BINH.card)
        screenshot(phone, "wallet-present-375")
        # Reception photographs the code on the citizen's screen and uploads the picture.
        photo = tmp_path / "code-on-the-phone.png"
        phone.locator(".presented__qr svg").screenshot(path=str(photo))

        with browsing(browser, DESKTOP) as desk:
            open_check_page(desk, live_server)
            desk.get_by_label("Ảnh chụp (PNG hoặc JPEG").set_input_files(photo)
            desk.get_by_role("button", name="Kiểm tra ảnh").click()
            verdict = desk.locator(".verdict--valid")
            expect(verdict).to_contain_text("HỢP LỆ")
            expect(verdict).to_contain_text(BINH.full_name)
            expect(verdict).to_contain_text(BINH.card)
            expect(verdict).to_contain_text("Trạm Y tế Nha Trang")
            screenshot(desk, "card-check-valid-1280")


@pytest.mark.browser
@pytest.mark.usefixtures("people")
def test_bhxh_settles_a_childs_request_and_the_mother_presents_his_card(
    browser: Browser, live_server: LiveServer, screenshot: Callable[[Page, str], Path]
) -> None:
    child = f"Con: {KHOI.full_name}"
    with phone_of(browser, live_server, "congdan.lan") as phone:
        fill_in_request(phone, card_for=child, number=KHOI.card[-10:])
        send_request(phone)
        history = phone.locator(".history")
        expect(history).to_contain_text("Chờ BHXH xem xét")
        expect(phone.locator(".request-reason")).to_contain_text("nhiều thẻ cùng mã số")

        with browsing(browser, DESKTOP) as officer:
            sign_in(officer, live_server.url, OFFICER, PASSWORD)
            officer.get_by_role("link", name="Yêu cầu tích hợp chờ xem xét").click()
            screenshot(officer, "review-queue-1280")
            officer.get_by_role("link", name=KHOI.card[-10:]).click()
            expect(officer.get_by_role("table")).to_contain_text(KHOI.person_id)
            screenshot(officer, "review-request-1280")
            officer.get_by_role("button", name="Duyệt", exact=True).click()
            expect(officer.locator(".history")).to_contain_text("bởi cán bộ BHXH")

        # Back on her phone, the request now stands approved, with who decided.
        phone.get_by_role("link", name="Tích hợp giấy tờ").click()
        sent = phone.get_by_role("region", name=child)
        expect(sent).to_contain_text("Đã duyệt")
        screenshot(phone, "wallet-integrate-375")
        sent.get_by_role("link", name=KHOI.card[-10:]).click()
        expect(history).to_contain_text("Đã duyệt")
        expect(history).to_contain_text("bởi cán bộ BHXH")
        screenshot(phone, "wallet-status-reviewed-375")

        phone.get_by_role("link", name="Ví giấy tờ", exact=True).click()
        expect(phone.get_by_role("region", name=child)).to_contain_text(KHOI.card)
        phone.get_by_role("link", name="Xuất trình giấy tờ").click()
        set_passcode(phone)
        present(phone, child)
        presented = phone.locator(".presented")
        expect(presented).to_contain_text(KHOI.full_name)
        expect(presented).to_contain_text(KHOI.card)
        screenshot(phone, "wallet-present-child-375")


@pytest.mark.browser
@pytest.mark.usefixtures("people")
def test_a_neighbour_never_reaches_another_persons_card(
    browser: Browser, live_server: LiveServer
) -> None:
    refused = (NOT_FOUND_LOG,)
    with phone_of(browser, live_server, "congdan.dung", expected_errors=refused) as phone:
        phone.get_by_role("link", name="Ví giấy tờ", exact=True).click()
        phone.get_by_role("link", name="Xuất trình giấy tờ").click()
        set_passcode(phone)
        expect(phone.get_by_label("Thẻ của").locator("option")).to_have_count(1)  # himself only

        # The page, its form altered to name Hoa's son, as a curious neighbour might.
        phone.evaluate(f"document.querySelector('#person option').value = '{HUY.person_id}'")
        phone.get_by_label("Mã bảo vệ ví").fill(CODE)
        phone.get_by_role("button", name="Xuất trình thẻ BHYT").click()
        expect(phone.get_by_role("heading", name="Không tìm thấy trang")).to_be_visible()
        assert HUY.card not in phone.content() and HUY.full_name not in phone.content()

        # The API, with his own session and CSRF token: Hoa, her son, and nobody at all.
        phone.goto(f"{live_server.url}/vi-giay-to/xuat-trinh")
        token = phone.locator("input[name=csrf_token]").first.get_attribute("value")
        assert token

        def ask(person_id: str) -> tuple[int, bytes]:
            answer = phone.request.post(
                f"{live_server.url}/api/v1/wallet/presentation",
                data={"person_id": person_id, "passcode": CODE},
                headers={"X-CSRF-Token": token},
            )
            return answer.status, answer.body()

        nobody = ask(UNKNOWN_PERSON)
        assert nobody[0] == 404
        assert ask(HOA.person_id) == nobody
        assert ask(HUY.person_id) == nobody
        own = ask(DUNG.person_id)  # his own card is not in his wallet, and he is told so
        assert own[0] == 404 and "chưa có thẻ BHYT".encode() in own[1]
