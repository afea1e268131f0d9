"""The document wallet's pages and API on both backends: a citizen files a request through
the confirmation step and sees the decision; a parent files for a child under 14; a BHXH
officer of the person's province reviews; everyone else gets the same 404 for a request as
for an unknown ID (R1, R5)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sokhoe.access.models import AuditEntry
from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.insurance.models import InsuranceCard
from sokhoe.insurance.request_models import IntegrationRequest, IntegrationRequestEvent
from sokhoe.registry.models import Citizen, GuardianLink
from sokhoe.registry.units import ensure_province
from sokhoe.runtime import Database
from sokhoe.web.formatting import vn_datetime
from tests.web.conftest import ADMIN, KHANH_HOA, NHA_TRANG, OFFICER, PASSWORD, form_token, sign_in

PARENT, CHILD, NEIGHBOUR = "056090000001", "056220000002", "056085000003"
HAI_PHONG = 31
TODAY = dt.date.today()
VALID = {"valid_from": TODAY - dt.timedelta(days=30), "valid_to": TODAY + dt.timedelta(days=300)}
#: A valid card of the parent's; one without a personal ID (to review); the child's.
OWN_CARD, UNLINKED_CARD, CHILD_CARD = "GD4565600000001", "HT3565600000007", "TE1565600000002"


@pytest.fixture
def family(database: Database) -> Database:
    with database.sessions() as session:
        ensure_province(session, HAI_PHONG)
        for person_id, name, born in (
            (PARENT, "Trần Văn Bình", dt.date(1990, 5, 1)),
            (CHILD, "Trần Thị Cúc", TODAY.replace(year=TODAY.year - 4, day=1)),
            (NEIGHBOUR, "Lê Văn Dũng", dt.date(1985, 1, 1)),
        ):
            session.add(
                Citizen(
                    person_id=person_id, full_name=name, birth_date=born, commune_code=NHA_TRANG
                )
            )
        session.flush()
        session.add(GuardianLink(child_id=CHILD, guardian_id=PARENT, relation="cha"))
        for number, person_id, name, born in (
            (OWN_CARD, PARENT, "TRẦN VĂN BÌNH", dt.date(1990, 5, 1)),
            (UNLINKED_CARD, None, "Trần Văn Bình", dt.date(1990, 5, 1)),
            (CHILD_CARD, CHILD, "Trần Thị Cúc", TODAY.replace(year=TODAY.year - 4, day=1)),
        ):
            session.add(
                InsuranceCard(
                    card_number=number,
                    bhxh_number=number[-10:],
                    holder_key=person_id or "",
                    person_id=person_id,
                    full_name=name,
                    birth_date=born,
                    **VALID,
                )
            )
        for username, fields in (
            ("cha", {"role": Role.CITIZEN, "person_id": PARENT}),
            ("hangxom", {"role": Role.CITIZEN, "person_id": NEIGHBOUR}),
            ("bhxh.kh", {"role": Role.BHXH_OFFICER, "province_code": KHANH_HOA}),
            ("bhxh.hp", {"role": Role.BHXH_OFFICER, "province_code": HAI_PHONG}),
        ):
            create_user(
                session, username=username, password=PASSWORD, display_name=username, **fields
            )  # type: ignore[arg-type]
        session.commit()
    return database


@pytest.fixture
def parent(client: TestClient, family: Database) -> Iterator[TestClient]:
    assert sign_in(client, "cha").status_code == 303
    yield client


def _file(client: TestClient, number: str, person: str = PARENT) -> str:
    """Go through form and confirmation as a browser does; the request page's URL."""
    form = client.get("/vi-giay-to/tao-moi")
    assert form.status_code == 200
    fields = {"person": person, "issuing_unit": str(KHANH_HOA), "card_number": number}
    confirm = client.post(
        "/vi-giay-to/tao-moi", data={**fields, "csrf_token": form_token(form.text)}
    )
    assert confirm.status_code == 200, confirm.text[:300]
    sent = client.post(
        "/vi-giay-to/yeu-cau", data={**fields, "csrf_token": form_token(confirm.text)}
    )
    assert sent.status_code == 303
    return str(sent.headers["location"])


def test_a_citizen_files_a_request_and_sees_the_decision(
    parent: TestClient, family: Database
) -> None:
    location = _file(parent, "gd4 56 5600000001")
    page = parent.get(location)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "Gửi yêu cầu thành công" in page.text
    assert "Chờ duyệt" in page.text and "Đã duyệt" in page.text
    with family.sessions() as session:
        filed_at = session.scalars(select(IntegrationRequestEvent.at)).first()
    assert filed_at is not None and vn_datetime(filed_at) in page.text  # in Vietnam time
    assert PARENT not in location and OWN_CARD not in location
    assert location.split("?")[0] in parent.get("/vi-giay-to/tich-hop").text  # Tích hợp giấy tờ
    wallet = parent.get("/vi-giay-to").text
    assert OWN_CARD in wallet and "Đã tích hợp" in wallet


def test_a_malformed_number_is_refused_on_the_form_with_what_is_wrong(parent: TestClient) -> None:
    form = parent.get("/vi-giay-to/tao-moi")
    answer = parent.post(
        "/vi-giay-to/tao-moi",
        data={
            "person": PARENT,
            "issuing_unit": str(KHANH_HOA),
            "card_number": "GD45656",
            "csrf_token": form_token(form.text),
        },
    )
    assert answer.status_code == 422
    assert "mã thẻ phải có 15 ký tự" in answer.text


