"""Integration requests on both backends: each verdict of the card list, the officer's review
with its version check, and who may file or see a request (R1, R5)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sokhoe.access.guard import AccessDenied
from sokhoe.access.models import AuditEntry
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.insurance import requests
from sokhoe.insurance.card_number import InvalidCardNumber
from sokhoe.insurance.models import InsuranceCard, WalletIntegration
from sokhoe.insurance.request_decision import Reason, fold_name
from sokhoe.insurance.request_models import RequestStatus
from sokhoe.registry.models import Citizen
from tests.access.conftest import KHANH_HOA, Place, fast_hashing, make_actor, place, session

__all__ = ["fast_hashing", "place", "session"]

NOW = dt.datetime(2026, 11, 23, 8, 0)
TODAY = NOW.date()
PARENT_CARD, PARENT_NUMBER = "GD4565600000001", "5600000001"


def _card(card_number: str, person_id: str | None, name: str, **fields: object) -> InsuranceCard:
    values: dict[str, object] = {
        "card_number": card_number,
        "bhxh_number": card_number[-10:],
        "group_code": card_number[:2],
        "holder_key": person_id or "",
        "person_id": person_id,
        "full_name": name,
        "birth_date": dt.date(1990, 5, 1),
        "sex": "M",
        "valid_from": dt.date(2026, 1, 1),
        "valid_to": dt.date(2026, 12, 31),
    }
    values.update(fields)
    return InsuranceCard(**values)


@pytest.fixture
def family(session: Session, place: Place) -> Place:
    """Birth dates on the register (the child is 4), and the parent's valid card."""
    for person_id, born, sex in (
        (place.parent, dt.date(1990, 5, 1), "M"),
        (place.child, dt.date(2022, 3, 2), "F"),
        (place.neighbour, dt.date(1985, 1, 1), "M"),
    ):
        citizen = session.get(Citizen, person_id)
        assert citizen is not None
        citizen.birth_date, citizen.sex = born, sex
    session.add(_card(PARENT_CARD, place.parent, "TRẦN VĂN BÌNH"))
    session.commit()
    return place


@pytest.fixture
def parent(session: Session, family: Place) -> Actor:
    return make_actor(session, "cha", role=Role.CITIZEN, person_id=family.parent)


@pytest.fixture
def officer(session: Session, family: Place) -> Actor:
    return make_actor(session, "bhxh", role=Role.BHXH_OFFICER, province_code=KHANH_HOA)


def _submit(session: Session, actor: Actor, person_id: str, number: str) -> requests.RequestView:
    request, _ = requests.submit(
        session,
        actor,
        person_id=person_id,
        card_number=number,
        issuing_province_code=KHANH_HOA,
        now=NOW,
    )
    session.commit()
    return requests.get_request(session, actor, request.id, today=TODAY)


def test_names_compare_without_case_diacritics_or_extra_spaces() -> None:
    assert fold_name("TRẦN  Văn Bình") == fold_name("tran van binh")
    assert fold_name("Đỗ Thị Hoa") == "do thi hoa"


@pytest.mark.parametrize("number", [PARENT_CARD, PARENT_NUMBER, "gd4 56 5600000001"])
def test_a_valid_card_of_ones_own_is_approved_and_integrated(
    session: Session, family: Place, parent: Actor, number: str
) -> None:
    view = _submit(session, parent, family.parent, number)
    assert [e.status for e in view.events] == [RequestStatus.PENDING, RequestStatus.APPROVED]
    assert view.request.status == RequestStatus.APPROVED
    assert session.get(WalletIntegration, (family.parent, PARENT_CARD)) is not None
    with pytest.raises(requests.AlreadyIntegrated):
        _submit(session, parent, family.parent, PARENT_CARD)


@pytest.mark.parametrize(
    ("card", "reason"),
    [
        (None, Reason.UNKNOWN_CARD),
        ({"valid_to": dt.date(2025, 12, 31)}, Reason.EXPIRED),
        ({"valid_from": dt.date(2027, 1, 1)}, Reason.NOT_YET_VALID),
        ({"person_id": "056170000004", "holder_key": "056170000004"}, Reason.OTHER_PERSON),
        ({"full_name": "Trần Văn Minh"}, Reason.NAME_MISMATCH),
        ({"birth_date": dt.date(1990, 5, 2)}, Reason.BIRTH_DATE_MISMATCH),
        ({"sex": "F"}, Reason.SEX_MISMATCH),
    ],
)
def test_the_card_list_rejects_with_a_precise_reason(
    session: Session, family: Place, parent: Actor, card: dict[str, object] | None, reason: Reason
) -> None:
    number = "HT3565600000009"
    if card is not None:
        fields = {"person_id": family.parent, "holder_key": family.parent, **card}
        session.add(_card(number, name="Trần Văn Bình", **fields))  # type: ignore[arg-type]
        session.commit()
    view = _submit(session, parent, family.parent, number)
    assert (view.request.status, view.request.reason) == (RequestStatus.REJECTED, reason)
    assert session.get(WalletIntegration, (family.parent, number)) is None


def test_ambiguous_cases_wait_for_review(session: Session, family: Place, parent: Actor) -> None:
    session.add(_card("HT3565600000007", None, "Trần Văn Bình"))
    session.add(_card("CK2565600000008", family.parent, "Trần Văn Bình"))
    session.add(_card("CK2565600000008", family.neighbour, "Lê Văn Dũng"))
    session.commit()
    no_id = _submit(session, parent, family.parent, "HT3565600000007")
    several = _submit(session, parent, family.parent, "5600000008")
    assert (no_id.request.status, no_id.request.reason) == ("cho_xem_xet", Reason.NO_PERSON_ID)
    assert (several.request.status, several.request.reason) == ("cho_xem_xet", "several_cards")


