"""What differs between the SQL engines reconciliation runs on, and nothing else.

The rules (``normalize``, ``rules``, ``matching``) are SQL text built by functions that take a
:class:`Dialect`; everything they write outside these methods is plain SQL that DuckDB and
Spark SQL both accept (``CASE``, ``translate``, ``regexp_extract``, ``substr``, window
functions, equi-joins; text is ``STRING``, DuckDB's alias of ``VARCHAR``, which Spark only
knows with a length). A Spark dialect implements the same methods (string literals with
backslash escapes, ``rlike``, ``try_to_date``, similarity functions as UDFs), so the rules
are written once. This is the split splink makes between SQL and its execution.
"""

from __future__ import annotations

from abc import ABC, abstractmethod


class Dialect(ABC):
    """Engine-specific spellings of the few constructs the rules need."""

    name: str

    @abstractmethod
    def literal(self, text: str) -> str:
        """``text`` as a SQL string literal (engines escape differently)."""

    @abstractmethod
    def full_match(self, text: str, pattern: str) -> str:
        """Whether the whole of ``text`` matches the regular expression ``pattern``."""

    @abstractmethod
    def replace_all(self, text: str, pattern: str, replacement: str) -> str:
        """``text`` with every match of ``pattern`` replaced by the literal ``replacement``."""

    @abstractmethod
    def extract(self, text: str, pattern: str, group: int) -> str:
        """The ``group``-th group of the first match of ``pattern`` ('' when none)."""

    @abstractmethod
    def try_date(self, text: str) -> str:
        """``YYYY-MM-DD`` text as a DATE, NULL when it is no real day."""

    @abstractmethod
    def try_timestamp(self, text: str) -> str:
        """``YYYY-MM-DD[THH:MM:SS]`` text as a TIMESTAMP, NULL when invalid."""

    @abstractmethod
    def nfc(self, text: str) -> str:
        """Unicode NFC of ``text`` (NFD input from Mac or Windows-1258 conversions)."""

    @abstractmethod
    def fold_letters(self, text: str) -> str:
        """Lower case without diacritics: every Vietnamese letter to its base letter
        (ễ → e), đ and the lookalike ð (Latin eth) to d, combining marks dropped.

        DuckDB's ``strip_accents`` is four times faster than a ``translate`` over the 67
        accented Vietnamese letters; Spark, which has neither, uses a UDF doing what
        ``strip_accents`` does (decompose, drop the marks) for any letter."""

    @abstractmethod
    def jaro_winkler(self, left: str, right: str) -> str:
        """Jaro–Winkler similarity in [0, 1]."""

    @abstractmethod
    def edit_distance(self, left: str, right: str) -> str:
        """Damerau–Levenshtein distance (a swap of two adjacent digits counts once)."""

    @abstractmethod
    def decimals(self, number: str, places: int) -> str:
        """``number`` as text with exactly ``places`` decimals (the same bytes everywhere)."""

    @abstractmethod
    def ordered_join(self, text: str, separator: str, order_by: str) -> str:
        """Aggregate: the group's ``text`` values joined by ``separator`` in ``order_by``."""

    @abstractmethod
    def utf8(self, text: str) -> str:
        """``text`` as UTF-8 bytes (a BLOB), so large strings reach Python without a copy."""


class DuckDBDialect(Dialect):
    name = "duckdb"

    def literal(self, text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    def full_match(self, text: str, pattern: str) -> str:
        return f"regexp_full_match({text}, {self.literal(pattern)})"

    def replace_all(self, text: str, pattern: str, replacement: str) -> str:
        # RE2 reads a backslash in the replacement as the start of a group reference.
        literal = self.literal(replacement.replace("\\", "\\\\"))
        return f"regexp_replace({text}, {self.literal(pattern)}, {literal}, 'g')"

    def extract(self, text: str, pattern: str, group: int) -> str:
        return f"regexp_extract({text}, {self.literal(pattern)}, {group})"

    def try_date(self, text: str) -> str:
        return f"try_cast({text} AS DATE)"

    def try_timestamp(self, text: str) -> str:
        return f"try_cast({text} AS TIMESTAMP)"

    def nfc(self, text: str) -> str:
        return f"nfc_normalize({text})"

    def fold_letters(self, text: str) -> str:
        return f"replace(replace(strip_accents(lower({text})), 'đ', 'd'), 'ð', 'd')"

    def jaro_winkler(self, left: str, right: str) -> str:
        return f"jaro_winkler_similarity({left}, {right})"

    def edit_distance(self, left: str, right: str) -> str:
        return f"damerau_levenshtein({left}, {right})"

    def decimals(self, number: str, places: int) -> str:
        return f"printf('%.{places}f', {number})"

    def ordered_join(self, text: str, separator: str, order_by: str) -> str:
        return f"string_agg({text}, {self.literal(separator)} ORDER BY {order_by})"

    def utf8(self, text: str) -> str:
        return f"encode({text})"


DUCKDB = DuckDBDialect()
