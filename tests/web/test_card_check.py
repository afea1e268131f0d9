"""``/kiem-tra-the``: a clinic checks a presented card token by text, photo or camera frame.

Every answer is a page (or JSON for a frame), never a server error; every check is audited
without the card number in the log; other roles get the ordinary 404.
"""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from PIL import Image
from sqlalchemy import select

from sokhoe.access.models import AuditEntry
from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.config import Settings
from sokhoe.insurance.card_check import ACTION, card_number_digest
from sokhoe.insurance.card_token import CardDetails, KeyRing, SigningKey, cose, envelope
from sokhoe.insurance.card_token.keys import b64url
from sokhoe.insurance.card_token.qr import qr_png
from sokhoe.insurance.models import InsuranceCard
from sokhoe.insurance.paper_card_models import CardRevocation, RevocationKind
from sokhoe.registry.models import Facility
from sokhoe.runtime import Database
from sokhoe.web.card_check_views import (
    API_PATH,
    FRAME_PATH,
    MAX_BODY_BYTES,
    PAGE_PATH,
    PHOTO_PATH,
)
from tests.insurance.conftest import a_card, app_token, new_key, png_of
from tests.web.conftest import KHANH_HOA, NHA_TRANG, PASSWORD, form_token, sign_in

CLINIC = "letan.nhatrang"
FACILITY_CODE, FACILITY_NAME = "56001", "Trạm Y tế Nha Trang"
HOLDER_ID = "056187001234"
SECRET = b"test secret"  # the web fixtures' settings.secret_key
VALID, INVALID = "HỢP LỆ", "KHÔNG HỢP LỆ"


def current_card(**changes: object) -> CardDetails:
    today = dt.date.today()
    return a_card(
        valid_from=today - dt.timedelta(days=30), valid_to=today + dt.timedelta(days=30), **changes
    )


def phone_token(
    key: SigningKey, card: CardDetails | None = None, *, issued: dt.timedelta = dt.timedelta()
) -> str:
    """A phone's code for ``card`` (default :func:`current_card`) made ``issued`` from the
    moment of the call: a code made when the module was imported expires five minutes into a
    long test run."""
    return app_token(key, card or current_card(), now=dt.datetime.now(dt.UTC) + issued)


@pytest.fixture
def clinic(client: TestClient, database: Database) -> TestClient:
    """The client signed in as reception of Trạm Y tế Nha Trang, whose card list holds the
    test card under one person ID."""
    with database.sessions() as session:
        session.add(
            Facility(
                code=FACILITY_CODE, name=FACILITY_NAME, commune_code=NHA_TRANG, kind="tram_y_te"
            )
        )
        card = current_card()
        session.add(
            InsuranceCard(
                card_number=card.card_number,
                bhxh_number=card.card_number[-10:],
                holder_key=HOLDER_ID,
                person_id=HOLDER_ID,
                full_name=card.full_name,
                birth_date=card.birth_date,
                valid_from=card.valid_from,
                valid_to=card.valid_to,
                facility_code=FACILITY_CODE,
            )
        )
        session.flush()
        create_user(
            session,
            username=CLINIC,
            password=PASSWORD,
            role=Role.CLINIC_STAFF,
            display_name="Phạm Thu Hà",
            facility_code=FACILITY_CODE,
        )
        session.commit()
    assert sign_in(client, CLINIC).status_code == 303
    return client


@pytest.fixture
def server_key(settings: Settings) -> SigningKey:
    return KeyRing.open(settings.home).active


def csrf(client: TestClient) -> str:
    return form_token(client.get(PAGE_PATH).text)


def paste(client: TestClient, text: str) -> Response:
    return client.post(PAGE_PATH, data={"qr_text": text, "csrf_token": csrf(client)})


def upload(client: TestClient, data: bytes, name: str = "the.png") -> Response:
    return client.post(
        PHOTO_PATH, data={"csrf_token": csrf(client)}, files={"photo": (name, data, "image/png")}
    )


def tampered(token: str) -> str:
    """The token with the holder's name changed and the signature kept."""
    message = cose.parse_sign1(envelope.unwrap(token))
    payload = message.payload.replace(b"Lan", b"Lam")
    assert payload != message.payload
    return envelope.wrap(cose.encode_sign1(message.protected, payload, message.signature))


def audit_entries(database: Database) -> list[AuditEntry]:
    with database.sessions() as session:
        return list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.action == ACTION).order_by(AuditEntry.id)
            )
        )


def test_a_valid_token_shows_the_card(
    clinic: TestClient, server_key: SigningKey, database: Database
) -> None:
    token = phone_token(server_key)
    response = paste(clinic, token)
    assert response.status_code == 200
    html = response.text
    assert VALID in html and INVALID not in html
    card = current_card()
    for shown in (
        card.card_number,
        card.full_name,
        "09/03/1987",
        "Nữ",
        card.valid_from.strftime("%d/%m/%Y"),
        card.valid_to.strftime("%d/%m/%Y"),
        f"{FACILITY_CODE} · {FACILITY_NAME}",
        "Trên điện thoại",
    ):
        assert shown in html, shown
    assert response.headers["cache-control"] == "no-store"
    [entry] = audit_entries(database)
    assert entry.outcome == "allowed" and entry.purpose == "care"
    assert entry.subject_person_id == HOLDER_ID
    assert entry.detail == f"kết quả: hợp lệ; thẻ #{card_number_digest(SECRET, card.card_number)}"
    assert card.card_number not in entry.detail


