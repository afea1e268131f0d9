"""The health book as reception reads it, through a consent or an emergency access (R7, R16).

:func:`~sokhoe.access.consent.care_access` decides and audits the read; this module then
takes the sections the citizen's own book is made of (:mod:`sokhoe.records.book`) and keeps
what the consent's scope allows:

- *summary*: personal information, vaccinations, the visits of the last
  :data:`SUMMARY_MONTHS` months and the upcoming appointments;
- *full*: everything, visits by pages like the citizen's book.

The sections are read by :mod:`sokhoe.records.book`'s own functions, never re-written
here, the first page included (:func:`~sokhoe.records.book.person_page`, past the book's
own guard).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from sokhoe.access import consent
from sokhoe.access.consent import CareAccess
from sokhoe.access.consent_models import ConsentScope
from sokhoe.access.scope import Actor
from sokhoe.records import book
from sokhoe.records.book import AppointmentLine, DoseLine, ReferralLine, VisitLine
from sokhoe.registry.models import Citizen

#: How far back a summary's visits go.
SUMMARY_MONTHS = 12


@dataclass(frozen=True)
class CareBook:
    access: CareAccess
    citizen: Citizen
    commune: str
    village: str | None
    visits: list[VisitLine]
    #: All visits (full scope) or those of the summary's months.
    visits_total: int
    visits_page: int
    vaccinations: list[DoseLine]
    #: Empty for a summary.
    referrals: list[ReferralLine]
    #: Only the upcoming ones for a summary.
    appointments: list[AppointmentLine]
    today: dt.date

    @property
    def visits_pages(self) -> int:
        return max(1, -(-self.visits_total // book.VISITS_PER_PAGE))


def read_care_book(
    session: Session,
    actor: Actor,
    *,
    consent_id: str,
    today: dt.date,
    visits_page: int = 1,
    now: dt.datetime | None = None,
) -> CareBook:
    """The book behind ``consent_id`` as reception at ``actor``'s facility may read it now
    (audited by :func:`~sokhoe.access.consent.care_access`, which raises
    :class:`~sokhoe.access.guard.AccessDenied` for an unknown, expired, revoked or other
    facility's consent). ``today`` is the day in Vietnam."""
    access = consent.care_access(session, actor, consent_id=consent_id, now=now)
    person_id = access.person_id
    citizen = session.get(Citizen, person_id)
    assert citizen is not None  # a consent's person is in the register (foreign key)
    person = book.person_page(session, citizen, today=today)
    full = access.scope is ConsentScope.FULL
    page = max(visits_page, 1)
    if full:
        visits = book.visit_lines(session, person_id, page)
        total = book.count_visits(session, person_id)
    else:
        page, visits = 1, _recent_visits(session, person_id, today)
        total = len(visits)
    appointments = book.appointment_lines(session, person_id, today)
    return CareBook(
        access=access,
        citizen=citizen,
        commune=person.commune,
        village=person.village,
        visits=visits,
        visits_total=total,
        visits_page=page,
        vaccinations=book.vaccination_lines(
            book.given_doses(session, person_id), birth=person.schedule_birth, today=today
        ),
        referrals=book.referral_lines(session, person_id) if full else [],
        appointments=appointments if full else [a for a in appointments if a.upcoming],
        today=today,
    )


def _recent_visits(session: Session, person_id: str, today: dt.date) -> list[VisitLine]:
    """The visits of the last :data:`SUMMARY_MONTHS` months, newest first: the book's pages
    are read until one reaches further back."""
    since = book.add_months(today, -SUMMARY_MONTHS)
    visits: list[VisitLine] = []
    page = 1
    while True:
        lines = book.visit_lines(session, person_id, page)
        recent = [v for v in lines if v.started_at.date() >= since]
        visits.extend(recent)
        if len(recent) < len(lines) or len(lines) < book.VISITS_PER_PAGE:
            return visits
        page += 1
