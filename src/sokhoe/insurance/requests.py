"""Integration requests (R1): a citizen, or a parent for a child under 14 (R5), asks for a
BHYT card in the e-ID wallet; the card list decides at once, or a BHXH officer of the
person's province does.

Every function passes the guard (audited, in the caller's transaction) before it reads or
changes anything about a person. A request named by an ID the actor may not see raises
:class:`~sokhoe.access.guard.AccessDenied`, exactly as an unknown ID does.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sokhoe.access import guard
from sokhoe.access.guard import AccessDenied
from sokhoe.access.purposes import Purpose
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor, guarded_ids
from sokhoe.db import insert_unless_duplicate
from sokhoe.insurance.card_number import CardNumber, parse_card_number
from sokhoe.insurance.models import InsuranceCard, WalletIntegration
from sokhoe.insurance.request_decision import OFFICER_REJECTIONS, Reason, Verdict, decide
from sokhoe.insurance.request_models import (
    OPEN_STATUSES,
    IntegrationRequest,
    IntegrationRequestEvent,
    RequestStatus,
)
from sokhoe.registry import service as registry_service
from sokhoe.registry.models import Citizen, Commune, Province
from sokhoe.registry.service import child_cutoff, is_child


class AlreadyIntegrated(ValueError):
    """The card is already in this person's wallet: nothing to request."""


class UnknownIssuer(ValueError):
    """The issuing unit picked is not a BHXH province the system knows."""


class DecisionConflict(Exception):
    """The request was decided (or changed) since the officer opened it: HTTP 409."""


@dataclass(frozen=True)
class RequestView:
    request: IntegrationRequest
    #: Who the card is for; the guard has let the actor at this person.
    person: Citizen
    issuer_name: str
    events: list[IntegrationRequestEvent]


def _purpose(actor: Actor, person_id: str, *, holder_only: bool) -> Purpose:
    if actor.role is Role.BHXH_OFFICER and not holder_only:
        return Purpose.INTEGRATION_REVIEW
    return Purpose.SELF_SERVICE if person_id == actor.person_id else Purpose.GUARDIAN


def authorize_subject(
    session: Session,
    actor: Actor,
    *,
    person_id: str,
    action: str,
    today: dt.date,
    holder_only: bool = False,
) -> Citizen:
    """The person a request is (to be) for, once the guard has let ``actor`` at it.

    A citizen reaches himself and, as guardian, only a child still under 14 (R5): a ward who
    has turned 14 manages his own wallet. A BHXH officer reaches the persons of his province,
    unless ``holder_only`` (presenting a card): then every other role is refused, on record.
    """
    return registry_service.authorize_person_read(
        session,
        actor,
        person_id=person_id,
        action=action,
        purpose=_purpose(actor, person_id, holder_only=holder_only),
        guardians_of_children_on=today,
    )


def wallet_holders(session: Session, actor: Actor, *, today: dt.date) -> list[Citizen]:
    """The citizen himself, then the children under 14 whose wallet he manages (audited)."""
    assert actor.person_id is not None  # a citizen's scope
    ids = [actor.person_id, *sorted(guarded_ids(session, actor))]
    holders = []
    for person_id in ids:
        child = session.get(Citizen, person_id)
        if person_id != actor.person_id and (
            child is None or not is_child(child.birth_date, child_cutoff(today))
        ):
            continue
        holders.append(
            authorize_subject(
                session, actor, person_id=person_id, action="read_wallet", today=today
            )
        )
    return holders


def issuers(session: Session) -> list[Province]:
    """The BHXH provinces a card can be issued by, by name."""
    return list(session.scalars(select(Province).order_by(Province.name)))


def card_list_rows(session: Session, card: CardNumber) -> list[InsuranceCard]:
    """The card list's rows of ``card``: by its code when typed in full, else by BHXH number."""
    column = InsuranceCard.card_number if card.is_full_code else InsuranceCard.bhxh_number
    return list(session.scalars(select(InsuranceCard).where(column == card.text)))


def _integrate(session: Session, person_id: str, card_number: str, now: dt.datetime) -> None:
    insert_unless_duplicate(
        session,
        WalletIntegration,
        person_id=person_id,
        card_number=card_number,
        integrated_at=now,
    )


def _open_request(session: Session, person_id: str, card: CardNumber) -> IntegrationRequest | None:
    return session.scalar(
        select(IntegrationRequest).where(
            IntegrationRequest.person_id == person_id,
            IntegrationRequest.card_number == card.text,
            IntegrationRequest.status.in_(OPEN_STATUSES),
        )
    )


def _record(
    session: Session,
    request: IntegrationRequest,
    status: RequestStatus,
    reason: Reason | None,
    now: dt.datetime,
    by_user_id: int | None = None,
) -> None:
    request.status, request.reason, request.updated_at = status, reason or "", now
    session.add(
        IntegrationRequestEvent(
            request_id=request.id, at=now, status=status, reason=reason or "", by_user_id=by_user_id
        )
    )


