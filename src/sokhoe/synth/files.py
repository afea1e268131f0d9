"""The output files: their column contracts and how each chunk of rows becomes text.

The column lists are a contract with the loader (``sokhoe load``) and reconciliation:
names and order never change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from sokhoe.synth import dates, identity
from sokhoe.synth.cards import CardText
from sokhoe.synth.errors import Injected
from sokhoe.synth.geography import Geography
from sokhoe.synth.names import NameWriter
from sokhoe.synth.population import Population
from sokhoe.synth.sampling import Ints
from sokhoe.synth.writer import Advance, Overrides, write_csv

REGISTER = (
    "person_id",
    "full_name",
    "birth_date",
    "sex",
    "commune_code",
    "village",
    "level2_eid",
    "household_id",
    "phone",
)
VILLAGES = ("commune_code", "village")
GUARDIANS = ("child_id", "guardian_id", "relation")
FACILITIES = ("facility_code", "name", "commune_code", "kind")
CARDS = (
    "card_number",
    "person_id",
    "full_name",
    "birth_date",
    "sex",
    "commune_code",
    "valid_from",
    "valid_to",
    "facility_code",
)
INTEGRATED = ("person_id", "card_number", "integrated_at")
LINKS = ("card_number", "row", "true_person_id")
ERRORS = ("kind", "file", "row", "person_id", "field", "true_value", "injected_value")

GUARDIAN_AGE = 14
_RELATIONS = ("cha", "mẹ", "giám hộ")


@dataclass(frozen=True)
class Texts:
    """Shared text makers for one run."""

    geography: Geography
    population: Population
    names: NameWriter
    dates: dates.DateFormatter
    cards: CardText

    @cached_property
    def _commune_codes(self) -> NDArray[np.object_]:
        return np.array([str(c.code) for c in self.geography.communes], dtype=object)

    def commune_codes(self, commune: Ints) -> list[str]:
        return self._commune_codes[commune].tolist()  # type: ignore[no-any-return]

    def sexes(self, people: Ints, hide_unknown: bool) -> list[str]:
        code = self.population.female[people].astype(np.int64)
        if hide_unknown:
            code = np.where(self.population.sex_unknown[people], 2, code)
        return np.array(["M", "F", ""], dtype=object)[code].tolist()  # type: ignore[no-any-return]

    def ids(self, people: Ints) -> list[str]:
        return identity.id_text(self.population.person_id[people])


def write_register(path: Path, texts: Texts, advance: Advance | None) -> int:
    pop = texts.population
    villages = np.array(texts.geography.village_name, dtype=object)
    households = np.array(pop.household_ids, dtype=object)

    def columns(start: int, end: int) -> Sequence[list[str]]:
        people = np.arange(start, end)
        return (
            texts.ids(people),
            texts.names.texts(pop.names, people),
            texts.dates.partial(pop.birth[people], pop.precision[people]),
            texts.sexes(people, hide_unknown=True),
            texts.commune_codes(pop.commune[people]),
            villages[pop.village[people]].tolist(),
            np.where(pop.level2[people], "1", "0").tolist(),
            households[pop.household[people]].tolist(),
            identity.phone_text(pop.phone[people]),
        )

    return write_csv(path, REGISTER, pop.size, columns, advance)


def write_villages(path: Path, geography: Geography) -> int:
    rows = sorted(
        (geography.communes[int(c)].code, name)
        for c, name in zip(geography.village_commune, geography.village_name, strict=True)
    )
    return write_csv(path, VILLAGES, len(rows), lambda s, e: _transpose(rows[s:e], 2))


def write_facilities(path: Path, geography: Geography) -> int:
    rows = sorted((f.code, f.name, f.commune_code, f.kind) for f in geography.facilities)
    return write_csv(path, FACILITIES, len(rows), lambda s, e: _transpose(rows[s:e], 4))


def write_guardians(path: Path, texts: Texts) -> int:
    """Every child under 14 with the parents in the household, else the grandparents."""
    pop = texts.population
    links = (pop.father, pop.mother, pop.guardian_a, pop.guardian_b)
    young = pop.age < GUARDIAN_AGE
    children = [np.flatnonzero(young & (link >= 0)) for link in links]
    child = np.concatenate(children)
    guardian = np.concatenate([link[c] for link, c in zip(links, children, strict=True)])
    relation = np.concatenate([np.full(c.size, min(i, 2)) for i, c in enumerate(children)])
    order = np.lexsort((relation, child))
    child, guardian, relation = child[order], guardian[order], relation[order]
    names = np.array(_RELATIONS, dtype=object)

    def columns(start: int, end: int) -> Sequence[list[str]]:
        return (
            texts.ids(child[start:end]),
            texts.ids(guardian[start:end]),
            names[relation[start:end]].tolist(),
        )

    return write_csv(path, GUARDIANS, child.size, columns)


def card_order(injected: Injected, population: Population) -> Ints:
    """BHXH's list order: by commune, then BHXH number."""
    cards = injected.cards
    order: Ints = np.lexsort((cards.bhxh, population.commune[cards.person]))
    return order


