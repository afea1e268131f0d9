"""The web server's thread that seals committed audit entries into the chain, a moment
after their requests commit (:func:`sokhoe.access.audit.seal`).

Each server process runs one; several (uvicorn workers, the command line's
``sokhoe audit verify``) take turns on the chain's lock, and whichever comes first seals
what is waiting.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from sokhoe.access import audit

log = logging.getLogger(__name__)

#: How long a committed entry waits, at most, before it is chained.
INTERVAL_SECONDS = 0.25


class AuditSealer:
    def __init__(
        self, sessions: sessionmaker[Session], *, interval: float = INTERVAL_SECONDS
    ) -> None:
        self._sessions = sessions
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Starts the thread (again, after :meth:`stop`: an app may be started twice)."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="audit-sealer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stops the thread after a last pass, so that nothing written is left waiting."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            stopping = self._stop.is_set()
            try:
                if self._anything_waiting():
                    audit.seal_all(self._sessions)
            except Exception as exc:  # the database went away: try again at the next pass
                log.error("audit sealer: %s", type(exc).__name__)
            if stopping:
                return
            self._stop.wait(self._interval)

    def _anything_waiting(self) -> bool:
        """One read on the index of unsealed entries; no lock taken while nothing waits."""
        with self._sessions() as session:
            return session.scalar(audit.unsealed_entries().limit(1)) is not None
