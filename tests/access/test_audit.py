"""The audit chain: it grows and verifies, the database refuses edits, and tampering shows."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from itertools import pairwise

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from sokhoe.access import audit
from sokhoe.access.audit_sealer import AuditSealer
from sokhoe.access.models import AuditEntry
from sokhoe.access.purposes import Purpose, UnknownPurpose
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.db import is_postgres
from tests.access.conftest import NHA_TRANG, Place, make_actor

_CONTENT = (
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


def _fill(session: Session, actor: Actor | None, count: int) -> None:
    for n in range(count):
        audit.record(
            session,
            actor=actor,
            action="view_book",
            subject_person_id=f"0560900000{n:02d}",
            purpose=Purpose.CAMPAIGN_WORKLIST,
            detail=f"lần {n}",
        )
    session.commit()
    audit.seal(session)
    session.commit()


def _as_attacker(engine: Engine, tamper: Callable[[Connection], object]) -> None:
    """Change the log as a database superuser would: switch the append-only triggers off."""
    with engine.begin() as conn:
        if is_postgres(engine):
            conn.exec_driver_sql("ALTER TABLE audit_entry DISABLE TRIGGER ALL")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_entry_seal_only")
            conn.exec_driver_sql("DROP TRIGGER audit_entry_no_delete")
        tamper(conn)


def test_an_empty_log_verifies(session: Session) -> None:
    assert audit.verify(session) == audit.ChainReport(True, 0, None, "")


def test_the_chain_grows_from_genesis_and_verifies(session: Session) -> None:
    _fill(session, None, 5)
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == audit.GENESIS_HASH
    assert all(b.prev_hash == a.entry_hash for a, b in pairwise(entries))
    assert audit.head(session) == (5, entries[-1].entry_hash)
    report = audit.verify(session, batch_size=2)  # several batches, as with millions of rows
    assert report.ok and report.checked == 5


def test_an_entry_records_who_why_and_from_where(session: Session, place: Place) -> None:
    officer = make_actor(session, "can.bo", role=Role.COMMUNE_OFFICER, commune_code=NHA_TRANG)
    entry = audit.record(
        session,
        actor=officer,
        action="view_book",
        subject_person_id=place.parent,
        purpose="campaign_worklist",
    )
    assert (entry.actor_user_id, entry.actor_role, entry.remote_addr) == (
        officer.user_id,
        "commune_officer",
        "203.0.113.7",
    )
    assert entry.outcome == "allowed"
    anonymous = audit.record(
        session,
        actor=None,
        action="login",
        outcome="denied",
        purpose="authentication",
        remote_addr="198.51.100.1",
    )
    assert (anonymous.actor_role, anonymous.remote_addr) == (audit.NO_ACTOR_ROLE, "198.51.100.1")


def test_record_rejects_an_unknown_purpose_outcome_or_action(session: Session) -> None:
    with pytest.raises(UnknownPurpose):
        audit.record(session, actor=None, action="view_book", purpose="curiosity")
    with pytest.raises(ValueError):
        audit.record(session, actor=None, action="view_book", outcome="maybe", purpose="care")
    with pytest.raises(ValueError):
        audit.record(session, actor=None, action="", purpose="care")
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_for_subject_lists_a_persons_entries_newest_first(session: Session) -> None:
    _fill(session, None, 3)
    audit.record(
        session, actor=None, action="print_card", subject_person_id="056090000001", purpose="care"
    )
    found = audit.for_subject(session, "056090000001", limit=10)
    assert [e.action for e in found] == ["print_card", "view_book"]
    assert audit.for_subject(session, "056090000001", limit=1)[0].action == "print_card"


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_entry SET detail = 'x'", "DELETE FROM audit_entry"]
)
def test_the_database_refuses_to_change_or_remove_entries(
    engine: Engine, session: Session, statement: str
) -> None:
    _fill(session, None, 2)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.exec_driver_sql(statement)
    assert audit.verify(session).checked == 2


def test_postgres_refuses_truncate(engine: Engine, session: Session) -> None:
    if not is_postgres(engine):
        pytest.skip("SQLite has no TRUNCATE")
    _fill(session, None, 1)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE audit_entry")


def test_an_edited_entry_is_found(engine: Engine, session: Session) -> None:
    _fill(session, None, 5)
    _as_attacker(
        engine,
        lambda c: c.execute(
            text("UPDATE audit_entry SET subject_person_id = '056999999999' WHERE seq = 3")
        ),
    )
    report = audit.verify(session)
    assert (report.ok, report.first_bad_seq, report.checked) == (False, 3, 2)
    assert "sửa" in report.reason


def test_an_edit_with_its_hash_recomputed_breaks_the_next_link(
    engine: Engine, session: Session
) -> None:
    _fill(session, None, 5)
    row = session.execute(select(AuditEntry.__table__).where(AuditEntry.seq == 3)).one()
    forged = {**row._mapping, "detail": "không có gì"}
    new_hash = audit.entry_hash(row.prev_hash, forged)
    _as_attacker(
        engine,
        lambda c: c.execute(
            text("UPDATE audit_entry SET detail = :d, entry_hash = :h WHERE seq = 3"),
            {"d": forged["detail"], "h": new_hash},
        ),
    )
    report = audit.verify(session)
    assert (report.ok, report.first_bad_seq) == (False, 4)
    assert "liên kết" in report.reason


def test_a_removed_entry_is_found(engine: Engine, session: Session) -> None:
    _fill(session, None, 5)
    _as_attacker(engine, lambda c: c.execute(text("DELETE FROM audit_entry WHERE seq = 2")))
    report = audit.verify(session)
    assert (report.ok, report.first_bad_seq, report.checked) == (False, 2, 1)
    assert "thiếu" in report.reason


def test_a_removed_first_entry_is_found(engine: Engine, session: Session) -> None:
    _fill(session, None, 3)
    _as_attacker(engine, lambda c: c.execute(text("DELETE FROM audit_entry WHERE seq = 1")))
    assert audit.verify(session).first_bad_seq == 1


def test_swapped_content_of_two_entries_is_found(engine: Engine, session: Session) -> None:
    _fill(session, None, 5)
    rows = {r.seq: r._mapping for r in session.execute(select(AuditEntry.__table__))}

    def swap(conn: Connection) -> None:
        assignments = ", ".join(f"{c} = :{c}" for c in _CONTENT)
        for seq, other in ((2, 4), (4, 2)):
            conn.execute(
                text(f"UPDATE audit_entry SET {assignments} WHERE seq = :seq"),
                {**{c: rows[other][c] for c in _CONTENT}, "seq": seq},
            )

    _as_attacker(engine, swap)
    report = audit.verify(session)
    assert (report.ok, report.first_bad_seq) == (False, 2)


def test_reordered_entries_are_found(engine: Engine, session: Session) -> None:
    _fill(session, None, 5)

    def reorder(conn: Connection) -> None:
        for old, new in ((2, -2), (4, 2), (-2, 4)):
            conn.execute(
                text("UPDATE audit_entry SET seq = :new WHERE seq = :old"), {"old": old, "new": new}
            )

    _as_attacker(engine, reorder)
    report = audit.verify(session)
    assert (report.ok, report.first_bad_seq) == (False, 2)


def test_concurrent_writers_append_one_unbroken_chain(engine: Engine) -> None:
    """Four threads, each with its own connection and transactions, never fork the chain."""
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                with Session(engine) as session:
                    audit.record(
                        session, actor=None, action="view_book", purpose="care", detail=f"{n}/{i}"
                    )
                    session.commit()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Session(engine) as session:
        assert audit.seal(session) == 40
        session.commit()
        report = audit.verify(session)
    assert report.ok and report.checked == 40


def test_an_entry_is_written_unsealed_and_sealed_in_the_order_written(
    engine: Engine, session: Session
) -> None:
    audit.record(session, actor=None, action="view_book", purpose="care", detail="trước")
    session.commit()
    audit.record(session, actor=None, action="view_book", purpose="care", detail="sau")
    session.commit()
    assert session.scalars(select(AuditEntry.seq)).all() == [None, None]
    assert audit.head(session) == (0, audit.GENESIS_HASH)
    assert audit.seal_all(sessionmaker(engine)) == 2
    session.expire_all()
    sealed = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.seq, e.detail) for e in sealed] == [(1, "trước"), (2, "sau")]
    assert audit.verify(session).checked == 2
    assert audit.seal_all(sessionmaker(engine)) == 0


def test_an_entry_committed_after_a_later_one_was_sealed_joins_the_chain(
    engine: Engine,
) -> None:
    """A long request writes its entry first and commits last: it is chained after."""
    if not is_postgres(engine):
        pytest.skip("SQLite has one writer at a time: the slow one is done first")
    slow = Session(engine)
    audit.record(slow, actor=None, action="view_book", purpose="care", detail="chậm")
    slow.flush()
    with Session(engine) as quick:
        audit.record(quick, actor=None, action="view_book", purpose="care", detail="nhanh")
        quick.commit()
        assert audit.seal_all(sessionmaker(engine)) == 1
    slow.commit()
    slow.close()
    audit.seal_all(sessionmaker(engine))
    with Session(engine) as session:
        assert audit.verify(session).checked == 2
        assert session.scalar(audit.unsealed_entries()) is None


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entry SET detail = 'x' WHERE seq IS NULL",
        "UPDATE audit_entry SET seq = 7, prev_hash = 'a', entry_hash = 'b', detail = 'x'",
        "UPDATE audit_entry SET seq = 9, prev_hash = 'a', entry_hash = 'b' WHERE seq IS NOT NULL",
    ],
    ids=["unsealed content", "sealing with other content", "sealing twice"],
)
def test_the_database_lets_an_update_only_seal_an_unsealed_entry(
    engine: Engine, session: Session, statement: str
) -> None:
    _fill(session, None, 1)
    audit.record(session, actor=None, action="view_book", purpose="care")
    session.commit()
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.exec_driver_sql(statement)
    assert audit.seal_all(sessionmaker(engine)) == 1
    assert audit.verify(session).checked == 2


def test_the_sealer_thread_chains_entries_a_moment_after_their_commit(engine: Engine) -> None:
    sealer = AuditSealer(sessionmaker(engine), interval=0.05)
    sealer.start()
    try:
        with Session(engine) as session:
            audit.record(session, actor=None, action="view_book", purpose="care")
            session.commit()
            deadline = time.monotonic() + 10
            while session.scalar(audit.unsealed_entries()) is not None:
                assert time.monotonic() < deadline, "not sealed within 10 s"
                time.sleep(0.05)
            assert audit.head(session)[0] == 1
            audit.record(session, actor=None, action="view_book", purpose="care")
            session.commit()
    finally:
        sealer.stop()
    with Session(engine) as session:  # stopping seals what is left
        assert audit.verify(session).checked == 2
