"""Thẻ giấy: a BHYT card printed with a long-lived signed QR code, for a holder without a
smartphone (R2, R7), and the revocation of such cards and of card numbers.

Who may print (and revoke) a holder's paper card, each through the guard, audited:

- the holder himself, or his parent or guardian while he is a child under 14 (R5);
- a BHXH officer of the holder's province (BHXH issues the cards);
- a commune officer of the holder's commune (the commune helps its elderly residents).

Every other role is refused on record: police, guidance teams and the Department of Health
have no purpose of printing cards, a clinic only checks them. The command line
(``sokhoe card …``, the server's operator) acts with no account, recorded as such.

Revoking a card number (lost card, fraud: every token of the card, paper or app, refused)
is BHXH's alone. A revoked entry is final: a holder who lost his paper card gets a new one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from sokhoe.access import audit
from sokhoe.access.guard import AccessDenied
from sokhoe.access.models import User
from sokhoe.access.purposes import Purpose
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.db import insert_unless_duplicate
from sokhoe.insurance.card_check import registered_facility_name
from sokhoe.insurance.card_number import InvalidCardNumber, parse_card_number
from sokhoe.insurance.card_token import KeyRing
from sokhoe.insurance.card_token.claims import CardDetails, TokenKind, new_claims
from sokhoe.insurance.card_token.token import sign
from sokhoe.insurance.holder_card import valid_card
from sokhoe.insurance.paper_card_models import CardRevocation, PaperCard, RevocationKind
from sokhoe.insurance.presentation import ISSUER
from sokhoe.insurance.requests import card_list_rows
from sokhoe.registry import service as registry_service
from sokhoe.registry.identifiers import InvalidPersonId, parse_person_id
from sokhoe.registry.models import Citizen
from sokhoe.vietnam_time import VIETNAM_TIME

#: A revocation's reason, as typed by the officer.
MAX_REASON = 200


class NothingToPrint(Exception):
    """The holder has no card valid today on BHXH's list, or its number is revoked."""


class AlreadyRevoked(Exception):
    """The paper card or card number was revoked before (by someone else, or a double
    click): HTTP 409."""


class SearchProblem(StrEnum):
    """Why a typed personal ID or card number cannot be one (the page words it)."""

    LENGTH = "length"
    PERSON_ID = "person_id"
    CARD_NUMBER = "card_number"


