"""HIS API keys on both backends: issued once and found again, only their hash stored; a
revoked, altered or foreign key finds no facility."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from sokhoe.access.models import AuditEntry
from sokhoe.records.his_credentials import (
    UnknownFacility,
    facility_for_key,
    find_key,
    issue_key,
    revoke_key,
)
from sokhoe.records.models import HisCredential
from sokhoe.registry.models import Facility
from sokhoe.registry.units import ensure_province

STATION, HOSPITAL = "56001", "56002"


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        ensure_province(session, 56)
        session.add_all(
            Facility(code=code, name=code, commune_code=22366, kind="benh_vien")
            for code in (STATION, HOSPITAL)
        )
        session.commit()
        yield session


def test_an_issued_key_names_its_facility_and_only_its_hash_is_kept(session: Session) -> None:
    key = issue_key(session, STATION, "HIS khoa khám bệnh")
    other = issue_key(session, HOSPITAL, "HIS bệnh viện")
    session.commit()
    assert key.startswith("skh_")
    assert len(key) == 47
    assert key != other
    assert facility_for_key(session, key) == STATION
    assert facility_for_key(session, other) == HOSPITAL
    found = find_key(session, key)
    assert found is not None
    assert found.label == "HIS khoa khám bệnh"
    assert found.audit_label == f"khóa HIS số {found.id} của cơ sở {STATION}"
    stored = session.scalars(select(HisCredential.key_hash)).all()
    assert hashlib.sha256(key.encode()).hexdigest() in stored
    assert all(key[4:] not in value for value in stored)
    details = session.scalars(select(AuditEntry.detail).order_by(AuditEntry.id)).all()
    assert details[0] == f"khóa HIS số {found.id} cho cơ sở {STATION}"


def test_a_revoked_key_is_refused_and_revoking_twice_says_so(session: Session) -> None:
    key = issue_key(session, STATION, "cũ")
    new = issue_key(session, STATION, "mới")
    found = find_key(session, key)
    assert found is not None
    assert revoke_key(session, found.id)
    session.commit()
    assert facility_for_key(session, key) is None
    assert facility_for_key(session, new) == STATION
    assert not revoke_key(session, found.id)
    assert not revoke_key(session, 999_999)


@pytest.mark.parametrize(
    "presented",
    ["", "skh_", "Bearer", "skh_" + "A" * 43, "skh_" + "é" * 43, "sk_" + "A" * 44],
)
def test_any_other_text_finds_no_facility(session: Session, presented: str) -> None:
    issue_key(session, STATION, "HIS")
    session.commit()
    assert facility_for_key(session, presented) is None


def test_a_key_altered_by_one_character_is_refused(session: Session) -> None:
    key = issue_key(session, STATION, "HIS")
    session.commit()
    altered = key[:-1] + ("B" if key[-1] != "B" else "C")
    assert facility_for_key(session, altered) is None


def test_no_key_for_a_facility_the_register_does_not_hold(session: Session) -> None:
    with pytest.raises(UnknownFacility):
        issue_key(session, "56999", "HIS")
