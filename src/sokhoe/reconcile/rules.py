"""The findings, as SQL: what is true of each card line, then one rule per situation.

``facts`` joins every usable card line to its link (exact, probable or none), the holder's
register entry, the wallet and the card's validity on the as-of date. Each :class:`Rule` then
selects the lines in one situation and renders the category's Vietnamese templates
(:mod:`sokhoe.reconcile.categories`) into ``detail`` and ``suggested_fix`` in SQL, so a
finding costs no Python per row and every engine renders the same bytes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sokhoe.reconcile import matching, normalize
from sokhoe.reconcile.categories import BY_CODE, CATEGORIES, KEEP_REASONS, Worklist
from sokhoe.reconcile.dialect import Dialect

#: Share of costs the fund pays per benefit level (Luật BHYT, Điều 22): level 1, 2 and 5
#: 100 %, level 3 95 %, level 4 80 %. A person with several cards keeps the best-paid one.
BENEFIT_PERCENT = {1: 100, 2: 100, 3: 95, 4: 80, 5: 100}
CHILD_AGE = 14
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def vn_date(text: str) -> str:
    """ISO date text (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD…``) the Vietnamese way."""
    return f"""CASE WHEN length({text}) >= 10
        THEN substr({text}, 9, 2) || '/' || substr({text}, 6, 2) || '/' || substr({text}, 1, 4)
        WHEN length({text}) = 7 THEN substr({text}, 6, 2) || '/' || substr({text}, 1, 4)
        ELSE {text} END"""


def _sex(code: str) -> str:
    return f"CASE {code} WHEN 'M' THEN 'nam' WHEN 'F' THEN 'nữ' ELSE 'không rõ' END"


def facts_sql(d: Dialect, as_of: dt.date) -> str:
    when = f"DATE '{as_of.isoformat()}'"
    link = matching.link_columns("c", "b")
    return f"""
        SELECT c.line, c.card_number, c.card_key, c.code_problem, c.group_code, c.level,
               c.expected_level, c.given_id, c.id_valid, c.display AS card_name,
               c.birth_text AS card_birth, c.birth_year AS card_year, c.sex AS card_sex,
               c.commune_code AS card_commune, c.valid_from, c.valid_to,
               r.person_id, {link["match"]} AS match, {link["score"]} AS score,
               {link["proposal"]} AS proposal, {link["candidate_id"]} AS candidate_id,
               b.candidate_name, b.candidate_birth,
               r.display AS reg_name, r.birth_text AS reg_birth, r.birth_year AS reg_year,
               r.sex AS reg_sex, r.commune_code AS reg_commune, r.village, r.level2,
               r.fam AS reg_fam, r.mid AS reg_mid, r.giv AS reg_giv,
               {normalize.name_relation("c", "r")} AS name_rel,
               {normalize.birth_relation("c", "r")} AS birth_rel,
               CASE WHEN c.valid_to < {when} THEN 'expired'
                    WHEN c.valid_from > {when} THEN 'not_yet' ELSE 'valid' END AS validity,
               w.integrated_at
        FROM cards c
        LEFT JOIN best b ON b.line = c.line
        LEFT JOIN register r ON r.person_id = {link["person_id"]}
        LEFT JOIN wallet w ON w.person_id = r.person_id AND w.card_key = c.card_key"""


def wallet_sql() -> str:
    """Cards in VNeID wallets, once per person and BHXH number."""
    return """SELECT person_id, card_key, min(card_number) AS card_number,
                     min(integrated_at) AS integrated_at
              FROM integrated GROUP BY person_id, card_key"""


def _benefit(level: str) -> str:
    whens = " ".join(f"WHEN {level_} THEN {p}" for level_, p in BENEFIT_PERCENT.items())
    return f"CASE {level} {whens} END"


def duplicates_sql() -> str:
    """Cards of people holding several valid cards, ranked: the best-paid benefit, then a
    group other than household-based (GD is for people in no other group), then the one in
    the wallet, then the longest valid, then the lowest number. Rank 1 is kept."""
    return f"""
        SELECT f.line, f.person_id, f.card_number, f.valid_to,
               {_benefit("f.level")} AS benefit, coalesce(f.group_code = 'GD', false) AS household,
               f.integrated_at IS NOT NULL AS integrated,
               count(*) OVER (PARTITION BY f.person_id) AS cards,
               row_number() OVER (
                   PARTITION BY f.person_id
                   ORDER BY {_benefit("f.level")} DESC NULLS LAST,
                            coalesce(f.group_code = 'GD', false),
                            f.integrated_at IS NOT NULL DESC, f.valid_to DESC NULLS LAST,
                            f.card_number, f.line) AS rank
        FROM facts f
        JOIN (SELECT person_id FROM facts WHERE validity = 'valid' AND person_id IS NOT NULL
              GROUP BY person_id HAVING count(*) > 1) many ON many.person_id = f.person_id
        WHERE f.validity = 'valid'"""


def shared_numbers_sql(d: Dialect) -> str:
    """BHXH numbers written on more than one card line, with those lines."""
    holder = "'dòng ' || CAST(line AS STRING) || ' (' || coalesce(given_id, 'không mã') || ')'"
    return f"""SELECT card_key, count(*) AS lines, {d.ordered_join(holder, ", ", "line")} AS holders
               FROM facts
               WHERE card_key IN (SELECT card_key FROM facts GROUP BY card_key HAVING count(*) > 1)
               GROUP BY card_key"""


def _why_kept() -> str:
    criteria = {
        "level": "k.benefit IS DISTINCT FROM x.benefit",
        "household": "k.household <> x.household",
        "integrated": "k.integrated <> x.integrated",
        "valid_to": "k.valid_to IS DISTINCT FROM x.valid_to",
    }
    whens = " ".join(
        f"WHEN {condition} THEN '{KEEP_REASONS[reason]}'" for reason, condition in criteria.items()
    )
    return f"CASE {whens} ELSE '{KEEP_REASONS['number']}' END"


def _status() -> str:
    return """CASE WHEN f.validity <> 'valid' OR f.person_id IS NULL THEN NULL
        WHEN f.integrated_at IS NOT NULL THEN 'integrated'
        WHEN x.rank > 1 THEN NULL
        WHEN shown.person_id IS NOT NULL THEN 'integrated_card_differs'
        WHEN f.level2 THEN 'ready_not_integrated'
        ELSE 'no_level2_eid' END"""


def _id_sex(given_id: str) -> str:
    """The sex the G digit of a (valid) person ID encodes, M or F."""
    return f"CASE WHEN substr({given_id}, 4, 1) IN ('1', '3', '5') THEN 'F' ELSE 'M' END"


def _id_year(given_id: str) -> str:
    """The birth year G and YY of a (valid) person ID encode."""
    g = f"substr({given_id}, 4, 1)"
    century = f"CASE WHEN {g} >= '4' THEN 2100 WHEN {g} >= '2' THEN 2000 ELSE 1900 END"
    return f"({century} + CAST(substr({given_id}, 5, 2) AS INT))"


def placeholders(d: Dialect, as_of: dt.date) -> dict[str, str]:
    """Template placeholder → SQL, over ``f`` (facts) and the aliases rules join."""
    return {
        "as_of": d.literal(as_of.strftime("%d/%m/%Y")),
        "card_number": "f.card_number",
        "card_key": "f.card_key",
        "person_id": "f.person_id",
        "given_id": "f.given_id",
        # Two decimals, and never 100 % for a search: only an exact ID is certain.
        "score": f"replace({d.decimals('100 * least(f.score, 0.9999)', 2)}, '.', ',') || '%'",
        "card_name": "f.card_name",
        "card_birth": vn_date("f.card_birth"),
        "card_sex": _sex("f.card_sex"),
        "card_year": "CAST(f.card_year AS STRING)",
        "reg_name": "f.reg_name",
        "reg_birth": vn_date("f.reg_birth"),
        "reg_sex": _sex("f.reg_sex"),
        "reg_commune": "f.reg_commune",
        "valid_from": vn_date("CAST(f.valid_from AS STRING)"),
        "valid_to": vn_date("CAST(f.valid_to AS STRING)"),
        "group": "f.group_code",
        "level": "CAST(f.level AS STRING)",
        "expected_level": "CAST(f.expected_level AS STRING)",
        "corrected_card": "f.group_code || CAST(f.expected_level AS STRING) "
        "|| substr(f.card_number, 4)",
        "id_sex": _sex(_id_sex("f.given_id")),
        "id_year": f"CAST({_id_year('f.given_id')} AS STRING)",
        "candidate_id": "f.candidate_id",
        "candidate_name": "f.candidate_name",
        "candidate_birth": vn_date("f.candidate_birth"),
        "kept_card": "k.card_number",
        "card_count": "CAST(x.cards AS STRING)",
        "why": _why_kept(),
        "holder_count": "CAST(s.lines AS STRING)",
        "holders": "s.holders",
        "integrated_card": "shown.card_number",
        "integrated_at": vn_date("f.integrated_at"),
    }


@dataclass(frozen=True)
class Rule:
    """Card lines in some situation: ``where`` over ``f`` (facts) and ``joins``; the
    category is ``category`` (SQL) among ``codes``, the template chosen by ``variant``."""

    codes: tuple[str, ...]
    where: str
    variant: str = "''"
    joins: str = ""
    category: str = ""


def rules(as_of: dt.date) -> tuple[Rule, ...]:
    return (
        Rule(("card_code_invalid",), "f.code_problem IS NOT NULL", variant="f.code_problem"),
        Rule(("card_expired",), "f.validity = 'expired'"),
        Rule(("card_not_yet_valid",), "f.validity = 'not_yet'"),
        Rule(("person_id_missing",), "f.given_id IS NULL", "f.proposal"),
        Rule(("person_id_unknown",), "f.given_id IS NOT NULL AND f.match <> 'exact'", "f.proposal"),
        Rule(
            ("person_id_inconsistent",),
            # CASE, not AND: the ID's digits are read only once it is known to be valid.
            f"""CASE WHEN f.id_valid
                THEN coalesce({_id_sex("f.given_id")} <> f.card_sex, false)
                     OR coalesce({_id_year("f.given_id")} <> f.card_year, false)
                ELSE false END""",
            "CASE WHEN f.person_id <> f.given_id THEN 'relinked' ELSE '' END",
        ),
        Rule(
            ("demographic_mismatch",),
            f"f.name_rel IN ('{normalize.NAME_MISSING_MIDDLE}', '{normalize.NAME_DIFFERENT}')",
            "'name_' || f.name_rel",
        ),
        Rule(
            ("demographic_mismatch",),
            f"f.birth_rel IN ('{normalize.BIRTH_SWAP}', '{normalize.BIRTH_SAME_YEAR}', "
            f"'{normalize.BIRTH_DIFFERENT}')",
            f"CASE f.birth_rel WHEN '{normalize.BIRTH_SWAP}' THEN 'birth_swap' "
            "ELSE 'birth_different' END",
        ),
        Rule(("demographic_mismatch",), "f.card_sex <> f.reg_sex", "'sex'"),
        Rule(
            ("duplicate_cards",),
            "x.rank > 1",
            joins="""JOIN duplicates x ON x.line = f.line
                     JOIN duplicates k ON k.person_id = x.person_id AND k.rank = 1""",
        ),
        Rule(
            ("duplicate_card_number",),
            "TRUE",
            joins="JOIN shared_numbers s ON s.card_key = f.card_key",
        ),
        Rule(
            ("integrated_card_differs", "ready_not_integrated", "no_level2_eid", "integrated"),
            f"({_status()}) IS NOT NULL",
            f"CASE WHEN {as_of.year} - f.reg_year < {CHILD_AGE} THEN 'child' ELSE '' END",
            joins="""LEFT JOIN duplicates x ON x.line = f.line
                     LEFT JOIN (SELECT person_id, min(card_number) AS card_number
                                FROM wallet GROUP BY person_id) shown
                            ON shown.person_id = f.person_id""",
            category=_status(),
        ),
    )


def render(d: Dialect, template: str, values: dict[str, str]) -> str:
    """A template as a SQL text expression; a missing value shows as empty."""
    parts = []
    for i, piece in enumerate(_PLACEHOLDER.split(template)):
        if i % 2:
            parts.append(f"coalesce({values[piece]}, '')")
        elif piece:
            parts.append(d.literal(piece))
    return " || ".join(parts) or "''"


def _texts(d: Dialect, rule: Rule, which: str, category: str, values: dict[str, str]) -> str:
    """``detail`` or ``fix`` of a rule: per category, per variant (default variant "")."""
    by_category = []
    for code in rule.codes:
        templates: dict[str, str] = getattr(BY_CODE[code], which)
        default = render(d, templates.get("", next(iter(templates.values()))), values)
        whens = " ".join(
            f"WHEN {d.literal(variant)} THEN {render(d, text, values)}"
            for variant, text in templates.items()
            if variant
        )
        chosen = f"CASE {rule.variant} {whens} ELSE {default} END" if whens else default
        by_category.append(f"WHEN {d.literal(code)} THEN {chosen}")
    return f"CASE {category} {' '.join(by_category)} END"


def findings_sql(d: Dialect, as_of: dt.date) -> str:
    """Every finding, in the order of card lines and of :data:`CATEGORIES`."""
    order = {category.code: i for i, category in enumerate(CATEGORIES)}
    values = placeholders(d, as_of)
    selects = []
    for rule in rules(as_of):
        category = rule.category or d.literal(rule.codes[0])
        label = " ".join(f"WHEN '{c}' THEN {d.literal(BY_CODE[c].label)}" for c in rule.codes)
        worklist = " ".join(f"WHEN '{c}' THEN '{BY_CODE[c].worklist.value}'" for c in rule.codes)
        position = " ".join(f"WHEN '{c}' THEN {order[c]}" for c in rule.codes)
        selects.append(
            f"""SELECT f.line, f.card_number, coalesce(f.person_id, f.given_id) AS person_id,
                       coalesce(f.reg_commune, f.card_commune) AS commune_code,
                       {category} AS category, CASE {category} {label} END AS label,
                       {_texts(d, rule, "detail", category, values)} AS detail,
                       {_texts(d, rule, "fix", category, values)} AS suggested_fix,
                       CASE {category} {worklist} END AS worklist,
                       CASE {category} {position} END AS position, {rule.variant} AS variant,
                       {_visit(rule, category)}
                FROM facts f {rule.joins}
                WHERE {rule.where}"""
        )
    return " UNION ALL ".join(selects)


#: What a worklist shows of a person, kept with the findings that go on worklists.
VISIT_COLUMNS = ("village", "reg_name", "reg_birth", "reg_sex", "reg_giv", "reg_fam", "reg_mid")


def _visit(rule: Rule, category: str) -> str:
    """The :data:`VISIT_COLUMNS` of a worklist finding, NULL for the others (most rows)."""
    visited = [c for c in rule.codes if BY_CODE[c].worklist in (Worklist.COMMUNE, Worklist.POLICE)]
    if not visited:
        return ", ".join(f"CAST(NULL AS STRING) AS {column}" for column in VISIT_COLUMNS)
    listed = ", ".join(f"'{c}'" for c in visited)
    return ", ".join(
        f"CASE WHEN {category} IN ({listed}) THEN f.{column} END AS {column}"
        for column in VISIT_COLUMNS
    )
