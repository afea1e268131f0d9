"""The dashboard's pages and the heads' page on both backends: the Department of Health
reads its province and any of its communes, a commune officer her own commune only; every
other role, another commune's officer and another province's department get the app's 404,
byte for byte the page of a path that does not exist; pages are not cached; a stale edit of
a head is a 409 that keeps what was typed; a POST without the CSRF token is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from sokhoe.access.clock import utcnow
from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.campaign import plans
from sokhoe.campaign.head_models import CommuneHead
from sokhoe.campaign.indicator_models import IndicatorSnapshot
from sokhoe.registry.models import Citizen, Facility, Village
from sokhoe.registry.units import ensure_province
from sokhoe.runtime import Database
from tests.web.conftest import KHANH_HOA, NHA_TRANG, OFFICER, PASSWORD, form_token, sign_in

BAC_NHA_TRANG = 22333
DASHBOARD, HEADS = "/chien-dich/theo-doi", "/chien-dich/nguoi-dung-dau"
NHA_TRANG_PAGE, BAC_NHA_TRANG_PAGE = (
    f"{DASHBOARD}/xa/{NHA_TRANG}",
    f"{DASHBOARD}/xa/{BAC_NHA_TRANG}",
)
OTHERS = ["canbo.bnt", "thanhvien", "congan", "bhxh", "letan", "congdan", "quantri", "soyte.hp"]


@pytest.fixture
def place(database: Database) -> None:
    """Khánh Hòa's 2026 campaign with two snapshot days: Bắc Nha Trang lagging, Nha Trang
    ahead, Tổ 1 of Nha Trang; an account of every role, and Hải Phòng's department."""
    with database.sessions() as session:
        ensure_province(session, 31)
        village = Village(commune_code=NHA_TRANG, name="Tổ 1")
        session.add(village)
        session.add(Facility(code="56001", name="Trạm Y tế", commune_code=NHA_TRANG, kind="t"))
        session.add(
            Citizen(
                person_id="056085000001",
                full_name="Người 1",
                birth_date=dt.date(1985, 1, 1),
                commune_code=NHA_TRANG,
                village_id=None,
                level2_eid=True,
            )
        )
        session.flush()
        accounts = {
            "soyte": {"role": Role.HEALTH_DEPARTMENT, "province_code": KHANH_HOA},
            "soyte.hp": {"role": Role.HEALTH_DEPARTMENT, "province_code": 31},
            "canbo.bnt": {"role": Role.COMMUNE_OFFICER, "commune_code": BAC_NHA_TRANG},
            "thanhvien": {
                "role": Role.GUIDANCE_MEMBER,
                "commune_code": NHA_TRANG,
                "village_ids": [village.id],
            },
            "congan": {"role": Role.POLICE_OFFICER, "province_code": KHANH_HOA},
            "bhxh": {"role": Role.BHXH_OFFICER, "province_code": KHANH_HOA},
            "letan": {"role": Role.CLINIC_STAFF, "facility_code": "56001"},
            "congdan": {"role": Role.CITIZEN, "person_id": "056085000001"},
        }
        for username, fields in accounts.items():
            create_user(
                session, username=username, password=PASSWORD, display_name=username, **fields
            )  # type: ignore[arg-type]
        plans.create_peak_campaign(session, province_code=KHANH_HOA, year=2026)
        shares = {
            dt.date(2026, 3, 1): {NHA_TRANG: 20, BAC_NHA_TRANG: 10, village.id: 20},
            dt.date(2026, 4, 1): {NHA_TRANG: 60, BAC_NHA_TRANG: 12, village.id: 60},
        }
        for day, books in shares.items():
            rows = [
                ("commune", NHA_TRANG, NHA_TRANG, books[NHA_TRANG]),
                ("commune", BAC_NHA_TRANG, BAC_NHA_TRANG, books[BAC_NHA_TRANG]),
                ("village", village.id, NHA_TRANG, books[village.id]),
                ("province", KHANH_HOA, None, books[NHA_TRANG] + books[BAC_NHA_TRANG]),
            ]
            for level, code, commune, done in rows:
                eligible = 200 if level == "province" else 100
                session.add(
                    IndicatorSnapshot(
                        day=day,
                        unit_level=level,
                        unit_code=code,
                        province_code=KHANH_HOA,
                        commune_code=commune,
                        residents=eligible,
                        eligible=eligible,
                        level2=done,
                        books_activated=done,
                        cards_listed=eligible,
                        cards_integrated=done,
                        visits_on_day=0,
                        visits_to_date=0,
                        households_visited=0,
                        taken_at=utcnow(),
                    )
                )
        session.commit()


