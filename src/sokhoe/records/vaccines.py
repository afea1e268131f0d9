"""The national expanded programme on immunization (TCMR) core schedule the book shows a
child against: each dose with the age it is due at, in months, and how late it may be
before it counts as overdue.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Vaccine code → Vietnamese name as health workers write it.
VACCINES: dict[str, str] = {
    "BCG": "Lao (BCG)",
    "HEPB": "Viêm gan B",
    "DTAP_HEPB_HIB": "Bạch hầu – Ho gà – Uốn ván – Viêm gan B – Hib (5 trong 1)",
    "OPV": "Bại liệt uống (OPV)",
    "IPV": "Bại liệt tiêm (IPV)",
    "MEASLES": "Sởi",
    "DTP": "Bạch hầu – Ho gà – Uốn ván (DPT)",
    "MR": "Sởi – Rubella (MR)",
    "JE": "Viêm não Nhật Bản",
}


@dataclass(frozen=True, slots=True)
class ScheduledDose:
    vaccine: str
    dose_number: int
    #: Age the dose is due at, in months (0: at birth).
    due_month: int
    #: Months after ``due_month`` before the dose is overdue.
    grace_months: int = 1


SCHEDULE: tuple[ScheduledDose, ...] = (
    ScheduledDose("BCG", 1, 0),
    ScheduledDose("HEPB", 1, 0, grace_months=0),  # within 24 hours of birth
    ScheduledDose("DTAP_HEPB_HIB", 1, 2),
    ScheduledDose("OPV", 1, 2),
    ScheduledDose("DTAP_HEPB_HIB", 2, 3),
    ScheduledDose("OPV", 2, 3),
    ScheduledDose("DTAP_HEPB_HIB", 3, 4),
    ScheduledDose("OPV", 3, 4),
    ScheduledDose("IPV", 1, 5),
    ScheduledDose("MEASLES", 1, 9),
    ScheduledDose("IPV", 2, 9),
    ScheduledDose("JE", 1, 12),
    ScheduledDose("JE", 2, 13),
    ScheduledDose("DTP", 1, 18),
    ScheduledDose("MR", 1, 18),
    ScheduledDose("JE", 3, 24),
)
