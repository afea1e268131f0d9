"""Spark SQL's spelling of the rules' engine-specific pieces, and the UDFs it needs.

Spark has builtins for most of :class:`~sokhoe.reconcile.dialect.Dialect`, but not for
Unicode normalisation or accent stripping, and its ``jaro_winkler_similarity`` (4.3) uses
another matching window than DuckDB's, so 10 % of name pairs score differently. Those are
vectorised Arrow UDFs (:data:`UDFS`, registered by the engine per session) computed the way
DuckDB computes them, so both engines give the same bytes. Regular expressions are Java's
here and RE2's in DuckDB; the patterns the rules use mean the same in both except ``\\s``,
which Java widens by the vertical tab and is narrowed back here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, Jaro

from sokhoe.reconcile.dialect import Dialect

#: RE2's ``\s``, which Java's ``\s`` exceeds by ``\x0B``.
_RE2_SPACE = r"[\t\n\f\r ]"
#: A day as DuckDB's casts read it: month and day may lack their leading zero.
_DAY = "[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
#: Winkler's bonus per shared leading character, for at most this many characters, given to
#: pairs whose Jaro similarity exceeds the threshold (DuckDB's constants).
_PREFIX_WEIGHT, _PREFIX_MAX, _WINKLER_THRESHOLD = 0.1, 4, 0.7


class SparkDialect(Dialect):
    name = "spark"

    def literal(self, text: str) -> str:
        """Spark reads backslash escapes inside string literals."""
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def _pattern(self, pattern: str) -> str:
        return self.literal(pattern.replace(r"\s", _RE2_SPACE))

    def full_match(self, text: str, pattern: str) -> str:
        # \z, not $: Java's $ also matches before a final line break.
        anchored = rf"^(?:{pattern})\z"
        return f"({text} RLIKE {self._pattern(anchored)})"

    def replace_all(self, text: str, pattern: str, replacement: str) -> str:
        # Java reads $ and \ in the replacement as group references and escapes.
        quoted = replacement.replace("\\", "\\\\").replace("$", "\\$")
        return f"regexp_replace({text}, {self._pattern(pattern)}, {self.literal(quoted)})"

    def extract(self, text: str, pattern: str, group: int) -> str:
        return f"regexp_extract({text}, {self._pattern(pattern)}, {group})"

    def try_date(self, text: str) -> str:
        """DuckDB reads a day alone (spaces around allowed) or any timestamp's day; Spark's
        cast would also read a year alone, or a day followed by anything."""
        day = self.full_match(text, f" *{_DAY} *")
        stamp = self.try_timestamp(text)
        return f"CASE WHEN {day} THEN try_cast({text} AS DATE) ELSE CAST({stamp} AS DATE) END"

    def try_timestamp(self, text: str) -> str:
        """A day, or a day then (after spaces or ``T``) at least hours and minutes, as DuckDB
        reads them; Spark's cast wants one separator and would take hours alone."""
        shape = self.full_match(text, f" *{_DAY}(( +|T)[0-9]{{1,2}}:[0-9]{{2}}.*)?")
        pattern = self._pattern(f"^ *({_DAY})( +|T)")
        one_separator = f"regexp_replace({text}, {pattern}, '$1T')"
        return f"CASE WHEN {shape} THEN try_cast({one_separator} AS TIMESTAMP) END"

    def nfc(self, text: str) -> str:
        return f"sokhoe_nfc({text})"

    def fold_letters(self, text: str) -> str:
        return f"sokhoe_fold({text})"

    def jaro_winkler(self, left: str, right: str) -> str:
        return f"sokhoe_jaro_winkler({left}, {right})"

    def edit_distance(self, left: str, right: str) -> str:
        return f"sokhoe_damerau_levenshtein({left}, {right})"

    def decimals(self, number: str, places: int) -> str:
        """Java's ``printf`` rounds the shortest decimal form half up, C's (and DuckDB's,
        and Python's) the exact binary value half to even: 0.125 → 0.13 against 0.12."""
        return f"sokhoe_decimals(CAST({number} AS DOUBLE), {places})"

    def ordered_join(self, text: str, separator: str, order_by: str) -> str:
        return f"listagg({text}, {self.literal(separator)}) WITHIN GROUP (ORDER BY {order_by})"

    def utf8(self, text: str) -> str:
        return f"encode({text}, 'UTF-8')"


SPARK = SparkDialect()


