"""Vietnamese-aware normalisation of names and birth dates, as SQL.

BHXH's card list and the register rarely spell a person alike: diacritics (Nguyen /
Nguyễn), Unicode form (NFC / NFD), the lookalike Ð (Latin eth) for Đ, upper case, the
regional spelling of a family name (Huỳnh / Hoàng, Võ / Vũ), a dropped middle name, day and
month swapped, a birth date cut to its year. Reconciliation compares *keys* that erase the
differences that are no error, and *relations* that name the ones that are.

Names and dates repeat (2.3 million people carry ≈ 200,000 distinct names), so each distinct
text is normalised once, in a dictionary table, and joined back. Everything here is SQL
built for a :class:`~sokhoe.reconcile.dialect.Dialect`, so the Spark engine reuses it; the
Python reference used to check it lives with the tests.
"""

from __future__ import annotations

from sokhoe.reconcile.dialect import Dialect

#: Regional spellings of one family name, folded, mapped to one spelling.
REGIONAL_FAMILY_NAMES = {"huynh": "hoang", "vo": "vu"}

#: Name relations, from no difference to a real one.
NAME_SAME, NAME_MISSING_MIDDLE, NAME_DIFFERENT = "same", "missing_middle", "different"
#: Birth-date relations. ``compatible``: equal as far as the less precise side goes (a year
#: against a full date); ``swap``: day and month exchanged; ``same_year``: otherwise unequal.
BIRTH_SAME, BIRTH_COMPATIBLE, BIRTH_SWAP = "same", "compatible", "swap"
BIRTH_SAME_YEAR, BIRTH_DIFFERENT = "same_year", "different"

_DATE_SHAPE = r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?"


def name_dictionary(d: Dialect, raw_names: str) -> str:
    """Normalised forms of each distinct name of the query ``raw_names`` (column ``raw``).

    ``display`` is the name as written, NFC with single spaces; ``name_key`` folds case and
    diacritics and maps regional family names to one spelling; ``fam``, ``mid`` and ``giv``
    are the folded family, middle and given names (``fam`` already regional-mapped).
    A name without letters is left out: it is treated as no name.
    """
    regional = " ".join(
        f"WHEN {d.literal(variant)} THEN {d.literal(canonical)}"
        for variant, canonical in REGIONAL_FAMILY_NAMES.items()
    )
    folded = f"trim({d.replace_all(d.fold_letters('raw'), '[^a-z]+', ' ')})"
    spaces = d.replace_all("raw", r"\s+", " ")
    display = d.nfc(f"trim({spaces})")
    return f"""
        SELECT raw, display, fam || substr(folded, length(family) + 1) AS name_key,
               fam, mid, giv
        FROM (
            SELECT raw, display, folded, family, giv,
                   CASE family {regional} ELSE family END AS fam,
                   substr(folded, length(family) + 2,
                          greatest(length(folded) - length(family) - length(giv) - 2, 0))
                       AS mid
            FROM (
                SELECT raw, display, folded,
                       split_part(folded, ' ', 1) AS family, split_part(folded, ' ', -1) AS giv
                FROM (SELECT raw, {display} AS display, {folded} AS folded FROM ({raw_names}))
                WHERE folded <> ''
            )
        )"""


def birth_dictionary(d: Dialect, raw_dates: str) -> str:
    """Parts of each distinct birth-date text of the query ``raw_dates`` (column ``raw``).

    Accepted: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` naming a real day, or blanks (no date).
    ``valid`` is false for anything else (the line is rejected). ``YYYY-01-01`` is how
    registers write "only the year is known", so it is read as a year: ``birth_year`` always,
    ``birth_month`` and ``birth_day`` only when known.
    """
    padded = (
        "CASE length(text) WHEN 4 THEN text || '-01-01' WHEN 7 THEN text || '-01' ELSE text END"
    )
    january_first = "(length(text) = 10 AND substr(text, 6, 5) = '01-01')"
    return f"""
        SELECT raw, text, valid,
               CASE WHEN valid THEN CAST(substr(text, 1, 4) AS INT) END AS birth_year,
               CASE WHEN valid AND length(text) >= 7 AND NOT {january_first}
                    THEN CAST(substr(text, 6, 2) AS INT) END AS birth_month,
               CASE WHEN valid AND length(text) = 10 AND NOT {january_first}
                    THEN CAST(substr(text, 9, 2) AS INT) END AS birth_day
        FROM (
            SELECT raw, text,
                   text IS NULL OR coalesce({d.full_match("text", _DATE_SHAPE)}
                                            AND {d.try_date(padded)} IS NOT NULL, false)
                       AS valid
            FROM (SELECT raw, nullif(trim(raw), '') AS text FROM ({raw_dates}))
        )"""


def name_relation(left: str, right: str) -> str:
    """How two names of table aliases ``left`` and ``right`` differ (NULL: one is missing).

    Folding makes diacritics, NFD, Ð, case and Huỳnh/Hoàng differences no difference at all.
    """
    return f"""CASE
        WHEN {left}.name_key IS NULL OR {right}.name_key IS NULL THEN NULL
        WHEN {left}.name_key = {right}.name_key THEN '{NAME_SAME}'
        WHEN {left}.fam = {right}.fam AND {left}.giv = {right}.giv
             AND ({left}.mid = '' OR {right}.mid = '') THEN '{NAME_MISSING_MIDDLE}'
        ELSE '{NAME_DIFFERENT}' END"""


def birth_relation(left: str, right: str) -> str:
    """How two birth dates of table aliases ``left`` and ``right`` differ (NULL: one is
    missing). A year alone agrees with any date in that year."""
    lm, rm = f"{left}.birth_month", f"{right}.birth_month"
    ld, rd = f"{left}.birth_day", f"{right}.birth_day"
    return f"""CASE
        WHEN {left}.birth_year IS NULL OR {right}.birth_year IS NULL THEN NULL
        WHEN {left}.birth_year <> {right}.birth_year THEN '{BIRTH_DIFFERENT}'
        WHEN {ld} IS NOT NULL AND {rd} IS NOT NULL AND {lm} = {rm} AND {ld} = {rd}
            THEN '{BIRTH_SAME}'
        WHEN ({lm} IS NULL OR {rm} IS NULL OR {lm} = {rm})
             AND ({ld} IS NULL OR {rd} IS NULL OR {ld} = {rd}) THEN '{BIRTH_COMPATIBLE}'
        WHEN {ld} IS NOT NULL AND {rd} IS NOT NULL AND {lm} = {rd} AND {ld} = {rm}
            THEN '{BIRTH_SWAP}'
        ELSE '{BIRTH_SAME_YEAR}' END"""
