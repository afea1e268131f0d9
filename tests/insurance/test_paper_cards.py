"""Paper cards on both backends: a long-lived signed code for the holder's card, printed by
the holder, his guardian, BHXH or his commune and nobody else; revoked by token or by card
number; the revocation list the clinic and the published document read."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from sokhoe.access.guard import AccessDenied
from sokhoe.access.models import AuditEntry
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.insurance import paper_card
from sokhoe.insurance.card_token import KeyRing, Reason, Valid, Verification, verify
from sokhoe.insurance.card_token.claims import PAPER_MAX_LIFETIME, TokenKind, new_claims
from sokhoe.insurance.card_token.qr import read_qr
from sokhoe.insurance.card_token.revoked import revoked_entries
from sokhoe.insurance.card_token.token import sign
from sokhoe.insurance.models import WalletIntegration
from sokhoe.insurance.paper_card import (
    AlreadyRevoked,
    BadSearch,
    NothingToPrint,
    PrintedCard,
    SearchProblem,
)
from sokhoe.insurance.paper_card_pdf import last_valid_day, render_pdf
from sokhoe.insurance.presentation import present
from tests.access.conftest import (
    BAC_NHA_TRANG,
    HAI_PHONG,
    KHANH_HOA,
    NHA_TRANG,
    Place,
    fast_hashing,
    make_actor,
    place,
    session,
)
from tests.insurance.test_integration_requests import PARENT_CARD, _card, family, officer, parent

__all__ = ["family", "fast_hashing", "officer", "parent", "place", "session"]

#: 23 November 2026, 09:00 in Vietnam; the parent's card runs to the end of 2026.
NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def keys(tmp_path: Path) -> KeyRing:
    return KeyRing.open(tmp_path)


@pytest.fixture
def commune_officer(session: Session, family: Place) -> Actor:
    return make_actor(session, "xanhatrang", role=Role.COMMUNE_OFFICER, commune_code=NHA_TRANG)


def _print(session: Session, actor: Actor | None, person_id: str, keys: KeyRing) -> PrintedCard:
    printed = paper_card.issue_paper_card(session, actor, person_id=person_id, keys=keys, now=NOW)
    session.commit()
    return printed


def _verify(session: Session, token: str, keys: KeyRing) -> Verification:
    return verify(token, keys.verification_keys(NOW), revoked=revoked_entries(session), now=NOW)


def test_a_printed_card_carries_a_paper_token_until_the_card_ends(
    session: Session, family: Place, officer: Actor, keys: KeyRing, tmp_path: Path
) -> None:
    printed = _print(session, officer, family.parent, keys)
    result = _verify(session, printed.token, keys)
    assert isinstance(result, Valid)
    assert result.claims.kind is TokenKind.PAPER
    assert result.claims.card.card_number == PARENT_CARD
    assert result.claims.token_id_text == printed.token_id
    # The card ends on 31/12/2026: the code with it, well before PAPER_MAX_LIFETIME.
    assert printed.expires_at == dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC)
    assert printed.expires_at - NOW < PAPER_MAX_LIFETIME
    assert last_valid_day(printed.expires_at) == dt.date(2026, 12, 31)
    # The PDF's QR code, printed and read back, is the same token.
    pdf = tmp_path / "the.pdf"
    pdf.write_bytes(render_pdf(printed))
    subprocess.run(["pdftoppm", "-png", "-r", "150", pdf, tmp_path / "page"], check=True)
    assert read_qr((tmp_path / "page-1.png").read_bytes()) == printed.token


def test_a_long_card_gives_a_code_of_at_most_a_year(
    session: Session, family: Place, officer: Actor, keys: KeyRing
) -> None:
    session.add(
        _card("HT3565600000011", family.neighbour, "Lê Văn Dũng", valid_to=dt.date(2030, 12, 31))
    )
    session.commit()
    printed = _print(session, officer, family.neighbour, keys)
    assert printed.expires_at - NOW == PAPER_MAX_LIFETIME


def test_revoking_a_paper_card_refuses_its_code_and_no_other(
    session: Session, family: Place, commune_officer: Actor, keys: KeyRing
) -> None:
    lost = _print(session, commune_officer, family.parent, keys)
    kept = _print(session, commune_officer, family.parent, keys)
    paper_card.revoke_paper_card(
        session, commune_officer, token_id=lost.token_id, reason="Mất thẻ giấy", now=NOW
    )
    session.commit()
    assert revoked_entries(session) == {lost.token_id}
    replayed = _verify(session, lost.token, keys)
    assert not isinstance(replayed, Valid) and replayed.reason is Reason.REVOKED
    assert isinstance(_verify(session, kept.token, keys), Valid)
    with pytest.raises(AlreadyRevoked):
        paper_card.revoke_paper_card(
            session, commune_officer, token_id=lost.token_id, reason="lần hai", now=NOW
        )
    view = paper_card.holder_cards(session, commune_officer, person_id=family.parent, now=NOW)
    assert [line.revocation is not None for line in view.paper_cards].count(True) == 1
    assert {line.issued_by for line in view.paper_cards} == {"xanhatrang"}


def test_revoking_a_card_number_refuses_app_and_paper_codes(
    session: Session, family: Place, officer: Actor, parent: Actor, keys: KeyRing
) -> None:
    session.add(WalletIntegration(person_id=family.parent, card_number=PARENT_CARD))
    session.commit()
    paper = _print(session, officer, family.parent, keys)
    app = present(session, parent, person_id=family.parent, keys=keys, now=NOW)
    revoked = paper_card.revoke_card_number(
        session, officer, card_number=PARENT_CARD[-10:], reason="Gian lận", now=NOW
    )
    session.commit()
    assert revoked == [PARENT_CARD]
    for token in (paper.token, app.token):
        result = _verify(session, token, keys)
        assert not isinstance(result, Valid) and result.reason is Reason.REVOKED
    with pytest.raises(NothingToPrint):
        _print(session, officer, family.parent, keys)
    with pytest.raises(AlreadyRevoked):
        paper_card.revoke_card_number(
            session, officer, card_number=PARENT_CARD, reason="lần hai", now=NOW
        )
    view = paper_card.holder_cards(session, officer, person_id=family.parent, now=NOW)
    assert view.card_revocation is not None and view.card_revocation.reason == "Gian lận"
    assert view.paper_cards[0].revocation is not None


def test_who_may_print(
    session: Session, family: Place, officer: Actor, parent: Actor, keys: KeyRing
) -> None:
    session.add(
        _card("TE1565600000002", family.child, "Trần Thị Cúc", birth_date=dt.date(2022, 3, 2))
    )
    session.add(_card("GD4565600000005", family.stranger, "Phạm Thị Em"))
    session.commit()
    allowed = [
        (parent, family.parent),
        (parent, family.child),
        (officer, family.stranger),
        (
            make_actor(session, "xanhatrang", role=Role.COMMUNE_OFFICER, commune_code=NHA_TRANG),
            family.child,
        ),
        (None, family.stranger),
    ]
    for actor, person_id in allowed:
        assert _print(session, actor, person_id, keys).card.full_name
    refused = [
        (parent, family.stranger),
        (
            make_actor(session, "xabac", role=Role.COMMUNE_OFFICER, commune_code=BAC_NHA_TRANG),
            family.parent,
        ),
        (
            make_actor(session, "bhxhhp", role=Role.BHXH_OFFICER, province_code=HAI_PHONG),
            family.parent,
        ),
        (
            make_actor(session, "congan", role=Role.POLICE_OFFICER, commune_code=NHA_TRANG),
            family.parent,
        ),
        (
            make_actor(
                session,
                "tohuongdan",
                role=Role.GUIDANCE_MEMBER,
                commune_code=NHA_TRANG,
                village_ids=[family.to_1],
            ),
            family.parent,
        ),
        (
            make_actor(session, "soyte", role=Role.HEALTH_DEPARTMENT, province_code=KHANH_HOA),
            family.parent,
        ),
        (
            make_actor(session, "tramyte", role=Role.CLINIC_STAFF, facility_code=family.station),
            family.parent,
        ),
    ]
    for actor, person_id in refused:
        with pytest.raises(AccessDenied):
            _print(session, actor, person_id, keys)
    session.commit()
    denied = session.scalars(
        select(AuditEntry.actor_role).where(
            AuditEntry.action == "print_paper_card", AuditEntry.outcome == "denied"
        )
    ).all()
    assert sorted(denied) == sorted(str(actor.role) for actor, _ in refused)
    with pytest.raises(NothingToPrint):
        _print(session, officer, family.neighbour, keys)  # no card on the list


def test_only_bhxh_revokes_a_card_number(
    session: Session, family: Place, parent: Actor, commune_officer: Actor
) -> None:
    for actor in (parent, commune_officer):
        with pytest.raises(AccessDenied):
            paper_card.revoke_card_number(
                session, actor, card_number=PARENT_CARD, reason="mất", now=NOW
            )
    with pytest.raises(AccessDenied):  # not on the list
        paper_card.revoke_card_number(
            session, None, card_number="GD4565699999999", reason="mất", now=NOW
        )
    assert paper_card.revoke_card_number(
        session, None, card_number=PARENT_CARD, reason="mất", now=NOW
    ) == [PARENT_CARD]
    with pytest.raises(paper_card.BadReason):
        paper_card.revoke_card_number(session, None, card_number=PARENT_CARD, reason=" ", now=NOW)


def test_an_unknown_token_id_is_not_found(session: Session, officer: Actor) -> None:
    with pytest.raises(AccessDenied):
        paper_card.revoke_paper_card(
            session, officer, token_id="0123456789abcdef", reason="mất", now=NOW
        )


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("12345", SearchProblem.LENGTH),
        ("056990000001", SearchProblem.PERSON_ID),
        ("ZZ1565600000001", SearchProblem.CARD_NUMBER),
        ("0560900000012", SearchProblem.LENGTH),
    ],
)
def test_a_search_names_what_is_wrong(session: Session, typed: str, problem: SearchProblem) -> None:
    with pytest.raises(BadSearch) as bad:
        paper_card.search(session, typed)
    assert bad.value.problem is problem and str(bad.value)


def test_a_search_by_card_finds_its_one_holder(session: Session, family: Place) -> None:
    assert paper_card.search(session, family.parent) == family.parent
    assert paper_card.search(session, "gd4 56 5600000001") == family.parent
    assert paper_card.search(session, PARENT_CARD[-10:]) == family.parent
    with pytest.raises(AccessDenied):
        paper_card.search(session, "GD4565699999999")


def test_a_forged_or_expired_paper_code_is_refused(
    session: Session, family: Place, officer: Actor, keys: KeyRing, tmp_path: Path
) -> None:
    printed = _print(session, officer, family.parent, keys)
    forger = KeyRing.open(tmp_path / "forger")
    claims = new_claims(printed.card, kind=TokenKind.PAPER, issuer="sokhoe", now=NOW)
    forged = _verify(session, sign(claims, forger.active), keys)
    assert not isinstance(forged, Valid) and forged.reason is Reason.UNKNOWN_KEY
    after = printed.expires_at + dt.timedelta(minutes=3)
    expired = verify(printed.token, keys.verification_keys(after), now=after)
    assert not isinstance(expired, Valid) and expired.reason is Reason.EXPIRED


@given(st.binary(min_size=8, max_size=8), st.booleans())
def test_a_code_number_reads_back_as_printed_or_typed(token_id: bytes, upper: bool) -> None:
    printed = paper_card.grouped_token_id(token_id.hex())
    typed = printed.upper() if upper else printed
    assert paper_card.parse_token_id(typed) == token_id.hex()


@given(st.text(max_size=40))
def test_anything_else_is_not_a_code_number(text: str) -> None:
    compact = "".join(text.split()).lower()
    if len(compact) == 16 and all(char in "0123456789abcdef" for char in compact):
        return
    with pytest.raises(paper_card.BadTokenId):
        paper_card.parse_token_id(text)
