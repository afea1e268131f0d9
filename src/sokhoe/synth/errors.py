"""Real-world errors injected into BHXH's card list and the wallet export, with the truth.

Every injection is recorded (kind, file, row, true person, field, true and injected value),
so reconciliation can be scored. Errors of one family exclude each other on a row (a name is
either unaccented or NFD, not both), errors of different families may meet on one row.
Rates are shares of the file's rows, multiplied by ``--error-rate``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from sokhoe.synth import dates, names
from sokhoe.synth.cards import (
    GROUPS,
    LEVELS,
    Cards,
    CardText,
    Integrations,
    fresh_numbers,
    second_cards,
)
from sokhoe.synth.cards import yearly_validity as validity
from sokhoe.synth.geography import Geography
from sokhoe.synth.population import Population
from sokhoe.synth.sampling import Bools, Ints, contains
from sokhoe.synth.text_errors import Change, birth_error, name_error, person_id_error

DEFAULT_RATES: dict[str, float] = {
    "name_no_diacritics": 0.006,
    "name_nfd": 0.005,
    "name_eth": 0.003,
    "name_upper": 0.005,
    "name_regional_variant": 0.003,
    "name_missing_middle": 0.004,
    "birth_day_month_swap": 0.004,
    "birth_year_only": 0.004,
    "person_id_typo": 0.005,
    "person_id_missing": 0.02,
    "person_id_inconsistent": 0.002,
    "duplicate_card": 0.005,
    "duplicate_card_number": 0.002,
    "card_expired": 0.02,
    "card_not_yet_valid": 0.002,
    "card_level_mismatch": 0.002,
    "integrated_card_differs": 0.003,
}
KINDS = tuple(DEFAULT_RATES)
#: Families of kinds that exclude each other on one row, in the order they are drawn.
_NAME_SHAPE = ("name_regional_variant", "name_missing_middle")
_NAME_CODING = ("name_eth", "name_no_diacritics", "name_nfd", "name_upper")
_BIRTH = ("birth_day_month_swap", "birth_year_only")
_PERSON_ID = ("person_id_missing", "person_id_typo", "person_id_inconsistent")
_VALIDITY = ("card_expired", "card_not_yet_valid")


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    kind: str
    file: str
    #: 0-based row in the generator's own order; the writer turns it into the file's row.
    row: int
    person: int
    field: str
    true_value: str
    injected_value: str


@dataclass
class Injected:
    """The files' content after injection: arrays, plus texts overriding single fields."""

    cards: Cards
    integrations: Integrations
    full_name: dict[int, str] = field(default_factory=dict)
    birth_date: dict[int, str] = field(default_factory=dict)
    person_id: dict[int, str] = field(default_factory=dict)
    integrated_card: dict[int, str] = field(default_factory=dict)
    records: list[ErrorRecord] = field(default_factory=list)

    def note(
        self,
        kind: str,
        row: int,
        person: int,
        column: str,
        true: str,
        injected: str,
        file: str = "cards",
    ) -> None:
        self.records.append(ErrorRecord(kind, file, row, person, column, true, injected))


@dataclass(frozen=True)
class Context:
    population: Population
    geography: Geography
    as_of: dt.date
    card_text: CardText
    date_text: dates.DateFormatter


class _Chooser:
    """Picks rows for a kind so that its expected count is ``rate × rows``."""

    def __init__(self, rng: np.random.Generator, multiplier: float) -> None:
        self.rng = rng
        self.multiplier = multiplier

    def rows(self, kind: str, eligible: Bools) -> Ints:
        draws = self.rng.random(eligible.size)  # drawn whatever the rate: streams stay aligned
        wanted = DEFAULT_RATES[kind] * self.multiplier * eligible.size
        available = int(eligible.sum())
        if available == 0 or wanted <= 0:
            return np.empty(0, dtype=np.int64)
        return np.flatnonzero(eligible & (draws < wanted / available))

    def exclusive(self, kinds: tuple[str, ...], eligible: dict[str, Bools]) -> dict[str, Ints]:
        taken = np.zeros(next(iter(eligible.values())).size, dtype=bool)
        chosen = {}
        for kind in kinds:
            chosen[kind] = self.rows(kind, eligible[kind] & ~taken)
            taken[chosen[kind]] = True
        return chosen


