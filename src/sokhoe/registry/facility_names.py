"""Facility names kept in memory for a few minutes, per database.

Every card check shows the name of the card's registered facility; reading it from the
database each time is one more round trip on reception's busiest path, for a few hundred
names that change only when the register is loaded. A name is read once and kept
:data:`KEEP_SECONDS`; so is a code the register does not know, and a facility added by a
load or renamed shows under its new name within that time.
"""

from __future__ import annotations

import threading
import time
import weakref

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from sokhoe.registry.models import Facility

KEEP_SECONDS = 300.0

_lock = threading.Lock()
#: One cache per engine (database): name and the monotonic time it was read, by code.
_caches: weakref.WeakKeyDictionary[Engine, dict[str, tuple[str | None, float]]] = (
    weakref.WeakKeyDictionary()
)


def facility_name(session: Session, code: str) -> str | None:
    """The name of facility ``code``, or ``None`` if the register does not know it (as for
    a card registered in another province, whose facilities this register does not hold)."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    now = time.monotonic()
    with _lock:
        cache = _caches.setdefault(engine, {})
        kept = cache.get(code)
    if kept is not None and now - kept[1] < KEEP_SECONDS:
        return kept[0]
    facility = session.get(Facility, code)
    name = facility.name if facility is not None else None
    with _lock:
        cache[code] = (name, now)
    return name
