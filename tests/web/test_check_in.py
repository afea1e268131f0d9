"""Reception checks a patient in after the card verified (R7): the code is verified again, a
double click is one check-in, a refused code leaves no check-in, every attempt is audited
without the card number (R16), and a facility's day list shows only its own patients."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from sokhoe.access import audit
from sokhoe.access.models import AuditEntry
from sokhoe.access.roles import Role
from sokhoe.access.scope import actor_for
from sokhoe.access.service import create_user, get_by_username
from sokhoe.config import Settings
from sokhoe.insurance.card_check import card_number_digest
from sokhoe.insurance.card_token import KeyRing, SigningKey, TokenKind, new_claims, sign
from sokhoe.insurance.paper_card_models import CardRevocation, RevocationKind
from sokhoe.records.check_in import ACTION, LIST_ACTION, record_check_in, visit_day
from sokhoe.records.check_in_models import CheckIn
from sokhoe.registry.models import Facility
from sokhoe.runtime import Database
from sokhoe.web.card_check_views import PAGE_PATH
from sokhoe.web.check_in_views import API_PATH, CHECK_IN_PATH, PAGE_SIZE, TODAY_PATH
from sokhoe.web.formatting import vn_date, vn_time
from tests.insurance.conftest import ISSUER, app_token, new_key
from tests.support.factories import add_citizen, add_village
from tests.web.conftest import ADMIN, KHANH_HOA, NHA_TRANG, OFFICER, PASSWORD, form_token, sign_in
from tests.web.test_card_check import (
    CLINIC,
    FACILITY_CODE,
    FACILITY_NAME,
    HOLDER_ID,
    SECRET,
    clinic,
    current_card,
    paste,
    phone_token,
    server_key,
    tampered,
)

__all__ = ["clinic", "server_key"]

OTHER_CLINIC, OTHER_FACILITY = "letan.vinhhai", "56002"
CARD_NUMBER = current_card().card_number
NOT_CHECKED_IN = "Chưa tiếp nhận"


def headers(client: TestClient) -> dict[str, str]:
    """The session's CSRF token, as a script takes it from a page's form."""
    return {"X-CSRF-Token": form_token(client.get("/").text)}


def check_in(client: TestClient, text: str) -> Response:
    return client.post(
        CHECK_IN_PATH, data={"qr_text": text, "csrf_token": form_token(client.get("/").text)}
    )


def check_in_by_api(client: TestClient, text: str) -> Response:
    return client.post(API_PATH, json={"qr": text}, headers=headers(client))


def check_ins(database: Database) -> list[CheckIn]:
    with database.sessions() as session:
        return list(session.scalars(select(CheckIn)))


def audit_entries(database: Database, action: str = ACTION) -> list[AuditEntry]:
    with database.sessions() as session:
        return list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


def test_a_valid_token_checks_the_patient_in(
    clinic: TestClient, server_key: SigningKey, database: Database
) -> None:
    response = check_in(clinic, phone_token(server_key))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    [row] = check_ins(database)
    assert (row.facility_code, row.person_id, row.card_number) == (
        FACILITY_CODE,
        HOLDER_ID,
        CARD_NUMBER,
    )
    assert (row.full_name, row.registered_facility_code, row.token_kind) == (
        "Nguyễn Thị Lan",
        FACILITY_CODE,
        "app",
    )
    assert len(row.token_id) == 16 and row.day == visit_day(dt.datetime.now(dt.UTC))
    with database.sessions() as session:
        reception = get_by_username(session, CLINIC)
        assert reception is not None and row.by_user_id == reception.id
    html = response.text
    when = f"Đã tiếp nhận lúc {vn_time(row.checked_in_at)} {vn_date(row.checked_in_at)}"
    assert when in html
    for shown in (
        CARD_NUMBER,
        "Nguyễn Thị Lan",
        "09/03/1987",
        f"{FACILITY_CODE} · {FACILITY_NAME}",
    ):
        assert shown in html, shown
    [entry] = audit_entries(database)
    assert (entry.outcome, entry.purpose, entry.subject_person_id) == ("allowed", "care", HOLDER_ID)
    assert entry.detail == f"kết quả: hợp lệ; thẻ #{card_number_digest(SECRET, CARD_NUMBER)}"
    assert CARD_NUMBER not in entry.detail


def test_a_second_submit_returns_the_same_check_in(
    clinic: TestClient, server_key: SigningKey, database: Database
) -> None:
    token = phone_token(server_key)
    first = check_in(clinic, token)
    again = check_in(clinic, token)
    assert first.status_code == again.status_code == 200
    assert "đã được tiếp nhận tại đây hôm nay" not in first.text
    assert "đã được tiếp nhận tại đây hôm nay" in again.text
    [row] = check_ins(database)
    assert f"Đã tiếp nhận lúc {vn_time(row.checked_in_at)}" in again.text
    assert len(audit_entries(database)) == 2  # every attempt is on record


def test_the_confirmation_and_the_day_list_in_english(
    clinic: TestClient, server_key: SigningKey
) -> None:
    clinic.cookies.set("lang", "en")
    html = check_in(clinic, phone_token(server_key)).text
    assert "CHECKED IN" in html and "Checked in at " in html and "Female" in html
    today = clinic.get(TODAY_PATH).text
    assert "Patients checked in today" in today and "On the phone" in today


def test_the_api_answers_201_then_200_for_the_same_code(
    clinic: TestClient, server_key: SigningKey, database: Database
) -> None:
    token = phone_token(server_key)
    first = check_in_by_api(clinic, token)
    assert first.status_code == 201
    assert first.headers["cache-control"] == "no-store"
    answer = first.json()
    [row] = check_ins(database)
    assert answer["check_in_id"] == row.id
    assert dt.datetime.fromisoformat(answer["checked_in_at"]) == row.checked_in_at.replace(
        tzinfo=dt.UTC
    )
    assert answer["card"]["card_number"] == CARD_NUMBER
    assert answer["card"]["facility_name"] == FACILITY_NAME
    again = check_in_by_api(clinic, token)
    assert again.status_code == 200 and again.json() == answer
    assert len(check_ins(database)) == 1


def test_the_api_refuses_an_invalid_code_with_its_reason(
    clinic: TestClient, server_key: SigningKey, database: Database
) -> None:
    expired = check_in_by_api(clinic, phone_token(server_key, issued=-dt.timedelta(minutes=10)))
    assert expired.status_code == 422
    assert expired.json()["reason"] == "expired"
    assert expired.json()["card"]["card_number"] == CARD_NUMBER  # the signature held
    forged = check_in_by_api(clinic, tampered(phone_token(server_key)))
    assert (forged.status_code, forged.json()) == (422, {"reason": "bad_signature", "card": None})
    assert check_ins(database) == []
    for body in ({}, {"qr": ""}, {"qr": 7}):
        response = clinic.post(API_PATH, json=body, headers=headers(clinic))
        assert response.status_code == 422
        assert response.json()["detail"][0]["field"] == "qr"
    assert clinic.post(API_PATH, json={"qr": "x"}).status_code == 403  # no CSRF header


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda key: phone_token(key, issued=-dt.timedelta(minutes=10)), "expired"),
        (lambda key: tampered(phone_token(key)), "bad_signature"),
        (lambda key: phone_token(new_key()), "unknown_key"),
        (lambda key: "SK1:" + "%%%garbage" * 50, "malformed"),
        (lambda key: "https://dichvucong.gov.vn/", "not_sokhoe"),
    ],
    ids=["expired", "tampered", "forged-key", "garbage", "other-qr"],
)
def test_an_invalid_token_is_refused_with_its_reason(
    clinic: TestClient,
    server_key: SigningKey,
    database: Database,
    make: Callable[[SigningKey], str],
    reason: str,
) -> None:
    response = check_in(clinic, make(server_key))
    assert response.status_code == 200
    assert NOT_CHECKED_IN in response.text and "KHÔNG HỢP LỆ" in response.text
    assert check_ins(database) == []
    [entry] = audit_entries(database)
    assert entry.detail.startswith(f"kết quả: {reason}") and CARD_NUMBER not in entry.detail


def test_a_revoked_card_is_not_checked_in(
    clinic: TestClient, server_key: SigningKey, database: Database
) -> None:
    with database.sessions() as session:
        session.add(
            CardRevocation(
                entry=CARD_NUMBER,
                kind=RevocationKind.CARD,
                revoked_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                revoked_by_user_id=None,
                reason="Mất thẻ",
            )
        )
        session.commit()
    response = check_in(clinic, phone_token(server_key))
    assert NOT_CHECKED_IN in response.text and "đã bị thu hồi" in response.text
    assert check_ins(database) == []


def test_an_empty_or_missing_token_is_a_bad_request(clinic: TestClient) -> None:
    token = form_token(clinic.get("/").text)
    assert clinic.post(CHECK_IN_PATH, data={"csrf_token": token}).status_code == 400
    assert clinic.post(CHECK_IN_PATH, data={"csrf_token": token, "qr_text": ""}).status_code == 400
    assert clinic.post(CHECK_IN_PATH, data={"qr_text": "x"}).status_code == 403


def test_no_audit_no_check_in(
    clinic: TestClient,
    server_key: SigningKey,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An audit entry that cannot be written takes the check-in down with it."""
    record = audit.record

    def failing(session: object, **entry: object) -> object:
        if entry["action"] == ACTION:
            raise RuntimeError("the audit log is unavailable")
        return record(session, **entry)  # type: ignore[arg-type]

    monkeypatch.setattr(audit, "record", failing)
    response = check_in(clinic, phone_token(server_key))
    assert response.status_code == 500
    assert check_ins(database) == [] and audit_entries(database) == []


