"""``/ho-so-chua-xac-dinh`` on both backends: the province's Department of Health reads the
records waiting for a person, names the person (the ID in the POST body) or dismisses a
record with a reason, is told when the ID is unknown and when another officer was first;
every other role, and another province's department, gets the app's 404 on every endpoint
that names a record; pages are not cached; a POST without the CSRF token is refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.records import models
from sokhoe.records.clinical import Patient, Visit
from sokhoe.records.ingest import ingest_batch
from sokhoe.registry.models import Citizen, Facility
from sokhoe.registry.units import ensure_province
from sokhoe.runtime import Database
from tests.web.conftest import ADMIN, KHANH_HOA, NHA_TRANG, OFFICER, PASSWORD, form_token, sign_in

QUEUE = "/ho-so-chua-xac-dinh"
HAI_PHONG, THUY_NGUYEN = 31, 11560
AN = "056085000001"
SENT_ID = "056085999999"
_VERSION = re.compile(r'name="version" value="([^"]+)"')


@pytest.fixture
def queued(database: Database) -> int:
    """A visit of Nha Trang's station whose personal ID the register lacks, waiting; the
    accounts of several roles; and a waiting record of Hải Phòng."""
    with database.sessions() as session:
        ensure_province(session, HAI_PHONG)
        session.add_all(
            [
                Facility(code="56001", name="Trạm Y tế Lộc Thọ", commune_code=NHA_TRANG, kind="t"),
                Facility(code="31001", name="BV Thủy Nguyên", commune_code=THUY_NGUYEN, kind="b"),
                Citizen(person_id=AN, full_name="Lê Văn An", commune_code=NHA_TRANG),
            ]
        )
        session.flush()
        for username, fields in (
            ("soyte", {"role": Role.HEALTH_DEPARTMENT, "province_code": KHANH_HOA}),
            ("soyte.hp", {"role": Role.HEALTH_DEPARTMENT, "province_code": HAI_PHONG}),
            ("letan", {"role": Role.CLINIC_STAFF, "facility_code": "56001"}),
            ("bhxh", {"role": Role.BHXH_OFFICER, "province_code": KHANH_HOA}),
            ("congdan", {"role": Role.CITIZEN, "person_id": AN}),
        ):
            create_user(
                session, username=username, password=PASSWORD, display_name=username, **fields
            )
        patient = Patient("Lê Văn An", SENT_ID, birth_date=dt.date(1985, 3, 9), sex="M")
        started = dt.datetime(2026, 11, 2, 1, 30, tzinfo=dt.UTC)
        records = [
            Visit("56001", "LK1", patient, started, main_diagnosis="J06.9"),
            Visit("31001", "LK9", Patient("Vô danh"), started),
        ]
        ingest_batch(session, records, source="test", sender_facility=None)
        session.commit()
        entry = session.scalars(
            select(models.UnidentifiedRecord).where(models.UnidentifiedRecord.key == "LK1")
        ).one()
        return entry.id


def _as(client: TestClient, username: str) -> TestClient:
    client.cookies.clear()
    assert sign_in(client, username).status_code == 303
    return client


def _form(client: TestClient, record_id: int) -> dict[str, str]:
    page = client.get(f"{QUEUE}/{record_id}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    version = _VERSION.search(page.text)
    assert version
    return {"csrf_token": form_token(page.text), "version": version.group(1)}


def test_the_department_names_the_person_and_the_record_goes_into_the_book(
    client: TestClient, database: Database, queued: int
) -> None:
    home = _as(client, "soyte").get("/")
    assert f'href="{QUEUE}"' in home.text and "Hồ sơ chưa xác định được người" in home.text
    listed = client.get(QUEUE)
    assert listed.status_code == 200 and listed.headers["cache-control"] == "no-store"
    assert "Lê Văn An" in listed.text and "09/03/1985" in listed.text and SENT_ID in listed.text
    assert "mã định danh không có trong cơ sở dữ liệu dân cư" in listed.text
    assert "Trạm Y tế Lộc Thọ" in listed.text and "Vô danh" not in listed.text  # Hải Phòng's
    assert "Nhiễm trùng đường hô hấp trên cấp, không đặc hiệu" in listed.text  # J06.9's name
    fields = _form(client, queued)
    unknown = client.post(f"{QUEUE}/{queued}/xac-dinh", data={**fields, "person": SENT_ID})
    assert unknown.status_code == 422 and unknown.headers["cache-control"] == "no-store"
    assert "Số định danh cá nhân này không có trong cơ sở dữ liệu dân cư" in unknown.text
    done = client.post(f"{QUEUE}/{queued}/xac-dinh", data={**fields, "person": AN})
    assert done.status_code == 303 and AN not in done.headers["location"]
    after = client.get(done.headers["location"])
    assert "Hồ sơ đã được ghi vào sổ sức khỏe của người bệnh." in after.text
    assert "Lê Văn An" not in after.text
    again = client.post(f"{QUEUE}/{queued}/bo-qua", data={**fields, "reason": "Trùng lặp"})
    assert again.status_code == 409 and "Một cán bộ khác đã quyết định" in again.text
    with Session(database.engine) as session:
        assert session.scalars(select(models.Visit.person_id)).all() == [AN]


def test_dismissing_asks_for_a_reason(client: TestClient, database: Database, queued: int) -> None:
    fields = _form(_as(client, "soyte"), queued)
    bare = client.post(f"{QUEUE}/{queued}/bo-qua", data={**fields, "reason": " "})
    assert bare.status_code == 422 and "Hãy ghi lý do" in bare.text
    done = client.post(f"{QUEUE}/{queued}/bo-qua", data={**fields, "reason": "Dữ liệu thử"})
    assert done.status_code == 303
    assert "Hồ sơ đã được loại bỏ." in client.get(done.headers["location"]).text
    decided = client.get(f"{QUEUE}/{queued}")
    assert decided.status_code == 200 and 'name="version"' not in decided.text
    again = client.post(f"{QUEUE}/{queued}/xac-dinh", data={**fields, "person": AN})
    assert again.status_code == 409
    with Session(database.engine) as session:
        entry = session.get_one(models.UnidentifiedRecord, queued)
        assert (entry.status, entry.dismissal_reason) == ("dismissed", "Dữ liệu thử")


def test_a_decision_without_the_csrf_token_is_refused(client: TestClient, queued: int) -> None:
    fields = _form(_as(client, "soyte"), queued)
    del fields["csrf_token"]
    for path, extra in (("xac-dinh", {"person": AN}), ("bo-qua", {"reason": "Dữ liệu thử"})):
        assert client.post(f"{QUEUE}/{queued}/{path}", data={**fields, **extra}).status_code == 403


@pytest.mark.parametrize("username", ["soyte.hp", "letan", "bhxh", "congdan", OFFICER, ADMIN])
def test_every_other_role_finds_no_record(
    client: TestClient, database: Database, queued: int, username: str
) -> None:
    _as(client, username)
    token = form_token(client.get("/").text)
    listed = client.get(QUEUE)
    if username == "soyte.hp":  # his own province's list, without Khánh Hòa's record
        assert listed.status_code == 200 and "Lê Văn An" not in listed.text
    else:
        assert listed.status_code == 404
    assert client.get(f"{QUEUE}/{queued}").status_code == 404
    for path, fields in (("xac-dinh", {"person": AN}), ("bo-qua", {"reason": "Dữ liệu thử"})):
        answer = client.post(
            f"{QUEUE}/{queued}/{path}", data={**fields, "version": "x", "csrf_token": token}
        )
        assert answer.status_code == 404, path
    with Session(database.engine) as session:
        assert session.get_one(models.UnidentifiedRecord, queued).status == "open"