def nfc(text: pa.Array) -> pa.Array:
    return pc.utf8_normalize(text, "NFC")


def fold(text: pa.Array) -> pa.Array:
    """DuckDB's ``strip_accents(lower(…))`` (every combining mark dropped after canonical
    decomposition), then đ and ð as d."""
    bare = pc.replace_substring_regex(pc.utf8_normalize(pc.utf8_lower(text), "NFD"), r"\p{M}+", "")
    return pc.replace_substring_regex(pc.utf8_normalize(bare, "NFC"), "[đð]", "d")


def _pairs(left: pa.Array, right: pa.Array) -> tuple[np.ndarray, list[bytes], list[bytes]]:
    """Where both sides are present, and those sides as UTF-8 bytes: DuckDB compares bytes."""
    both = pc.and_(pc.is_valid(left), pc.is_valid(right))

    def encoded(side: pa.Array) -> list[bytes]:
        return pc.filter(pc.cast(side, pa.binary()), both).to_pylist()  # type: ignore[no-any-return]

    return both.to_numpy(zero_copy_only=False), encoded(left), encoded(right)


def _spread(valid: np.ndarray, values: np.ndarray, kind: pa.DataType) -> pa.Array:
    """``values`` at the ``valid`` positions, NULL elsewhere."""
    full = np.zeros(len(valid), dtype=values.dtype)
    full[valid] = values
    return pa.array(full, type=kind, mask=~valid)


def jaro_winkler(left: pa.Array, right: pa.Array) -> pa.Array:
    """DuckDB's ``jaro_winkler_similarity``, to the last bit: rapidfuzz's Jaro over the
    bytes (DuckDB's is rapidfuzz's algorithm), then Winkler's bonus rounded as DuckDB's."""
    valid, lefts, rights = _pairs(left, right)
    jaro = process.cpdist(lefts, rights, scorer=Jaro.similarity, dtype=np.float64)
    winkler = np.array(
        [
            0.0 if not (x and y) else _winkler(j, _common_prefix(x, y))
            for j, x, y in zip(jaro.tolist(), lefts, rights, strict=True)
        ],
        dtype=np.float64,
    )
    return _spread(valid, winkler, pa.float64())


@functools.lru_cache(maxsize=1 << 16)
def _winkler(jaro: float, prefix: int) -> float:
    """Winkler's bonus as DuckDB's build computes it: ``jaro + (prefix · 0.1)(1 − jaro)``
    with the multiply-add fused (FMA), so rounded once, which exact fractions reproduce;
    rounding twice, as Python would, is one ulp off for 1 % of pairs. Few distinct
    (jaro, prefix) pairs occur, hence the cache. (An empty side scores 0 in DuckDB.)"""
    if jaro <= _WINKLER_THRESHOLD:
        return jaro
    return float(Fraction(prefix * _PREFIX_WEIGHT) * Fraction(1.0 - jaro) + Fraction(jaro))


def _common_prefix(left: bytes, right: bytes) -> int:
    n = 0
    for x, y in zip(left[:_PREFIX_MAX], right[:_PREFIX_MAX], strict=False):
        if x != y:
            break
        n += 1
    return n


def damerau_levenshtein(left: pa.Array, right: pa.Array) -> pa.Array:
    """The unrestricted Damerau–Levenshtein distance over bytes, as DuckDB's."""
    valid, lefts, rights = _pairs(left, right)
    distances = process.cpdist(lefts, rights, scorer=DamerauLevenshtein.distance, dtype=np.int64)
    return _spread(valid, np.asarray(distances, dtype=np.int64), pa.int64())


def decimals(number: pa.Array, places: pa.Array) -> pa.Array:
    """``printf('%.nf')`` as C rounds it (Python's formatting is correctly rounded too)."""
    return pa.array(
        [
            None if value is None else f"{value:.{digits}f}"
            for value, digits in zip(number.to_pylist(), places.to_pylist(), strict=True)
        ],
        pa.string(),
    )


#: SQL name → (function over Arrow arrays, Spark return type).
UDFS: dict[str, tuple[Callable[..., Any], str]] = {
    "sokhoe_nfc": (nfc, "string"),
    "sokhoe_fold": (fold, "string"),
    "sokhoe_jaro_winkler": (jaro_winkler, "double"),
    "sokhoe_damerau_levenshtein": (damerau_levenshtein, "bigint"),
    "sokhoe_decimals": (decimals, "string"),
}