@pytest.fixture
def other_clinic(app: FastAPI, database: Database) -> Iterator[TestClient]:
    """Reception of another facility of the province, signed in on a client of its own."""
    with database.sessions() as session:
        session.add(
            Facility(
                code=OTHER_FACILITY,
                name="Trạm Y tế Vĩnh Hải",
                commune_code=NHA_TRANG,
                kind="tram_y_te",
            )
        )
        session.flush()
        create_user(
            session,
            username=OTHER_CLINIC,
            password=PASSWORD,
            role=Role.CLINIC_STAFF,
            display_name="Võ Minh Tâm",
            facility_code=OTHER_FACILITY,
        )
        session.commit()
    with TestClient(app, follow_redirects=False) as other:
        assert sign_in(other, OTHER_CLINIC).status_code == 303
        yield other


def test_a_facility_sees_only_its_own_check_ins(
    clinic: TestClient, other_clinic: TestClient, server_key: SigningKey, database: Database
) -> None:
    check_in(clinic, phone_token(server_key))
    own = clinic.get(TODAY_PATH)
    assert own.status_code == 200
    assert own.headers["cache-control"] == "no-store"
    assert "Nguyễn Thị Lan" in own.text and "1987" in own.text and "Trên điện thoại" in own.text
    assert f"{FACILITY_CODE} · {FACILITY_NAME}" in own.text
    elsewhere = other_clinic.get(TODAY_PATH)
    assert elsewhere.status_code == 200
    assert "Nguyễn Thị Lan" not in elsewhere.text
    assert "Hôm nay chưa tiếp nhận người bệnh nào" in elsewhere.text
    reads = audit_entries(database, LIST_ACTION)
    assert [(e.outcome, e.subject_person_id) for e in reads] == [("allowed", None)] * 2
    assert reads[0].detail.startswith(f"cơ sở {FACILITY_CODE}, ngày ")
    assert reads[1].detail.startswith(f"cơ sở {OTHER_FACILITY}, ngày ")
    # The same code at the other facility is a visit there, not the first one's.
    check_in(other_clinic, phone_token(server_key))
    assert sorted(row.facility_code for row in check_ins(database)) == [
        FACILITY_CODE,
        OTHER_FACILITY,
    ]


