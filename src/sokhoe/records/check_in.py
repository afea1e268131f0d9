"""Reception records a check-in (tiếp nhận) once a presented card verified (R7): the start
of a visit at the facility, which the health book's visit will grow from.

The request carries the scanned text again and it is verified again, since between the
check and the click the code may have expired or been revoked, and a hidden field holds
whatever the browser sends. Every attempt is one audit entry (purpose care, the holder BHXH's
list names as subject, the card's digest and never its number in the detail), written in the
caller's transaction before the check-in: a refused actor leaves a refusal on record and no
row, and an audit that fails takes the check-in down with it.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sokhoe.access import guard
from sokhoe.access.purposes import Purpose
from sokhoe.access.scope import Actor
from sokhoe.db import insert_unless_duplicate
from sokhoe.insurance.card_check import (
    CardCheck,
    audit_detail,
    listed_holder,
    registered_facility_name,
)
from sokhoe.insurance.card_token import KeySet, Valid, verify
from sokhoe.insurance.card_token.token import Revoked
from sokhoe.records.check_in_models import CheckIn
from sokhoe.registry.models import Facility
from sokhoe.vietnam_time import VIETNAM_TIME

ACTION = "check_in"
LIST_ACTION = "read_check_ins"


@dataclass(frozen=True)
class CheckInResult:
    #: The verification and the registered facility's name, as the card check shows them.
    check: CardCheck
    #: ``None`` when the token was refused (``check.verification`` says why).
    check_in: CheckIn | None
    #: ``False`` when the same code was checked in here earlier the same day.
    created: bool


@dataclass(frozen=True)
class DayListRow:
    """One line of reception's day list."""

    checked_in_at: dt.datetime
    full_name: str
    birth_date: dt.date
    registered_facility_code: str | None
    registered_facility_name: str | None
    token_kind: str


def visit_day(now: dt.datetime) -> dt.date:
    """The day a visit starting at ``now`` (aware) belongs to: Vietnam's date."""
    return now.astimezone(VIETNAM_TIME).date()


def record_check_in(
    session: Session,
    actor: Actor,
    text: str,
    *,
    keys: KeySet,
    revoked: Revoked,
    secret: bytes,
    now: dt.datetime,
) -> CheckInResult:
    """Verify ``text`` (a scanned QR code) and check its holder in at ``actor``'s facility.

    An invalid token gives a result without a check-in. The same code at the same facility
    on the same Vietnam day gives the check-in already recorded (``created`` false), even for
    two submissions at the same instant. Raises
    :class:`~sokhoe.access.guard.AccessDenied` (after recording the refusal) for a role that
    does not receive patients.
    """
    verification = verify(text, keys, revoked=revoked, now=now)
    claims = verification.claims
    holder = listed_holder(session, claims)
    guard.authorize_presented_card(
        session,
        actor,
        subject_person_id=holder,
        action=ACTION,
        purpose=Purpose.CARE,
        detail=audit_detail(verification, secret),
    )
    stated = claims.card if claims is not None else None
    check = CardCheck(verification, registered_facility_name(session, stated))
    if not isinstance(verification, Valid):
        return CheckInResult(check, None, created=False)
    # Care is the purpose of reception alone, whose account always names its facility.
    assert actor.facility_code is not None
    card, day = verification.claims.card, visit_day(now)
    created = insert_unless_duplicate(
        session,
        CheckIn,
        id=secrets.token_urlsafe(12),
        facility_code=actor.facility_code,
        person_id=holder,
        card_number=card.card_number,
        full_name=card.full_name,
        birth_date=card.birth_date,
        birth_precision=card.birth_precision,
        registered_facility_code=card.facility_code,
        token_id=verification.claims.token_id_text,
        token_kind=verification.claims.kind.name.lower(),
        checked_in_at=now.astimezone(dt.UTC).replace(tzinfo=None),
        day=day,
        by_user_id=actor.user_id,
    )
    check_in = session.scalars(
        select(CheckIn).where(
            CheckIn.facility_code == actor.facility_code,
            CheckIn.day == day,
            CheckIn.token_id == verification.claims.token_id_text,
        )
    ).one()
    return CheckInResult(check, check_in, created=created)


def count_check_ins(session: Session, *, facility_code: str, day: dt.date) -> int:
    """How many check-ins a facility recorded on ``day`` (a figure, no personal data)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(CheckIn)
            .where(CheckIn.facility_code == facility_code, CheckIn.day == day)
        )
        or 0
    )


def check_ins_of_day(
    session: Session,
    actor: Actor,
    *,
    facility_code: str,
    day: dt.date,
    offset: int,
    limit: int,
    page: int,
) -> Sequence[DayListRow]:
    """One page of a facility's check-ins on ``day``, newest first: one audited read
    (:class:`~sokhoe.access.guard.AccessDenied` unless ``actor`` works there)."""
    guard.authorize_facility(
        session,
        actor,
        facility_code=facility_code,
        action=LIST_ACTION,
        purpose=Purpose.CARE,
        detail=f"ngày {day:%d/%m/%Y}, trang {page}",
    )
    rows = session.execute(
        select(
            CheckIn.checked_in_at,
            CheckIn.full_name,
            CheckIn.birth_date,
            CheckIn.registered_facility_code,
            Facility.name,
            CheckIn.token_kind,
        )
        .outerjoin(Facility, Facility.code == CheckIn.registered_facility_code)
        .where(CheckIn.facility_code == facility_code, CheckIn.day == day)
        .order_by(CheckIn.checked_in_at.desc(), CheckIn.id)
        .offset(offset)
        .limit(limit)
    )
    return [DayListRow(*row) for row in rows]
