"""The hash-chained, append-only audit log of every read, change or refusal of personal data.

Each entry's ``entry_hash`` is SHA-256 over the previous entry's hash and the canonical JSON
of all its other columns, ``seq`` included. Editing an entry changes its hash; removing one
leaves a gap in ``seq`` and a broken link; moving content between entries breaks both. The
database refuses UPDATE, DELETE and TRUNCATE on the table (migration 0002), so tampering
needs superuser rights *and* still shows in :func:`verify`.

What the chain cannot show on its own is the removal of the newest entries: compare the
head (:func:`head`) with a copy kept elsewhere, e.g. printed in the monthly report.

Writing, then sealing. :func:`record` writes an entry in the caller's transaction, with
the read it records ("no audit, no answer"), and takes no lock: its ``id`` orders it, and
its ``seq``, ``prev_hash`` and ``entry_hash`` stay empty. :func:`seal` then chains the
committed entries in ``id`` order, a batch at a time — the web app's :class:`Sealer` a
moment after each commit, ``sokhoe audit verify`` before it checks. Were every request to
chain its own entry, it would hold the chain's lock until its commit and all of a
province's desks would wait in one queue. The database lets an UPDATE only seal an
unsealed entry without changing what it records (migration 0010).

Sealing in order. Each new ``seq`` and ``prev_hash`` come from the current tail, so two
sealers must not read the same tail; :func:`seal` first takes a lock held until its
transaction ends:

- PostgreSQL: ``pg_advisory_xact_lock`` on a constant key; run at READ COMMITTED (the
  default), the tail and the unsealed entries read after the lock are the latest committed.
- SQLite: a no-op write on ``audit_entry``, which takes SQLite's single write lock for the
  rest of the transaction, across threads *and* processes (the web server and the command
  line on one file).

Were the lock ever bypassed, the unique ``seq`` and ``entry_hash`` make the second sealer
fail rather than fork the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Row, Select, bindparam, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from sokhoe.access.clock import as_utc, utcnow
from sokhoe.access.models import AuditEntry
from sokhoe.access.purposes import parse_purpose
from sokhoe.access.scope import Actor
from sokhoe.db import unit_of_work

GENESIS_HASH = "0" * 64

_TABLE = AuditEntry.metadata.tables[AuditEntry.__tablename__]
_INSERT = insert(_TABLE)

#: Key of the PostgreSQL advisory lock that serialises appends ("SoKhoe" in ASCII).
_ADVISORY_LOCK_KEY = 0x536F4B686F65

#: Recorded as ``actor_role`` when no account acts: the command line, or a sign-in attempt
#: for a username that does not exist.
NO_ACTOR_ROLE = "none"

_VERIFY_BATCH = 5_000
_SEAL_BATCH = 5_000
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
    """``(seq, entry_hash)`` of the newest sealed entry; ``(0, GENESIS_HASH)`` before any."""
    last = session.execute(
        select(_TABLE.c.seq, _TABLE.c.entry_hash)
        .where(_TABLE.c.seq.is_not(None))
        .order_by(_TABLE.c.seq.desc())
        .limit(1)
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
    """Write one entry in the caller's transaction (not committed; :func:`seal` chains it
    once committed); the entry returned is a copy of the row, not attached to ``session``.

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
    # A plain INSERT, not the ORM's unit of work, and built once: this runs on every read of
    # personal data.
    session.connection().execute(_INSERT, columns)
    return AuditEntry(**columns)


def seal(session: Session, *, limit: int = _SEAL_BATCH) -> int:
    """Chain up to ``limit`` committed entries not sealed yet, oldest ``id`` first, in the
    caller's transaction (which holds the chain's lock until it ends); how many it sealed."""
    _lock_tail(session)
    last_seq, prev_hash = head(session)
    unsealed = session.execute(
        select(_TABLE.c.id, *(_TABLE.c[name] for name in _HASHED_COLUMNS if name != "seq"))
        .where(_TABLE.c.seq.is_(None))
        .order_by(_TABLE.c.id)
        .limit(limit)
    ).all()
    sealed = []
    for row in unsealed:
        last_seq += 1
        columns = {**row._mapping, "seq": last_seq}
        this_hash = entry_hash(prev_hash, columns)
        sealed.append({"row_id": row.id, "seq": last_seq, "prev": prev_hash, "hash": this_hash})
        prev_hash = this_hash
    if sealed:
        session.execute(
            update(_TABLE)
            .where(_TABLE.c.id == bindparam("row_id"))
            .values(
                seq=bindparam("seq"), prev_hash=bindparam("prev"), entry_hash=bindparam("hash")
            ),
            sealed,
        )
    return len(sealed)


def seal_all(sessions: sessionmaker[Session]) -> int:
    """Seal every committed entry waiting, one transaction per batch; how many."""
    total = 0
    while True:
        with unit_of_work(sessions) as session:
            count = seal(session)
        total += count
        if count < _SEAL_BATCH:
            return total


def unsealed_entries() -> Select[tuple[int]]:
    """The ids of entries written but not sealed yet, oldest first."""
    return select(_TABLE.c.id).where(_TABLE.c.seq.is_(None)).order_by(_TABLE.c.id)


def _batches(session: Session, size: int) -> Iterator[Sequence[Row[Any]]]:
    """All sealed entries in ``seq`` order, ``size`` rows per query (keyset pagination).

    Plain rows rather than ORM objects, so a province's millions of entries pass through in
    constant memory and never fill the session's identity map.
    """
    columns = [_TABLE.c[name] for name in (*_HASHED_COLUMNS, "prev_hash", "entry_hash")]
    after = 0
    while True:
        rows = session.execute(
            select(*columns).where(_TABLE.c.seq > after).order_by(_TABLE.c.seq).limit(size)
        ).all()
        if not rows:
            return
        yield rows
        after = rows[-1].seq


def verify(session: Session, *, batch_size: int = _VERIFY_BATCH) -> ChainReport:
    """Walk the whole chain and report the first entry that is missing, unlinked or altered
    (entries not sealed yet are not part of it: :func:`seal_all` first)."""
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
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
    )