def write_cards(
    path: Path, texts: Texts, injected: Injected, order: Ints, advance: Advance | None
) -> int:
    cards, pop = injected.cards, texts.population
    facilities = np.array([f.code for f in texts.geography.facilities], dtype=object)
    names, births, ids = (
        Overrides(injected.full_name),
        Overrides(injected.birth_date),
        Overrides(injected.person_id),
    )

    def columns(start: int, end: int) -> Sequence[list[str]]:
        rows = order[start:end]
        people = cards.person[rows]
        return (
            texts.cards.texts(cards.group[rows], cards.level[rows], cards.bhxh[rows]),
            ids.apply(texts.ids(people), rows),
            names.apply(texts.names.texts(pop.names, people), rows),
            births.apply(texts.dates.partial(pop.birth[people], pop.precision[people]), rows),
            texts.sexes(people, hide_unknown=False),
            texts.commune_codes(pop.commune[people]),
            texts.dates.full(cards.valid_from[rows]),
            texts.dates.full(cards.valid_to[rows]),
            facilities[cards.facility[rows]].tolist(),
        )

    return write_csv(path, CARDS, cards.size, columns, advance)


def write_links(path: Path, texts: Texts, injected: Injected, order: Ints) -> int:
    """The truth behind each card row: which person it really belongs to."""
    cards = injected.cards

    def columns(start: int, end: int) -> Sequence[list[str]]:
        rows = order[start:end]
        return (
            texts.cards.texts(cards.group[rows], cards.level[rows], cards.bhxh[rows]),
            [str(n) for n in range(start + 1, end + 1)],
            texts.ids(cards.person[rows]),
        )

    return write_csv(path, LINKS, cards.size, columns)


def write_integrated(path: Path, texts: Texts, injected: Injected) -> int:
    wallet = injected.integrations
    numbers = Overrides(injected.integrated_card)

    def columns(start: int, end: int) -> Sequence[list[str]]:
        rows = np.arange(start, end)
        card = texts.cards.texts(
            wallet.group[rows], wallet.level[rows], wallet.bhxh[rows], wallet.short_form[rows]
        )
        return (
            texts.ids(wallet.person[rows]),
            numbers.apply(card, rows),
            np.datetime_as_string(wallet.at[rows], unit="s").tolist(),
        )

    return write_csv(path, INTEGRATED, wallet.size, columns)


def write_errors(path: Path, texts: Texts, injected: Injected, card_rows: Ints) -> int:
    """One row per injection; ``card_rows`` maps the generator's card rows to file rows."""
    person_id = texts.population.person_id
    located = [
        (r, int(card_rows[r.row]) if r.file == "cards" else r.row + 1) for r in injected.records
    ]
    located.sort(key=lambda item: (item[0].file, item[1], item[0].kind))
    rows = [
        (
            r.kind,
            r.file,
            row,
            f"{person_id[r.person]:012d}",
            r.field,
            r.true_value,
            r.injected_value,
        )
        for r, row in located
    ]
    return write_csv(path, ERRORS, len(rows), lambda s, e: _transpose(rows[s:e], len(ERRORS)))


def _transpose(rows: Sequence[tuple[object, ...]], width: int) -> list[list[str]]:
    return [[str(row[i]) for row in rows] for i in range(width)]
