"""The administrator's home: accounts with role and scope, paged, and the audit chain."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from sokhoe.access import audit
from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.registry.models import Facility, Village
from sokhoe.runtime import Database
from sokhoe.web.homes.admin import USERS_PER_PAGE
from tests.web.conftest import NHA_TRANG, OFFICER, PASSWORD, sign_in


def _add_field_accounts(session: Session) -> None:
    """A clinic receptionist and a guidance-team member with two villages."""
    session.add(
        Facility(code="56001", name="Trạm Y tế Nha Trang", commune_code=NHA_TRANG, kind="tram_y_te")
    )
    villages = [Village(commune_code=NHA_TRANG, name=name) for name in ("Tổ 1", "Tổ 2")]
    session.add_all(villages)
    session.flush()
    create_user(
        session,
        username="letan.tyt",
        password=PASSWORD,
        role=Role.CLINIC_STAFF,
        display_name="Phạm Thu Trang",
        facility_code="56001",
    )
    create_user(
        session,
        username="tohuongdan.1",
        password=PASSWORD,
        role=Role.GUIDANCE_MEMBER,
        display_name="Võ Minh Tâm",
        commune_code=NHA_TRANG,
        village_ids=[v.id for v in villages],
    )
    session.commit()


def test_admin_sees_every_account_with_its_role_and_scope(
    admin_client: TestClient, database: Database
) -> None:
    with database.sessions() as session:
        _add_field_accounts(session)
    page = admin_client.get("/").text
    for text in (
        "Quản trị hệ thống",
        "Cán bộ xã/phường",
        "Phường Nha Trang",
        "Nhân viên cơ sở y tế",
        "Trạm Y tế Nha Trang",
        "Thành viên tổ hướng dẫn",
        "Phường Nha Trang · 2 thôn, tổ dân phố",
        "Toàn hệ thống, không xem dữ liệu cá nhân",
        "Đang hoạt động",
    ):
        assert text in page, text
    assert OFFICER in page


def test_accounts_are_paged(admin_client: TestClient, database: Database) -> None:
    with database.sessions() as session:
        for n in range(USERS_PER_PAGE):
            create_user(
                session,
                username=f"canbo{n:03d}",
                password=None,
                role=Role.COMMUNE_OFFICER,
                display_name=f"Cán bộ {n}",
                commune_code=NHA_TRANG,
            )
        session.commit()
    total = USERS_PER_PAGE + 2
    first = admin_client.get("/").text
    assert f"Dòng 1–{USERS_PER_PAGE} trên tổng số {total}" in first
    assert 'href="/?page=2"' in first
    second = admin_client.get("/", params={"page": 2}).text
    assert f"Dòng {USERS_PER_PAGE + 1}–{total} trên tổng số {total}" in second
    assert 'href="/?page=1"' in second
    beyond = admin_client.get("/", params={"page": 99}).text
    assert "Trang 2/2" in beyond
    assert admin_client.get("/", params={"page": "abc"}).status_code == 200


def test_a_locked_account_shows_as_locked(client: TestClient) -> None:
    for _ in range(3):
        sign_in(client, username=OFFICER, password="Wrong-Guess-417")
    sign_in(client)
    assert "Đang tạm khóa" in client.get("/").text


def test_admin_home_shows_the_head_of_the_audit_chain(
    admin_client: TestClient, database: Database
) -> None:
    audit.seal_all(database.sessions)
    with database.sessions() as session:
        _, head_hash = audit.head(session)
    assert head_hash != audit.GENESIS_HASH
    page = admin_client.get("/").text
    assert head_hash in page
    assert 'href="/quan-tri/kiem-tra-nhat-ky"' in page


def test_audit_check_reports_an_intact_chain(admin_client: TestClient) -> None:
    page = admin_client.get("/quan-tri/kiem-tra-nhat-ky")
    assert page.status_code == 200
    assert "Chuỗi nhật ký toàn vẹn: đã kiểm tra 1 bản ghi" in page.text


def test_audit_check_is_not_there_for_other_roles(client: TestClient) -> None:
    missing = client.get("/khong-co")
    sign_in(client, username=OFFICER)
    refused = client.get("/quan-tri/kiem-tra-nhat-ky")
    assert refused.status_code == 404
    assert refused.content == missing.content


def test_admin_home_in_english(admin_client: TestClient) -> None:
    admin_client.get("/ngon-ngu/en")
    page = admin_client.get("/").text
    assert "System administration" in page
    assert "Commune officer" in page
    assert "Cán bộ xã/phường" not in page
