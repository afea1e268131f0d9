"""Xuất trình giấy tờ as JSON: the passcode set and changed, one's own card or a child's under
14 presented with a signed code, five wrong codes locking the wallet for page and API alike,
and nobody reaching another person's card — refused exactly like an unknown ID (R2, R5, R16)."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from sokhoe.access.models import AuditEntry
from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.config import Settings
from sokhoe.insurance import passcode
from sokhoe.insurance.card_token import KeyRing, Valid, verify
from sokhoe.registry.models import Facility, Village
from sokhoe.runtime import Database
from tests.web.conftest import ADMIN, KHANH_HOA, NHA_TRANG, OFFICER, PASSWORD, form_token, sign_in
from tests.web.test_wallet import (
    CHILD,
    CHILD_CARD,
    NEIGHBOUR,
    OWN_CARD,
    PARENT,
    UNLINKED_CARD,
    _file,
    family,
)

__all__ = ["family"]

PASSCODE_API, PRESENT_API = "/api/v1/wallet/passcode", "/api/v1/wallet/presentation"
CODE = "246810"


def _headers(client: TestClient) -> dict[str, str]:
    """The session's CSRF token, as a script takes it from a page's form."""
    return {"X-CSRF-Token": form_token(client.get("/").text)}


def _set_code(client: TestClient, new: str = CODE, current: str | None = None) -> Response:
    body = {"new_passcode": new, "current_passcode": current}
    return client.post(PASSCODE_API, json=body, headers=_headers(client))


def _present(client: TestClient, code: str = CODE, person: str | None = None) -> Response:
    body = {"passcode": code} | ({"person_id": person} if person else {})
    return client.post(PRESENT_API, json=body, headers=_headers(client))


def _signed_in(client: TestClient, username: str) -> TestClient:
    client.cookies.clear()
    assert sign_in(client, username).status_code == 303
    return client


#: The roles the wallet tests' family lacks: reception above all, which checks cards and must
#: never mint one.
OTHER_ROLES: dict[str, dict[str, object]] = {
    "tramyte": {"role": Role.CLINIC_STAFF, "facility_code": "56001"},
    "congan.nt": {"role": Role.POLICE_OFFICER, "commune_code": NHA_TRANG},
    "tohd.nt": {"role": Role.GUIDANCE_MEMBER, "commune_code": NHA_TRANG},
    "soyte.kh": {"role": Role.HEALTH_DEPARTMENT, "province_code": KHANH_HOA},
}


@pytest.fixture
def every_role(family: Database) -> Database:
    with family.sessions() as session:
        session.add(
            Facility(code="56001", name="Trạm Y tế Nha Trang", commune_code=NHA_TRANG, kind="tram")
        )
        village = Village(commune_code=NHA_TRANG, name="Tổ 1")
        session.add(village)
        session.flush()
        for username, fields in OTHER_ROLES.items():
            if fields["role"] is Role.GUIDANCE_MEMBER:
                fields = {**fields, "village_ids": [village.id]}
            create_user(
                session, username=username, password=PASSWORD, display_name=username, **fields
            )  # type: ignore[arg-type]
        session.commit()
    return family


@pytest.mark.parametrize(
    ("username", "set_code", "presented"),
    [
        ("cha", 204, 200),
        ("hangxom", 204, 404),  # a citizen without a card: nothing to present
        ("bhxh.kh", 404, 404),
        ("bhxh.hp", 404, 404),
        (OFFICER, 404, 404),
        (ADMIN, 404, 404),
        *((username, 404, 404) for username in OTHER_ROLES),
    ],
)
def test_every_role_on_the_presentation_endpoints(
    client: TestClient, every_role: Database, username: str, set_code: int, presented: int
) -> None:
    _file(_signed_in(client, "cha"), OWN_CARD)
    _signed_in(client, username)
    assert _set_code(client).status_code == set_code
    answer = _present(client, person=PARENT)
    assert answer.status_code == (presented if username == "cha" else 404)
    client.cookies.clear()
    assert client.post(PRESENT_API, json={"passcode": CODE}).status_code == 401


def test_a_citizen_presents_his_card_as_json(
    client: TestClient, family: Database, settings: Settings
) -> None:
    _file(_signed_in(client, "cha"), "gd4 56 5600000001")
    assert client.post(PASSCODE_API, json={"new_passcode": CODE}).status_code == 403  # no CSRF
    bad = _set_code(client, "12ab56")
    assert bad.status_code == 422
    assert bad.json()["detail"] == [
        {"field": "new_passcode", "message": "mã bảo vệ ví gồm đúng 6 chữ số"}
    ]
    unset = _present(client)
    assert unset.status_code == 422 and unset.json()["detail"][0]["field"] == "passcode"
    assert client.get("/api/v1/wallet").json()["has_passcode"] is False
    assert _set_code(client).status_code == 204
    assert client.get("/api/v1/wallet").json()["has_passcode"] is True

    answer = _present(client)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    shown = answer.json()
    assert shown["card"] == {
        "card_number": OWN_CARD,
        "full_name": "Trần Văn Bình",
        "birth_date": "01/05/1990",
        "sex": None,
        "valid_from": (dt.date.today() - dt.timedelta(days=30)).isoformat(),
        "valid_to": (dt.date.today() + dt.timedelta(days=300)).isoformat(),
        "facility_code": None,
    }
    assert shown["qr_svg"].startswith("<svg")
    expires = dt.datetime.fromisoformat(shown["expires_at"])
    assert dt.timedelta(minutes=4) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(minutes=5)
    now = dt.datetime.now(dt.UTC)
    checked = verify(shown["token"], KeyRing.open(settings.home).verification_keys(now))
    assert isinstance(checked, Valid) and checked.claims.card.card_number == OWN_CARD
    with family.sessions() as session:
        reads = session.scalars(select(AuditEntry).where(AuditEntry.action == "present_card")).all()
    assert [(e.outcome, e.subject_person_id, e.purpose) for e in reads] == [
        ("allowed", PARENT, "self_service")
    ]


def test_changing_the_passcode_needs_the_current_one(client: TestClient, family: Database) -> None:
    _file(_signed_in(client, "cha"), OWN_CARD)
    assert _set_code(client).status_code == 204
    wrong = _set_code(client, "135790", current="000000")
    assert wrong.status_code == 403
    assert wrong.json()["remaining_attempts"] == passcode.FREE_FAILURES - 1
    assert _set_code(client, "135790", current=CODE).status_code == 204
    assert _present(client, CODE).status_code == 403
    assert _present(client, "135790").status_code == 200


def test_five_wrong_passcodes_lock_the_wallet_for_api_and_page(
    client: TestClient, family: Database
) -> None:
    _file(_signed_in(client, "cha"), OWN_CARD)
    assert _set_code(client).status_code == 204
    answers = [_present(client, "000000") for _ in range(passcode.FREE_FAILURES)]
    assert [a.status_code for a in answers] == [403] * passcode.FREE_FAILURES
    assert [a.json()["remaining_attempts"] for a in answers] == [4, 3, 2, 1, 0]
    assert "retry-after" not in answers[3].headers
    assert answers[-1].headers["retry-after"] == "30"  # the fifth locks
    locked = _present(client)  # the right code, while locked: not even checked
    assert locked.status_code == 429
    assert 0 < int(locked.headers["retry-after"]) <= 30
    assert locked.json()["retry_after"] == int(locked.headers["retry-after"])
    assert "token" not in locked.json()
    page = client.get("/vi-giay-to/xuat-trinh")
    on_page = client.post(
        "/vi-giay-to/xuat-trinh",
        data={"person": PARENT, "code": CODE, "csrf_token": form_token(page.text)},
    )
    assert on_page.status_code == 429 and "ví bị khóa đến" in on_page.text


def test_a_parent_presents_his_childs_card(client: TestClient, family: Database) -> None:
    _signed_in(client, "cha")
    assert _set_code(client).status_code == 204
    empty = _present(client, person=CHILD)  # the child's wallet holds no card yet
    assert empty.status_code == 404 and "chưa có thẻ BHYT" in empty.json()["detail"]
    _file(client, CHILD_CARD, person=CHILD)
    answer = _present(client, person=CHILD)
    assert answer.status_code == 200
    assert answer.json()["card"]["card_number"] == CHILD_CARD
    assert answer.json()["card"]["full_name"] == "Trần Thị Cúc"


@pytest.mark.parametrize("person", [PARENT, CHILD])
def test_nobody_presents_another_persons_card(
    client: TestClient, family: Database, person: str
) -> None:
    """The neighbour asks for the parent's card and for the parent's child: the answer is
    byte for byte the one for an ID that exists nowhere, and the refusal is on record."""
    parent = _signed_in(client, "cha")
    _file(parent, OWN_CARD)
    _file(parent, CHILD_CARD, person=CHILD)
    _signed_in(client, "hangxom")
    assert _set_code(client).status_code == 204
    refused = _present(client, person=person)
    unknown = _present(client, person="099099099099")
    assert refused.status_code == unknown.status_code == 404
    assert refused.content == unknown.content
    assert OWN_CARD not in refused.text and CHILD_CARD not in refused.text
    with family.sessions() as session:
        denied = session.scalars(
            select(AuditEntry.subject_person_id).where(
                AuditEntry.action == "present_card", AuditEntry.outcome == "denied"
            )
        ).all()
    assert person in denied
    assert NEIGHBOUR not in refused.text


def test_a_card_bhxh_lists_without_id_is_presented_once_an_officer_approved_it(
    client: TestClient, family: Database
) -> None:
    """BHXH's list holds the card without a personal ID: the request goes to review, and
    once the officer approves it the wallet holds it — so it must be presentable too."""
    _file(_signed_in(client, "cha"), UNLINKED_CARD)
    assert _set_code(client).status_code == 204
    request_id = client.get("/api/v1/wallet").json()["holders"][0]["requests"][0]["id"]
    _signed_in(client, "bhxh.kh")
    decision = client.post(
        f"/api/v1/review/requests/{request_id}/decision",
        json={"version": 1, "approve": True},
        headers=_headers(client),
    )
    assert decision.status_code == 200
    _signed_in(client, "cha")
    answer = _present(client)
    assert answer.status_code == 200
    assert answer.json()["card"]["card_number"] == UNLINKED_CARD