def submit(
    session: Session,
    actor: Actor,
    *,
    person_id: str,
    card_number: str,
    issuing_province_code: int,
    now: dt.datetime,
) -> tuple[IntegrationRequest, bool]:
    """File a request and let the card list decide it; ``(request, created)``.

    The same card asked again while a request for it is open gives that request back
    (``created`` false). Raises :class:`~sokhoe.insurance.card_number.InvalidCardNumber`
    (its message says what is wrong), :class:`AlreadyIntegrated`, :class:`UnknownIssuer`.
    """
    citizen = authorize_subject(
        session, actor, person_id=person_id, action="request_integration", today=now.date()
    )
    card = parse_card_number(card_number)
    if session.get(Province, issuing_province_code) is None:
        raise UnknownIssuer(issuing_province_code)
    rows = card_list_rows(session, card)
    integrated = set(
        session.scalars(
            select(WalletIntegration.card_number).where(WalletIntegration.person_id == person_id)
        )
    )
    if card.text in integrated or any(
        r.card_number in integrated and r.person_id == person_id for r in rows
    ):
        raise AlreadyIntegrated(card.text)
    open_request = _open_request(session, person_id, card)
    if open_request is not None:
        return open_request, False
    commune = session.get(Commune, citizen.commune_code)
    assert commune is not None
    request_id = secrets.token_urlsafe(15)
    inserted = insert_unless_duplicate(
        session,
        IntegrationRequest,
        id=request_id,
        person_id=person_id,
        requested_by_user_id=actor.user_id,
        province_code=commune.province_code,
        card_number=card.text,
        issuing_province_code=issuing_province_code,
        status=RequestStatus.PENDING,
        reason="",
        created_at=now,
        updated_at=now,
        version=1,
    )
    if not inserted:  # the same card submitted at the same instant: that request
        open_request = _open_request(session, person_id, card)
        assert open_request is not None  # the unique index that refused the insert holds it
        return open_request, False
    request = session.get_one(IntegrationRequest, request_id)
    _record(session, request, RequestStatus.PENDING, None, now)
    verdict: Verdict = decide(rows, citizen, now.date())
    _record(session, request, verdict.status, verdict.reason, now)
    if verdict.card_number is not None:
        _integrate(session, person_id, verdict.card_number, now)
    session.flush()
    return request, True


def _view(session: Session, request: IntegrationRequest, person: Citizen) -> RequestView:
    issuer = session.get(Province, request.issuing_province_code)
    events = session.scalars(
        select(IntegrationRequestEvent)
        .where(IntegrationRequestEvent.request_id == request.id)
        .order_by(IntegrationRequestEvent.id)
    )
    return RequestView(
        request=request,
        person=person,
        issuer_name=issuer.name if issuer else str(request.issuing_province_code),
        events=list(events),
    )


def requests_of(session: Session, holder: Citizen) -> list[RequestView]:
    """A holder's requests, newest first; ``holder`` comes from :func:`wallet_holders`."""
    requests = session.scalars(
        select(IntegrationRequest)
        .where(IntegrationRequest.person_id == holder.person_id)
        .order_by(IntegrationRequest.created_at.desc(), IntegrationRequest.id)
    )
    return [_view(session, request, holder) for request in requests]


def integrated_cards(session: Session, holder: Citizen) -> list[WalletIntegration]:
    """The cards in a holder's wallet; ``holder`` comes from :func:`wallet_holders`."""
    return list(
        session.scalars(
            select(WalletIntegration)
            .where(WalletIntegration.person_id == holder.person_id)
            .order_by(WalletIntegration.card_number)
        )
    )


def get_request(session: Session, actor: Actor, request_id: str, *, today: dt.date) -> RequestView:
    """One request, for its holder, the holder's guardian, or a BHXH officer of its province."""
    request = session.get(IntegrationRequest, request_id)
    if request is None:
        raise AccessDenied
    person = authorize_subject(
        session, actor, person_id=request.person_id, action="read_integration_request", today=today
    )
    return _view(session, request, person)


def review_queue(session: Session, actor: Actor) -> list[IntegrationRequest]:
    """The requests waiting for a BHXH officer in his province, oldest first (audited)."""
    assert actor.province_code is not None  # the role's scope
    guard.authorize_province(
        session,
        actor,
        province_code=actor.province_code,
        action="read_review_queue",
        purpose=Purpose.INTEGRATION_REVIEW,
        detail="yêu cầu tích hợp thẻ BHYT chờ xem xét",
    )
    return list(
        session.scalars(
            select(IntegrationRequest)
            .where(
                IntegrationRequest.province_code == actor.province_code,
                IntegrationRequest.status == RequestStatus.IN_REVIEW,
            )
            .order_by(IntegrationRequest.created_at, IntegrationRequest.id)
        )
    )


def list_rows_for(session: Session, view: RequestView) -> list[InsuranceCard]:
    """The card list's rows under a request's number, for the officer reviewing it."""
    return card_list_rows(session, parse_card_number(view.request.card_number))


def decide_review(
    session: Session,
    actor: Actor,
    request_id: str,
    *,
    version: int,
    approve: bool,
    reason: Reason,
    now: dt.datetime,
) -> RequestView:
    """An officer's decision on a request in review, made on ``version`` of it.

    Raises :class:`DecisionConflict` when the request is no longer that version in review
    (another officer decided first), and ``ValueError`` for a reason no rejection may give.
    """
    if actor.role is not Role.BHXH_OFFICER:
        raise AccessDenied
    view = get_request(session, actor, request_id, today=now.date())
    if not approve and reason not in OFFICER_REJECTIONS:
        raise ValueError(reason)
    status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    changed = session.execute(
        update(IntegrationRequest)
        .where(
            IntegrationRequest.id == request_id,
            IntegrationRequest.version == version,
            IntegrationRequest.status == RequestStatus.IN_REVIEW,
        )
        .values(version=version + 1)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise DecisionConflict
    session.refresh(view.request)
    request = view.request
    _record(
        session,
        request,
        status,
        Reason.OFFICER_APPROVED if approve else reason,
        now,
        by_user_id=actor.user_id,
    )
    if approve:
        rows = list_rows_for(session, view)
        valid = [
            r
            for r in rows
            if r.valid_from and r.valid_to and r.valid_from <= now.date() <= r.valid_to
        ]
        chosen = valid or rows
        _integrate(
            session,
            request.person_id,
            chosen[0].card_number if chosen else request.card_number,
            now,
        )
    session.flush()
    return _view(session, request, view.person)
