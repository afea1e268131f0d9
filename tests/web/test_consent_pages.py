"""Sharing the health book on both backends: the citizen (or a parent, for his child) gives
a one-time code behind the wallet passcode, reception types it and reads the book as the
scope allows, the citizen withdraws it and reception is refused; an emergency needs a reason;
the citizen sees who read his book; anyone else gets the app's 404 on every endpoint that
names a person or a consent."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.insurance.card_token.qr import qr_png
from sokhoe.records.clinical import ClinicalRecord, Immunization, Patient, Referral, Visit
from sokhoe.records.ingest import ingest_batch
from sokhoe.registry.models import Facility
from sokhoe.runtime import Database
from sokhoe.web.card_check_views import MAX_BODY_BYTES
from sokhoe.web.consent_views import FRAME_PATH, QR_SCALE
from tests.insurance.conftest import png_of
from tests.web.conftest import ADMIN, KHANH_HOA, NHA_TRANG, OFFICER, PASSWORD, form_token, sign_in
from tests.web.test_wallet import CHILD, NEIGHBOUR, PARENT, family
from tests.web.test_wallet_presentation import CODE, _set_code

__all__ = ["family"]

SHARE, RECEPTION = "/so-suc-khoe/chia-se", "/so-suc-khoe/co-so"
STATION, OTHER_STATION = "56001", "56002"
_UNLOCK = re.compile(r'name="unlock" value="([^"]+)"')
_CODE = re.compile(r"data-consent-code>([A-Z0-9]{4}-[A-Z0-9]{4})<")
_CONSENT = re.compile(r'name="consent_id" value="([^"]+)"')
TODAY = dt.date.today()


@pytest.fixture
def clinics(family: Database) -> Database:
    """Two stations with a reception each, a provincial health officer and, for the parent,
    an old visit, a recent one with a referral letter, and his child's dose."""
    with family.sessions() as session:
        for code, name in ((STATION, "Trạm Y tế Lộc Thọ"), (OTHER_STATION, "Trạm Y tế Tây")):
            session.add(Facility(code=code, name=name, commune_code=NHA_TRANG, kind="tram"))
        session.flush()
        for username, fields in (
            ("letan", {"role": Role.CLINIC_STAFF, "facility_code": STATION}),
            ("letan2", {"role": Role.CLINIC_STAFF, "facility_code": OTHER_STATION}),
            ("soyte", {"role": Role.HEALTH_DEPARTMENT, "province_code": KHANH_HOA}),
        ):
            create_user(
                session, username=username, password=PASSWORD, display_name=username, **fields
            )
        me, child = Patient("Trần Văn Bình", PARENT), Patient("Trần Thị Cúc", CHILD)
        recent = dt.datetime.combine(TODAY - dt.timedelta(days=30), dt.time(2), dt.UTC)
        records: list[ClinicalRecord] = [
            Visit(
                STATION, "LK-OLD", me, recent.replace(year=recent.year - 3), main_diagnosis="J06.9"
            ),
            Visit(STATION, "LK-NEW", me, recent, main_diagnosis="I10"),
            Referral(STATION, "CT1", me, recent.date(), "CT-77", OTHER_STATION, "I10"),
            Immunization(STATION, "V1", child, "BCG", TODAY.replace(year=TODAY.year - 4, day=1), 1),
        ]
        ingest_batch(session, records, source="test", sender_facility=None)
        session.commit()
    return family


def _as(client: TestClient, username: str) -> TestClient:
    client.cookies.clear()
    assert sign_in(client, username).status_code == 303
    return client


def _open_share(client: TestClient, person: str = "") -> str:
    """The sharing page after the passcode; returns its HTML."""
    token = form_token(client.get(SHARE).text)
    answer = client.post(SHARE, data={"code": CODE, "person": person, "csrf_token": token})
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    return str(answer.text)


def _offer(client: TestClient, page: str, person: str, scope: str = "full", days: str = "7") -> str:
    fields = {"scope": scope, "days": days, "person": person, "unlock": _unlock(page)}
    answer = client.post(f"{SHARE}/cap-ma", data={**fields, "csrf_token": form_token(page)})
    assert answer.status_code == 200, answer.text
    return str(answer.text)


def _unlock(page: str) -> str:
    match = _UNLOCK.search(page)
    assert match
    return match.group(1)


def _code(page: str) -> str:
    match = _CODE.search(page)
    assert match, "no one-time code on the page"
    return match.group(1)


def _redeem(client: TestClient, code: str) -> tuple[int, str]:
    token = form_token(client.get(RECEPTION).text)
    answer = client.post(f"{RECEPTION}/nhap-ma", data={"code": code, "csrf_token": token})
    return answer.status_code, answer.headers.get("location", answer.text)


