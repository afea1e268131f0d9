"""``POST /fhir`` and ``POST /api/v1/qd130`` as a hospital's HIS uses them, on both backends:
authenticated by its facility's key only, its own facility's records only, a transaction
all or nothing, bodies over the limit and XML bombs refused unread."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from httpx import Response
from sqlalchemy import func, select

from sokhoe.access.audit import Outcome
from sokhoe.access.models import AuditEntry
from sokhoe.config import Settings
from sokhoe.db import Base
from sokhoe.records import models
from sokhoe.records.his_credentials import find_key, issue_key, revoke_key
from sokhoe.records.ingest import AUDIT_ACTION
from sokhoe.registry.models import Citizen, Facility
from sokhoe.runtime import Database
from tests.records.test_qd130 import b64, envelope, filehoso, hoso, visit_file
from tests.web.conftest import NHA_TRANG

TRANSACTION = json.loads(
    (Path(__file__).parents[1] / "records" / "fhir_files" / "transaction.json").read_text("utf-8")
)
FHIR_JSON = "application/fhir+json"
LIMIT = 64 * 1024


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", secret_key="test secret", his_max_body_bytes=LIMIT)


@pytest.fixture
def keys(database: Database) -> dict[str, str]:
    """A key of Cam Lâm's health centre (the bundle's), and one of the provincial hospital."""
    with database.sessions() as session:
        session.add_all(
            [
                Facility(code="56001", name="BVĐK tỉnh", commune_code=NHA_TRANG, kind="benh_vien"),
                Facility(code="56012", name="TTYT Cam Lâm", commune_code=NHA_TRANG, kind="ttyt"),
                Citizen(
                    person_id="056190001234",
                    full_name="Nguyễn Thị Hồng Nhung",
                    commune_code=NHA_TRANG,
                ),
                Citizen(
                    person_id="056190004321",
                    full_name="Trần Thị Hồng Nhung",
                    commune_code=NHA_TRANG,
                ),
            ]
        )
        session.flush()
        issued = {code: issue_key(session, code, f"HIS {code}") for code in ("56012", "56001")}
        session.commit()
    return issued


@pytest.fixture
def his(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as client:
        yield client


def post_bundle(client: TestClient, key: str | None, bundle: object, **kwargs: Any) -> Response:
    headers = {"Content-Type": FHIR_JSON} | ({"Authorization": f"Bearer {key}"} if key else {})
    body = bundle if isinstance(bundle, bytes) else json.dumps(bundle).encode()
    return client.post("/fhir", content=body, headers=headers | kwargs.pop("headers", {}), **kwargs)


def post_xml(client: TestClient, key: str, data: bytes, **kwargs: Any) -> Response:
    headers = {"Content-Type": "application/xml", "Authorization": f"Bearer {key}"}
    return client.post("/api/v1/qd130", content=data, headers=headers, **kwargs)


def count(database: Database, model: type[Base]) -> int:
    with database.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def stored(database: Database) -> int:
    kinds = (models.Visit, models.Immunization, models.Referral, models.Appointment)
    return sum(count(database, kind) for kind in kinds)


def outcome(response: Response) -> OperationOutcome:
    assert response.headers["content-type"].startswith(FHIR_JSON)
    assert response.headers["cache-control"] == "no-store"
    return OperationOutcome.model_validate(response.json())


def test_a_fhir_client_reads_the_capability_statement_first(his: TestClient) -> None:
    response = his.get("/fhir/metadata")
    assert response.status_code == 200
    statement = CapabilityStatement.model_validate(response.json())
    assert statement.fhirVersion == "4.0.1"
    assert {r.type for r in statement.rest[0].resource} >= {"Encounter", "Immunization"}


def test_a_transaction_with_the_facilitys_key_is_stored_once(
    his: TestClient, keys: dict[str, str], database: Database
) -> None:
    first = post_bundle(his, keys["56012"], TRANSACTION)
    assert first.status_code == 200, first.text
    assert first.headers["cache-control"] == "no-store"
    answer = Bundle.model_validate(first.json())
    assert answer.type == "transaction-response"
    assert [e.response.status for e in answer.entry] == (
        ["200 OK"] * 3 + ["201 Created"] * 5 + ["200 OK", "201 Created"]
    )
    again = post_bundle(his, keys["56012"], TRANSACTION)
    assert {e.response.status for e in Bundle.model_validate(again.json()).entry} == {"200 OK"}
    assert count(database, models.Visit) == 1
    with database.sessions() as session:
        details = session.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == AUDIT_ACTION)
        ).all()
    assert details and all("khóa HIS số" in d and "của cơ sở 56012" in d for d in details)


@pytest.mark.parametrize("path", ["/fhir/", "/fhir/Bundle"])
def test_the_bundle_is_taken_at_the_other_fhir_paths(
    his: TestClient, keys: dict[str, str], path: str
) -> None:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {keys['56012']}"}
    response = his.post(path, content=json.dumps(TRANSACTION), headers=headers)
    assert response.status_code == 200


def test_no_key_a_wrong_one_and_a_revoked_one_get_the_same_401(
    his: TestClient, keys: dict[str, str], database: Database
) -> None:
    with database.sessions() as session:
        revoked = find_key(session, keys["56012"])
        assert revoked is not None and revoke_key(session, revoked.id)
        session.commit()
    answers = [
        post_bundle(his, key, TRANSACTION)
        for key in (None, "skh_" + "A" * 43, "not a key", keys["56012"])
    ]
    assert {a.status_code for a in answers} == {401}
    assert len({a.content for a in answers}) == 1
    assert answers[0].headers["www-authenticate"] == "Bearer"
    assert outcome(answers[0]).issue[0].code == "login"
    assert stored(database) == 0
    # A session cookie is no HIS key either.
    xml = his.post("/api/v1/qd130", content=envelope(visit_file()))
    assert xml.status_code == 401 and xml.json()["problems"][0]["code"] == "no_key"


def test_another_facilitys_transaction_is_forbidden_stored_nothing_and_audited(
    his: TestClient, keys: dict[str, str], database: Database
) -> None:
    response = post_bundle(his, keys["56001"], TRANSACTION)  # the bundle is Cam Lâm's
    assert response.status_code == 403
    issues = outcome(response).issue
    assert {i.code for i in issues} == {"forbidden"}
    assert "Bundle.entry[3]" in {e for i in issues for e in i.expression or []}
    assert stored(database) == 0
    with database.sessions() as session:
        denied = session.scalars(select(AuditEntry).where(AuditEntry.action == AUDIT_ACTION)).all()
    assert [(e.outcome, "cơ sở 56012" in e.detail) for e in denied] == [(Outcome.DENIED, True)]


def test_a_batch_is_answered_entry_by_entry_another_facilitys_forbidden(
    his: TestClient, keys: dict[str, str], database: Database
) -> None:
    batch = copy.deepcopy(TRANSACTION) | {"type": "batch"}
    del batch["entry"][6]["resource"]["performer"]  # the dose: the sender's own
    response = post_bundle(his, keys["56001"], batch)
    assert response.status_code == 200
    statuses = [e.response.status for e in Bundle.model_validate(response.json()).entry]
    assert statuses == ["200 OK"] * 3 + ["403 Forbidden"] * 3 + ["201 Created"] + [
        "403 Forbidden",
        "200 OK",
        "403 Forbidden",
    ]
    assert count(database, models.Visit) == 0
    with database.sessions() as session:
        assert list(session.scalars(select(models.Immunization.facility_code))) == ["56001"]


def test_a_transaction_with_one_bad_entry_stores_nothing(
    his: TestClient, keys: dict[str, str], database: Database
) -> None:
    bad = copy.deepcopy(TRANSACTION)
    bad["entry"][6]["resource"]["occurrenceDateTime"] = "2024-13-45"
    response = post_bundle(his, keys["56012"], bad, headers={"Accept-Language": "en-GB, vi"})
    assert response.status_code == 400
    issues = outcome(response).issue
    assert any(
        (i.expression or [""])[0].startswith("Bundle.entry[6]") and "not valid" in i.diagnostics
        for i in issues
    ), issues
    assert stored(database) == 0


def test_not_json_is_400_and_a_body_over_the_limit_413_unread(
    his: TestClient, keys: dict[str, str]
) -> None:
    garbled = post_bundle(his, keys["56012"], b"{not json")
    assert garbled.status_code == 400
    assert "không phải XML hay JSON" in outcome(garbled).issue[0].diagnostics
    big = post_bundle(his, keys["56012"], b" " * (LIMIT + 1))
    assert big.status_code == 413 and outcome(big).issue[0].code == "too-costly"

    def chunks() -> Iterator[bytes]:  # no Content-Length: cut off at the limit
        yield from [b" " * 1024] * 100

    headers = {"Content-Type": FHIR_JSON, "Authorization": f"Bearer {keys['56012']}"}
    streamed = his.post("/fhir", content=chunks(), headers=headers)
    assert streamed.status_code == 413
    wrong_type = his.post(
        "/fhir", content=b"{}", headers={"Authorization": f"Bearer {keys['56012']}"}
    )
    assert wrong_type.status_code == 415


GOOD = visit_file()
BAD = visit_file(MA_LK="2503100002", MA_BENH_CHINH="U99.9")


def test_a_qd130_envelope_stores_the_good_visits_and_reports_the_bad(
    his: TestClient, keys: dict[str, str], database: Database
) -> None:
    response = post_xml(his, keys["56001"], envelope(GOOD, BAD))
    assert response.status_code == 422
    body = response.json()
    assert body["counts"]["created"] == 1 and body["counts"]["refused"] == 1
    [problem] = body["problems"]
    assert (problem["record"], problem["field"]) == ("MA_LK 2503100002", "MA_BENH_CHINH")
    assert "không có trong ICD-10" in problem["message"]
    english = post_xml(his, keys["56001"], envelope(GOOD, BAD), params={"lang": "en"})
    assert english.json()["counts"]["unchanged"] == 1
    assert "is not in ICD-10" in english.json()["problems"][0]["message"]
    assert post_xml(his, keys["56001"], envelope(GOOD)).status_code == 200
    assert count(database, models.Visit) == 1
    # Another facility's key: the visit (of 56001) is refused, not stored.
    other = post_xml(his, keys["56012"], envelope(visit_file(MA_LK="2503100003")))
    assert other.status_code == 422
    assert other.json()["problems"][0]["code"] == "other_facility"
    assert count(database, models.Visit) == 1


def test_an_xml_bomb_is_refused_unexpanded_and_nothing_stored(
    his: TestClient, keys: dict[str, str], database: Database
) -> None:
    laughs = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    bomb = f'<!DOCTYPE TONG_HOP [<!ENTITY l0 "ha">{laughs}]><TONG_HOP>&l9;</TONG_HOP>'
    data = envelope(GOOD, hoso(filehoso("XML1", b64(bomb))))
    response = post_xml(his, keys["56001"], data)
    assert response.status_code == 400
    assert response.json()["problems"][0]["code"] == "unsafe_xml"
    assert count(database, models.Visit) == 0
    assert post_xml(his, keys["56001"], b"\x00\x01 not xml").status_code == 400
    assert post_xml(his, keys["56001"], b"<a>" * 30_000).status_code == 413
