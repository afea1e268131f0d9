"""Finding the holder of a card whose person ID is missing or unknown: Fellegi–Sunter.

Only cards the exact ID join leaves over are matched here. Candidates come from blocking
(equi-joins on keys a true holder almost always shares); each pair is compared field by field
into *levels*; a level's weight is log2(m/u), m the chance of that level for the true holder,
u for another person. The exact-ID pairs are labelled matches for free, so m is estimated
from them; u from pairs of different people (sampled cards against sampled register people in
an order that is random but the same on every engine).
Person-ID levels cannot be seen among exact pairs, so their m are fixed priors, and the
"candidate already holds a card" comparison takes its m and u from counts of holders.

A card's candidates compete: its score is the posterior of the best one against the others
and against "the holder is none of them" (not in the register, or missed by blocking), so
two equally good namesakes give two scores under ½, not a coin toss.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sokhoe.reconcile import normalize
from sokhoe.reconcile.dialect import Dialect

#: A true holder shows every level at least this often: real lists have errors synthetic
#: ones lack (people move, names are mistyped), so no level may veto a match alone.
M_FLOOR = 0.001
#: Weight of the priors, in pairs: a handful of cards is scored by the priors, a province
#: by its own data.
PRIOR_PAIRS = 50
#: Priors of the "already holds a card" comparison: a person with a card rarely has two;
#: most people have one.
_PRIOR_SEVERAL, _PRIOR_HOLDING = 0.01, 0.9
#: Chance that a card's holder is not among its candidates at all.
OUTSIDE = 0.03
#: Score at which a candidate is proposed as the holder, and below which none is shown.
PROBABLE, UNCERTAIN = 0.95, 0.2
#: The name levels weighed by the name's frequency instead of their u (the first ones).
NAME_FREQUENCY_LEVELS = ("exact", "folded")
#: Target size of the samples estimating m and u.
SAMPLE = 100_000


@dataclass(frozen=True)
class LevelSpec:
    """A comparison level: its SQL condition and prior m and u (province-scale values,
    measured on a synthetic Khánh Hòa, that the run's own data then override)."""

    name: str
    condition: str
    m: float
    u: float


@dataclass(frozen=True)
class Comparison:
    """One field compared; ``levels`` are tried in order, the last is the catch-all.
    ``null`` (SQL) means the field is missing on a side: no evidence either way."""

    name: str
    null: str
    levels: tuple[LevelSpec, ...]
    #: Whether exact-ID pairs show this comparison's m (not the ID's: they agree on it).
    learn_m: bool = True


COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "name",
        "name_rel IS NULL",
        (
            LevelSpec("exact", f"name_rel = '{normalize.NAME_SAME}' AND name_accents", 0.93, 1e-4),
            LevelSpec("folded", f"name_rel = '{normalize.NAME_SAME}'", 0.02, 5e-5),
            LevelSpec(
                "missing_middle", f"name_rel = '{normalize.NAME_MISSING_MIDDLE}'", 0.02, 1e-5
            ),
            LevelSpec("similar", "name_jw >= 0.92", 0.015, 0.017),
            LevelSpec("close", "name_jw >= 0.8", 0.01, 0.17),
            LevelSpec("else", "TRUE", 0.005, 0.81),
        ),
    ),
    Comparison(
        "birth",
        "birth_rel IS NULL",
        (
            LevelSpec("exact", f"birth_rel = '{normalize.BIRTH_SAME}'", 0.93, 5e-5),
            LevelSpec("compatible", f"birth_rel = '{normalize.BIRTH_COMPATIBLE}'", 0.03, 1e-4),
            LevelSpec("swap", f"birth_rel = '{normalize.BIRTH_SWAP}'", 0.015, 1e-5),
            LevelSpec("same_year", f"birth_rel = '{normalize.BIRTH_SAME_YEAR}'", 0.015, 0.013),
            LevelSpec("else", "TRUE", 0.01, 0.987),
        ),
    ),
    Comparison(
        "sex",
        "sex_eq IS NULL",
        (LevelSpec("agree", "sex_eq", 0.99, 0.5), LevelSpec("else", "TRUE", 0.01, 0.5)),
    ),
    Comparison(
        "commune",
        "commune_eq IS NULL",
        (LevelSpec("agree", "commune_eq", 0.95, 0.03), LevelSpec("else", "TRUE", 0.05, 0.97)),
    ),
    Comparison(
        "person_id",
        "id_distance IS NULL",
        (
            LevelSpec("one_edit", "id_distance <= 1", 0.6, 1e-5),
            LevelSpec("same_serial", "same_serial", 0.3, 1e-5),
            LevelSpec("else", "TRUE", 0.1, 1.0),
        ),
        learn_m=False,
    ),
)


