"""The one gate in front of every read of personal data: no audit entry, no answer.

Each call decides, writes an ``allowed`` or ``denied`` entry in the caller's transaction and
then returns or raises :class:`AccessDenied`. The caller commits in both cases, so that a
refusal stays on record, and answers "not found" (404), so that a refusal does not even
confirm that the person exists.

Access needs both scope and purpose: the person or unit lies within the actor's scope
(:class:`~sokhoe.access.scope.Actor`), and the purpose is one the actor's role may claim
(:data:`~sokhoe.access.purposes.ROLE_PURPOSES`). A purpose outside :class:`Purpose` is a
programming error and raises :class:`~sokhoe.access.purposes.UnknownPurpose` before anything
is read or written.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from sokhoe.access import audit
from sokhoe.access.purposes import ROLE_PURPOSES, Purpose, UnknownPurpose, parse_purpose
from sokhoe.access.scope import Actor

__all__ = [
    "AccessDenied",
    "Purpose",
    "UnknownPurpose",
    "authorize_by_consent",
    "authorize_facility",
    "authorize_person",
    "authorize_presented_card",
    "authorize_province",
    "authorize_unit",
]


class AccessDenied(Exception):
    """The actor may not see this. Carries nothing about the person or unit asked for."""

    def __init__(self) -> None:
        super().__init__("Không có quyền truy cập.")


def _decide(
    session: Session,
    actor: Actor,
    *,
    in_scope: bool,
    purpose: Purpose,
    action: str,
    subject_person_id: str | None,
    detail: str,
) -> None:
    """Record the decision, then raise if it is a refusal (the entry says why, the error not)."""
    if not in_scope:
        refusal = "ngoài phạm vi được giao"
    elif purpose not in ROLE_PURPOSES[actor.role]:
        refusal = "mục đích không phù hợp với vai trò"
    else:
        refusal = ""
    audit.record(
        session,
        actor=actor,
        action=action,
        outcome=audit.Outcome.DENIED if refusal else audit.Outcome.ALLOWED,
        subject_person_id=subject_person_id,
        purpose=purpose,
        detail="; ".join(part for part in (detail, refusal) if part),
    )
    if refusal:
        raise AccessDenied


def authorize_person(
    session: Session,
    actor: Actor,
    *,
    person_id: str,
    commune_code: int,
    village_id: int | None,
    province_code: int,
    guarded_ids: frozenset[str],
    action: str,
    purpose: str,
) -> None:
    """Let ``actor`` read one person's data for ``purpose``, or raise :class:`AccessDenied`.

    The location arguments are where the person is registered (``citizen.commune_code``,
    ``village_id`` and the commune's province); ``guarded_ids`` the children the actor is
    guardian of (:func:`sokhoe.access.scope.guarded_ids`).
    """
    checked = parse_purpose(purpose)
    in_scope = actor.covers_person(
        person_id=person_id,
        commune_code=commune_code,
        village_id=village_id,
        province_code=province_code,
        guarded_ids=guarded_ids,
    )
    _decide(
        session,
        actor,
        in_scope=in_scope,
        purpose=checked,
        action=action,
        subject_person_id=person_id,
        detail="",
    )


def authorize_unit(
    session: Session,
    actor: Actor,
    *,
    commune_code: int,
    province_code: int,
    village_id: int | None = None,
    action: str,
    purpose: str,
    page: int | None = None,
) -> None:
    """Let ``actor`` read a list of a commune's (or one village's) residents, or refuse.

    One audit entry per list read, with no subject: its detail names the unit and ``page``,
    so "who looked at the residents of village X" can be answered from the log.
    """
    checked = parse_purpose(purpose)
    detail = f"xã {commune_code}"
    if village_id is not None:
        detail += f", thôn {village_id}"
    if page is not None:
        detail += f", trang {page}"
    _decide(
        session,
        actor,
        in_scope=actor.covers_village(village_id, commune_code, province_code),
        purpose=checked,
        action=action,
        subject_person_id=None,
        detail=detail,
    )


def authorize_province(
    session: Session, actor: Actor, *, province_code: int, action: str, purpose: str, detail: str
) -> None:
    """Let ``actor`` read a list spanning a whole province (an export for reconciliation,
    BHXH's fixes), or refuse; one audit entry, whose ``detail`` says what was read."""
    _decide(
        session,
        actor,
        in_scope=actor.covers_province(province_code),
        purpose=parse_purpose(purpose),
        action=action,
        subject_person_id=None,
        detail=f"tỉnh {province_code}, {detail}",
    )


def authorize_facility(
    session: Session, actor: Actor, *, facility_code: str, action: str, purpose: str, detail: str
) -> None:
    """Let ``actor`` read a list of a facility's visits (reception's day list), or refuse;
    one audit entry with no subject, whose ``detail`` says which part of the list was read."""
    _decide(
        session,
        actor,
        in_scope=actor.covers_facility(facility_code),
        purpose=parse_purpose(purpose),
        action=action,
        subject_person_id=None,
        detail=f"cơ sở {facility_code}, {detail}",
    )


def authorize_presented_card(
    session: Session,
    actor: Actor,
    *,
    subject_person_id: str | None,
    action: str,
    purpose: str,
    detail: str,
) -> None:
    """Let ``actor`` read the card its holder presents (a card token's QR code), or refuse.

    The holder showing the code is what brings the card within reach, so there is no unit to
    check; the purpose must still be one of the role's (a clinic verifies for care).
    ``subject_person_id`` is the holder when known, so the holder's own history shows the check.
    """
    _decide(
        session,
        actor,
        in_scope=True,
        purpose=parse_purpose(purpose),
        action=action,
        subject_person_id=subject_person_id,
        detail=detail,
    )


def authorize_by_consent(
    session: Session,
    actor: Actor,
    *,
    person_id: str,
    consented: bool,
    action: str,
    purpose: str,
    detail: str,
) -> None:
    """Let ``actor`` read a person's health book because the person consented (or because
    reception declared an emergency, which the caller records for review), or refuse.

    The consent, not the actor's territory, is the scope: ``consented`` says whether an
    active consent binds this person to the actor's facility. The purpose must still be
    one of the role's (a clinic reads for care)."""
    _decide(
        session,
        actor,
        in_scope=consented,
        purpose=parse_purpose(purpose),
        action=action,
        subject_person_id=person_id,
        detail=detail,
    )