def _as(client: TestClient, username: str) -> TestClient:
    client.cookies.clear()
    assert sign_in(client, username).status_code == 303
    return client


def _missing(client: TestClient) -> str:
    """The body of the app's 404 for a path that does not exist."""
    page = client.get("/khong-co-trang-nay")
    assert page.status_code == 404
    return page.text


def test_the_department_reads_its_province_ranked_with_the_late_commune_flagged(
    client: TestClient, place: None
) -> None:
    _as(client, "soyte")
    page = client.get(DASHBOARD)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text = page.text
    assert "Theo dõi chiến dịch: Khánh Hòa" in text
    assert text.index("Phường Bắc Nha Trang") < text.index("Phường Nha Trang<")
    assert text.count("Chậm tiến độ") == 1 and "chưa khai báo" in text
    # Bắc Nha Trang: 12,0 % against 10 % + 90 × 31/121 = 33,1 %: 21,1 points behind.
    assert "12,0 %" in text and "−21,1" in text and "<svg" in text
    commune = client.get(NHA_TRANG_PAGE)
    assert commune.status_code == 200 and commune.headers["cache-control"] == "no-store"
    assert "Tổ 1" in commune.text and "Theo dõi chiến dịch: Phường Nha Trang" in commune.text


def test_schools_and_enterprises_are_shown_and_a_commune_without_school_has_no_share(
    client: TestClient, place: None, database: Database
) -> None:
    """On 1/4 Nha Trang has reached 1 of its 4 schools and 3 of 12 pupils have their card
    integrated; Bắc Nha Trang has no school and 2 enterprises, 1 reached: "—" for its
    schools, not 0 %."""
    april = dt.date(2026, 4, 1)
    figures = {
        ("commune", NHA_TRANG): {
            "schools": 4,
            "schools_reached": 1,
            "students": 12,
            "students_integrated": 3,
        },
        ("commune", BAC_NHA_TRANG): {"enterprises": 2, "enterprises_reached": 1},
        ("province", KHANH_HOA): {
            "schools": 4,
            "schools_reached": 1,
            "students": 12,
            "students_integrated": 3,
            "enterprises": 2,
            "enterprises_reached": 1,
        },
    }
    with database.sessions() as session:
        for (level, code), counts in figures.items():
            row = session.get(IndicatorSnapshot, (april, level, code))
            assert row is not None
            for name, value in counts.items():
                setattr(row, name, value)
        session.commit()
    _as(client, "soyte")
    text = client.get(DASHBOARD).text
    # 1 of 4 against 31/121 of the way to 100 % by 30/6: 25,6 %.
    assert (
        "25,0 %" in text and "1 trên 4 trường đã đến vận động; theo tiến độ cần đạt 25,6 %" in text
    )
    assert "3 trên 12 học sinh trong danh sách" in text
    assert "1 trên 2 doanh nghiệp đã đến vận động" in text and "50,0 %" in text
    rows = {
        name: text[text.index(f">{name}<") :].split("</tr>")[0]
        for name in ("Phường Nha Trang", "Phường Bắc Nha Trang")
    }
    bac = rows["Phường Bắc Nha Trang"].split('data-label="Trường học đã đến vận động">')[1]
    assert bac.startswith("—</td>")
    nha = rows["Phường Nha Trang"].split('data-label="Trường học đã đến vận động">')[1]
    assert nha.startswith("25,0 %<span")
    commune = client.get(NHA_TRANG_PAGE).text  # the commune's own figures, no village column
    assert "1 trên 4 trường đã đến vận động" in commune
    assert 'data-label="Trường học đã đến vận động"' not in commune


def test_a_commune_officer_reads_her_own_commune_only(client: TestClient, place: None) -> None:
    _as(client, OFFICER)
    missing = _missing(client)
    own = client.get(NHA_TRANG_PAGE)
    assert own.status_code == 200 and "Tổ 1" in own.text
    for path in (DASHBOARD, BAC_NHA_TRANG_PAGE, f"{DASHBOARD}/xa/99999", f"{DASHBOARD}/xa/abc"):
        refused = client.get(path)
        assert (refused.status_code, refused.text) == (404, missing), path


