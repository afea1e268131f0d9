"""The citizen's health book (Sổ sức khỏe điện tử, R3–R5): his register entry, his visits
with their diagnoses named in Vietnamese, his vaccinations against the national schedule,
his referral letters and re-exam appointments.

Only the person himself, or his parent or guardian while he is a child under 14, reads it:
the registry's guard decides and writes one audit entry (action :data:`READ_BOOK`, which
"who viewed my book" lists) before anything else is read. Anyone else, and an unknown ID,
get the same :class:`~sokhoe.access.guard.AccessDenied`.

A person may have hundreds of visits, so the book holds one page of them, newest first:
one range of the ``(person_id, started_at)`` index and a count. Each section is one query;
facility names come from the registry's short-lived cache, not a join per row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from sokhoe.access.consent import READ_BOOK
from sokhoe.access.purposes import Purpose
from sokhoe.access.scope import Actor
from sokhoe.records import icd10
from sokhoe.records.models import Appointment, Immunization, Referral, Visit
from sokhoe.records.vaccines import SCHEDULE, VACCINES, ScheduledDose
from sokhoe.registry import service as registry_service
from sokhoe.registry.facility_names import facility_name
from sokhoe.registry.models import Citizen

#: Visits per page of the book.
VISITS_PER_PAGE = 20
#: Referral letters and appointments shown (the upcoming ones and the latest past ones).
LETTERS_SHOWN = 50

#: ``MA_LOAI_KCB`` of QĐ 130: the kind of visit.
VISIT_TYPES: dict[str, str] = {
    "01": "Khám bệnh",
    "02": "Điều trị ngoại trú",
    "03": "Điều trị nội trú",
    "04": "Điều trị nội trú ban ngày",
    "05": "Điều trị ngoại trú bệnh mạn tính, có khám và lĩnh thuốc",
    "06": "Điều trị lưu tại trạm y tế xã, phòng khám đa khoa khu vực",
    "07": "Nhận thuốc theo hẹn",
    "08": "Điều trị ngoại trú bệnh mạn tính, có dịch vụ kỹ thuật hoặc thuốc",
    "09": "Điều trị nội trú dưới 4 giờ",
    "10": "Khác",
}

#: ``KET_QUA_DTRI`` of QĐ 130: how the visit ended.
OUTCOMES: dict[str, str] = {
    "1": "Khỏi",
    "2": "Đỡ",
    "3": "Không thay đổi",
    "4": "Nặng hơn",
    "5": "Tử vong",
    "6": "Tiên lượng nặng xin về",
    "7": "Chưa xác định",
}


class DoseStatus(StrEnum):
    DONE = "done"
    #: Due now, within the schedule's grace.
    DUE = "due"
    OVERDUE = "overdue"
    UPCOMING = "upcoming"


@dataclass(frozen=True)
class Person:
    """The book's first page, from the population register."""

    person_id: str
    full_name: str
    birth_date: dt.date | None
    birth_precision: str
    sex: str | None
    commune: str
    village: str | None
    #: Under 14: the vaccination schedule applies, and a guardian may read the book.
    child: bool

    @property
    def schedule_birth(self) -> dt.date | None:
        """The birth day the vaccination schedule counts from: a child's, known to the day."""
        return self.birth_date if self.child and self.birth_precision == "day" else None


@dataclass(frozen=True)
class Diagnosis:
    code: str
    name: str


@dataclass(frozen=True)
class VisitLine:
    facility: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    visit_type: str | None
    main_diagnosis: Diagnosis | None
    other_diagnoses: tuple[Diagnosis, ...]
    outcome: str | None
    re_exam_on: dt.date | None


@dataclass(frozen=True)
class DoseLine:
    vaccine: str
    vaccine_name: str
    dose_number: int | None
    status: DoseStatus
    #: When the schedule wants the dose (``None`` for a dose outside the schedule).
    due_on: dt.date | None
    given_on: dt.date | None = None
    facility: str | None = None


@dataclass(frozen=True)
class ReferralLine:
    referred_on: dt.date
    facility: str
    number: str | None
    to_facility: str | None
    diagnosis: Diagnosis | None
    reason: str | None


@dataclass(frozen=True)
class AppointmentLine:
    on: dt.date
    facility: str
    number: str | None
    diagnosis: Diagnosis | None
    upcoming: bool


