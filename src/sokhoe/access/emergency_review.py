"""The Department of Health reviews the emergency accesses to health books (R16).

Reception may open a book without consent in an emergency (:func:`consent.emergency`),
giving a reason. Each such access waits here until an officer of the province of the
facility finds it appropriate or not; the finding is kept with the access, and the audit
chain records both the list read and the finding.

The list shows the facility, the reception account, when and the reason. It does not show
whose book was opened: the reviewer judges the reason, and the person needs no second
reader. A finding made by another officer first is a conflict, never overwritten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sokhoe.access import audit, guard
from sokhoe.access.clock import utcnow
from sokhoe.access.consent_models import BookConsent, ConsentKind
from sokhoe.access.models import User
from sokhoe.access.purposes import Purpose
from sokhoe.access.scope import Actor
from sokhoe.registry import service as registry_service
from sokhoe.registry.facility_names import facility_name

#: Accesses shown at once, oldest waiting first.
SHOWN = 100


class AlreadyReviewed(Exception):
    """Another officer recorded a finding on this access first."""


@dataclass(frozen=True)
class EmergencyAccess:
    consent_id: str
    at: dt.datetime
    facility_code: str | None
    facility_name: str | None
    by: str
    reason: str
    reviewed_at: dt.datetime | None
    appropriate: bool | None


def waiting(session: Session, actor: Actor, *, province_code: int) -> list[EmergencyAccess]:
    """The province's emergency accesses waiting for review, oldest first (one audited list
    read; refused to anyone but the province's Department of Health)."""
    _authorize(session, actor, province_code, "danh sách chờ xem xét")
    rows = session.execute(
        select(BookConsent, User.display_name)
        .join(User, User.id == BookConsent.created_by_user_id)
        .where(
            BookConsent.kind == ConsentKind.EMERGENCY.value,
            BookConsent.reviewed_at.is_(None),
            BookConsent.facility_code.in_(registry_service.facilities_of_province(province_code)),
        )
        .order_by(BookConsent.created_at, BookConsent.id)
        .limit(SHOWN)
    )
    return [_view(session, row, by) for row, by in rows]


def review(
    session: Session,
    actor: Actor,
    *,
    province_code: int,
    consent_id: str,
    appropriate: bool,
    now: dt.datetime | None = None,
) -> None:
    """Records the finding on one emergency access of the province. Raises
    :class:`AlreadyReviewed` if another officer was first,
    :class:`~sokhoe.access.guard.AccessDenied` for an access outside the province (or not
    an emergency) and for anyone but the province's Department of Health."""
    _authorize(session, actor, province_code, "xem xét một truy cập")
    access = session.get(BookConsent, consent_id)
    if (
        access is None
        or access.kind != ConsentKind.EMERGENCY.value
        or access.facility_code is None
        or registry_service.facility_province(session, access.facility_code) != province_code
    ):
        raise guard.AccessDenied
    at = (now or utcnow()).astimezone(dt.UTC).replace(tzinfo=None)
    recorded = session.execute(
        update(BookConsent)
        .where(BookConsent.id == consent_id, BookConsent.reviewed_at.is_(None))
        .values(reviewed_at=at, reviewed_by_user_id=actor.user_id, review_appropriate=appropriate)
    )
    if recorded.rowcount != 1:  # type: ignore[attr-defined]
        raise AlreadyReviewed
    audit.record(
        session,
        actor=actor,
        action="review_emergency_access",
        subject_person_id=access.person_id,
        purpose=Purpose.ACCESS_REVIEW,
        detail=f"cơ sở {access.facility_code}: {'phù hợp' if appropriate else 'không phù hợp'}",
    )


def _authorize(session: Session, actor: Actor, province_code: int, what: str) -> None:
    guard.authorize_province(
        session,
        actor,
        province_code=province_code,
        action="read_emergency_accesses",
        purpose=Purpose.ACCESS_REVIEW,
        detail=f"truy cập khẩn cấp sổ sức khỏe, {what}",
    )


def _view(session: Session, row: BookConsent, by: str) -> EmergencyAccess:
    return EmergencyAccess(
        consent_id=row.id,
        at=row.created_at,
        facility_code=row.facility_code,
        facility_name=facility_name(session, row.facility_code) if row.facility_code else None,
        by=by,
        reason=row.reason or "",
        reviewed_at=row.reviewed_at,
        appropriate=row.review_appropriate,
    )
