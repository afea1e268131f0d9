"""Line checks and typed, normalised tables for the three inputs, as SQL.

Each input gets one table ``<role>_rows`` holding every line read, its normalised values and,
for a line that cannot be used, the first problem found (``problem`` = ``field:code``, codes
of :mod:`sokhoe.bulk.messages`); the views ``register``, ``cards`` and ``integrated`` are the
usable lines. A card's person ID is not checked here: a card with a missing or malformed ID
is exactly what reconciliation must find a holder for, not a line to throw away.
"""

from __future__ import annotations

from dataclasses import dataclass

from sokhoe.insurance.card_number import LEVEL_OF_GROUP
from sokhoe.reconcile.dialect import Dialect

PERSON_ID = r"[0-9]{3}[0-5][0-9]{8}"
_FULL_CODE = r"[A-Z]{2}[1-5][0-9]{12}"
_SHORT_NUMBER = r"[0-9]{10}|[0-9]{12}"


@dataclass(frozen=True)
class Check:
    """A line is rejected for ``field``/``code`` when ``fails`` (SQL) is true."""

    field: str
    code: str
    fails: str
    #: What the message shows as the bad value (SQL); the field's text by default.
    value: str = ""


def _problem(checks: list[Check]) -> str:
    """``problem`` and ``problem_value`` columns: the first failing check of a line."""
    problem = " ".join(f"WHEN {c.fails} THEN '{c.field}:{c.code}'" for c in checks)
    value = " ".join(f"WHEN {c.fails} THEN {c.value or 't.' + c.field}" for c in checks)
    return f"CASE {problem} END AS problem, CAST(CASE {value} END AS STRING) AS problem_value"


def _texts(role: str, columns: dict[str, str | None]) -> str:
    """The lines of ``role``, each column trimmed with empty as NULL (``{}`` in a column's
    expression stands for that), or as read (``None``: a dictionary trims its values once)."""
    items = ", ".join(
        name
        if expression is None
        else expression.format(f"nullif(trim({name}), '')") + f" AS {name}"
        for name, expression in columns.items()
    )
    return f"SELECT line, {items} FROM {role}_lines"


_TRIMMED = "{}"
_NUMBER = "upper(replace({}, ' ', ''))"


def texts_sql() -> dict[str, str]:
    """Per role, the text view the checks and the dictionaries read."""
    return {
        "register": _texts(
            "register",
            {
                "person_id": _TRIMMED,
                "full_name": None,
                "birth_date": None,
                "sex": "upper({})",
                "commune_code": _TRIMMED,
                "village": None,
                "level2_eid": _TRIMMED,
            },
        ),
        "cards": _texts(
            "cards",
            {
                "card_number": _NUMBER,
                "person_id": _TRIMMED,
                "full_name": None,
                "birth_date": None,
                "sex": "upper({})",
                "commune_code": _TRIMMED,
                "valid_from": _TRIMMED,
                "valid_to": _TRIMMED,
            },
        ),
        "integrated": _texts(
            "integrated",
            {"person_id": _TRIMMED, "card_number": _NUMBER, "integrated_at": _TRIMMED},
        ),
    }


def _distinct(column: str, roles: tuple[str, ...]) -> str:
    return " UNION ".join(
        f"SELECT DISTINCT {column} AS raw FROM {role}_text WHERE {column} IS NOT NULL"
        for role in roles
    )


def distinct_texts_sql() -> dict[str, str]:
    """Each distinct name, birth-date text and village, to normalise once."""
    return {
        "name_texts": _distinct("full_name", ("register", "cards")),
        "birth_texts": _distinct("birth_date", ("register", "cards")),
        "village_texts": _distinct("village", ("register",)),
    }


def villages_sql(d: Dialect) -> str:
    """Village names as NFC, once per distinct spelling."""
    display = d.nfc("nullif(trim(raw), '')")
    return f"SELECT raw, {display} AS display FROM village_texts"


#: Normalised name, birth date, sex and commune, the same in register and cards.
_PERSON_COLUMNS = """n.display, n.name_key, n.fam, n.mid, n.giv, b.text AS birth_text,
                     b.birth_year, b.birth_month, b.birth_day, t.sex, t.commune_code"""
_PERSON_CHECKS = [
    Check("birth_date", "bad_date", "NOT coalesce(b.valid, true)"),
    Check("sex", "bad_sex", "t.sex IS NOT NULL AND t.sex NOT IN ('M', 'F')"),
]


def card_key(number: str) -> str:
    """The 10-digit BHXH number of a 15-character code, else the number as written: cards
    print only the BHXH number since 2021, so lists are matched on it."""
    return f"CASE WHEN length({number}) = 15 THEN substr({number}, 6, 10) ELSE {number} END"


