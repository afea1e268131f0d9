"""Clinics read a health book only with the citizen's consent (R7, R16).

- The citizen, or a guardian for a child under 14, *offers* a consent: a scope (summary or
  full) and a duration. He is shown a one-time code (``K7QM-2XPD``) that lives
  :data:`OFFER_MINUTES`.
- Reception at any facility *redeems* the code. The consent is then bound to that facility
  until it expires, and the citizen may revoke it at any time.
- Each read goes through :func:`care_access`. It checks that the consent is active and
  belongs to the reader's facility, and writes the audit entry.
- In an *emergency*, reception may open a book without consent, giving a reason. The
  access lasts :data:`EMERGENCY_HOURS`, its audit entry says so, and it waits for a
  Department of Health officer's review.
- The citizen sees who read his book, when and why (:func:`book_views`), from the audit
  chain itself.

Codes are stored hashed; a code is cleared once used, so it works once. Consents are named
by a random id, never by the person.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import NoReturn

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sokhoe.access import audit, guard
from sokhoe.access.clock import utcnow
from sokhoe.access.consent_models import BookConsent, ConsentKind, ConsentScope
from sokhoe.access.models import AuditEntry, User
from sokhoe.access.purposes import PURPOSE_LABELS, Purpose
from sokhoe.access.roles import ROLE_LABELS, Role
from sokhoe.access.scope import Actor
from sokhoe.registry import service as registry_service
from sokhoe.registry.facility_names import facility_name
from sokhoe.vietnam_time import to_vietnam_time

#: How long a one-time code may wait for reception.
OFFER_MINUTES = 15
#: The durations a citizen chooses from, in days.
DURATION_DAYS = (1, 7, 30, 90)
#: How long an emergency access lasts.
EMERGENCY_HOURS = 24
#: An emergency's reason is read by a reviewer: a word or two is not a reason.
MIN_REASON_LENGTH = 10
MAX_REASON_LENGTH = 500
#: Letters and digits that cannot be misread for one another (no 0/O, 1/I/L).
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 8
_CODE_GROUP = f"[{_CODE_ALPHABET}]{{{_CODE_LENGTH // 2}}}"
#: The code as shown and as the sharing page's QR holds it: two groups, a hyphen between.
_SHOWN_CODE = re.compile(f"{_CODE_GROUP}-{_CODE_GROUP}")

#: Audit actions that read a book: what "who viewed my book" lists.
READ_BOOK = "read_book"
#: The whole book taken away as a file (FHIR bundle or PDF): a read, listed with the others.
DOWNLOAD_BOOK = "download_book"
READ_BOOK_FOR_CARE = "read_book_for_care"
EMERGENCY_ACCESS = "emergency_book_access"
BOOK_READ_ACTIONS = (READ_BOOK, DOWNLOAD_BOOK, READ_BOOK_FOR_CARE, EMERGENCY_ACCESS)


class ConsentCodeInvalid(Exception):
    """The code is unknown, already used or past its time (reception is told which is not
    said: the refusal is audited)."""


class ReasonRequired(ValueError):
    """An emergency access without a reason of :data:`MIN_REASON_LENGTH` characters."""


@dataclass(frozen=True)
class Offer:
    consent_id: str
    #: Shown once, to the citizen: ``XXXX-XXXX``.
    code: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class CareAccess:
    """What reception may read now, and until when."""

    consent_id: str
    person_id: str
    scope: ConsentScope
    expires_at: dt.datetime
    emergency: bool


@dataclass(frozen=True)
class ConsentView:
    """One consent as its citizen sees it."""

    consent_id: str
    kind: ConsentKind
    scope: ConsentScope
    facility_name: str | None
    created_at: dt.datetime
    expires_at: dt.datetime | None
    #: ``offered`` (code not used yet), ``active``, ``expired`` or ``revoked``.
    state: str


@dataclass(frozen=True)
class BookView:
    """One read of the book, from the audit chain."""

    at: dt.datetime
    role: str
    facility_name: str | None
    purpose: str
    emergency: bool


def offer(
    session: Session,
    actor: Actor,
    *,
    person_id: str,
    scope: ConsentScope,
    days: int,
    now: dt.datetime | None = None,
) -> Offer:
    """A new consent offer for ``person_id`` (the citizen himself, or a child he is guardian
    of), with its one-time code. Raises :class:`~sokhoe.access.guard.AccessDenied` for
    anyone else, ``ValueError`` for a duration not in :data:`DURATION_DAYS`."""
    if days not in DURATION_DAYS:
        raise ValueError(f"duration must be one of {DURATION_DAYS} days")
    now = _naive(now)
    _authorize_holder(session, actor, person_id, "offer_book_consent", now)
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    consent = BookConsent(
        id=secrets.token_urlsafe(18),
        person_id=person_id,
        kind=ConsentKind.CONSENT.value,
        scope=ConsentScope(scope).value,
        created_by_user_id=actor.user_id,
        created_at=now,
        code_hash=_code_hash(code),
        offer_expires_at=now + dt.timedelta(minutes=OFFER_MINUTES),
        duration_days=days,
    )
    session.add(consent)
    session.flush()
    assert consent.offer_expires_at is not None
    return Offer(consent.id, f"{code[:4]}-{code[4:]}", consent.offer_expires_at)


def redeem(
    session: Session, actor: Actor, *, code: str, now: dt.datetime | None = None
) -> CareAccess:
    """Reception binds the consent behind ``code`` to its facility and may read the book
    from now on. Raises :class:`ConsentCodeInvalid` (audited) for a code that is unknown,
    used or past its time, :class:`~sokhoe.access.guard.AccessDenied` for a role other
    than reception."""
    now = _naive(now)
    if actor.role is not Role.CLINIC_STAFF or actor.facility_code is None:
        _refuse(session, actor, "redeem_book_consent", "không phải lễ tân cơ sở y tế")
    consent = session.scalar(
        select(BookConsent)
        .where(BookConsent.code_hash == _code_hash(_normalise_code(code)))
        .with_for_update()
    )
    if (
        consent is None
        or consent.offer_expires_at is None
        or consent.offer_expires_at <= now
        or consent.revoked_at is not None
    ):
        audit.record(
            session,
            actor=actor,
            action="redeem_book_consent",
            outcome=audit.Outcome.DENIED,
            purpose=Purpose.CARE,
            detail="mã đồng ý không hợp lệ hoặc đã hết hạn",
        )
        raise ConsentCodeInvalid
    assert consent.duration_days is not None
    consent.code_hash = None
    consent.facility_code = actor.facility_code
    consent.redeemed_at = now
    consent.redeemed_by_user_id = actor.user_id
    consent.expires_at = now + dt.timedelta(days=consent.duration_days)
    audit.record(
        session,
        actor=actor,
        action="redeem_book_consent",
        subject_person_id=consent.person_id,
        purpose=Purpose.CARE,
        detail=f"cơ sở {actor.facility_code}, {consent.scope}, {consent.duration_days} ngày",
    )
    return _access(consent)


def scanned_code(text: str) -> str | None:
    """The one-time code in the text of a QR code reception scanned, or None for any other
    code (a BHYT card's, a web address): the sharing page's QR holds the code as shown."""
    text = text.strip()
    return text if _SHOWN_CODE.fullmatch(text) else None


def emergency(
    session: Session,
    actor: Actor,
    *,
    person_id: str,
    reason: str,
    now: dt.datetime | None = None,
) -> CareAccess:
    """Reception opens a book without consent, for :data:`EMERGENCY_HOURS`; flagged for
    review. Raises :class:`ReasonRequired`, or :class:`~sokhoe.access.guard.AccessDenied`
    for an unknown person or a role other than reception (both audited)."""
    reason = " ".join(reason.split())
    if not MIN_REASON_LENGTH <= len(reason) <= MAX_REASON_LENGTH:
        raise ReasonRequired(f"{MIN_REASON_LENGTH}–{MAX_REASON_LENGTH} characters")
    now = _naive(now)
    known = registry_service.registered_person_ids(session, [person_id])
    allowed = actor.role is Role.CLINIC_STAFF and actor.facility_code is not None and bool(known)
    guard.authorize_by_consent(
        session,
        actor,
        person_id=person_id,
        consented=allowed,
        action=EMERGENCY_ACCESS,
        purpose=Purpose.CARE,
        detail=f"khẩn cấp, cơ sở {actor.facility_code}, chờ xem xét",
    )
    consent = BookConsent(
        id=secrets.token_urlsafe(18),
        person_id=person_id,
        kind=ConsentKind.EMERGENCY.value,
        scope=ConsentScope.FULL.value,
        created_by_user_id=actor.user_id,
        created_at=now,
        facility_code=actor.facility_code,
        redeemed_at=now,
        redeemed_by_user_id=actor.user_id,
        expires_at=now + dt.timedelta(hours=EMERGENCY_HOURS),
        reason=reason,
    )
    session.add(consent)
    session.flush()
    return _access(consent)


def care_access(
    session: Session, actor: Actor, *, consent_id: str, now: dt.datetime | None = None
) -> CareAccess:
    """Reception's right to read the book now, through the consent ``consent_id`` (audited,
    allowed or denied). An unknown, expired, revoked or other facility's consent is the
    same :class:`~sokhoe.access.guard.AccessDenied`."""
    now = _naive(now)
    consent = session.get(BookConsent, consent_id)
    active = (
        consent is not None
        and actor.facility_code is not None
        and consent.facility_code == actor.facility_code
        and consent.revoked_at is None
        and consent.expires_at is not None
        and now < consent.expires_at
    )
    if consent is None or not active:
        _refuse(session, actor, READ_BOOK_FOR_CARE, "không có sự đồng ý còn hiệu lực")
    emergency_access = consent.kind == ConsentKind.EMERGENCY.value
    guard.authorize_by_consent(
        session,
        actor,
        person_id=consent.person_id,
        consented=True,
        action=READ_BOOK_FOR_CARE,
        purpose=Purpose.CARE,
        detail=f"{'khẩn cấp' if emergency_access else 'đồng ý'}, {consent.scope}",
    )
    return _access(consent)


def revoke(
    session: Session, actor: Actor, *, consent_id: str, now: dt.datetime | None = None
) -> None:
    """The citizen (or guardian) ends a consent; reading stops at once. Revoking again does
    nothing. Raises :class:`~sokhoe.access.guard.AccessDenied` for anyone else."""
    now = _naive(now)
    consent = session.get(BookConsent, consent_id)
    if consent is None or consent.kind != ConsentKind.CONSENT.value:
        _refuse(session, actor, "revoke_book_consent", "không có sự đồng ý này")
    _authorize_holder(session, actor, consent.person_id, "revoke_book_consent", now)
    session.execute(
        update(BookConsent)
        .where(BookConsent.id == consent_id, BookConsent.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by_user_id=actor.user_id, code_hash=None)
    )


def consents_of(
    session: Session, actor: Actor, *, person_id: str, now: dt.datetime | None = None
) -> list[ConsentView]:
    """The person's consents and the emergency accesses to his book, newest first."""
    now = _naive(now)
    _authorize_holder(session, actor, person_id, "read_book_consents", now)
    rows = session.scalars(
        select(BookConsent)
        .where(BookConsent.person_id == person_id)
        .order_by(BookConsent.created_at.desc())
        .limit(100)
    )
    return [
        ConsentView(
            consent_id=row.id,
            kind=ConsentKind(row.kind),
            scope=ConsentScope(row.scope),
            facility_name=_facility(session, row.facility_code),
            created_at=row.created_at,
            expires_at=row.expires_at or row.offer_expires_at,
            state=_state(row, now),
        )
        for row in rows
    ]


