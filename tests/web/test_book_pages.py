"""The health book page on both backends: behind the wallet passcode, never cached, in
Vietnamese; a parent switches to his child's book with the unlock token (no passcode again),
a forged token opens nothing; a neighbour is refused the child's book like an unknown page."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from sokhoe.insurance.passcode_models import WalletPasscode
from sokhoe.records.clinical import Appointment, ClinicalRecord, Immunization, Patient, Visit
from sokhoe.records.ingest import ingest_batch
from sokhoe.registry.models import Facility
from sokhoe.runtime import Database
from tests.web.conftest import NHA_TRANG, form_token, sign_in
from tests.web.test_wallet import CHILD, NEIGHBOUR, PARENT, family, parent
from tests.web.test_wallet_presentation import CODE, _set_code

__all__ = ["family", "parent"]

BOOK = "/so-suc-khoe"
HOSPITAL = "56002"
_UNLOCK = re.compile(r'name="unlock" value="([^"]+)"')


def _records(database: Database) -> None:
    today = dt.date.today()
    with database.sessions() as session:
        session.add(
            Facility(
                code=HOSPITAL,
                name="Bệnh viện Đa khoa tỉnh Khánh Hòa",
                commune_code=NHA_TRANG,
                kind="benh_vien",
            )
        )
        session.flush()
        me = Patient(full_name="Trần Văn Bình", person_id=PARENT)
        child = Patient(full_name="Trần Thị Cúc", person_id=CHILD)
        started = dt.datetime(2026, 10, 9, 8, 30, tzinfo=dt.UTC)
        records: list[ClinicalRecord] = [
            Visit(
                HOSPITAL,
                "LK1",
                me,
                started,
                main_diagnosis="I10",
                other_diagnoses=("E11.9",),
                visit_type="01",
                outcome="2",
            ),
            Appointment(HOSPITAL, "H1", me, today + dt.timedelta(days=7), "GH-01", "I10"),
            Immunization(
                HOSPITAL, "V1", child, "BCG", today.replace(year=today.year - 4, day=1), 1
            ),
        ]
        ingest_batch(session, records, source="test", sender_facility=None)
        session.commit()


def _open(client: TestClient, **fields: str) -> tuple[int, str]:
    token = form_token(client.get(BOOK).text)
    answer = client.post(BOOK, data={**fields, "csrf_token": token})
    assert answer.headers["cache-control"] == "no-store"
    return answer.status_code, answer.text


def test_the_book_opens_behind_the_passcode(parent: TestClient, family: Database) -> None:
    _records(family)
    first = parent.get(BOOK)
    assert first.status_code == 200 and first.headers["cache-control"] == "no-store"
    assert "chưa đặt mã" in first.text and 'name="code"' not in first.text
    assert _set_code(parent) == 303
    assert 'name="code"' in parent.get(BOOK).text

    status, page = _open(parent, code="000000")
    assert status == 403 and "Mã bảo vệ không đúng" in page
    assert "Tăng huyết áp" not in page

    status, page = _open(parent, code=CODE)
    assert status == 200
    for heading in (
        "Thông tin cá nhân",
        "Lịch sử khám chữa bệnh",
        "Tiêm chủng",
        "Giấy chuyển tuyến",
        "Giấy hẹn khám lại",
    ):
        assert heading in page
    assert "Trần Văn Bình" in page and "Bệnh viện Đa khoa tỉnh Khánh Hòa" in page
    assert "Tăng huyết áp vô căn (nguyên phát)" in page and "Đái tháo đường týp 2" in page
    assert "Khám bệnh" in page and "Đỡ" in page and "Sắp tới" in page
    assert "Chưa có mũi tiêm nào được ghi nhận." in page  # an adult with none recorded
    assert "Chưa có giấy chuyển tuyến." in page
    assert "Trần Thị Cúc" in page  # the switcher to the child's book


def test_a_parent_switches_to_his_childs_book_without_the_passcode_again(
    parent: TestClient, family: Database
) -> None:
    _records(family)
    assert _set_code(parent) == 303
    status, page = _open(parent, code=CODE)
    match = _UNLOCK.search(page)
    assert status == 200 and match
    status, child_page = _open(parent, unlock=match.group(1), person=CHILD)
    assert status == 200
    assert "Lao (BCG)" in child_page and "Đã tiêm" in child_page
    assert "Quá hạn" in child_page  # a four-year-old: most of the schedule is missing
    assert "Tăng huyết áp" not in child_page

    forged = match.group(1)[:-4] + "0000"
    status, refused = _open(parent, unlock=forged, person=CHILD)
    assert status == 200 and "Lao (BCG)" not in refused
    assert "Nhập mã bảo vệ ví để mở lại" in refused and 'name="code"' in refused
    with family.sessions() as session:  # asked again, not counted as a wrong passcode
        assert session.scalars(select(WalletPasscode.failures)).all() == [0]


def test_a_neighbour_is_refused_the_childs_book(client: TestClient, family: Database) -> None:
    _records(family)
    assert sign_in(client, "hangxom").status_code == 303
    assert _set_code(client) == 303
    status, page = _open(client, code=CODE, person=CHILD)
    assert status == 404 and "Lao (BCG)" not in page
    status, page = _open(client, code=CODE, person=NEIGHBOUR)
    assert status == 200 and "Chưa có lần khám chữa bệnh nào được ghi nhận." in page


def test_the_home_links_to_the_book(parent: TestClient) -> None:
    assert f'href="{BOOK}"' in parent.get("/").text
