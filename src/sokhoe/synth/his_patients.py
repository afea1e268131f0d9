"""The patient as a hospital's system knows them: the register's person with their true card.

Hospitals copy the name, birth date and sex from the card or the ID, so these are the
register's; the card is the one BHXH really issued (``cards.issue``, before the card list's
injected errors), valid in the yearly period around the visit. Reception does not always
type the personal ID: it is left out for some visits (children's most often), so ingest
has to find those people by their card, or by name and birth date when they have no card.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sokhoe.synth import dates, files
from sokhoe.synth.cards import LEVELS, TE, Cards
from sokhoe.synth.sampling import Bools, Floats, Ints, bernoulli

#: Share of visits without the personal ID (from age, share).
_ID_LEFT_OUT = ((0, 0.2), (6, 0.08), (14, 0.03))
_SEX_CODE = np.array([1, 2])
_TE_MONTHS = (
    72  # a child's TE card runs to the 6th birthday  # GIOI_TINH: 1 male, 2 female, 3 unknown
)


@dataclass(frozen=True)
class PatientColumns:
    """Per visit (or vaccination session): the texts identifying its patient."""

    name: list[str]
    #: 12 digits, or "" where reception left it out.
    person_id: list[str]
    #: ISO (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) as the register has it.
    birth: list[str]
    #: ``GIOI_TINH``: 1 male, 2 female, 3 unknown.
    sex: list[int]
    #: 15-character card code, "" for the uninsured.
    card: list[str]
    #: ``MA_DKBD``: the card's registered facility, "" for the uninsured.
    registered: list[str]
    valid_from: list[str]
    valid_to: list[str]
    #: Benefit level 1–5, 0 for the uninsured.
    level: Ints


class Patients:
    """Builds :class:`PatientColumns` for a chunk of visits at a time."""

    def __init__(self, texts: files.Texts, cards: Cards) -> None:
        self._texts = texts
        self._cards = cards
        people = texts.population.size
        self._card_row = np.full(people, -1, dtype=np.int64)
        self._card_row[cards.person] = np.arange(cards.size)
        self._facility = np.array([f.code for f in texts.geography.facilities] + [""], dtype=object)

    def hide_ids(self, rng: np.random.Generator, people: Ints) -> Bools:
        """Which visits reception typed without the personal ID."""
        age = self._texts.population.age[people]
        bounds = np.array([low for low, _ in _ID_LEFT_OUT])
        shares: Floats = np.array([share for _, share in _ID_LEFT_OUT])
        return bernoulli(rng, shares[np.searchsorted(bounds, age, side="right") - 1], age.size)

    def columns(self, people: Ints, on: dates.Days, hide_id: Bools) -> PatientColumns:
        texts, population = self._texts, self._texts.population
        sex = np.where(population.sex_unknown[people], 3, _SEX_CODE[population.female[people] * 1])
        ids = texts.ids(people)
        row = self._card_row[people]
        insured = row >= 0
        safe = np.maximum(row, 0)
        cards = self._cards
        birth = population.birth[people]
        # Under 6 on the visit's day the child held a TE card, same BHXH number.
        child = insured & (on < dates.add_months(birth, _TE_MONTHS))
        group = np.where(child, TE, cards.group[safe])
        level = np.where(child, LEVELS[TE], cards.level[safe])
        card_text = texts.cards.texts(group, level, cards.bhxh[safe])
        valid_from, valid_to = _period_around(
            np.where(child, birth, cards.valid_from[safe]),
            np.where(child, dates.add_months(birth, _TE_MONTHS) - 1, cards.valid_to[safe]),
            group == TE,
            on,
        )
        facility = np.where(insured, cards.facility[safe], -1)
        return PatientColumns(
            name=texts.names.texts(population.names, people),
            person_id=[
                "" if hide else text for text, hide in zip(ids, hide_id.tolist(), strict=True)
            ],
            birth=texts.dates.partial(population.birth[people], population.precision[people]),
            sex=sex.tolist(),
            card=_blank_where(card_text, ~insured),
            registered=self._facility[facility].tolist(),
            valid_from=_blank_where(texts.dates.full(valid_from), ~insured),
            valid_to=_blank_where(texts.dates.full(valid_to), ~insured),
            level=np.where(insured, level, 0),
        )


def _period_around(
    valid_from: dates.Days, valid_to: dates.Days, lifelong: Bools, on: dates.Days
) -> tuple[dates.Days, dates.Days]:
    """The yearly card period holding ``on`` (cards are renewed each year with the same
    number); a child's TE card runs from birth to the 6th birthday and is not shifted."""
    late = np.maximum((valid_from - on).astype(np.int64), 0)
    years = np.where(lifelong, 0, np.ceil(late / 365.0).astype(np.int64))
    return dates.add_months(valid_from, -12 * years), dates.add_months(valid_to, -12 * years)


def _blank_where(texts: list[str], blank: Bools) -> list[str]:
    return ["" if b else t for t, b in zip(texts, blank.tolist(), strict=True)]