def inject(
    rng: np.random.Generator,
    context: Context,
    cards: Cards,
    integrations: Integrations,
    multiplier: float,
) -> Injected:
    chooser = _Chooser(rng, multiplier)
    result = Injected(cards=cards, integrations=integrations)
    protected = _card_numbers(chooser, context, result)
    _validity(chooser, context, result)
    _texts(chooser, context, result, protected)
    _integrated(chooser, context, result)
    return result


def _card_text(context: Context, cards: Cards, row: int) -> str:
    return context.card_text.one(int(cards.group[row]), int(cards.level[row]), int(cards.bhxh[row]))


def _card_numbers(chooser: _Chooser, context: Context, result: Injected) -> Bools:
    """Duplicate cards, shared numbers and wrong benefit levels; returns the rows whose
    person ID must stay intact (a shared number needs both holders to be told apart)."""
    base = result.cards
    population = context.population
    every = np.ones(base.size, dtype=bool)
    twice = chooser.rows("duplicate_card", every)
    extra = second_cards(
        chooser.rng, population, context.geography, context.as_of, base.take(twice), taken=base.bhxh
    )
    cards = base.concat(extra)
    sharing = chooser.rows("duplicate_card_number", np.r_[every, np.zeros(extra.size, bool)])
    pool = np.setdiff1d(np.arange(base.size), sharing)
    sharing = sharing[: pool.size]
    owners = chooser.rng.choice(pool, size=sharing.size, replace=False)
    protected = np.zeros(cards.size, dtype=bool)
    protected[sharing] = protected[owners] = True
    group, level, bhxh = cards.group.copy(), cards.level.copy(), cards.bhxh.copy()
    for row, owner in zip(sharing.tolist(), owners.tolist(), strict=True):
        true_text, shared = _card_text(context, cards, row), _card_text(context, cards, owner)
        group[row], level[row], bhxh[row] = group[owner], level[owner], bhxh[owner]
        result.note(
            "duplicate_card_number", row, int(cards.person[row]), "card_number", true_text, shared
        )
    mismatch = chooser.rows("card_level_mismatch", ~protected)
    shift = chooser.rng.integers(1, 5, mismatch.size)
    for row, step in zip(mismatch.tolist(), shift.tolist(), strict=True):
        true_text = context.card_text.one(int(group[row]), int(level[row]), int(bhxh[row]))
        level[row] = (LEVELS[group[row]] - 1 + step) % 5 + 1
        wrong = context.card_text.one(int(group[row]), int(level[row]), int(bhxh[row]))
        result.note(
            "card_level_mismatch", row, int(cards.person[row]), "card_number", true_text, wrong
        )
    result.cards = replace(cards, group=group, level=level, bhxh=bhxh)
    for i, row in enumerate(twice.tolist()):
        # The second card as finally written: its level may have been garbled as well.
        result.note(
            "duplicate_card",
            base.size + i,
            int(base.person[row]),
            "card_number",
            _card_text(context, cards, row),
            _card_text(context, result.cards, base.size + i),
        )
    return protected


def _validity(chooser: _Chooser, context: Context, result: Injected) -> None:
    """Expired cards (valid_to before the as-of date) and cards not valid yet."""
    cards = result.cards
    older = context.population.age[cards.person] >= 2  # a card cannot predate its holder
    chosen = chooser.exclusive(_VALIDITY, dict.fromkeys(_VALIDITY, older))
    valid_from, valid_to = cards.valid_from.copy(), cards.valid_to.copy()
    for kind, months_back, column in (
        ("card_expired", (13, 24), "valid_to"),
        ("card_not_yet_valid", (-3, -1), "valid_from"),
    ):
        rows = chosen[kind]
        before = (valid_to if column == "valid_to" else valid_from)[rows]
        valid_from[rows], valid_to[rows] = validity(
            chooser.rng, context.as_of, rows.size, months_back
        )
        after = (valid_to if column == "valid_to" else valid_from)[rows]
        for row, old, new in zip(
            rows.tolist(),
            context.date_text.full(before),
            context.date_text.full(after),
            strict=True,
        ):
            result.note(kind, row, int(cards.person[row]), column, old, new)
    result.cards = replace(cards, valid_from=valid_from, valid_to=valid_to)