def features_sql(d: Dialect, pairs: str, keep: str) -> str:
    """Features of each pair of ``pairs`` (a FROM clause with card alias ``l`` and register
    alias ``r``), and the columns ``keep``; string similarity only where names differ."""
    return f"""
        SELECT {keep},
               {normalize.name_relation("l", "r")} AS name_rel,
               CASE WHEN l.name_key <> r.name_key
                    THEN {d.jaro_winkler("l.name_key", "r.name_key")} END AS name_jw,
               CASE WHEN l.name_key = r.name_key
                    THEN replace(lower(l.display), 'ð', 'đ') = replace(lower(r.display), 'ð', 'đ')
                    END AS name_accents,
               {normalize.birth_relation("l", "r")} AS birth_rel,
               CASE WHEN l.sex IS NOT NULL AND r.sex IS NOT NULL THEN l.sex = r.sex END
                   AS sex_eq,
               CASE WHEN l.commune_code IS NOT NULL AND r.commune_code IS NOT NULL
                    THEN l.commune_code = r.commune_code END AS commune_eq,
               CASE WHEN l.given_id IS NOT NULL
                    THEN {d.edit_distance("l.given_id", "r.person_id")} END AS id_distance,
               coalesce(l.serial = r.serial, false) AS same_serial
        FROM {pairs}"""


def levels_sql(features: str, keep: str) -> str:
    """Each pair's level per comparison: 0 when null, then 1, 2… in the order of levels."""
    items = []
    for comparison in COMPARISONS:
        whens = " ".join(
            f"WHEN {level.condition} THEN {i}" for i, level in enumerate(comparison.levels, 1)
        )
        items.append(f"CASE WHEN {comparison.null} THEN 0 {whens} END AS {comparison.name}_level")
    return f"SELECT {keep}, {', '.join(items)} FROM ({features})"


def residual_sql() -> str:
    """Cards the exact join leaves without holder, with something to match on."""
    return """SELECT * FROM cards
              WHERE NOT linked AND (name_key IS NOT NULL OR birth_year IS NOT NULL)"""


#: Blocking rules: a candidate shares all of one rule's keys with the card. Together they
#: survive any one of a regional or missing-middle name, a swapped or partial date, a moved
#: commune, a mistyped given name (same full date) or a wrong ID with the right serial.
BLOCKING: tuple[tuple[str, ...], ...] = (
    ("commune_code", "birth_year", "giv"),
    ("name_key", "birth_year"),
    ("commune_code", "birth_text", "birth_day"),
    ("serial",),
)


def candidates_sql() -> str:
    rules = []
    for keys in BLOCKING:
        on = " AND ".join(f"l.{k} = r.{k}" for k in keys)
        rules.append(f"SELECT l.line, r.person_id FROM residual l JOIN register r ON {on}")
    return " UNION ".join(rules)


