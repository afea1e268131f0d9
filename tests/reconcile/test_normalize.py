"""Vietnamese-aware keys and relations: the SQL agrees with the Python reference, and the
differences that are no error (diacritics, NFD, Ð, case, Huỳnh/Hoàng, a year for a date)
are none, while a swapped day and month or a dropped middle name are named."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sokhoe.reconcile import normalize
from sokhoe.reconcile.dialect import DUCKDB
from tests.reconcile import reference

_VOWELS = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
_LETTERS = [unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in _TONES]
_LETTERS += list("bcdghklmnpqrstvxđ")

syllables = st.text(alphabet=_LETTERS, min_size=1, max_size=6)
spellings = st.sampled_from(["NFC", "NFD", "upper", "eth", "as is"])


def spell(text: str, how: str) -> str:
    if how == "upper":
        return text.upper()
    if how == "eth":
        return text.replace("đ", "Ð")
    return unicodedata.normalize(how, text) if how in ("NFC", "NFD") else text


@st.composite
def names(draw: st.DrawFn) -> str:
    words = draw(st.lists(syllables, min_size=1, max_size=4))
    separator = draw(st.sampled_from([" ", "  ", " - ", "\t"]))
    return spell(separator.join(w.capitalize() for w in words), draw(spellings))


def query(sql: str, rows: Sequence[tuple[object, ...]], columns: str) -> list[tuple[object, ...]]:
    with duckdb.connect() as con:
        con.execute(f"CREATE TABLE input ({columns})")
        con.executemany(f"INSERT INTO input VALUES ({', '.join('?' * len(rows[0]))})", list(rows))
        return con.execute(sql).fetchall()


@settings(max_examples=60, deadline=None)
@given(st.lists(names(), min_size=1, max_size=30, unique=True))
def test_sql_name_keys_match_the_reference(texts: list[str]) -> None:
    sql = normalize.name_dictionary(DUCKDB, "SELECT raw FROM input")
    got = {
        raw: (key, fam, mid, giv)
        for raw, _, key, fam, mid, giv in query(sql, [(t,) for t in texts], "raw VARCHAR")
    }
    for text in texts:
        expected = reference.name(text)
        if expected is None:
            assert text not in got
        else:
            assert got[text] == (expected.key, expected.fam, expected.mid, expected.giv), text


dates = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.isoformat()[:7]),
    st.integers(1000, 9999).map(str),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"),
    st.text(alphabet="0123456789-/ ", max_size=12),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(dates, min_size=1, max_size=30, unique=True))
def test_sql_birth_parts_match_the_reference(texts: list[str]) -> None:
    sql = normalize.birth_dictionary(DUCKDB, "SELECT raw FROM input")
    got = {raw: rest for raw, *rest in query(sql, [(t,) for t in texts], "raw VARCHAR")}
    for text in texts:
        _, valid, year, month, day = got[text]
        try:
            expected = reference.birth(text)
        except reference.InvalidDate:
            assert not valid, text
            continue
        assert valid, text
        if expected is None:
            assert (year, month, day) == (None, None, None)
        else:
            assert (year, month, day) == (expected.year, expected.month, expected.day), text


def relations(pairs: list[tuple[str, str]]) -> list[tuple[object, object]]:
    """Name and birth relations of (name, birth) pairs, computed in SQL."""
    texts = sorted({text for pair in pairs for text in pair})
    with duckdb.connect() as con:
        con.execute("CREATE TABLE input (raw VARCHAR)")
        con.executemany("INSERT INTO input VALUES (?)", [(t,) for t in texts])
        con.execute(
            f"CREATE TABLE n AS {normalize.name_dictionary(DUCKDB, 'SELECT raw FROM input')}"
        )
        con.execute(
            f"CREATE TABLE b AS {normalize.birth_dictionary(DUCKDB, 'SELECT raw FROM input')}"
        )
        con.execute("CREATE TABLE pairs (i INT, a VARCHAR, b VARCHAR)")
        con.executemany(
            "INSERT INTO pairs VALUES (?, ?, ?)", [(i, *p) for i, p in enumerate(pairs)]
        )
        return con.execute(
            f"""SELECT {normalize.name_relation("na", "nb")}, {normalize.birth_relation("ba", "bb")}
                FROM pairs p
                LEFT JOIN n na ON na.raw = p.a LEFT JOIN n nb ON nb.raw = p.b
                LEFT JOIN b ba ON ba.raw = p.a LEFT JOIN b bb ON bb.raw = p.b
                ORDER BY i"""
        ).fetchall()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(names(), names()), min_size=1, max_size=20))
def test_sql_name_relation_matches_the_reference(pairs: list[tuple[str, str]]) -> None:
    for (a, b), (got, _) in zip(pairs, relations(pairs), strict=True):
        assert got == reference.name_relation(reference.name(a), reference.name(b)), (a, b)


valid_dates = st.one_of(
    st.dates().map(lambda d: d.isoformat()), st.dates().map(lambda d: d.isoformat()[:4])
)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(valid_dates, valid_dates), min_size=1, max_size=20))
def test_sql_birth_relation_matches_the_reference(pairs: list[tuple[str, str]]) -> None:
    for (a, b), (_, got) in zip(pairs, relations(pairs), strict=True):
        assert got == reference.birth_relation(reference.birth(a), reference.birth(b)), (a, b)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Nguyễn Văn Hùng", "Nguyen Van Hung", normalize.NAME_SAME),
        ("Nguyễn Văn Hùng", unicodedata.normalize("NFD", "Nguyễn Văn Hùng"), normalize.NAME_SAME),
        ("Đặng Thị Sen", "Ðặng Thị Sen", normalize.NAME_SAME),
        ("Phạm Hải Nhung", "PHẠM HẢI NHUNG", normalize.NAME_SAME),
        ("Huỳnh Văn Phong", "Hoàng Văn Phong", normalize.NAME_SAME),
        ("Võ Thùy Phương", "Vũ Thùy Phương", normalize.NAME_SAME),
        ("Phạm Đăng Lâm", "Phạm Lâm", normalize.NAME_MISSING_MIDDLE),
        ("Phạm Đăng Lâm", "Phạm Văn Lâm", normalize.NAME_DIFFERENT),
        ("Trần Văn Hoàng", "Trần Văn Huỳnh", normalize.NAME_DIFFERENT),
    ],
)
def test_name_relations(a: str, b: str, expected: str) -> None:
    assert relations([(a, b)])[0][0] == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1977-08-06", "1977-08-06", normalize.BIRTH_SAME),
        ("1977-08-06", "1977-06-08", normalize.BIRTH_SWAP),
        ("1977-08-06", "1977", normalize.BIRTH_COMPATIBLE),
        ("1977-08-06", "1977-01-01", normalize.BIRTH_COMPATIBLE),
        ("1977-08-06", "1977-08", normalize.BIRTH_COMPATIBLE),
        ("1977-08-06", "1977-09-06", normalize.BIRTH_SAME_YEAR),
        ("1977-08-06", "1978-08-06", normalize.BIRTH_DIFFERENT),
    ],
)
def test_birth_relations(a: str, b: str, expected: str) -> None:
    assert relations([(a, b)])[0][1] == expected