def test_the_same_result_in_english(clinic: TestClient, server_key: SigningKey) -> None:
    clinic.cookies.set("lang", "en")
    html = paste(clinic, phone_token(server_key)).text
    assert ">VALID<" in html and "Female" in html and "On the phone" in html


def _expired(key: SigningKey) -> str:
    return phone_token(key, issued=-dt.timedelta(minutes=10))


def _not_yet_valid(key: SigningKey) -> str:
    return phone_token(key, issued=dt.timedelta(minutes=10))


@pytest.mark.parametrize(
    ("make", "reason", "card_shown"),
    [
        (
            lambda key: tampered(phone_token(key)),
            "đã bị sửa hoặc giả",
            False,
        ),
        (
            lambda key: phone_token(new_key()),
            "khóa mà Sổ Khỏe không biết",
            False,
        ),
        (_expired, "Mã đã hết hạn", True),
        (_not_yet_valid, "chưa có hiệu lực", True),
        (lambda key: "https://dichvucong.gov.vn/", "Không phải mã của Sổ Khỏe", False),
        (lambda key: "SK1:" + "%%%garbage" * 50, "bị hỏng hoặc đã bị sửa", False),
        (lambda key: "\x00\ufffd" * 3000, "Không phải mã của Sổ Khỏe", False),
    ],
    ids=["tampered", "forged-key", "expired", "not-yet-valid", "other-qr", "garbage", "binary"],
)
def test_an_invalid_token_says_why(
    clinic: TestClient,
    server_key: SigningKey,
    database: Database,
    make: object,
    reason: str,
    card_shown: bool,
) -> None:
    assert callable(make)
    response = paste(clinic, make(server_key))
    assert response.status_code == 200
    assert INVALID in response.text and reason in response.text
    assert ("GD4565612345678" in response.text) is card_shown
    assert ("Không chấp nhận thẻ này" in response.text) is card_shown
    [entry] = audit_entries(database)
    assert entry.subject_person_id == (HOLDER_ID if card_shown else None)
    assert "GD4565612345678" not in entry.detail


def test_a_card_revoked_in_the_database_is_refused_with_the_card_shown(
    clinic: TestClient, server_key: SigningKey, database: Database
) -> None:
    card = current_card()
    with database.sessions() as session:
        session.add(
            CardRevocation(
                entry=card.card_number,
                kind=RevocationKind.CARD,
                revoked_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                revoked_by_user_id=None,
                reason="Mất thẻ",
            )
        )
        session.commit()
    html = paste(clinic, phone_token(server_key, card)).text
    assert INVALID in html and "đã bị thu hồi" in html and card.full_name in html


def test_empty_text_asks_for_it(clinic: TestClient, database: Database) -> None:
    html = paste(clinic, "  \n ").text
    assert "Hãy dán hoặc gõ nội dung mã QR" in html
    assert audit_entries(database) == []


def test_a_photo_of_the_code_is_checked(clinic: TestClient, server_key: SigningKey) -> None:
    response = upload(clinic, qr_png(phone_token(server_key)))
    assert response.status_code == 200
    assert VALID in response.text and "Nguyễn Thị Lan" in response.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Hãy chọn ảnh chụp mã QR"),
        (b"%PDF-1.4 not a picture", "không phải ảnh đọc được"),
        (png_of(Image.new("L", (200, 200), 255)), "Không tìm thấy mã QR"),
        (qr_png("SK1:")[:200], "không phải ảnh đọc được"),
    ],
    ids=["empty", "not-an-image", "no-code", "truncated-png"],
)
def test_an_unreadable_photo_says_why(
    clinic: TestClient, database: Database, data: bytes, message: str
) -> None:
    response = upload(clinic, data)
    assert response.status_code == 200
    assert message in response.text
    assert audit_entries(database) == []


def test_a_photo_that_is_not_a_sokhoe_code_is_invalid(clinic: TestClient) -> None:
    html = upload(clinic, qr_png("HELLO")).text
    assert INVALID in html and "Không phải mã của Sổ Khỏe" in html


def test_a_too_large_upload_is_refused_before_it_is_read(clinic: TestClient) -> None:
    response = upload(clinic, b"\xff" * (MAX_BODY_BYTES + 1))
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.text


def test_a_camera_frame_is_read_to_json(clinic: TestClient, server_key: SigningKey) -> None:
    token = phone_token(server_key)
    headers = {"X-CSRF-Token": csrf(clinic)}
    frame = clinic.post(FRAME_PATH, headers=headers, files={"frame": ("f.jpg", qr_png(token))})
    assert frame.json() == {"found": True, "text": token}
    assert frame.headers["cache-control"] == "no-store"
    for nothing in (png_of(Image.new("RGB", (64, 48))), b"junk", b""):
        blank = clinic.post(FRAME_PATH, headers=headers, files={"frame": ("f.jpg", nothing)})
        assert blank.status_code == 200 and blank.json() == {"found": False}