def register_sql(d: Dialect) -> str:
    checks = [
        Check("person_id", "required", "t.person_id IS NULL"),
        Check("person_id", "bad_person_id", f"NOT {d.full_match('t.person_id', PERSON_ID)}"),
        Check(
            "person_id",
            "duplicate_person_id",
            "t.line > first.line",
            value="t.person_id || ':' || CAST(first.line AS STRING)",
        ),
        *_PERSON_CHECKS,
        Check(
            "level2_eid", "bad_flag", "t.level2_eid IS NOT NULL AND t.level2_eid NOT IN ('0', '1')"
        ),
    ]
    return f"""
        SELECT t.line, t.person_id, {_PERSON_COLUMNS},
               v.display AS village, coalesce(t.level2_eid = '1', false) AS level2,
               substr(t.person_id, 7, 6) AS serial, {_problem(checks)}
        FROM register_text t
        LEFT JOIN names n ON n.raw = t.full_name
        LEFT JOIN births b ON b.raw = t.birth_date
        LEFT JOIN villages v ON v.raw = t.village
        LEFT JOIN (SELECT person_id, min(line) AS line FROM register_text
                   GROUP BY person_id HAVING count(*) > 1) first
               ON first.person_id = t.person_id"""


def cards_sql(d: Dialect) -> str:
    checks = [
        Check("card_number", "required", "t.card_number IS NULL"),
        *_PERSON_CHECKS,
        # A day written exactly YYYY-MM-DD is one that survives the round trip to a date.
        *(
            Check(
                column,
                "bad_date",
                f"t.{column} IS NOT NULL "
                f"AND coalesce(CAST({d.try_date(f't.{column}')} AS STRING) <> t.{column}, true)",
            )
            for column in ("valid_from", "valid_to")
        ),
    ]
    groups = ", ".join(f"('{group}', {level})" for group, level in sorted(LEVEL_OF_GROUP.items()))
    return f"""
        SELECT t.line, t.card_number, {card_key("t.card_number")} AS card_key,
               t.group_code, t.level, g.level AS expected_level,
               CASE WHEN t.group_code IS NULL
                        THEN CASE WHEN {d.full_match("t.card_number", _SHORT_NUMBER)} THEN NULL
                                  ELSE 'format' END
                    WHEN g.level IS NULL THEN 'group'
                    WHEN g.level <> t.level THEN 'level' END AS code_problem,
               t.person_id AS given_id, r.person_id IS NOT NULL AS linked,
               coalesce({d.full_match("t.person_id", PERSON_ID)}, false) AS id_valid,
               CASE WHEN length(t.person_id) = 12 THEN substr(t.person_id, 7, 6) END AS serial,
               {_PERSON_COLUMNS},
               {d.try_date("t.valid_from")} AS valid_from, {d.try_date("t.valid_to")} AS valid_to,
               {_problem(checks)}
        FROM (
            SELECT *, CASE WHEN full_code THEN substr(card_number, 1, 2) END AS group_code,
                      CASE WHEN full_code THEN CAST(substr(card_number, 3, 1) AS INT) END AS level
            FROM (SELECT *, {d.full_match("card_number", _FULL_CODE)} AS full_code FROM cards_text)
        ) t
        LEFT JOIN (VALUES {groups}) g (code, level) ON g.code = t.group_code
        LEFT JOIN names n ON n.raw = t.full_name
        LEFT JOIN births b ON b.raw = t.birth_date
        LEFT JOIN register r ON r.person_id = t.person_id"""


def integrated_sql(d: Dialect) -> str:
    checks = [
        Check("person_id", "required", "t.person_id IS NULL"),
        Check("person_id", "bad_person_id", f"NOT {d.full_match('t.person_id', PERSON_ID)}"),
        Check("card_number", "required", "t.card_number IS NULL"),
        Check(
            "integrated_at",
            "bad_datetime",
            f"t.integrated_at IS NOT NULL AND {d.try_timestamp('t.integrated_at')} IS NULL",
        ),
    ]
    return f"""
        SELECT t.line, t.person_id, t.card_number,
               {card_key("t.card_number")} AS card_key, t.integrated_at, {_problem(checks)}
        FROM integrated_text t"""


def usable_sql(role: str) -> str:
    return f"SELECT * FROM {role}_rows WHERE problem IS NULL"


def problems_sql() -> str:
    """Every rejected line of the three files: ``role, line, problem, value, found``."""
    checked = " UNION ALL ".join(
        f"""SELECT '{role}' AS role, line, problem, problem_value AS value, NULL AS found
            FROM {role}_rows WHERE problem IS NOT NULL"""
        for role in ("register", "cards", "integrated")
    )
    unreadable = " UNION ALL ".join(
        f"SELECT '{role}', line, 'line:' || kind, NULL, found FROM {role}_unreadable"
        for role in ("register", "cards", "integrated")
    )
    return f"SELECT * FROM ({checked} UNION ALL {unreadable}) ORDER BY role, line"
