"""The hash-chained, append-only audit log of every read, change or refusal of personal data.

Each entry's ``entry_hash`` is SHA-256 over the previous entry's hash and the canonical JSON
of all its other columns, ``seq`` included. Editing an entry changes its hash; removing one
leaves a gap in ``seq`` and a broken link; moving content between entries breaks both. The
database refuses UPDATE, DELETE and TRUNCATE on the table (migration 0002), so tampering
needs superuser rights *and* still shows in :func:`verify`.

What the chain cannot show on its own is the removal of the newest entries: compare the
head (:func:`head`) with a copy kept elsewhere, e.g. printed in the monthly report.

Appending in order. The new entry's ``seq`` and ``prev_hash`` come from the current tail, so
two transactions must not read the same tail. :func:`record` first takes a lock held until
the caller's transaction ends:

- PostgreSQL: ``pg_advisory_xact_lock`` on a constant key; run at READ COMMITTED (the
  default), the tail read after the lock is the latest committed one.
- SQLite: a no-op write on ``audit_entry``, which takes SQLite's single write lock for the
  rest of the transaction. This serialises writers across threads *and* processes (the web
  server and the command line on one file), where a process-level ``threading.Lock``
  would not, and cannot deadlock against a transaction that already writes.

Were the lock ever bypassed, the primary key on ``seq`` and the unique ``entry_hash`` make
the second writer fail rather than fork the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Row, select, text
from sqlalchemy.orm import Session

from sokhoe.access.clock import as_utc, utcnow
from sokhoe.access.models import AuditEntry
from sokhoe.access.purposes import parse_purpose
from sokhoe.access.scope import Actor

GENESIS_HASH = "0" * 64

#: Key of the PostgreSQL advisory lock that serialises appends ("SoKhoe" in ASCII).
_ADVISORY_LOCK_KEY = 0x536F4B686F65

#: Recorded as ``actor_role`` when no account acts: the command line, or a sign-in attempt
#: for a username that does not exist.
NO_ACTOR_ROLE = "none"

_VERIFY_BATCH = 5_000
_ACTION_MAX_LENGTH = 40  # audit_entry.action is VARCHAR(40)

_HASHED_COLUMNS = (
    "seq",
    "at",
    "actor_user_id",
    "actor_role",
    "action",
    "outcome",
    "subject_person_id",
    "purpose",
    "remote_addr",
    "detail",
)


class Outcome(StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    #: Entries found intact (all of them when ``ok``; those before the first bad one if not).
    checked: int
    first_bad_seq: int | None
    reason: str


def _canonical_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return as_utc(value).isoformat(timespec="microseconds")
    return value


def entry_hash(prev_hash: str, columns: Mapping[Any, Any]) -> str:
    """SHA-256 of ``prev_hash`` followed by the canonical JSON of the hashed ``columns``.

    Canonical: keys sorted, no whitespace, UTF-8, datetimes as UTC ISO 8601 with
    microseconds, so the hash of a row read back equals the hash of the row written, on
    either backend.
    """
    canonical = json.dumps(
        {name: _canonical_value(columns[name]) for name in _HASHED_COLUMNS},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _lock_tail(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
    else:
        session.execute(text("UPDATE audit_entry SET seq = seq WHERE 0"))


def head(session: Session) -> tuple[int, str]:
    """``(seq, entry_hash)`` of the newest entry; ``(0, GENESIS_HASH)`` for an empty log."""
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    if last is None:
        return 0, GENESIS_HASH
    return last.seq, last.entry_hash


def record(
    session: Session,
    *,
    actor: Actor | None,
    action: str,
    outcome: str = Outcome.ALLOWED,
    subject_person_id: str | None = None,
    purpose: str,
    detail: str = "",
    remote_addr: str | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (flushed, not committed).

    ``remote_addr`` defaults to the actor's; give it when there is no actor (a sign-in
    attempt for an unknown username). Raises ``ValueError`` for an unknown purpose or
    outcome, or an empty or over-long action.
    """
    if not 0 < len(action) <= _ACTION_MAX_LENGTH:
        raise ValueError(f"action must be 1–{_ACTION_MAX_LENGTH} characters, got {action!r}")
    if remote_addr is None and actor is not None:
        remote_addr = actor.remote_addr
    columns: dict[str, Any] = {
        "at": utcnow(),
        "actor_user_id": actor.user_id if actor else None,
        "actor_role": actor.role.value if actor else NO_ACTOR_ROLE,
        "action": action,
        "outcome": Outcome(outcome).value,
        "subject_person_id": subject_person_id,
        "purpose": parse_purpose(purpose).value,
        "remote_addr": remote_addr,
        "detail": detail,
    }
    _lock_tail(session)
    last_seq, prev_hash = head(session)
    columns["seq"] = last_seq + 1
    entry = AuditEntry(**columns, prev_hash=prev_hash, entry_hash=entry_hash(prev_hash, columns))
    session.add(entry)
    session.flush()
    return entry


def _batches(session: Session, size: int) -> Iterator[Sequence[Row[Any]]]:
    """All entries in ``seq`` order, ``size`` rows per query (keyset pagination).

    Plain rows rather than ORM objects, so a province's millions of entries pass through in
    constant memory and never fill the session's identity map.
    """
    columns = [
        AuditEntry.__table__.c[name] for name in (*_HASHED_COLUMNS, "prev_hash", "entry_hash")
    ]
    after = 0
    while True:
        rows = session.execute(
            select(*columns).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(size)
        ).all()
        if not rows:
            return
        yield rows
        after = rows[-1].seq


def verify(session: Session, *, batch_size: int = _VERIFY_BATCH) -> ChainReport:
    """Walk the whole chain and report the first entry that is missing, unlinked or altered."""
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    for rows in _batches(session, batch_size):
        for row in rows:
            if row.seq != expected_seq:
                return ChainReport(False, checked, expected_seq, f"thiếu bản ghi số {expected_seq}")
            if row.prev_hash != prev_hash:
                return ChainReport(False, checked, row.seq, "liên kết với bản ghi trước bị đứt")
            if entry_hash(prev_hash, row._mapping) != row.entry_hash:
                return ChainReport(False, checked, row.seq, "nội dung bản ghi đã bị sửa")
            expected_seq, prev_hash, checked = row.seq + 1, row.entry_hash, checked + 1
    return ChainReport(True, checked, None, "")


def for_subject(session: Session, person_id: str, limit: int = 50) -> list[AuditEntry]:
    """The newest entries about one person, for "who viewed my data" (newest first)."""
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.subject_person_id == person_id)
            .order_by(AuditEntry.seq.desc())
            .limit(limit)
        )
    )