class BadSearch(ValueError):
    """Neither a personal ID nor a card number; :attr:`problem` says why, the message says
    it in Vietnamese (for the command line)."""

    def __init__(self, problem: SearchProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem


class BadReason(ValueError):
    """A revocation needs a reason, of at most :data:`MAX_REASON` characters."""


class BadTokenId(ValueError):
    """Not a token id: 16 hexadecimal digits (printed on the card in groups of four)."""


def grouped_token_id(token_id: str) -> str:
    """A token id in groups of four, as printed on the card and read out over the phone."""
    return " ".join(token_id[i : i + 4] for i in range(0, len(token_id), 4))


def parse_token_id(text: str) -> str:
    """A token id as typed from a paper card (spaces, upper case allowed), normalised."""
    token_id = "".join(text.split()).lower()
    if len(token_id) != 16 or any(char not in "0123456789abcdef" for char in token_id):
        raise BadTokenId(
            f"số mã gồm 16 chữ số thập lục phân (0–9, a–f), nhận được {len(token_id)} ký tự"
        )
    return token_id


@dataclass(frozen=True)
class PrintedCard:
    """What the paper card shows: the card, the signed token its QR code carries."""

    card: CardDetails
    token: str
    token_id: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    #: The registered facility's name, when the register knows its code.
    facility_name: str | None


@dataclass(frozen=True)
class PaperCardLine:
    """One paper card printed for a holder, as the officer's page lists it."""

    token_id: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    #: The account that printed it; ``None``: the command line.
    issued_by: str | None
    #: The token's or the card number's revocation, if any.
    revocation: CardRevocation | None


@dataclass(frozen=True)
class HolderCards:
    holder: Citizen
    #: The card a paper card would carry today; ``None``: nothing to print.
    card: CardDetails | None
    facility_name: str | None
    #: The revocation of :attr:`card`'s number, if any.
    card_revocation: CardRevocation | None
    paper_cards: list[PaperCardLine]


def _purpose(actor: Actor, person_id: str) -> Purpose:
    if actor.role is Role.CITIZEN:
        return Purpose.SELF_SERVICE if person_id == actor.person_id else Purpose.GUARDIAN
    return Purpose.PAPER_CARD


def authorize_holder(
    session: Session,
    actor: Actor | None,
    *,
    person_id: str,
    action: str,
    today: dt.date,
    purpose: Purpose | None = None,
) -> Citizen:
    """The holder, once the guard has let ``actor`` at him (``None``: the command line,
    recorded without an account). An unknown ID raises :class:`AccessDenied` like a refused
    one. ``purpose`` defaults to printing (or the citizen's own or guardian's)."""
    if actor is not None:
        return registry_service.authorize_person_read(
            session,
            actor,
            person_id=person_id,
            action=action,
            purpose=purpose or _purpose(actor, person_id),
            guardians_of_children_on=today,
        )
    citizen = session.get(Citizen, person_id)
    if citizen is None:
        raise AccessDenied
    audit.record(
        session,
        actor=None,
        action=action,
        subject_person_id=person_id,
        purpose=purpose or Purpose.PAPER_CARD,
        detail="từ dòng lệnh",
    )
    return citizen


def search(session: Session, text: str) -> str:
    """The personal ID a typed personal ID or card number stands for.

    Twelve digits are a personal ID; a 15-character code or a 10-digit BHXH number a card,
    whose holder is the one person BHXH's list names for it. A card the list does not know,
    or knows without (or with several) holders, raises :class:`AccessDenied`: the same "not
    found" as an unknown or refused person. Reads nothing about a person: the caller passes
    the guard next.
    """
    typed = text.replace(" ", "").upper()
    if typed.isdigit() and len(typed) == 12:
        try:
            return parse_person_id(typed).text
        except InvalidPersonId as exc:
            raise BadSearch(SearchProblem.PERSON_ID, str(exc)) from None
    if not (typed.isdigit() and len(typed) == 10) and len(typed) != 15:
        raise BadSearch(
            SearchProblem.LENGTH,
            "nhập mã định danh 12 chữ số, mã số BHXH 10 chữ số hoặc mã thẻ 15 ký tự; "
            f"nhận được {len(typed)} ký tự",
        )
    try:
        card = parse_card_number(typed)
    except InvalidCardNumber as exc:
        raise BadSearch(SearchProblem.CARD_NUMBER, str(exc)) from None
    holders = {row.person_id for row in card_list_rows(session, card) if row.person_id}
    if len(holders) != 1:
        raise AccessDenied
    return holders.pop()


def _today(now: dt.datetime) -> dt.date:
    return now.astimezone(VIETNAM_TIME).date()


def _stored(instant: dt.datetime) -> dt.datetime:
    """An aware instant as the database keeps it: UTC, naive."""
    return instant.astimezone(dt.UTC).replace(tzinfo=None)


def _revocations(session: Session, *entries: str) -> dict[str, CardRevocation]:
    rows = session.scalars(select(CardRevocation).where(CardRevocation.entry.in_(entries)))
    return {row.entry: row for row in rows}


def issue_paper_card(
    session: Session, actor: Actor | None, *, person_id: str, keys: KeyRing, now: dt.datetime
) -> PrintedCard:
    """Sign a paper token for the holder's card valid today and record it (audited).

    It lives until the card's validity ends, at most ``claims.PAPER_MAX_LIFETIME``. ``now``
    is timezone-aware. Raises :class:`AccessDenied`, :class:`NothingToPrint`.
    """
    today = _today(now)
    holder = authorize_holder(
        session, actor, person_id=person_id, action="print_paper_card", today=today
    )
    card = valid_card(session, holder, today=today, integrated_only=False)
    if card is None or _revocations(session, card.card_number):
        raise NothingToPrint
    claims = new_claims(card, kind=TokenKind.PAPER, issuer=ISSUER, now=now)
    session.add(
        PaperCard(
            token_id=claims.token_id_text,
            person_id=holder.person_id,
            card_number=card.card_number,
            issued_at=_stored(claims.issued_at),
            expires_at=_stored(claims.expires_at),
            issued_by_user_id=actor.user_id if actor else None,
        )
    )
    session.flush()
    return PrintedCard(
        card=card,
        token=sign(claims, keys.active),
        token_id=claims.token_id_text,
        issued_at=claims.issued_at,
        expires_at=claims.expires_at,
        facility_name=registered_facility_name(session, card),
    )


def holder_cards(
    session: Session, actor: Actor | None, *, person_id: str, now: dt.datetime
) -> HolderCards:
    """The holder, his card valid today and every paper card printed for him (audited)."""
    today = _today(now)
    holder = authorize_holder(
        session, actor, person_id=person_id, action="read_paper_cards", today=today
    )
    card = valid_card(session, holder, today=today, integrated_only=False)
    printed = aliased(User)
    rows: list[tuple[PaperCard, str | None]] = [
        (paper, by)
        for paper, by in session.execute(
            select(PaperCard, printed.display_name)
            .outerjoin(printed, printed.id == PaperCard.issued_by_user_id)
            .where(PaperCard.person_id == holder.person_id)
            .order_by(PaperCard.issued_at.desc())
        )
    ]
    entries = {entry for paper, _ in rows for entry in (paper.token_id, paper.card_number)}
    if card is not None:
        entries.add(card.card_number)
    revoked = _revocations(session, *entries)
    return HolderCards(
        holder=holder,
        card=card,
        facility_name=registered_facility_name(session, card),
        card_revocation=revoked.get(card.card_number) if card is not None else None,
        paper_cards=[
            PaperCardLine(
                token_id=paper.token_id,
                issued_at=paper.issued_at,
                expires_at=paper.expires_at,
                issued_by=by,
                revocation=revoked.get(paper.token_id) or revoked.get(paper.card_number),
            )
            for paper, by in rows
        ],
    )


def _checked_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not 0 < len(reason) <= MAX_REASON:
        raise BadReason(f"lý do thu hồi phải có từ 1 đến {MAX_REASON} ký tự")
    return reason


def _revoke(
    session: Session,
    actor: Actor | None,
    *,
    entry: str,
    kind: RevocationKind,
    reason: str,
    now: dt.datetime,
) -> None:
    inserted = insert_unless_duplicate(
        session,
        CardRevocation,
        entry=entry,
        kind=kind.value,
        revoked_at=_stored(now),
        revoked_by_user_id=actor.user_id if actor else None,
        reason=reason,
    )
    if not inserted:
        raise AlreadyRevoked


def revoke_paper_card(
    session: Session, actor: Actor | None, *, token_id: str, reason: str, now: dt.datetime
) -> PaperCard:
    """Revoke one paper card by its token id, for whoever may print the holder's cards.

    A token id this server never printed raises :class:`AccessDenied` (not found);
    :class:`BadTokenId`, :class:`AlreadyRevoked`, :class:`BadReason`.
    """
    reason = _checked_reason(reason)
    paper = session.get(PaperCard, parse_token_id(token_id))
    if paper is None:
        raise AccessDenied
    authorize_holder(
        session, actor, person_id=paper.person_id, action="revoke_paper_card", today=_today(now)
    )
    _revoke(session, actor, entry=paper.token_id, kind=RevocationKind.TOKEN, reason=reason, now=now)
    return paper


def revoke_card_number(
    session: Session, actor: Actor | None, *, card_number: str, reason: str, now: dt.datetime
) -> list[str]:
    """Revoke a card: every token for it, paper or app, is refused from now on (audited).

    ``card_number`` is the 15-character code or the 10-digit BHXH number, as BHXH's list
    holds it; every code the list has under it is revoked, and returned. An officer revokes
    only a card whose list rows name one holder, within his province (BHXH only); the command
    line any card on the list. Raises :class:`InvalidCardNumber`, :class:`AccessDenied` (not
    on the list, or refused), :class:`AlreadyRevoked`, :class:`BadReason`.
    """
    reason = _checked_reason(reason)
    rows = card_list_rows(session, parse_card_number(card_number))
    holders = {row.person_id for row in rows if row.person_id}
    holder = next(iter(holders)) if len(holders) == 1 else None
    if not rows or (actor is not None and holder is None):
        raise AccessDenied
    if actor is not None and holder is not None:
        authorize_holder(
            session,
            actor,
            person_id=holder,
            action="revoke_card",
            today=_today(now),
            purpose=Purpose.CARD_REVOCATION,
        )
    else:
        audit.record(
            session,
            actor=None,
            action="revoke_card",
            subject_person_id=holder,
            purpose=Purpose.CARD_REVOCATION,
            detail="từ dòng lệnh",
        )
    numbers = sorted({row.card_number for row in rows})
    revoked_before = _revocations(session, *numbers)
    if len(revoked_before) == len(numbers):
        raise AlreadyRevoked
    for number in numbers:
        if number not in revoked_before:
            _revoke(session, actor, entry=number, kind=RevocationKind.CARD, reason=reason, now=now)
    return numbers
