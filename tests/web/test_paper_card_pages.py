"""``/the-giay`` on both backends: a BHXH or commune officer finds a holder by a personal ID
or card number typed in a form, prints a paper card (a PDF, never cached, named without the
person) and revokes it; the clinic's check then refuses the replayed code. Every other role,
and an officer asking for a person outside his unit, gets the same 404 as an unknown ID."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from sokhoe.access.models import AuditEntry
from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.insurance.card_token import read_key_document
from sokhoe.insurance.card_token.qr import read_qr
from sokhoe.insurance.models import InsuranceCard
from sokhoe.insurance.paper_card_models import PaperCard
from sokhoe.registry.models import Citizen, Facility, Village
from sokhoe.runtime import Database
from sokhoe.web.paper_card_views import (
    PAGE_PATH,
    PDF_FILENAME,
    PRINT_PATH,
    REVOKE_CARD_PATH,
    REVOKE_PATH,
)
from tests.web.conftest import KHANH_HOA, NHA_TRANG, OFFICER, PASSWORD, form_token, sign_in
from tests.web.test_wallet import NEIGHBOUR, OWN_CARD, PARENT, VALID, family

__all__ = ["family"]

BAC_NHA_TRANG = 22333
#: A resident of another commune of the province, with a valid card.
STRANGER, STRANGER_CARD = "056170000004", "GD4565600000009"
CHECK_API = "/api/v1/the-bhyt/kiem-tra"
#: Every role but the two that print, as (username, account fields).
OTHER_ROLES = {
    "cha": {},
    "tramyte": {"role": Role.CLINIC_STAFF, "facility_code": "56001"},
    "congan.nt": {"role": Role.POLICE_OFFICER, "commune_code": NHA_TRANG},
    "tohd.nt": {"role": Role.GUIDANCE_MEMBER, "commune_code": NHA_TRANG},
    "soyte.kh": {"role": Role.HEALTH_DEPARTMENT, "province_code": KHANH_HOA},
    "quantri": {},
}


@pytest.fixture
def place(family: Database) -> Database:
    """The wallet tests' family and officers, a resident of Bắc Nha Trang, a commune health
    station with its reception, and an account of every other role."""
    with family.sessions() as session:
        session.add(
            Facility(code="56001", name="Trạm Y tế Nha Trang", commune_code=NHA_TRANG, kind="tram")
        )
        village = Village(commune_code=NHA_TRANG, name="Tổ 1")
        session.add(village)
        session.add(
            Citizen(
                person_id=STRANGER,
                full_name="Phạm Thị Em",
                birth_date=dt.date(1947, 6, 1),
                commune_code=BAC_NHA_TRANG,
            )
        )
        session.add(
            InsuranceCard(
                card_number=STRANGER_CARD,
                bhxh_number=STRANGER_CARD[-10:],
                holder_key=STRANGER,
                person_id=STRANGER,
                full_name="Phạm Thị Em",
                facility_code="56001",
                **VALID,
            )
        )
        session.flush()
        accounts = {
            "xa.bacnhatrang": {"role": Role.COMMUNE_OFFICER, "commune_code": BAC_NHA_TRANG},
            **{name: fields for name, fields in OTHER_ROLES.items() if fields},
        }
        accounts["tohd.nt"] = {**accounts["tohd.nt"], "village_ids": [village.id]}
        for username, fields in accounts.items():
            create_user(
                session, username=username, password=PASSWORD, display_name=username, **fields
            )  # type: ignore[arg-type]
        session.commit()
    return family


def _as(client: TestClient, username: str) -> TestClient:
    client.cookies.clear()
    assert sign_in(client, username).status_code == 303
    return client


def _csrf(client: TestClient) -> str:
    """A form token of the signed-in session, from any page with a form (the layout's logout)."""
    return form_token(client.get("/").text)


def _send(client: TestClient, path: str, **fields: str) -> Response:
    return client.post(path, data={**fields, "csrf_token": _csrf(client)})


def _print(client: TestClient, person_id: str) -> Response:
    return _send(client, PRINT_PATH, person_id=person_id)


def _token_ids(place: Database, person_id: str) -> list[str]:
    with place.sessions() as session:
        return list(
            session.scalars(select(PaperCard.token_id).where(PaperCard.person_id == person_id))
        )


def _qr_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "card.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", path, tmp_path / "card"], check=True)
    return read_qr((tmp_path / "card-1.png").read_bytes())


def _check(client: TestClient, token: str) -> dict[str, object]:
    response = client.post(CHECK_API, json={"qr": token}, headers={"X-CSRF-Token": _csrf(client)})
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


def test_print_check_revoke_and_the_replayed_code_is_refused(
    client: TestClient, place: Database, tmp_path: Path
) -> None:
    officer = _as(client, "bhxh.kh")
    found = _send(officer, PAGE_PATH, query=f" {OWN_CARD.lower()} ")
    assert found.status_code == 200
    assert "Trần Văn Bình" in found.text and "In thẻ giấy" in found.text
    printed = _print(officer, PARENT)
    assert printed.status_code == 200
    assert printed.headers["content-type"] == "application/pdf"
    assert printed.headers["cache-control"] == "no-store"
    assert printed.headers["content-disposition"] == f'attachment; filename="{PDF_FILENAME}"'
    token = _qr_of(printed.content, tmp_path)
    [token_id] = _token_ids(place, PARENT)

    clinic = _as(client, "tramyte")
    checked = _check(clinic, token)
    assert checked["valid"] is True
    assert checked["card"]["kind"] == "paper"  # type: ignore[index]

    officer = _as(client, "bhxh.kh")
    revoked = _send(officer, REVOKE_PATH, person_id=PARENT, token_id=token_id, reason="Mất thẻ")
    assert revoked.status_code == 200
    assert "Đã thu hồi thẻ giấy" in revoked.text and "Mất thẻ" in revoked.text
    again = _send(officer, REVOKE_PATH, person_id=PARENT, token_id=token_id, reason="Mất thẻ")
    assert again.status_code == 409 and "Đã được thu hồi trước đó" in again.text

    clinic = _as(client, "tramyte")
    replayed = _check(clinic, token)
    assert (replayed["valid"], replayed["reason"]) == (False, "revoked")
    published = read_key_document(client.get("/.well-known/sokhoe-keys.json").content)
    assert token_id in published.revocations


