"""Childhood vaccinations on the national schedule (TCMR), with the gaps real records have.

Every child under 6 is vaccinated at the commune health station along
:data:`sokhoe.records.vaccines.SCHEDULE`. Doses due in the same month are given on the same
day (one session at the station); most sessions are a few days after the due date, a share of
children runs months behind, a few stop coming, and single doses go missing (a session
skipped, a record never entered). Doses of a series keep at least four weeks apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from sokhoe.records.vaccines import SCHEDULE
from sokhoe.synth import dates
from sokhoe.synth.population import Population
from sokhoe.synth.sampling import Ints, bernoulli

CHILD_AGE = 6
#: Share of children running late on everything after the birth doses, and by how much.
BEHIND_SHARE = 0.15
_BEHIND_DAYS = (30, 150)
#: Share of children who stop coming after some dose (moved away, family gave up).
DROPOUT_SHARE = 0.04
#: A single dose missing from the record, by vaccine (others: the default).
MISSED_SHARE = {"IPV": 0.1, "JE": 0.08, "DTP": 0.06, "MR": 0.05}
DEFAULT_MISSED_SHARE = 0.03
_ON_TIME_MEAN_DAYS = 6.0
_HEPB_WITHIN_DAY = 0.9  # hepatitis B at birth within 24 hours
_SERIES_GAP_DAYS = 28


@dataclass(frozen=True)
class Doses:
    """One entry per dose given, sorted by child, then date, then schedule order."""

    child: Ints
    #: Index into :data:`SCHEDULE`.
    dose: Ints
    given: dates.Days

    @property
    def size(self) -> int:
        return int(self.child.size)


def draw(rng: np.random.Generator, population: Population, as_of: dt.date) -> Doses:
    """The doses every child under 6 has had before ``as_of``."""
    child = np.flatnonzero(population.age < CHILD_AGE)
    birth = population.birth[child]
    size = child.size
    lag = np.where(bernoulli(rng, BEHIND_SHARE, size), rng.integers(*_BEHIND_DAYS, size), 0).astype(
        "timedelta64[D]"
    )
    stop_after = np.where(
        bernoulli(rng, DROPOUT_SHARE, size), rng.integers(0, len(SCHEDULE), size), len(SCHEDULE)
    )
    months = sorted({dose.due_month for dose in SCHEDULE})
    session = {
        month: np.floor(rng.exponential(_ON_TIME_MEAN_DAYS, size)).astype("timedelta64[D]")
        for month in months
    }
    hepb_late = np.where(rng.random(size) < _HEPB_WITHIN_DAY, 0, rng.integers(1, 30, size))
    last_of_series: dict[str, dates.Days] = {}
    given = np.empty((len(SCHEDULE), size), dtype="datetime64[D]")
    present = np.zeros((len(SCHEDULE), size), dtype=bool)
    end = dates.day(as_of)
    for index, dose in enumerate(SCHEDULE):
        due = dates.add_months(birth, dose.due_month)
        if dose.due_month == 0:
            delay = hepb_late.astype("timedelta64[D]") if dose.vaccine == "HEPB" else session[0]
        else:
            delay = session[dose.due_month] + lag
        on = due + delay
        previous = last_of_series.get(dose.vaccine)
        if previous is not None:
            on = np.maximum(on, previous + _SERIES_GAP_DAYS)
        missed = bernoulli(rng, MISSED_SHARE.get(dose.vaccine, DEFAULT_MISSED_SHARE), size)
        present[index] = ~missed & (index <= stop_after) & (on < end)
        given[index] = on
        last_of_series[dose.vaccine] = on
    dose_index, position = np.nonzero(present)
    when = given[dose_index, position]
    order = np.lexsort((dose_index, when, position))
    return Doses(child[position[order]], dose_index[order].astype(np.int64), when[order])
