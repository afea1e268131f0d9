"""Who a hospital's record is about: the person in the register, or why it cannot be said.

A record names its patient as the facility knows them (:class:`~sokhoe.records.clinical.Patient`):
perhaps a personal ID, perhaps a BHYT card number, a name and a birth date. A health book
must never show one person's visit in another's, so identification takes identifiers only,
never a name, and doubts go to review rather than to a guess:

1. A personal ID the register holds identifies the person, unless the card sent with it is
   one BHXH's list gives to someone else (and not to this person): then the two disagree
   (``id_card_disagree``). A card the list does not know, or lists without a holder, takes
   nothing away from the ID.
2. A personal ID the register does not hold is not overruled by the card (a typo in the ID
   may match the card of another): ``id_unknown``.
3. Without an ID, the card identifies the person when BHXH's list names exactly one
   registered holder for its BHXH number; no such holder is ``card_unknown``, several are
   ``card_ambiguous``; neither ID nor card is ``no_identifier``.
4. A record that a reviewer of the Department of Health resolved by naming its person
   (:mod:`~sokhoe.records.record_review`) is that person's when the facility resends it
   (same facility, kind and key) and the resend still identifies no one: the decision
   stands until the facility sends an identifier that decides by itself.

One query for the card list and one for the register per batch, whatever its size, and one
for the reviewers' decisions when some record is not identified.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from enum import StrEnum

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from sokhoe.insurance import service as insurance_service
from sokhoe.records import rows
from sokhoe.records.clinical import ClinicalRecord, Patient
from sokhoe.records.models import UnidentifiedRecord
from sokhoe.registry import service as registry_service

#: A record in the review queue: facility, kind and key.
QueueKey = tuple[str, str, str]


class Reason(StrEnum):
    """Why a record's person could not be identified (``unidentified_record.reason``)."""

    NO_IDENTIFIER = "no_identifier"
    ID_UNKNOWN = "id_unknown"
    ID_CARD_DISAGREE = "id_card_disagree"
    CARD_UNKNOWN = "card_unknown"
    CARD_AMBIGUOUS = "card_ambiguous"


#: Each reason in Vietnamese and English, for the reviewers' queue and the command line.
REASONS: dict[Reason, tuple[str, str]] = {
    Reason.NO_IDENTIFIER: (
        "không có mã định danh và mã thẻ BHYT",
        "neither a personal ID nor a BHYT card number",
    ),
    Reason.ID_UNKNOWN: (
        "mã định danh không có trong cơ sở dữ liệu dân cư",
        "the personal ID is not in the register",
    ),
    Reason.ID_CARD_DISAGREE: (
        "thẻ BHYT là của người khác, không khớp mã định danh",
        "the BHYT card belongs to someone else than the personal ID",
    ),
    Reason.CARD_UNKNOWN: (
        "không có mã định danh; thẻ BHYT không chỉ ra người nào trong cơ sở dữ liệu dân cư",
        "no personal ID, and the BHYT card names no one in the register",
    ),
    Reason.CARD_AMBIGUOUS: (
        "không có mã định danh; thẻ BHYT ứng với nhiều người",
        "no personal ID, and the BHYT card names several people",
    ),
}


def reason_text(reason: Reason, lang: str = "vi") -> str:
    vi, en = REASONS[reason]
    return en if lang == "en" else vi


def identify_records(session: Session, records: Sequence[ClinicalRecord]) -> list[str | Reason]:
    """For each record, in order, the person ID its patient identifies, else the person a
    reviewer named for the record, else why there is none."""
    identities = identify(session, [record.patient for record in records])
    unidentified = {
        queue_key(record)
        for record, identity in zip(records, identities, strict=True)
        if isinstance(identity, Reason)
    }
    named = named_by_reviewers(session, unidentified)
    return [
        named.get(queue_key(record), identity) if isinstance(identity, Reason) else identity
        for record, identity in zip(records, identities, strict=True)
    ]


def queue_key(record: ClinicalRecord) -> QueueKey:
    return record.facility_code, rows.kind_of(record).name, record.key


def named_by_reviewers(session: Session, keys: Collection[QueueKey]) -> dict[QueueKey, str]:
    """The person a reviewer named for each record of ``keys`` that has one."""
    if not keys:
        return {}
    queue = UnidentifiedRecord
    found = session.execute(
        select(queue.facility_code, queue.kind, queue.key, queue.resolved_person_id).where(
            tuple_(queue.facility_code, queue.kind, queue.key).in_(sorted(keys))
        )
    )
    return {(facility, kind, key): person for facility, kind, key, person in found if person}


def identify(session: Session, patients: Sequence[Patient]) -> list[str | Reason]:
    """For each patient, in order, the person ID in the register, or why there is none."""
    cards = {p.card_number for p in patients if p.card_number}
    holders = insurance_service.card_holders(session, cards)
    candidates = {p.person_id for p in patients if p.person_id}
    candidates.update(pid for listed in holders.values() for pid in listed)
    registered = registry_service.registered_person_ids(session, candidates)
    return [_decide(p, holders, registered) for p in patients]


def _decide(
    patient: Patient, holders: dict[str, frozenset[str]], registered: set[str]
) -> str | Reason:
    listed = holders.get(patient.card_number, frozenset()) if patient.card_number else frozenset()
    if patient.person_id:
        if patient.person_id not in registered:
            return Reason.ID_UNKNOWN
        if listed and patient.person_id not in listed:
            return Reason.ID_CARD_DISAGREE
        return patient.person_id
    if not patient.card_number:
        return Reason.NO_IDENTIFIER
    known = listed & registered
    if not known:
        return Reason.CARD_UNKNOWN
    if len(known) > 1:
        return Reason.CARD_AMBIGUOUS
    return next(iter(known))