def test_the_same_open_request_twice_is_one(session: Session, family: Place, parent: Actor) -> None:
    session.add(_card("HT3565600000007", None, "Trần Văn Bình"))
    session.commit()
    first = _submit(session, parent, family.parent, "HT3565600000007")
    again, created = requests.submit(
        session,
        parent,
        person_id=family.parent,
        card_number="ht3 56 5600000007",
        issuing_province_code=KHANH_HOA,
        now=NOW,
    )
    assert (again.id, created) == (first.request.id, False)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("12345", "phải có 15 ký tự"),
        ("GD45656000000O1", "2 chữ cái nhóm đối tượng"),
        ("ZZ4565600000001", "không tồn tại"),
        ("GD1565600000001", "mức hưởng 4"),
    ],
)
def test_malformed_numbers_say_what_is_wrong(
    session: Session, family: Place, parent: Actor, number: str, message: str
) -> None:
    with pytest.raises(InvalidCardNumber, match=message):
        _submit(session, parent, family.parent, number)


def test_a_parent_requests_for_a_child_under_14(
    session: Session, family: Place, parent: Actor
) -> None:
    session.add(
        _card(
            "TE1565600000002",
            family.child,
            "TRẦN THỊ CÚC",
            birth_date=dt.date(2022, 3, 2),
            sex="F",
        )
    )
    session.commit()
    view = _submit(session, parent, family.parent, PARENT_CARD)
    child_view = _submit(session, parent, family.child, "TE1565600000002")
    assert child_view.request.status == RequestStatus.APPROVED
    holders = requests.wallet_holders(session, parent, today=TODAY)
    assert [h.person_id for h in holders] == [family.parent, family.child]
    assert view.request.person_id == family.parent


def test_nobody_reaches_another_persons_wallet(
    session: Session, family: Place, parent: Actor
) -> None:
    neighbour = make_actor(session, "hangxom", role=Role.CITIZEN, person_id=family.neighbour)
    with pytest.raises(AccessDenied):
        _submit(session, neighbour, family.child, PARENT_CARD)
    mine = _submit(session, parent, family.parent, PARENT_CARD)
    with pytest.raises(AccessDenied):
        requests.get_request(session, neighbour, mine.request.id, today=TODAY)
    with pytest.raises(AccessDenied):
        requests.get_request(session, neighbour, "no-such-request", today=TODAY)
    denied = session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.outcome == "denied")
    )
    assert denied == 2


def test_a_ward_of_14_manages_his_own_wallet(
    session: Session, family: Place, parent: Actor
) -> None:
    child = session.get(Citizen, family.child)
    assert child is not None
    child.birth_date = dt.date(2010, 1, 1)
    session.commit()
    with pytest.raises(AccessDenied):
        _submit(session, parent, family.child, PARENT_CARD)
    assert [h.person_id for h in requests.wallet_holders(session, parent, today=TODAY)] == [
        family.parent
    ]


def test_an_officer_decides_once_and_a_stale_decision_conflicts(
    session: Session, family: Place, parent: Actor, officer: Actor
) -> None:
    session.add(_card("HT3565600000007", None, "Trần Văn Bình"))
    session.commit()
    view = _submit(session, parent, family.parent, "HT3565600000007")
    assert [r.id for r in requests.review_queue(session, officer)] == [view.request.id]
    decided = requests.decide_review(
        session,
        officer,
        view.request.id,
        version=view.request.version,
        approve=True,
        reason=Reason.OFFICER_APPROVED,
        now=NOW,
    )
    session.commit()
    assert decided.request.status == RequestStatus.APPROVED
    assert decided.events[-1].by_user_id == officer.user_id
    assert session.get(WalletIntegration, (family.parent, "HT3565600000007")) is not None
    with pytest.raises(requests.DecisionConflict):
        requests.decide_review(
            session,
            officer,
            view.request.id,
            version=view.request.version - 1,
            approve=False,
            reason=Reason.OFFICER_REJECTED,
            now=NOW,
        )
    assert requests.review_queue(session, officer) == []


def test_an_officer_of_another_province_sees_no_request(
    session: Session, family: Place, parent: Actor
) -> None:
    session.add(_card("HT3565600000007", None, "Trần Văn Bình"))
    session.commit()
    view = _submit(session, parent, family.parent, "HT3565600000007")
    elsewhere = make_actor(session, "bhxh.hp", role=Role.BHXH_OFFICER, province_code=31)
    assert requests.review_queue(session, elsewhere) == []
    with pytest.raises(AccessDenied):
        requests.decide_review(
            session,
            elsewhere,
            view.request.id,
            version=view.request.version,
            approve=True,
            reason=Reason.OFFICER_APPROVED,
            now=NOW,
        )


def test_two_submissions_at_the_same_instant_make_one_request(
    session: Session, family: Place, parent: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second submission misses the first one's row when it looks (a double click, both
    reading before either inserts); the unique index still makes it that request."""
    session.add(_card("HT3565600000007", None, "Trần Văn Bình"))
    session.commit()
    first = _submit(session, parent, family.parent, "HT3565600000007")
    looked = requests._open_request
    calls: list[object] = []

    def late(*args: object) -> object:
        calls.append(args)
        return None if len(calls) == 1 else looked(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(requests, "_open_request", late)
    again, created = requests.submit(
        session,
        parent,
        person_id=family.parent,
        card_number="HT3565600000007",
        issuing_province_code=KHANH_HOA,
        now=NOW,
    )
    assert (again.id, created, len(calls)) == (first.request.id, False, 2)