def test_a_bhxh_officer_revokes_the_card_number(client: TestClient, place: Database) -> None:
    officer = _as(client, "bhxh.kh")
    missing = _send(officer, REVOKE_CARD_PATH, person_id=PARENT, card_number=OWN_CARD)
    assert missing.status_code == 422 and "Hãy ghi lý do thu hồi" in missing.text
    done = _send(
        officer, REVOKE_CARD_PATH, person_id=PARENT, card_number=OWN_CARD, reason="Gian lận"
    )
    assert done.status_code == 200 and "Đã thu hồi thẻ:" in done.text
    assert "Thu hồi thẻ</button>" not in done.text and "In thẻ giấy</button>" not in done.text
    again = _send(
        officer, REVOKE_CARD_PATH, person_id=PARENT, card_number=OWN_CARD, reason="Gian lận"
    )
    assert again.status_code == 409
    assert _print(officer, PARENT).status_code == 409


def test_a_revocation_needs_a_reason(client: TestClient, place: Database) -> None:
    officer = _as(client, OFFICER)
    assert _print(officer, PARENT).status_code == 200
    [token_id] = _token_ids(place, PARENT)
    page = _send(officer, REVOKE_PATH, person_id=PARENT, token_id=token_id, reason="  ")
    assert page.status_code == 422 and "Hãy ghi lý do thu hồi" in page.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Hãy nhập mã định danh cá nhân hoặc mã thẻ BHYT"),
        ("12345", "Nhập mã định danh 12 chữ số"),
        ("056990000001", "chữ số thứ 4"),
        ("ZZ1565600000001", "Đây không phải mã thẻ BHYT"),
    ],
)
def test_a_malformed_search_names_the_problem(
    client: TestClient, place: Database, query: str, message: str
) -> None:
    page = _send(_as(client, OFFICER), PAGE_PATH, query=query)
    assert page.status_code == 422 and message in page.text


def test_the_pages_in_english(client: TestClient, place: Database) -> None:
    officer = _as(client, OFFICER)
    officer.cookies.set("lang", "en")
    assert "Paper BHYT cards" in officer.get(PAGE_PATH).text
    assert "Print a paper card" in _send(officer, PAGE_PATH, query=PARENT).text


def test_the_role_homes_link_to_the_page(client: TestClient, place: Database) -> None:
    for username in ("bhxh.kh", OFFICER):
        assert f'href="{PAGE_PATH}"' in _as(client, username).get("/").text
    assert f'href="{PAGE_PATH}"' not in _as(client, "congan.nt").get("/").text


def _answers(client: TestClient, person_id: str, token_id: str, card: str) -> list[int]:
    """The status of every ID-taking form of the page for ``person_id``."""
    return [
        _send(client, PAGE_PATH, query=person_id).status_code,
        _send(client, PAGE_PATH, query=card).status_code,
        _print(client, person_id).status_code,
        _send(
            client, REVOKE_PATH, person_id=person_id, token_id=token_id, reason="thử"
        ).status_code,
        _send(
            client, REVOKE_CARD_PATH, person_id=person_id, card_number=card, reason="thử"
        ).status_code,
    ]


def test_every_role_against_every_form(client: TestClient, place: Database) -> None:
    """Out of unit, out of role and unknown all answer 404; nothing is printed or revoked."""
    officer = _as(client, "bhxh.kh")
    for person_id in (PARENT, STRANGER):
        assert _print(officer, person_id).status_code == 200
    [parent_token] = _token_ids(place, PARENT)
    [stranger_token] = _token_ids(place, STRANGER)
    unknown = ("056085999999", "0123456789abcdef", "GD4565699999999")
    not_found = [404] * 5
    cases = {
        **{name: [(PARENT, parent_token, OWN_CARD), unknown] for name in OTHER_ROLES},
        "bhxh.hp": [(PARENT, parent_token, OWN_CARD), unknown],
        "xa.bacnhatrang": [(PARENT, parent_token, OWN_CARD), unknown],
        OFFICER: [(STRANGER, stranger_token, STRANGER_CARD), unknown],
    }
    for username, asked in cases.items():
        signed_in = _as(client, username)
        for person_id, token_id, card in asked:
            assert _answers(signed_in, person_id, token_id, card) == not_found, (username, card)
    # The commune officer of the holder may do all but revoke the card number.
    nha_trang = _as(client, OFFICER)
    assert _answers(nha_trang, PARENT, parent_token, OWN_CARD) == [200, 200, 200, 200, 404]
    assert len(_token_ids(place, PARENT)) == 2 and len(_token_ids(place, STRANGER)) == 1
    with place.sessions() as session:
        denied = session.scalars(
            select(AuditEntry.subject_person_id).where(AuditEntry.outcome == "denied")
        ).all()
    assert set(denied) == {PARENT, STRANGER}  # the officers out of their unit, on record
    assert NEIGHBOUR not in denied