def _texts(chooser: _Chooser, context: Context, result: Injected, protected: Bools) -> None:
    """Names, birth dates and person IDs as BHXH's list misspells them."""
    population = context.population
    person = result.cards.person
    parts = population.names
    held = names.Names(parts.family[person], parts.middle[person], parts.given[person])
    everyone = np.ones(person.size, dtype=bool)
    shape = chooser.exclusive(
        _NAME_SHAPE,
        {
            "name_regional_variant": names.family_has_variant(held.family),
            "name_missing_middle": names.has_middle(held.middle),
        },
    )
    has_d = names.has_letter_d(held)
    coding = chooser.exclusive(
        _NAME_CODING, {kind: has_d if kind == "name_eth" else everyone for kind in _NAME_CODING}
    )
    _apply(result, "full_name", {**shape, **coding}, lambda p, k: name_error(parts, p, k))

    _, month, day = dates.year_month_day(population.birth[person])
    exact = population.precision[person] == dates.DAY
    eligible = {
        "birth_day_month_swap": exact & (day <= 12) & (day != month),
        "birth_year_only": exact,
    }
    birth = chooser.exclusive(_BIRTH, eligible)
    _apply(result, "birth_date", birth, lambda p, k: birth_error(population.birth[p], k))

    known = np.sort(population.person_id)

    def is_known(text: str) -> bool:
        return bool(contains(known, np.array([int(text)]))[0])

    ids = chooser.exclusive(_PERSON_ID, dict.fromkeys(_PERSON_ID, ~protected))
    _apply(
        result,
        "person_id",
        ids,
        lambda p, k: person_id_error(chooser.rng, int(population.person_id[p]), k, is_known),
    )


def _apply(
    result: Injected, column: str, chosen: dict[str, Ints], make: Callable[[int, list[str]], Change]
) -> None:
    """Runs ``make(person, kinds)`` once per affected row and records one error per kind
    that changed the text."""
    kinds_of: dict[int, list[str]] = {}
    for kind, rows in chosen.items():
        for row in rows.tolist():
            kinds_of.setdefault(row, []).append(kind)
    overrides: dict[int, str] = getattr(result, column)
    person = result.cards.person
    for row in sorted(kinds_of):
        true_value, injected, effective = make(int(person[row]), kinds_of[row])
        if injected is None or injected == true_value:
            continue
        overrides[row] = injected
        for kind in effective:
            result.note(kind, row, int(person[row]), column, true_value, injected)


def _integrated(chooser: _Chooser, context: Context, result: Injected) -> None:
    """The wallet shows a card that is not the current one: an earlier card's number."""
    wallet = result.integrations
    rows = chooser.rows("integrated_card_differs", np.ones(wallet.size, dtype=bool))
    taken = np.r_[result.cards.bhxh, wallet.bhxh]
    numbers = fresh_numbers(chooser.rng, context.geography.province.code, rows.size, taken)
    age = context.population.age[wallet.person[rows]]
    gd = GROUPS.index("GD")
    earlier = np.select(
        [age < 12, age < 25, wallet.group[rows] == gd],
        [GROUPS.index("TE"), GROUPS.index("HS"), GROUPS.index("DN")],
        gd,
    )
    short = wallet.short_form[rows]
    text = context.card_text.texts
    current = text(wallet.group[rows], wallet.level[rows], wallet.bhxh[rows], short)
    shown = text(earlier, LEVELS[earlier], numbers, short)
    people = wallet.person[rows].tolist()
    for row, person, true, wrong in zip(rows.tolist(), people, current, shown, strict=True):
        result.integrated_card[row] = wrong
        result.note(
            "integrated_card_differs", row, person, "card_number", true, wrong, file="integrated"
        )
