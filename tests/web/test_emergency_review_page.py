"""``/truy-cap-khan-cap``: the province's Department of Health sees the emergency accesses
waiting, records one finding on each, is told when another officer was first; every other
role gets the page that does not exist."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from sokhoe.access import consent
from sokhoe.access.consent_models import BookConsent
from sokhoe.access.roles import Role
from sokhoe.access.scope import actor_for
from sokhoe.access.service import create_user
from sokhoe.registry.models import Citizen, Facility
from sokhoe.runtime import Database
from tests.web.conftest import KHANH_HOA, NHA_TRANG, OFFICER, PASSWORD, form_token, sign_in

REASON = "Bệnh nhân hôn mê khi nhập viện, cần tiền sử dị ứng"


def emergency_access(database: Database) -> str:
    with database.sessions() as session:
        session.add(
            Facility(code="56001", name="Trạm Y tế Nha Trang", commune_code=NHA_TRANG, kind="tram")
        )
        session.add(
            Citizen(person_id="056085000003", full_name="Lê Văn Dũng", commune_code=NHA_TRANG)
        )
        reception = create_user(
            session,
            username="letan",
            password=PASSWORD,
            role=Role.CLINIC_STAFF,
            display_name="Lễ tân Nha Trang",
            facility_code="56001",
        )
        create_user(
            session,
            username="soyte",
            password=PASSWORD,
            role=Role.HEALTH_DEPARTMENT,
            display_name="Chuyên viên Sở Y tế",
            province_code=KHANH_HOA,
        )
        actor = actor_for(session, reception, None)
        access = consent.emergency(session, actor, person_id="056085000003", reason=REASON)
        session.commit()
        return access.consent_id


def test_the_department_records_one_finding_per_access(
    client: TestClient, database: Database
) -> None:
    consent_id = emergency_access(database)
    assert sign_in(client, "soyte").status_code == 303
    page = client.get("/truy-cap-khan-cap")
    assert page.status_code == 200 and REASON in page.text and "Lễ tân Nha Trang" in page.text
    assert "056085000003" not in page.text  # whose book is not the reviewer's business
    token = form_token(page.text)
    done = client.post(
        f"/truy-cap-khan-cap/{consent_id}", data={"csrf_token": token, "appropriate": "false"}
    )
    assert done.status_code == 303
    after = client.get(done.headers["location"])
    assert "Đã ghi kết luận." in after.text and REASON not in after.text
    again = client.post(
        f"/truy-cap-khan-cap/{consent_id}", data={"csrf_token": token, "appropriate": "true"}
    )
    assert again.status_code == 409 and "Một cán bộ khác" in again.text
    with Session(database.engine) as session:
        assert session.get_one(BookConsent, consent_id).review_appropriate is False


def test_other_roles_find_no_such_page(client: TestClient, database: Database) -> None:
    consent_id = emergency_access(database)
    for username in (OFFICER, "letan"):
        client.cookies.clear()
        assert sign_in(client, username).status_code == 303
        assert client.get("/truy-cap-khan-cap").status_code == 404
        token = form_token(client.get("/").text)
        answer = client.post(
            f"/truy-cap-khan-cap/{consent_id}", data={"csrf_token": token, "appropriate": "true"}
        )
        assert answer.status_code == 404