def test_a_long_day_is_paged(clinic: TestClient, database: Database) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with database.sessions() as session:
        reception = get_by_username(session, CLINIC)
        assert reception is not None
        for n in range(PAGE_SIZE + 5):
            session.add(
                CheckIn(
                    id=f"ci{n:03d}",
                    facility_code=FACILITY_CODE,
                    person_id=None,
                    card_number=f"GD45656{n:08d}",
                    full_name=f"Bệnh nhân số {n:03d}",
                    birth_date=dt.date(1990, 1, 1),
                    birth_precision="year",
                    registered_facility_code=None,
                    token_id=f"{n:016x}",
                    token_kind="paper",
                    checked_in_at=now - dt.timedelta(seconds=n),
                    day=visit_day(dt.datetime.now(dt.UTC)),
                    by_user_id=reception.id,
                )
            )
        session.commit()
    first = clinic.get(TODAY_PATH).text
    assert "Bệnh nhân số 000" in first and f"Bệnh nhân số {PAGE_SIZE - 1:03d}" in first
    assert f"Bệnh nhân số {PAGE_SIZE:03d}" not in first and "In trên giấy" in first
    second = clinic.get(TODAY_PATH, params={"page": 2}).text
    assert f"Bệnh nhân số {PAGE_SIZE + 4:03d}" in second and "Bệnh nhân số 000" not in second


def test_the_clinic_home_links_to_the_day_list(clinic: TestClient, server_key: SigningKey) -> None:
    check_in(clinic, phone_token(server_key))
    home = clinic.get("/").text
    assert f'href="{TODAY_PATH}"' in home and "Tiếp nhận hôm nay (1)" in home


def test_the_valid_answer_offers_the_check_in(clinic: TestClient, server_key: SigningKey) -> None:
    token = phone_token(server_key)
    html = paste(clinic, token).text
    assert f'action="{CHECK_IN_PATH}"' in html and "Tiếp nhận khám" in html
    assert f'name="qr_text" value="{token}"' in html
    invalid = paste(clinic, tampered(token)).text
    assert f'action="{CHECK_IN_PATH}"' not in invalid