def _revoke(client: TestClient, page: str, person: str, consent_id: str) -> int:
    fields = {"consent_id": consent_id, "person": person, "unlock": _unlock(page)}
    data = {**fields, "csrf_token": form_token(page)}
    return int(client.post(f"{SHARE}/thu-hoi", data=data).status_code)


def test_offer_redeem_read_revoke_and_refuse(client: TestClient, clinics: Database) -> None:
    _as(client, "cha")
    assert _set_code(client) == 303
    offered = _offer(client, _open_share(client), PARENT)
    code = _code(offered)
    assert "<svg" in offered and "Hết hạn lúc" in offered and "Chờ cơ sở nhập mã" in offered

    _as(client, "letan")
    status, wrong = _redeem(client, "ABCD-EFGH")
    assert status == 422 and "Mã không đúng, đã được dùng hoặc đã hết hạn" in wrong
    assert 'value="ABCD-EFGH"' in wrong
    status, location = _redeem(client, code.lower().replace("-", " "))
    assert status == 303 and location.startswith(f"{RECEPTION}/")
    book = client.get(location)
    assert book.status_code == 200 and book.headers["cache-control"] == "no-store"
    assert "Trần Văn Bình" in book.text and "Toàn bộ" in book.text
    assert "J06.9" in book.text and "I10" in book.text and "Giấy chuyển tuyến" in book.text
    assert _redeem(client, code)[0] == 422  # one use only

    _as(client, "letan2")
    assert client.get(location).status_code == 404  # another facility

    _as(client, "cha")
    page = _open_share(client)
    assert "Đang hiệu lực đến" in page and "Trạm Y tế Lộc Thọ" in page
    readers = page.split("Ai đã xem sổ của tôi", 1)[1]
    assert "Nhân viên cơ sở y tế" in readers and "Trạm Y tế Lộc Thọ" in readers
    consent_id = _CONSENT.search(page)
    assert consent_id
    assert _revoke(client, page, PARENT, consent_id.group(1)) == 200
    assert "Đã thu hồi" in _open_share(client)

    _as(client, "letan")
    assert client.get(location).status_code == 404


def test_a_summary_leaves_out_old_visits_and_letters(client: TestClient, clinics: Database) -> None:
    _as(client, "cha")
    _set_code(client)
    code = _code(_offer(client, _open_share(client), PARENT, scope="summary", days="1"))
    _as(client, "letan")
    book = client.get(_redeem(client, code)[1]).text
    assert "Tóm tắt" in book and "I10" in book
    assert "J06.9" not in book and "Giấy chuyển tuyến" not in book


def test_a_parent_shares_his_childs_book(client: TestClient, clinics: Database) -> None:
    _as(client, "cha")
    _set_code(client)
    page = _open_share(client, CHILD)
    assert "Trần Thị Cúc" in page
    code = _code(_offer(client, page, CHILD, days="30"))
    _as(client, "letan")
    book = client.get(_redeem(client, code)[1]).text
    assert "Trần Thị Cúc" in book and "BCG" in book


def test_a_neighbour_neither_sees_nor_withdraws(client: TestClient, clinics: Database) -> None:
    _as(client, "cha")
    _set_code(client)
    page = _offer(client, _open_share(client, CHILD), CHILD)
    consent = _CONSENT.search(page)
    assert consent
    _as(client, "hangxom")
    assert _set_code(client) == 303
    own = _open_share(client)
    for person in (CHILD, PARENT):
        token = form_token(own)
        data = {"code": CODE, "person": person, "csrf_token": token}
        assert client.post(SHARE, data=data).status_code == 404
        assert (
            client.post(SHARE, data={**data, "code": "", "unlock": _unlock(own)}).status_code == 404
        )
        assert _offer_status(client, own, person) == 404
    assert _revoke(client, own, NEIGHBOUR, consent.group(1)) == 404
    assert _revoke(client, own, CHILD, consent.group(1)) == 404
    _as(client, "cha")
    assert "Chờ cơ sở nhập mã" in _open_share(client, CHILD)


def _offer_status(client: TestClient, page: str, person: str) -> int:
    fields = {"scope": "full", "days": "7", "person": person, "unlock": _unlock(page)}
    data = {**fields, "csrf_token": form_token(page)}
    return int(client.post(f"{SHARE}/cap-ma", data=data).status_code)