def test_every_post_needs_the_csrf_token(clinic: TestClient, server_key: SigningKey) -> None:
    token = phone_token(server_key)
    assert clinic.post(PAGE_PATH, data={"qr_text": token}).status_code == 403
    assert clinic.post(PHOTO_PATH, files={"photo": ("a.png", qr_png(token))}).status_code == 403
    assert clinic.post(FRAME_PATH, files={"frame": ("a.png", qr_png(token))}).status_code == 403
    bad = {"X-CSRF-Token": "not the token"}
    assert clinic.post(FRAME_PATH, headers=bad, files={"frame": ("a", b"")}).status_code == 403


def test_the_clinic_home_links_to_the_check(clinic: TestClient) -> None:
    assert f'href="{PAGE_PATH}"' in clinic.get("/").text


@pytest.mark.parametrize("username", ["quantri", "bhxh.khanhhoa"])
def test_other_roles_get_the_ordinary_404(
    client: TestClient, database: Database, username: str
) -> None:
    with database.sessions() as session:
        create_user(
            session,
            username="bhxh.khanhhoa",
            password=PASSWORD,
            role=Role.BHXH_OFFICER,
            display_name="Trần Thị Quỳnh Như",
            province_code=KHANH_HOA,
        )
        session.commit()
    assert sign_in(client, username).status_code == 303
    token = form_token(client.get("/").text)
    assert client.get(PAGE_PATH).status_code == 404
    for path in (PAGE_PATH, PHOTO_PATH, FRAME_PATH):
        assert client.post(path, data={"csrf_token": token}).status_code == 404
    assert (
        client.post(API_PATH, json={"qr": "x"}, headers={"X-CSRF-Token": token}).status_code == 404
    )


def test_without_signing_in_the_login_page_comes(client: TestClient) -> None:
    assert client.get(PAGE_PATH).headers["location"] == "/dang-nhap"
    assert client.post(PAGE_PATH, data={"qr_text": "x"}).status_code == 303


@pytest.mark.parametrize("path", [PAGE_PATH, PHOTO_PATH, FRAME_PATH])
def test_broken_requests_are_refused_not_failed(clinic: TestClient, path: str) -> None:
    token = csrf(clinic)
    multipart = {"content-type": "multipart/form-data; boundary=xyz", "X-CSRF-Token": token}
    garbage = clinic.post(path, content=b"not multipart at all", headers=multipart)
    assert garbage.status_code == 400
    urlencoded = {"content-type": "application/x-www-form-urlencoded"}
    huge_field = b"qr_text=" + b"A" * 3_000_000 + b"&csrf_token=" + token.encode()
    assert clinic.post(path, content=huge_field, headers=urlencoded).status_code == 400


def check_by_api(client: TestClient, text: str) -> Response:
    return client.post(API_PATH, json={"qr": text}, headers={"X-CSRF-Token": csrf(client)})


def test_the_api_answers_the_same_check_in_json(
    clinic: TestClient, server_key: SigningKey, database: Database
) -> None:
    token = phone_token(server_key)
    response = check_by_api(clinic, token)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    answer = response.json()
    assert (answer["valid"], answer["reason"]) == (True, None)
    assert answer["kid"] == b64url(server_key.kid)
    card = current_card()
    assert answer["card"] == {
        "card_number": card.card_number,
        "full_name": card.full_name,
        "birth_date": "09/03/1987",
        "sex": card.sex,
        "valid_from": card.valid_from.isoformat(),
        "valid_to": card.valid_to.isoformat(),
        "facility_code": FACILITY_CODE,
        "facility_name": FACILITY_NAME,
        "kind": "app",
        "expires_at": answer["card"]["expires_at"],
    }
    bad = check_by_api(clinic, tampered(token)).json()
    assert (bad["valid"], bad["reason"], bad["card"]) == (False, "bad_signature", None)
    assert [e.outcome for e in audit_entries(database)] == ["allowed", "allowed"]


def test_the_api_refuses_bad_bodies_cleanly(clinic: TestClient) -> None:
    """422 naming the field, never a server error, never the value sent."""
    token = csrf(clinic)
    assert clinic.post(API_PATH, json={"qr": "x"}).status_code == 403  # no CSRF header
    for body in ({}, {"qr": ""}, {"qr": "A" * 5000}, {"qr": 7}):
        response = clinic.post(API_PATH, json=body, headers={"X-CSRF-Token": token})
        assert response.status_code == 422, body
        [problem] = response.json()["detail"]
        assert problem["field"] == "qr" and problem["message"], body
        assert "AAAA" not in response.text
    garbage = clinic.post(
        API_PATH,
        content=b"{not json",
        headers={"X-CSRF-Token": token, "content-type": "application/json"},
    )
    assert garbage.status_code == 422
    assert check_by_api(clinic, "HC1:not ours").json()["reason"] == "not_sokhoe"