def test_a_paper_card_starts_a_new_visit_each_day(
    clinic: TestClient, database: Database, settings: Settings
) -> None:
    """The service itself: one long-lived code, checked in on two Vietnam days."""
    ring = KeyRing.open(settings.home)
    key = ring.active
    day_one = dt.datetime.now(dt.UTC).replace(microsecond=0)
    claims = new_claims(current_card(), kind=TokenKind.PAPER, issuer=ISSUER, now=day_one)
    token = sign(claims, key)
    with database.sessions() as session:
        user = get_by_username(session, CLINIC)
        assert user is not None
        reception = actor_for(session, user, "127.0.0.1")
        for now in (day_one, day_one + dt.timedelta(minutes=1), day_one + dt.timedelta(days=1)):
            record_check_in(
                session,
                reception,
                token,
                keys=ring.verification_keys(now),
                revoked=frozenset(),
                secret=SECRET,
                now=now,
            )
        session.commit()
    rows = check_ins(database)
    assert sorted(row.day for row in rows) == [
        visit_day(day_one),
        visit_day(day_one) + dt.timedelta(days=1),
    ]
    assert {row.token_kind for row in rows} == {"paper"}


def test_two_submits_at_the_same_instant_make_one_check_in(
    clinic: TestClient, database: Database, settings: Settings
) -> None:
    """A double click reaching two server threads at once: one check-in, given to both."""
    ring = KeyRing.open(settings.home)
    now = dt.datetime.now(dt.UTC)
    token = app_token(ring.active, current_card(), now=now)
    start = threading.Barrier(2)

    def submit() -> tuple[str, bool]:
        with database.sessions() as session:
            user = get_by_username(session, CLINIC)
            assert user is not None
            reception = actor_for(session, user, "127.0.0.1")
            start.wait()
            result = record_check_in(
                session,
                reception,
                token,
                keys=ring.verification_keys(now),
                revoked=frozenset(),
                secret=SECRET,
                now=now,
            )
            session.commit()
            assert result.check_in is not None
            return result.check_in.id, result.created

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: submit(), range(2)))
    [row] = check_ins(database)
    assert {check_in_id for check_in_id, _ in answers} == {row.id}
    assert sorted(created for _, created in answers) == [False, True]


@pytest.fixture
def every_role(database: Database) -> None:
    """One account for each role that does not receive patients (the administrator and the
    commune officer come with the web fixtures)."""
    with database.sessions() as session:
        village = add_village(session, NHA_TRANG, "Tổ dân phố 1")
        citizen = add_citizen(session, village)
        accounts: list[dict[str, object]] = [
            {"username": "congdan", "role": Role.CITIZEN, "person_id": citizen.person_id},
            {"username": "bhxh.kh", "role": Role.BHXH_OFFICER, "province_code": KHANH_HOA},
            {"username": "congan.nt", "role": Role.POLICE_OFFICER, "commune_code": NHA_TRANG},
            {
                "username": "tohuongdan",
                "role": Role.GUIDANCE_MEMBER,
                "commune_code": NHA_TRANG,
                "village_ids": [village.id],
            },
            {"username": "soyte", "role": Role.HEALTH_DEPARTMENT, "province_code": KHANH_HOA},
        ]
        for account in accounts:
            create_user(session, password=PASSWORD, display_name="Người dùng thử", **account)  # type: ignore[arg-type]
        session.commit()


@pytest.mark.parametrize(
    "username", ["congdan", "bhxh.kh", OFFICER, "congan.nt", "tohuongdan", "soyte", ADMIN]
)
def test_every_other_role_gets_the_ordinary_404(
    client: TestClient,
    every_role: None,
    server_key: SigningKey,
    database: Database,
    username: str,
) -> None:
    assert sign_in(client, username).status_code == 303
    token = form_token(client.get("/").text)
    qr = phone_token(server_key)
    assert client.get(TODAY_PATH).status_code == 404
    assert client.post(CHECK_IN_PATH, data={"qr_text": qr, "csrf_token": token}).status_code == 404
    api = client.post(API_PATH, json={"qr": qr}, headers={"X-CSRF-Token": token})
    assert api.status_code == 404
    assert client.get(PAGE_PATH).status_code == 404
    assert check_ins(database) == []


def test_without_signing_in_the_login_page_comes(client: TestClient) -> None:
    assert client.get(TODAY_PATH).headers["location"] == "/dang-nhap"
    assert client.post(CHECK_IN_PATH, data={"qr_text": "x"}).status_code == 303
    assert client.post(API_PATH, json={"qr": "x"}).status_code == 401
