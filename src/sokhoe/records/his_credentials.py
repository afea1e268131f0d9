"""A facility's API keys for its hospital information system (HIS), which sends the
facility's records (``Authorization: Bearer skh_…``) and may send no other facility's.

A key is ``skh_`` and 32 random bytes in URL-safe Base64, shown once when issued; only its
SHA-256 is stored. A slow password hash (Argon2, as for passwords) would add nothing: it
exists to make guessing a *low-entropy* secret from its hash expensive, and 256 random bits
cannot be guessed at any speed. A fast hash also lets every request find its key by one
indexed lookup of the hash, rather than trying each stored key in turn. Lookup by hash
reveals nothing through timing: an attacker cannot choose the hash's bytes.

A facility may hold several keys (one per HIS server, or an old and a new one while it
switches); a revoked key is refused from the moment its revocation commits.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from sokhoe.access import audit
from sokhoe.access.clock import utcnow
from sokhoe.access.purposes import Purpose
from sokhoe.access.scope import Actor
from sokhoe.records.models import HisCredential
from sokhoe.registry import service as registry_service

PREFIX = "skh_"
_SECRET_BYTES = 32
#: ``skh_`` and the Base64 of 32 bytes without padding.
_KEY_LENGTH = len(PREFIX) + 43


class UnknownFacility(ValueError):
    """No facility of the register has this code."""

    def __init__(self, facility_code: str) -> None:
        super().__init__(f"không có cơ sở KCB mã {facility_code!r} trong danh mục")


@dataclass(frozen=True, slots=True)
class HisKey:
    """A key that is valid now: whose it is, and which one (never the secret)."""

    id: int
    facility_code: str
    label: str

    @property
    def audit_label(self) -> str:
        """How an audit entry names the sender: the facility's key by number."""
        return f"khóa HIS số {self.id} của cơ sở {self.facility_code}"


def _digest(presented: str) -> str:
    return hashlib.sha256(presented.encode("ascii")).hexdigest()


def issue_key(
    session: Session, facility_code: str, label: str, *, actor: Actor | None = None
) -> str:
    """A new key for ``facility_code``: the secret, to hand over now; it cannot be shown
    again. Raises :class:`UnknownFacility` for a code the register does not hold."""
    if not registry_service.known_facility_codes(session, {facility_code}):
        raise UnknownFacility(facility_code)
    secret = base64.urlsafe_b64encode(secrets.token_bytes(_SECRET_BYTES)).rstrip(b"=")
    presented = PREFIX + secret.decode("ascii")
    credential = HisCredential(
        facility_code=facility_code,
        key_hash=_digest(presented),
        label=label,
        created_at=utcnow().replace(tzinfo=None),
    )
    session.add(credential)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="issue_his_key",
        purpose=Purpose.ADMINISTRATION,
        detail=f"khóa HIS số {credential.id} cho cơ sở {facility_code}",
    )
    return presented


#: Built once: every request of a hospital's system asks it.
_VALID_KEYS = select(
    HisCredential.id, HisCredential.facility_code, HisCredential.label, HisCredential.key_hash
).where(
    HisCredential.key_hash.in_(bindparam("digests", expanding=True)),
    HisCredential.revoked_at.is_(None),
)


def find_key(session: Session, presented: str) -> HisKey | None:
    """The valid key ``presented`` is, or ``None`` (unknown, malformed or revoked)."""
    return find_keys(session, [presented]).get(presented)


def find_keys(session: Session, presented: Collection[str]) -> dict[str, HisKey]:
    """The valid keys among ``presented`` (the others are unknown, malformed or revoked),
    by the text presented: one query for requests that arrive together."""
    digests = {
        _digest(text): text
        for text in presented
        if text.isascii() and text.startswith(PREFIX) and len(text) == _KEY_LENGTH
    }
    if not digests:
        return {}
    rows = session.connection().execute(_VALID_KEYS, {"digests": sorted(digests)})
    return {digests[row.key_hash]: HisKey(row.id, row.facility_code, row.label) for row in rows}


def facility_for_key(session: Session, presented: str) -> str | None:
    """The facility whose valid key ``presented`` is; ``None`` for any other text."""
    key = find_key(session, presented)
    return key.facility_code if key else None


def revoke_key(session: Session, key_id: int, *, actor: Actor | None = None) -> bool:
    """Revoke key ``key_id``; whether it was valid until now (``False``: unknown or revoked
    already)."""
    revoked = session.execute(
        update(HisCredential)
        .where(HisCredential.id == key_id, HisCredential.revoked_at.is_(None))
        .values(revoked_at=utcnow().replace(tzinfo=None))
        .returning(HisCredential.facility_code)
    ).first()
    if revoked is None:
        return False
    audit.record(
        session,
        actor=actor,
        action="revoke_his_key",
        purpose=Purpose.ADMINISTRATION,
        detail=f"khóa HIS số {key_id} của cơ sở {revoked.facility_code}",
    )
    return True


@dataclass(frozen=True, slots=True)
class KeyListing:
    """A key as ``sokhoe his-key list`` shows it: never its secret, which is not kept."""

    id: int
    facility_code: str
    label: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


def list_keys(session: Session, facility_code: str | None = None) -> list[KeyListing]:
    """Every key issued (revoked ones too), of one facility or of all, oldest first."""
    query = select(
        HisCredential.id,
        HisCredential.facility_code,
        HisCredential.label,
        HisCredential.created_at,
        HisCredential.revoked_at,
    ).order_by(HisCredential.id)
    if facility_code is not None:
        query = query.where(HisCredential.facility_code == facility_code)
    return [KeyListing(*row) for row in session.execute(query)]
