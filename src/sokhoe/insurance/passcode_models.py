"""The wallet passcode of a citizen's account: six digits asked before a card is presented."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sokhoe.db import Base


class WalletPasscode(Base):
    __tablename__ = "wallet_passcode"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    #: Argon2id, like account passwords (``sokhoe.access.passwords``).
    passcode_hash: Mapped[str] = mapped_column(String(200))
    #: Wrong passcodes since the last right one.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    #: No attempt is checked before this instant (UTC, naive).
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