def sample_modulus(rows: int) -> int:
    """Every n-th row for the estimation samples (about :data:`SAMPLE` of them)."""
    return max(1, rows // SAMPLE)


def m_pairs(cards: int) -> str:
    """Exact-ID pairs, a sample: the card and its holder."""
    return f"""cards l JOIN register r ON r.person_id = l.given_id
               WHERE l.linked AND l.line % {sample_modulus(cards)} = 0"""


def u_pairs(cards: int, people: int) -> str:
    """Pairs of different people: the k-th sampled card (in file order) against the k-th
    sampled register person in order of ID serial, which is random, so the pairing is
    random too; and the same on every engine, unlike a random function."""
    return f"""(SELECT *, row_number() OVER (ORDER BY line) AS k FROM cards
                WHERE linked AND line % {sample_modulus(cards)} = 0) l
               JOIN (SELECT *, row_number() OVER (ORDER BY serial, person_id) AS k
                     FROM register
                     WHERE CAST(serial AS INT) % {sample_modulus(people)} = 0) r
                 ON r.k = l.k AND r.person_id <> l.given_id"""


def level_counts_sql(d: Dialect, pairs: str) -> str:
    """How many pairs of ``pairs`` fall in each combination of levels."""
    names = ", ".join(f"{c.name}_level" for c in COMPARISONS)
    features = features_sql(d, pairs, "l.line")
    return f"SELECT {names}, count(*) FROM ({levels_sql(features, 'line')}) GROUP BY {names}"


@dataclass(frozen=True)
class Level:
    comparison: str
    name: str
    m: float
    u: float

    @property
    def weight(self) -> float:
        return round(math.log2(self.m / self.u), 4)


@dataclass(frozen=True)
class Model:
    """The estimated weights, reported in summary.json and used to score."""

    levels: tuple[Level, ...]
    register_size: int

    def weight(self, comparison: str, level: int) -> float:
        found = [x for x in self.levels if x.comparison == comparison]
        return found[level - 1].weight

    def as_dict(self) -> dict[str, object]:
        return {
            "levels": [
                {"comparison": x.comparison, "level": x.name, "m": round(x.m, 6),
                 "u": round(x.u, 8), "weight": x.weight}
                for x in self.levels
            ],
            "name_frequency_levels": list(NAME_FREQUENCY_LEVELS),
            "outside": OUTSIDE,
            "probable": PROBABLE,
            "uncertain": UNCERTAIN,
        }  # fmt: skip


def estimate(
    m_counts: Sequence[tuple[int, ...]],
    u_counts: Sequence[tuple[int, ...]],
    holders: Mapping[str, int],
) -> Model:
    """Level m and u from counts of (levels…, pairs) rows, each pulled toward its prior by
    :data:`PRIOR_PAIRS` pseudo-pairs; ``holders`` counts the register, the people with one
    and with several exact-ID cards."""
    levels: list[Level] = []
    for position, comparison in enumerate(COMPARISONS):
        m_seen = _marginal(m_counts, position, len(comparison.levels))
        u_seen = _marginal(u_counts, position, len(comparison.levels))
        for i, spec in enumerate(comparison.levels):
            m = _smoothed(m_seen[i], sum(m_seen), spec.m) if comparison.learn_m else spec.m
            u = _smoothed(u_seen[i], sum(u_seen), spec.u)
            levels.append(Level(comparison.name, spec.name, max(m, M_FLOOR), u))
    holding = holders["one"] + holders["several"]
    # m: of people holding a card, how many hold another; u: how many people hold one.
    m_has = _bounded(_smoothed(holders["several"], holding, _PRIOR_SEVERAL))
    u_has = _bounded(_smoothed(holding, holders["register"], _PRIOR_HOLDING))
    levels.append(Level("holder", "has_card", m_has, u_has))
    levels.append(Level("holder", "else", 1 - m_has, 1 - u_has))
    return Model(tuple(levels), max(holders["register"], 1))


def _smoothed(seen: int, total: int, prior: float) -> float:
    return (seen + PRIOR_PAIRS * prior) / (total + PRIOR_PAIRS)


def _bounded(share: float) -> float:
    return min(max(share, M_FLOOR), 1 - M_FLOOR)


def _marginal(counts: Sequence[tuple[int, ...]], position: int, size: int) -> list[int]:
    """Pairs per level (1…size) of the comparison at ``position``, nulls left out."""
    seen = [0] * size
    for row in counts:
        if row[position]:
            seen[row[position] - 1] += row[-1]
    return seen


def holders_sql() -> str:
    """People the exact join gives a card, with how many."""
    return "SELECT given_id AS person_id, count(*) AS cards FROM cards WHERE linked GROUP BY 1"


def holder_counts_sql() -> str:
    """Register size, people with one and with several exact-ID cards, card lines."""
    return """SELECT (SELECT count(*) FROM register) AS register,
                     count(CASE WHEN cards = 1 THEN 1 END) AS one,
                     count(CASE WHEN cards > 1 THEN 1 END) AS several,
                     (SELECT coalesce(max(line), 0) FROM cards) AS cards
              FROM holders"""


def name_frequencies_sql() -> str:
    """How many register people carry each name key (term-frequency adjustment: sharing
    "nguyen van hung" says less than sharing a rare name)."""
    return "SELECT name_key, count(*) AS n FROM register GROUP BY name_key"


def best_sql(d: Dialect, model: Model) -> str:
    """Per residual card, its best candidate (with name and birth date, to show), that
    candidate's score and weight."""
    pairs = """candidates c JOIN residual l ON l.line = c.line
               JOIN register r ON r.person_id = c.person_id"""
    keep = "l.line, r.person_id, r.name_key AS holder_name"
    levels = levels_sql(features_sql(d, pairs, keep), "line, person_id, holder_name")
    terms = []
    for comparison in COMPARISONS:
        whens = " ".join(
            f"WHEN {i} THEN {model.weight(comparison.name, i)}"
            for i in range(1, len(comparison.levels) + 1)
        )
        terms.append(f"CASE p.{comparison.name}_level {whens} ELSE 0 END")
    # Sharing a name says as much as the name is rare: u of the two exact-name levels
    # (with and without the same diacritics) is the name's share of the register.
    for level, name in enumerate(NAME_FREQUENCY_LEVELS, 1):
        m = next(x.m for x in model.levels if x.comparison == "name" and x.name == name)
        terms[0] = (
            f"CASE WHEN p.name_level = {level} "
            f"THEN {round(math.log2(m * model.register_size), 4)} - log2(f.n) "
            f"ELSE {terms[0]} END"
        )
    terms.append(
        f"CASE WHEN h.person_id IS NOT NULL THEN {model.weight('holder', 1)} "
        f"ELSE {model.weight('holder', 2)} END"
    )
    outside = round(math.log2(model.register_size * OUTSIDE / (1 - OUTSIDE)), 4)
    return f"""
        SELECT b.line, b.person_id, b.weight,
               1.0 / (b.mass + pow(2.0, {outside} - b.weight)) AS score,
               r.display AS candidate_name, r.birth_text AS candidate_birth
        FROM (
            SELECT line, person_id, weight,
                   row_number() OVER (PARTITION BY line ORDER BY weight DESC, person_id)
                       AS rank,
                   sum(pow(2.0, weight - top)) OVER (PARTITION BY line) AS mass
            FROM (
                SELECT line, person_id, weight, max(weight) OVER (PARTITION BY line) AS top
                FROM (
                    SELECT p.line, p.person_id, {" + ".join(terms)} AS weight
                    FROM ({levels}) p
                    JOIN name_frequencies f ON f.name_key = p.holder_name
                    LEFT JOIN holders h ON h.person_id = p.person_id
                )
            )
        ) b
        JOIN register r ON r.person_id = b.person_id
        WHERE b.rank = 1"""


def link_columns(card: str, best: str) -> dict[str, str]:
    """A card's holder: by exact ID, else its best candidate when the score reaches
    :data:`PROBABLE`; ``proposal`` says how a search ended, ``candidate_id`` whom it found."""
    probable = f"{best}.score >= {PROBABLE}"
    return {
        "person_id": f"""CASE WHEN {card}.linked THEN {card}.given_id
                              WHEN {probable} THEN {best}.person_id END""",
        "match": f"""CASE WHEN {card}.linked THEN 'exact' WHEN {probable} THEN 'probable'
                          ELSE 'none' END""",
        "score": f"CASE WHEN {card}.linked THEN 1.0 ELSE {best}.score END",
        "proposal": f"""CASE WHEN {card}.linked THEN NULL WHEN {probable} THEN 'probable'
                             WHEN {best}.score >= {UNCERTAIN} THEN 'uncertain'
                             ELSE 'none' END""",
        "candidate_id": f"{best}.person_id",
    }