@dataclass(frozen=True)
class Book:
    person: Person
    today: dt.date
    #: One page of visits, newest first.
    visits: list[VisitLine]
    visits_total: int
    visits_page: int
    #: The schedule's doses in order for a child, then doses given outside it.
    vaccinations: list[DoseLine]
    #: Whether ``vaccinations`` follows the schedule (a child of known birth day).
    on_schedule: bool
    referrals: list[ReferralLine]
    #: Upcoming first (soonest first), then past ones (latest first).
    appointments: list[AppointmentLine]

    @property
    def visits_pages(self) -> int:
        return max(1, -(-self.visits_total // VISITS_PER_PAGE))


def read_book(
    session: Session, actor: Actor, person_id: str, *, today: dt.date, visits_page: int = 1
) -> Book:
    """The health book of ``person_id`` as ``actor`` may read it (audited, one entry).

    ``today`` is the day in Vietnam: it decides whether a guardian's ward is still a child,
    each dose's status and which appointments are upcoming. ``visits_page`` counts from 1;
    a page past the last is empty. Raises :class:`~sokhoe.access.guard.AccessDenied`.
    """
    person = book_person(session, actor, person_id, today=today, action=READ_BOOK)
    page = max(visits_page, 1)
    return Book(
        person=person,
        today=today,
        visits=visit_lines(session, person_id, page),
        visits_total=count_visits(session, person_id),
        visits_page=page,
        vaccinations=vaccination_lines(
            given_doses(session, person_id), birth=person.schedule_birth, today=today
        ),
        on_schedule=person.schedule_birth is not None,
        referrals=referral_lines(session, person_id),
        appointments=appointment_lines(session, person_id, today),
    )


def book_person(
    session: Session, actor: Actor, person_id: str, *, today: dt.date, action: str
) -> Person:
    """The book's first page, once the guard let ``actor`` read the book of ``person_id``:
    the person himself, or his guardian while he is a child under 14 on ``today`` (one audit
    entry of ``action``). Raises :class:`~sokhoe.access.guard.AccessDenied`."""
    purpose = Purpose.SELF_SERVICE if person_id == actor.person_id else Purpose.GUARDIAN
    citizen = registry_service.authorize_person_read(
        session,
        actor,
        person_id=person_id,
        purpose=purpose,
        action=action,
        guardians_of_children_on=today,
    )
    return person_page(session, citizen, today=today)


def person_page(session: Session, citizen: Citizen, *, today: dt.date) -> Person:
    """The book's first page of ``citizen``, read already by a guard that allowed it."""
    commune = registry_service.get_commune(session, citizen.commune_code)
    return Person(
        person_id=citizen.person_id,
        full_name=citizen.full_name,
        birth_date=citizen.birth_date,
        birth_precision=citizen.birth_precision,
        sex=citizen.sex,
        commune=commune.name if commune else "",
        village=registry_service.village_name(session, citizen.village_id),
        child=registry_service.is_child(citizen.birth_date, registry_service.child_cutoff(today)),
    )


@dataclass(frozen=True)
class GivenDose:
    """A dose as recorded, for :func:`vaccination_lines`."""

    vaccine: str
    dose_number: int | None
    given_on: dt.date
    facility: str


def vaccination_lines(
    given: Iterable[GivenDose], *, birth: dt.date | None, today: dt.date
) -> list[DoseLine]:
    """Each dose of the schedule as done, due, overdue or upcoming for a child born on
    ``birth``, then the recorded doses the schedule has no place for; with no ``birth`` (an
    adult, an unknown birth day) only the recorded doses, in the order given.

    A recorded dose takes the scheduled dose of its number; doses without a number fill the
    vaccine's remaining scheduled doses in date order.
    """
    if birth is None:
        return [_done(dose, None, None) for dose in given]
    remaining: dict[str, list[GivenDose]] = defaultdict(list)
    for dose in sorted(given, key=lambda d: d.given_on):
        remaining[dose.vaccine].append(dose)
    lines: list[DoseLine] = []
    for scheduled in SCHEDULE:
        due_on = add_months(birth, scheduled.due_month)
        match = _take(remaining[scheduled.vaccine], scheduled)
        if match is not None:
            lines.append(_done(match, scheduled.dose_number, due_on))
        else:
            lines.append(_pending(scheduled, due_on, birth, today))
    extra = sorted((d for doses in remaining.values() for d in doses), key=lambda d: d.given_on)
    return lines + [_done(dose, dose.dose_number, None) for dose in extra]


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved ``months`` later, kept within the month (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return dt.date(year, month, min(day.day, (following - dt.timedelta(days=1)).day))


def _take(doses: list[GivenDose], scheduled: ScheduledDose) -> GivenDose | None:
    """The recorded dose for ``scheduled`` (removed from ``doses``), or ``None``."""
    numbered = [d for d in doses if d.dose_number == scheduled.dose_number]
    candidates = numbered or [d for d in doses if d.dose_number is None]
    if not candidates:
        return None
    doses.remove(candidates[0])
    return candidates[0]


def _done(dose: GivenDose, dose_number: int | None, due_on: dt.date | None) -> DoseLine:
    return DoseLine(
        vaccine=dose.vaccine,
        vaccine_name=VACCINES.get(dose.vaccine, dose.vaccine),
        dose_number=dose_number if dose_number is not None else dose.dose_number,
        status=DoseStatus.DONE,
        due_on=due_on,
        given_on=dose.given_on,
        facility=dose.facility,
    )


def _pending(scheduled: ScheduledDose, due_on: dt.date, birth: dt.date, today: dt.date) -> DoseLine:
    late_after = add_months(birth, scheduled.due_month + scheduled.grace_months)
    if today < due_on:
        status = DoseStatus.UPCOMING
    elif today > late_after:
        status = DoseStatus.OVERDUE
    else:
        status = DoseStatus.DUE
    return DoseLine(
        vaccine=scheduled.vaccine,
        vaccine_name=VACCINES[scheduled.vaccine],
        dose_number=scheduled.dose_number,
        status=status,
        due_on=due_on,
    )


def _diagnosis(code: str | None) -> Diagnosis | None:
    return Diagnosis(code, icd10.name(code)) if code else None


def _diagnoses(codes: str) -> tuple[Diagnosis, ...]:
    return tuple(Diagnosis(c, icd10.name(c)) for c in split_codes(codes))


def split_codes(codes: str) -> tuple[str, ...]:
    """A visit's other diagnoses as stored (``E11.9;K29.7``) as codes."""
    return tuple(c for c in (part.strip() for part in codes.split(";")) if c)


def _facility(session: Session, code: str) -> str:
    return facility_name(session, code) or code


def visit_lines(session: Session, person_id: str, page: int) -> list[VisitLine]:
    rows = session.execute(
        select(
            Visit.facility_code,
            Visit.started_at,
            Visit.ended_at,
            Visit.visit_type,
            Visit.main_diagnosis,
            Visit.other_diagnoses,
            Visit.outcome,
            Visit.re_exam_on,
        )
        .where(Visit.person_id == person_id)
        .order_by(Visit.started_at.desc(), Visit.id.desc())
        .limit(VISITS_PER_PAGE)
        .offset((page - 1) * VISITS_PER_PAGE)
    )
    return [
        VisitLine(
            facility=_facility(session, row.facility_code),
            started_at=row.started_at,
            ended_at=row.ended_at,
            visit_type=VISIT_TYPES.get(row.visit_type or "", row.visit_type),
            main_diagnosis=_diagnosis(row.main_diagnosis),
            other_diagnoses=_diagnoses(row.other_diagnoses),
            outcome=OUTCOMES.get(row.outcome or "", row.outcome),
            re_exam_on=row.re_exam_on,
        )
        for row in rows
    ]


def count_visits(session: Session, person_id: str) -> int:
    count = session.scalar(select(func.count()).where(Visit.person_id == person_id))
    return int(count or 0)


def given_doses(session: Session, person_id: str) -> list[GivenDose]:
    rows = session.execute(
        select(
            Immunization.vaccine,
            Immunization.dose_number,
            Immunization.given_on,
            Immunization.facility_code,
        )
        .where(Immunization.person_id == person_id)
        .order_by(Immunization.given_on, Immunization.id)
    )
    return [
        GivenDose(row.vaccine, row.dose_number, row.given_on, _facility(session, row.facility_code))
        for row in rows
    ]


def referral_lines(session: Session, person_id: str) -> list[ReferralLine]:
    rows = session.scalars(
        select(Referral)
        .where(Referral.person_id == person_id)
        .order_by(Referral.referred_on.desc(), Referral.id.desc())
        .limit(LETTERS_SHOWN)
    )
    return [
        ReferralLine(
            referred_on=row.referred_on,
            facility=_facility(session, row.facility_code),
            number=row.number,
            to_facility=_facility(session, row.to_facility) if row.to_facility else None,
            diagnosis=_named(row.diagnosis, row.diagnosis_text),
            reason=row.reason,
        )
        for row in rows
    ]


def appointment_lines(session: Session, person_id: str, today: dt.date) -> list[AppointmentLine]:
    past = Appointment.on_date < today
    rows = session.scalars(
        select(Appointment)
        .where(Appointment.person_id == person_id)
        .order_by(
            case((past, 1), else_=0),
            case((past, None), else_=Appointment.on_date).asc(),
            Appointment.on_date.desc(),
            Appointment.id.desc(),
        )
        .limit(LETTERS_SHOWN)
    )
    return [
        AppointmentLine(
            on=row.on_date,
            facility=_facility(session, row.facility_code),
            number=row.number,
            diagnosis=_named(row.diagnosis, row.diagnosis_text),
            upcoming=row.on_date >= today,
        )
        for row in rows
    ]


def _named(code: str | None, text: str | None) -> Diagnosis | None:
    """A letter's diagnosis: its code named in Vietnamese, else the text the facility wrote."""
    if code:
        return Diagnosis(code, icd10.name(code))
    return Diagnosis("", text) if text else None