@pytest.mark.parametrize("username", OTHERS)
def test_every_other_role_gets_the_same_404_on_every_page(
    client: TestClient, database: Database, place: None, username: str
) -> None:
    _as(client, username)
    missing = _missing(client)
    paths = [NHA_TRANG_PAGE]
    if username != "soyte.hp":  # Hải Phòng's own dashboard, below
        paths.append(DASHBOARD)
    if username != "canbo.bnt":  # her own commune's heads
        paths.append(HEADS)
    for path in paths:
        refused = client.get(path)
        assert (refused.status_code, refused.text) == (404, missing), path
    token = form_token(client.get("/").text)
    form = {"csrf_token": token, "commune": str(NHA_TRANG), "name": "X", "title": "Y"}
    refused = client.post(HEADS, data=form)
    assert (refused.status_code, refused.text) == (404, missing)
    with database.sessions() as session:
        assert session.scalars(select(CommuneHead)).all() == []
    if username == "soyte.hp":
        own = client.get(DASHBOARD)
        assert own.status_code == 200 and "Chưa có số liệu" in own.text
        assert "Nha Trang" not in own.text


def test_anonymous_is_sent_to_sign_in(client: TestClient, place: None) -> None:
    for path in (DASHBOARD, NHA_TRANG_PAGE, HEADS):
        assert client.get(path).headers["location"].startswith("/dang-nhap")


def test_heads_are_named_and_shown_on_the_dashboard(
    client: TestClient, database: Database, place: None
) -> None:
    _as(client, "soyte")
    page = client.get(HEADS)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert page.text.count('name="commune"') == 65
    form = {
        "csrf_token": form_token(page.text),
        "commune": str(BAC_NHA_TRANG),
        "name": "Trần Văn Bình",
        "title": "Chủ tịch UBND phường",
    }
    saved = client.post(HEADS, data=form)
    assert saved.status_code == 303
    assert client.post(HEADS, data={**form, "csrf_token": ""}).status_code == 403
    dashboard = client.get(DASHBOARD).text
    assert "Trần Văn Bình, Chủ tịch UBND phường" in dashboard

    _as(client, OFFICER)
    own = client.get(HEADS)
    assert own.status_code == 200 and own.text.count('name="commune"') == 1
    token = form_token(own.text)
    elsewhere = client.post(HEADS, data={**form, "csrf_token": token})
    assert elsewhere.status_code == 404
    mine = {**form, "csrf_token": token, "commune": str(NHA_TRANG), "name": "Lê Thị Hoa"}
    assert client.post(HEADS, data=mine).status_code == 303
    with database.sessions() as session:
        named = {h.commune_code: (h.name, h.version) for h in session.scalars(select(CommuneHead))}
    assert named == {BAC_NHA_TRANG: ("Trần Văn Bình", 1), NHA_TRANG: ("Lê Thị Hoa", 1)}
    assert "Lê Thị Hoa, Chủ tịch UBND phường" in client.get(NHA_TRANG_PAGE).text


def test_a_stale_edit_is_a_409_that_keeps_what_was_typed(
    client: TestClient, database: Database, place: None
) -> None:
    _as(client, "soyte")
    token = form_token(client.get(HEADS).text)
    first = {
        "csrf_token": token,
        "commune": str(NHA_TRANG),
        "name": "Lê Thị Hoa",
        "title": "Chủ tịch UBND phường",
    }
    assert client.post(HEADS, data=first).status_code == 303
    # Two people opened the form at version 1; the first saves, the second is refused.
    assert (
        client.post(HEADS, data={**first, "name": "Lê Văn Nam", "version": "1"}).status_code == 303
    )
    stale = client.post(HEADS, data={**first, "name": "Phan Văn Tú", "version": "1"})
    assert stale.status_code == 409
    assert 'value="Phan Văn Tú"' in stale.text and "Người khác vừa cập nhật" in stale.text
    assert "Lê Văn Nam" in stale.text  # the current head, shown above the kept values
    assert 'name="version" value="2"' in stale.text
    empty = client.post(HEADS, data={**first, "name": " ", "version": "2"})
    assert empty.status_code == 422 and "Họ tên và chức vụ" in empty.text
    with database.sessions() as session:
        head = session.scalars(select(CommuneHead)).one()
    assert (head.name, head.version) == ("Lê Văn Nam", 2)
