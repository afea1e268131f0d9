"""Visits, inpatient stays, referrals and re-exam appointments over the last two years.

Everyone gets a number of visits drawn by age (small children and the old see a doctor most),
spread over the window before the as-of date (never before birth). A visit happens at the
commune health station, the card's registered facility or a hospital; an inpatient stay
always at a hospital. Stations and regional hospitals refer a few patients up; many chronic
and post-discharge visits end with a re-exam date, some of them after the as-of date, so the
book has upcoming appointments. All drawn from the ``his_visits`` stream, vectorised.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace

import numpy as np
from numpy.typing import NDArray

from sokhoe.synth import dates, his_codes
from sokhoe.synth.cards import Cards
from sokhoe.synth.geography import Geography
from sokhoe.synth.population import Population
from sokhoe.synth.sampling import Bools, Ints, bernoulli, weighted

Minutes = NDArray[np.datetime64]
WINDOW_DAYS = 730
#: Visits per person and year: Vietnam's insured see a doctor about twice a year.
DEFAULT_RATE = 2.0
#: Relative visit rate by age (from age, factor): normalised so the mean is ``rate``.
_AGE_FACTOR = ((0, 2.4), (6, 0.9), (15, 0.6), (45, 1.0), (60, 1.7), (75, 2.2))
#: Where an outpatient goes: own commune's station, the card's facility, a hospital.
_PLACE_SHARES = (0.6, 0.25, 0.15)
_PROVINCIAL_SHARE = 0.4  # of hospital visits not at the registered facility
_REFERRAL_SHARE = {"tram_y_te": 0.03, "regional": 0.02}
_OUTCOMES_OUTPATIENT = (0.3, 0.55, 0.15)  # KET_QUA_DTRI 1 cured, 2 improved, 3 unchanged
_OUTCOMES_INPATIENT = (0.4, 0.5, 0.07, 0.03)  # … 4 worse
_LEAVE_AGAINST_ADVICE = 0.03  # MA_LOAI_RV 4: xin ra viện
_OPENING_MINUTE, _CLOSING_MINUTE = 7 * 60, 16 * 60 + 30


@dataclass(frozen=True)
class Visits:
    """One entry per visit, sorted by facility, month and start (the files' order)."""

    person: Ints
    facility: Ints
    start: Minutes
    end: Minutes
    inpatient: Bools
    main: Ints
    other_1: Ints
    other_2: Ints
    #: ``KET_QUA_DTRI`` (1–4) and ``MA_LOAI_RV`` (1 discharged, 2 referred, 4 on request).
    outcome: Ints
    discharge: Ints
    #: The facility a referral letter sends the patient to, -1 for none.
    referred_to: Ints
    #: Re-exam date, ``NaT`` for none.
    re_exam: dates.Days
    #: Months since 1970 of ``start``, and the visit's 1-based number in its facility-month.
    month: Ints
    number: Ints

    @property
    def size(self) -> int:
        return int(self.person.size)

    def take(self, rows: Ints) -> Visits:
        return Visits(*(getattr(self, f.name)[rows] for f in fields(self)))


def draw(
    rng: np.random.Generator,
    population: Population,
    geography: Geography,
    cards: Cards,
    as_of: dt.date,
    rate: float,
) -> Visits:
    """The visits of everyone in the ``WINDOW_DAYS`` before ``as_of``."""
    end_day = dates.day(as_of)
    first_day = np.maximum(population.birth, end_day - WINDOW_DAYS)
    exposure = (end_day - first_day).astype(np.int64) / 365.25
    factor = _by_age(population.age)
    scale = rate * exposure.sum() / max(float((factor * exposure).sum()), 1e-9)
    counts = rng.poisson(factor * exposure * scale)
    person = np.repeat(np.arange(population.size), counts)
    span = (end_day - first_day[person]).astype(np.int64)
    day = first_day[person] + np.floor(rng.random(person.size) * span).astype("timedelta64[D]")
    age = ((day - population.birth[person]).astype(np.int64) / 365.25).astype(np.int64)
    main = his_codes.main_diagnoses(rng, his_codes.age_group(age, population.female[person]))
    other_1, other_2 = his_codes.comorbidities(rng, age, main)
    inpatient = bernoulli(rng, his_codes.INPATIENT[main], person.size)
    card_facility = np.full(population.size, -1, dtype=np.int64)
    card_facility[cards.person] = cards.facility
    facility = _places(rng, geography, population.commune[person], card_facility[person])
    facility = np.where(inpatient, _hospital_for(rng, geography, card_facility[person]), facility)
    start, end = _times(rng, day, inpatient)
    referred_to = _referrals(rng, geography, facility, card_facility[person])
    outcome, discharge = _outcomes(rng, inpatient, referred_to >= 0)
    re_exam = _re_exams(rng, main, end, inpatient, referred_to >= 0)
    keep = end < np.datetime64(as_of, "m")  # patients still in hospital are not sent yet
    month = start.astype("datetime64[M]").astype(np.int64)
    order = np.lexsort((person, start, month, facility))
    order = order[keep[order]]
    visits = Visits(
        person, facility, start, end, inpatient, main, other_1, other_2, outcome, discharge,
        referred_to, re_exam, month, np.zeros(person.size, dtype=np.int64),
    )  # fmt: skip
    visits = visits.take(order)
    return replace(visits, number=numbers_within(visits.facility, visits.month))


def group_starts(*keys: Ints) -> Ints:
    """Where a run of equal keys begins (the keys must be sorted together)."""
    size = keys[0].size
    change = np.zeros(size, dtype=bool)
    if size:
        change[0] = True
        for key in keys:
            change[1:] |= key[1:] != key[:-1]
    return np.flatnonzero(change)


def numbers_within(*keys: Ints) -> Ints:
    """1, 2, 3… restarting wherever any key changes (the keys must be sorted)."""
    size = keys[0].size
    starts = group_starts(*keys)
    first = np.repeat(starts, np.diff(np.r_[starts, size]))
    numbers: Ints = np.arange(size) - first + 1
    return numbers


def _by_age(age: Ints) -> NDArray[np.float64]:
    bounds = np.array([low for low, _ in _AGE_FACTOR])
    values = np.array([factor for _, factor in _AGE_FACTOR])
    factor: NDArray[np.float64] = values[np.searchsorted(bounds, age, side="right") - 1]
    return factor


def _places(
    rng: np.random.Generator, geography: Geography, commune: Ints, card_facility: Ints
) -> Ints:
    choice = weighted(rng, _PLACE_SHARES, commune.size)
    station = geography.station[commune]
    registered = np.where(card_facility >= 0, card_facility, station)
    hospital = _hospital_for(rng, geography, np.full(commune.size, -1, dtype=np.int64))
    place: Ints = np.select([choice == 0, choice == 1], [station, registered], hospital)
    return place


def _hospital_for(rng: np.random.Generator, geography: Geography, card_facility: Ints) -> Ints:
    """The registered facility when it is a hospital, else the provincial or a regional one."""
    hospitals = geography.hospitals
    regional = hospitals[1:] if hospitals.size > 1 else hospitals
    other = np.where(
        bernoulli(rng, _PROVINCIAL_SHARE, card_facility.size),
        hospitals[0],
        regional[rng.integers(0, regional.size, card_facility.size)],
    )
    at_hospital = np.isin(card_facility, hospitals)
    chosen: Ints = np.where(at_hospital, card_facility, other)
    return chosen


def _times(rng: np.random.Generator, day: dates.Days, inpatient: Bools) -> tuple[Minutes, Minutes]:
    """Arrival in opening hours; outpatients leave within two hours, inpatients days later."""
    size = day.size
    arrival = rng.integers(_OPENING_MINUTE, _CLOSING_MINUTE, size)
    start = day.astype("datetime64[m]") + arrival.astype("timedelta64[m]")
    stay_days = 1 + rng.poisson(4.0, size)
    leave_minute = rng.integers(8 * 60, 11 * 60, size)
    inpatient_end = (day + stay_days.astype("timedelta64[D]")).astype(
        "datetime64[m]"
    ) + leave_minute.astype("timedelta64[m]")
    outpatient_end = start + rng.integers(10, 120, size).astype("timedelta64[m]")
    end: Minutes = np.where(inpatient, inpatient_end, outpatient_end)
    return start, end


def _referrals(
    rng: np.random.Generator, geography: Geography, facility: Ints, card_facility: Ints
) -> Ints:
    """Stations refer to the registered hospital (else the provincial one); regional
    hospitals to the provincial hospital; the provincial hospital refers nobody here."""
    station = facility >= geography.hospitals.size
    regional = ~station & (facility != geography.hospitals[0])
    share = np.where(station, _REFERRAL_SHARE["tram_y_te"], 0.0)
    share = np.where(regional, _REFERRAL_SHARE["regional"], share)
    referred = bernoulli(rng, share, facility.size)
    registered_hospital = np.isin(card_facility, geography.hospitals) & (card_facility != facility)
    target = np.where(station & registered_hospital, card_facility, geography.hospitals[0])
    chosen: Ints = np.where(referred, target, -1)
    return chosen


def _outcomes(rng: np.random.Generator, inpatient: Bools, referred: Bools) -> tuple[Ints, Ints]:
    size = inpatient.size
    outpatient = 1 + weighted(rng, _OUTCOMES_OUTPATIENT, size)
    stay = 1 + weighted(rng, _OUTCOMES_INPATIENT, size)
    outcome: Ints = np.where(inpatient, stay, outpatient)
    outcome = np.where(referred, np.where(rng.random(size) < 0.8, 3, 4), outcome)
    on_request = inpatient & bernoulli(rng, _LEAVE_AGAINST_ADVICE, size)
    discharge: Ints = np.select([referred, on_request], [2, 4], default=1)
    return outcome, discharge


def _re_exams(
    rng: np.random.Generator, main: Ints, end: Minutes, inpatient: Bools, referred: Bools
) -> dates.Days:
    """Chronic patients come back in a month (the prescription's length), others in one or
    two weeks; a discharged inpatient more often than not."""
    share = np.where(
        inpatient, np.maximum(his_codes.FOLLOW_UP[main], 0.5), his_codes.FOLLOW_UP[main]
    )
    wanted = bernoulli(rng, share, main.size) & ~referred
    chronic = his_codes.FOLLOW_UP[main] >= 0.5
    days = np.where(chronic, 30, np.where(rng.random(main.size) < 0.5, 7, 14))
    on: dates.Days = end.astype("datetime64[D]") + days.astype("timedelta64[D]")
    return np.where(wanted, on, np.datetime64("NaT", "D"))