def test_a_parent_files_for_his_child(parent: TestClient) -> None:
    location = _file(parent, CHILD_CARD, person=CHILD)
    assert "Đã duyệt" in parent.get(location).text
    assert "Trần Thị Cúc" in parent.get("/vi-giay-to").text


def test_a_neighbour_may_not_file_for_the_child(client: TestClient, family: Database) -> None:
    assert sign_in(client, "hangxom").status_code == 303
    form = client.get("/vi-giay-to/tao-moi")
    answer = client.post(
        "/vi-giay-to/tao-moi",
        data={
            "person": CHILD,
            "issuing_unit": str(KHANH_HOA),
            "card_number": CHILD_CARD,
            "csrf_token": form_token(form.text),
        },
    )
    assert answer.status_code == 404


def _reviewed_request(parent: TestClient) -> str:
    location = _file(parent, UNLINKED_CARD)
    assert "Chờ BHXH xem xét" in parent.get(location).text
    return location.rsplit("/", 1)[1].split("?")[0]


@pytest.mark.parametrize(
    ("username", "page", "review", "api"),
    [
        ("cha", 200, 404, 200),
        ("hangxom", 404, 404, 404),
        ("bhxh.kh", 404, 200, 404),
        ("bhxh.hp", 404, 404, 404),
        (OFFICER, 404, 404, 404),
        (ADMIN, 404, 404, 404),
    ],
)
def test_every_role_on_every_request_endpoint(
    client: TestClient, family: Database, username: str, page: int, review: int, api: int
) -> None:
    assert sign_in(client, "cha").status_code == 303
    request_id = _reviewed_request(client)
    client.cookies.clear()
    assert sign_in(client, username).status_code == 303
    token = form_token(client.get("/").text)
    for unknown in (request_id, "khong-co-yeu-cau"):
        expected = (page, review, api) if unknown == request_id else (404, 404, 404)
        assert client.get(f"/vi-giay-to/yeu-cau/{unknown}").status_code == expected[0]
        assert client.get(f"/duyet-tich-hop/{unknown}").status_code == expected[1]
        assert client.get(f"/api/v1/wallet/requests/{unknown}").status_code == expected[2]
    stale = {"version": "0", "decision": "approve", "csrf_token": token}
    answer = client.post(f"/duyet-tich-hop/{request_id}", data=stale)
    assert answer.status_code == (409 if username == "bhxh.kh" else 404)
    decision = client.post(
        f"/api/v1/review/requests/{request_id}/decision",
        json={"version": 0, "approve": True},
        headers={"X-CSRF-Token": token},
    )
    assert decision.status_code == (409 if username == "bhxh.kh" else 404)


def test_an_officer_reviews_and_the_citizen_sees_it(client: TestClient, family: Database) -> None:
    assert sign_in(client, "cha").status_code == 303
    request_id = _reviewed_request(client)
    client.cookies.clear()
    assert sign_in(client, "bhxh.kh").status_code == 303
    queue = client.get("/duyet-tich-hop")
    assert request_id in queue.text
    review = client.get(f"/duyet-tich-hop/{request_id}")
    answer = client.post(
        f"/duyet-tich-hop/{request_id}",
        data={
            "version": "1",
            "decision": "reject",
            "reason": "name_mismatch",
            "csrf_token": form_token(review.text),
        },
    )
    assert answer.status_code == 303
    assert request_id not in client.get("/duyet-tich-hop").text
    again = client.post(
        f"/duyet-tich-hop/{request_id}",
        data={"version": "1", "decision": "approve", "csrf_token": form_token(review.text)},
    )
    assert again.status_code == 409
    with family.sessions() as session:
        reads = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.purpose == "integration_review", AuditEntry.outcome == "allowed")
        )
        assert reads and reads >= 3


def test_the_api_files_lists_and_refuses_bad_input(parent: TestClient) -> None:
    token = form_token(parent.get("/vi-giay-to/tao-moi").text)
    headers = {"X-CSRF-Token": token}
    body = {"issuing_unit": KHANH_HOA, "card_number": OWN_CARD}
    assert parent.post("/api/v1/wallet/requests", json=body).status_code == 403
    created = parent.post("/api/v1/wallet/requests", json=body, headers=headers)
    assert created.status_code == 201
    assert [e["status"] for e in created.json()["history"]] == ["cho_duyet", "da_duyet"]
    bad = parent.post(
        "/api/v1/wallet/requests", json={**body, "card_number": "GD1565600000001"}, headers=headers
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "card_number"
    assert "mức hưởng" in bad.json()["detail"][0]["message"]
    again = parent.post("/api/v1/wallet/requests", json=body, headers=headers)
    assert again.status_code == 422 and "đã được tích hợp" in again.text
    review = {"issuing_unit": KHANH_HOA, "card_number": UNLINKED_CARD}
    first = parent.post("/api/v1/wallet/requests", json=review, headers=headers)
    second = parent.post("/api/v1/wallet/requests", json=review, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    wallet = parent.get("/api/v1/wallet").json()
    assert wallet["holders"][0]["cards"] == [OWN_CARD]
    assert [h["self"] for h in wallet["holders"]] == [True, False]
    other = parent.post(
        "/api/v1/wallet/requests", json={**body, "person_id": NEIGHBOUR}, headers=headers
    )
    assert other.status_code == 404


def test_the_api_answers_401_without_a_session(client: TestClient, family: Database) -> None:
    assert client.get("/api/v1/wallet").status_code == 401
    with family.sessions() as session:
        assert session.scalar(select(func.count()).select_from(IntegrationRequest)) == 0