def test_an_emergency_needs_a_reason_and_is_flagged(client: TestClient, clinics: Database) -> None:
    _as(client, "letan")
    token = form_token(client.get(RECEPTION).text)
    short = {"person": PARENT, "reason": "ngất  <b>", "csrf_token": token}
    answer = client.post(f"{RECEPTION}/khan-cap", data=short)
    assert answer.status_code == 422 and "ít nhất 10 ký tự" in answer.text
    assert "ngất  &lt;b&gt;</textarea>" in answer.text and f'value="{PARENT}"' in answer.text
    reason = {**short, "reason": "Bệnh nhân bất tỉnh, cần biết tiền sử dị ứng"}
    answer = client.post(f"{RECEPTION}/khan-cap", data=reason)
    assert answer.status_code == 303
    book = client.get(answer.headers["location"]).text
    assert "Truy cập khẩn cấp — sẽ được Sở Y tế xem xét" in book and "Trần Văn Bình" in book
    unknown = {**reason, "person": "099999999999"}
    assert client.post(f"{RECEPTION}/khan-cap", data=unknown).status_code == 404

    _as(client, "cha")
    _set_code(client)
    page = _open_share(client)
    assert "consent-view--emergency" in page and "Khẩn cấp" in page
    assert "Trạm Y tế Lộc Thọ" in page


USERS = ("cha", "hangxom", "letan", "letan2", "soyte", "bhxh.kh", "bhxh.hp", OFFICER, ADMIN)


@pytest.mark.parametrize("username", USERS)
def test_every_role_on_every_endpoint_naming_a_person(
    client: TestClient, clinics: Database, username: str
) -> None:
    _as(client, "cha")
    _set_code(client)
    offered = _offer(client, _open_share(client, CHILD), CHILD)
    consent_id = _CONSENT.search(offered)
    assert consent_id
    _as(client, "letan")
    location = _redeem(client, _code(offered))[1]

    _as(client, username)
    token = form_token(client.get("/").text)
    unlock = "0.forged"
    if username in ("cha", "hangxom"):
        _set_code(client)
        unlock = _unlock(_open_share(client))
    reader = username == "letan"
    assert client.get(location).status_code == (200 if reader else 404)
    assert client.get(f"{RECEPTION}/khong-co").status_code == 404
    for path, fields in (
        (SHARE, {"person": CHILD, "code": CODE}),
        (f"{SHARE}/cap-ma", {"person": CHILD, "scope": "full", "days": "7", "unlock": unlock}),
        (
            f"{SHARE}/thu-hoi",
            {"person": CHILD, "consent_id": consent_id.group(1), "unlock": unlock},
        ),
        (f"{RECEPTION}/khan-cap", {"person": "099999999999", "reason": "Bệnh nhân bất tỉnh"}),
    ):
        answer = client.post(path, data={**fields, "csrf_token": token})
        parent_sharing = username == "cha" and path != f"{RECEPTION}/khan-cap"
        assert answer.status_code == (200 if parent_sharing else 404), (path, answer.text[:200])


def _photo(text: str) -> bytes:
    """A camera's JPEG of the QR of ``text`` drawn as the sharing page draws it (segno, at
    its scale)."""
    out = io.BytesIO()
    Image.open(io.BytesIO(qr_png(text, scale=QR_SCALE))).convert("RGB").save(out, "JPEG")
    return out.getvalue()


def test_reception_scans_the_consent_qr_and_only_it(client: TestClient, clinics: Database) -> None:
    _as(client, "cha")
    _set_code(client)
    code = _code(_offer(client, _open_share(client), PARENT))
    _as(client, "letan")
    headers = {"X-CSRF-Token": form_token(client.get(RECEPTION).text)}

    def frame(data: bytes) -> dict[str, object]:
        answer = client.post(FRAME_PATH, headers=headers, files={"frame": ("f.jpg", data)})
        assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
        return dict(answer.json())

    assert frame(_photo(code)) == {"found": True, "text": code}
    # A BHYT card's code, a web address, the code without its hyphen: not sent back.
    for other in ("SK1:6BFOXN*TBD", "HTTPS://BAOHIEMXAHOI.GOV.VN", code.replace("-", "")):
        assert frame(_photo(other)) == {"found": False, "refused": True}
    for nothing in (png_of(Image.new("RGB", (64, 48))), b"junk", b""):
        assert frame(nothing) == {"found": False}
    assert _redeem(client, code)[0] == 303  # the code the camera read opens the book

    assert client.post(FRAME_PATH, files={"frame": ("f.jpg", _photo(code))}).status_code == 403
    huge = {"frame": ("f.jpg", b"\xff" * (MAX_BODY_BYTES + 1))}
    assert client.post(FRAME_PATH, headers=headers, files=huge).status_code == 413


@pytest.mark.parametrize("username", [u for u in USERS if not u.startswith("letan")])
def test_only_reception_sends_frames(client: TestClient, clinics: Database, username: str) -> None:
    _as(client, username)
    headers = {"X-CSRF-Token": form_token(client.get("/").text)}
    frame = {"frame": ("f.jpg", _photo("ABCD-EFGH"))}
    assert client.post(FRAME_PATH, headers=headers, files=frame).status_code == 404