def book_views(
    session: Session,
    actor: Actor,
    *,
    person_id: str,
    limit: int = 100,
    now: dt.datetime | None = None,
) -> list[BookView]:
    """Who read the person's book, when and why: the audit chain's allowed reads, newest
    first (the citizen's own reads included)."""
    _authorize_holder(session, actor, person_id, "read_book_views", _naive(now))
    rows = session.execute(
        select(AuditEntry.at, AuditEntry.actor_role, AuditEntry.purpose, AuditEntry.action, User)
        .outerjoin(User, User.id == AuditEntry.actor_user_id)
        .where(
            AuditEntry.subject_person_id == person_id,
            AuditEntry.action.in_(BOOK_READ_ACTIONS),
            AuditEntry.outcome == audit.Outcome.ALLOWED.value,
        )
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return [
        BookView(
            at=at,
            role=_role_label(role),
            facility_name=_facility(session, user.facility_code if user else None),
            purpose=PURPOSE_LABELS.get(Purpose(purpose), purpose),
            emergency=action == EMERGENCY_ACCESS,
        )
        for at, role, purpose, action, user in rows
    ]


def _authorize_holder(
    session: Session, actor: Actor, person_id: str, action: str, now: dt.datetime
) -> None:
    """The person himself, or his guardian while he is a child under 14 on Vietnam's date,
    as the book and the wallet count it (audited); ``now`` is naive UTC."""
    purpose = Purpose.SELF_SERVICE if person_id == actor.person_id else Purpose.GUARDIAN
    registry_service.authorize_person_read(
        session,
        actor,
        person_id=person_id,
        purpose=purpose,
        action=action,
        guardians_of_children_on=to_vietnam_time(now).date(),
    )


def _role_label(role: str) -> str:
    """The role's Vietnamese label; the command line's entries name no role."""
    try:
        return ROLE_LABELS[Role(role)]
    except ValueError:
        return role


def _refuse(session: Session, actor: Actor, action: str, why: str) -> NoReturn:
    audit.record(
        session,
        actor=actor,
        action=action,
        outcome=audit.Outcome.DENIED,
        purpose=Purpose.CARE,
        detail=why,
    )
    raise guard.AccessDenied


def _access(consent: BookConsent) -> CareAccess:
    assert consent.expires_at is not None
    return CareAccess(
        consent_id=consent.id,
        person_id=consent.person_id,
        scope=ConsentScope(consent.scope),
        expires_at=consent.expires_at,
        emergency=consent.kind == ConsentKind.EMERGENCY.value,
    )


def _state(consent: BookConsent, now: dt.datetime) -> str:
    if consent.revoked_at is not None:
        return "revoked"
    if consent.expires_at is None:
        offered = consent.offer_expires_at is not None and now < consent.offer_expires_at
        return "offered" if offered else "expired"
    return "active" if now < consent.expires_at else "expired"


def _facility(session: Session, code: str | None) -> str | None:
    return facility_name(session, code) if code else None


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _naive(now: dt.datetime | None) -> dt.datetime:
    """``now`` (default: the clock) as stored instants are: UTC, naive."""
    return (now or utcnow()).astimezone(dt.UTC).replace(tzinfo=None)
