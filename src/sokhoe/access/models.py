"""Tables of the access context: users with their role and scope, web sessions, audit log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from sokhoe.db import Base


class User(Base):
    """An account. Which of the scope columns matter depends on ``role`` (see ``roles.py``)."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    #: Argon2id hash, or NULL for accounts that only sign in through an external identity.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(24))
    province_code: Mapped[int | None] = mapped_column(ForeignKey("province.code"))
    commune_code: Mapped[int | None] = mapped_column(ForeignKey("commune.code"))
    facility_code: Mapped[str | None] = mapped_column(ForeignKey("facility.code"))
    #: For a citizen account: the person it belongs to.
    person_id: Mapped[str | None] = mapped_column(String(12), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Consecutive failed sign-ins, each within ``login_failure_window_seconds`` of the last.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class UserVillage(Base):
    """The villages a guidance-team member works in."""

    __tablename__ = "user_village"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), primary_key=True)


class WebSession(Base):
    """A signed-in browser. Only the SHA-256 of the cookie's token is stored."""

    __tablename__ = "web_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """One append-only, hash-chained record of a read, change or refusal of personal data.

    Written with the read it records (``id`` in the order written); sealed into the chain
    just after its transaction commits (``access.audit.seal``): ``seq``, ``prev_hash`` and
    ``entry_hash`` = SHA-256 over ``prev_hash`` and the canonical form of every other column
    but ``id``, so an edited, removed or reordered entry breaks the chain.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_subject", "subject_person_id"),
        Index(
            "ix_audit_entry_unsealed",
            "id",
            postgresql_where=text("seq IS NULL"),
            sqlite_where=text("seq IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    #: ``None`` until sealed.
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    actor_role: Mapped[str] = mapped_column(String(24))
    action: Mapped[str] = mapped_column(String(40))
    #: "allowed" or "denied".
    outcome: Mapped[str] = mapped_column(String(10))
    subject_person_id: Mapped[str | None] = mapped_column(String(12))
    purpose: Mapped[str] = mapped_column(String(40))
    remote_addr: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    entry_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
