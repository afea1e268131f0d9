"""Faults injected into the hospital files, so ingest has records to report, with the truth.

Real exports carry the odd impossible date and diagnosis codes that are not ICD-10; ingest
must report such records by ``MA_LK`` and field and store the rest. Wrong dates go only into
QĐ 130 files: in FHIR a wrong date makes the whole bundle invalid, which is another test.
Rates are shares of visits, multiplied by ``--error-rate``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sokhoe.synth.sampling import Bools, Ints

RATES = {"his_wrong_date": 0.002, "his_unknown_icd": 0.002}
#: Codes that look like ICD-10 and are not (checked by the tests).
UNKNOWN_CODES = ("U99.9", "K99", "J99.9", "A00.5")
#: How a date is broken: day 00, or month 13.
WRONG_DAY, WRONG_MONTH = 0, 1
HEADER = (
    "kind",
    "format",
    "facility_code",
    "file",
    "key",
    "person_id",
    "field",
    "true_value",
    "injected_value",
)


@dataclass(frozen=True)
class Faults:
    """Per visit: how its start date is broken (-1: not) and which unknown code replaces
    its main diagnosis (-1: none)."""

    wrong_date: Ints
    unknown_icd: Ints


def draw(rng: np.random.Generator, qd130: Bools, multiplier: float) -> Faults:
    """``qd130`` marks the visits sent as QĐ 130 (the only ones whose dates may break)."""
    size = qd130.size
    u_date, u_code = rng.random(size), rng.random(size)
    how = rng.integers(0, 2, size)
    code = rng.integers(0, len(UNKNOWN_CODES), size)
    eligible = max(int(qd130.sum()), 1)
    date_p = RATES["his_wrong_date"] * multiplier * size / eligible
    wrong_date = np.where(qd130 & (u_date < date_p), how, -1)
    unknown = np.where(u_code < RATES["his_unknown_icd"] * multiplier, code, -1)
    return Faults(wrong_date.astype(np.int64), unknown.astype(np.int64))


def broken_stamp(stamp: str, how: int) -> str:
    """``yyyymmddHHMM`` with day 00 or month 13: a date no calendar has."""
    if how == WRONG_DAY:
        return stamp[:6] + "00" + stamp[8:]
    return stamp[:4] + "13" + stamp[6:]
