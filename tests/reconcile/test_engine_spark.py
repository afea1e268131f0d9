"""The Spark engine gives DuckDB's bytes: each dialect method on tricky values, the input
reader on malformed and on generated files, the CSV writer, and a whole synthetic province
end to end.

One Spark session serves the module (it takes seconds to start); each engine opens its own
session on it, as ``sokhoe reconcile --engine spark`` would on a fresh one.
"""

from __future__ import annotations

import csv
import io
import json
import random
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyspark.sql import SparkSession

from sokhoe.reconcile import ReconcileOptions, csv_lines, run
from sokhoe.reconcile.dialect import Dialect
from sokhoe.reconcile.engine import Engine
from sokhoe.reconcile.engine_duckdb import DuckDBEngine
from sokhoe.reconcile.engine_spark import SparkEngine, spark_session
from sokhoe.reconcile.inputs import INTEGRATED, prepare
from sokhoe.reconcile.validate import PERSON_ID
from sokhoe.synth import SynthOptions, generate
from tests.reconcile.conftest import AS_OF

NFD = unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết")
#: Texts that trip engines up: diacritics (NFC and NFD), the lookalike eth, quotes and
#: backslashes (Spark's literals escape), regex and printf specials, line breaks, spaces.
TEXTS = [
    "Nguyễn Văn Hùng",
    NFD,
    "ÐẶNG thị ðào",
    "Đỗ  Huỳnh\tVõ",
    "it's",
    "back\\slash \\' \\s",
    '"quoted", comma',
    "$1 and \\1 %s %.2f",
    "line\nbreak\r\n",
    "tab\tand\x0bvertical",
    " padded ",
    "Thôn 10",
    "Tổ dân phố 2A",
    "12",
    "ñandú Ærø",
    "",
]
DATES = [
    "2023-02-28",
    "2023-02-30",
    "2024-02-29",
    "1900-02-29",
    "2023-13-01",
    "2023-00-10",
    "2023-2-3",
    " 2023-02-03",
    "2023-02-03 ",
    "2023-02-03T10:00:00",
    "2023-02-03 10:00",
    "2023-02-03 25:00:00",
    "2026-01-05T10:00:00+07:00",
    "2026-01-05T10:00:00Z",
    "2023",
    "2023-02",
    "20230203",
    "hôm qua",
    "",
]


#: Tests run short jobs on a cold JVM: its quick compiler alone starts them sooner.
QUICK_START = {"spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1"}


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    session = spark_session(settings=QUICK_START)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def engines(
    spark: SparkSession, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, Engine]]:
    scratch = tmp_path_factory.mktemp("dialects")
    duck, sparky = DuckDBEngine(scratch), SparkEngine(scratch)
    yield duck, sparky
    duck.close()
    sparky.close()


def results(
    engine: Engine, rows: Sequence[Sequence[str | None]], expression: Callable[[Dialect], str]
) -> list[Any]:
    """``expression`` (over columns ``a``, ``b``…) on each row of texts, in row order."""
    d = engine.dialect
    names = ["a", "b", "c"][: len(rows[0])]
    values = ", ".join(
        "(" + ", ".join([str(i), *(d.literal(v) if v is not None else "NULL" for v in row)]) + ")"
        for i, row in enumerate(rows)
    )
    engine.create("cases", f"SELECT * FROM (VALUES {values}) AS v (i, {', '.join(names)})")
    return [value for _, value in engine.rows(f"SELECT i, {expression(d)} FROM cases ORDER BY i")]


def same(
    engines: tuple[Engine, Engine],
    rows: Sequence[Sequence[str | None]],
    expression: Callable[[Dialect], str],
) -> list[Any]:
    duck, sparky = (results(engine, rows, expression) for engine in engines)
    assert sparky == duck
    return duck


def test_literals_come_back_as_written(engines: tuple[Engine, Engine]) -> None:
    assert same(engines, [(t,) for t in TEXTS], lambda d: "a") == TEXTS


@pytest.mark.parametrize(
    ("pattern", "texts"),
    [
        (PERSON_ID, ["056085012345", "056085012345\n", "05608501234", "056985012345", "x"]),
        (r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?", ["2023", "2023-02", "2023-02-30", "2023-2", ""]),
        (r"[A-Z]{2}[1-5][0-9]{12}|[0-9]{10}", ["DN4565600000001", "0123456789", "dn456"]),
        (r"a.b", ["a\nb", "axb"]),
    ],
)
def test_full_match(engines: tuple[Engine, Engine], pattern: str, texts: list[str]) -> None:
    same(engines, [(t,) for t in [*texts, *TEXTS]], lambda d: d.full_match("a", pattern))


@pytest.mark.parametrize(
    ("pattern", "replacement"),
    [(r"\s+", " "), ("[^a-z]+", " "), ("[0-9]", "$1\\"), ("'", "''")],
)
def test_replace_all(engines: tuple[Engine, Engine], pattern: str, replacement: str) -> None:
    same(engines, [(t,) for t in TEXTS], lambda d: d.replace_all("a", pattern, replacement))


@pytest.mark.parametrize(("pattern", "group"), [(r"^(\D*)", 1), (r"(\d+)", 1), ("(x)?y", 1)])
def test_extract(engines: tuple[Engine, Engine], pattern: str, group: int) -> None:
    same(engines, [(t,) for t in [*TEXTS, None]], lambda d: d.extract("a", pattern, group))


def test_dates_and_timestamps(engines: tuple[Engine, Engine]) -> None:
    rows = [(t,) for t in DATES]
    dates = same(engines, rows, lambda d: f"CAST({d.try_date('a')} AS STRING)")
    assert dates[:4] == ["2023-02-28", None, "2024-02-29", None]
    stamps = same(engines, rows, lambda d: f"{d.try_timestamp('a')} IS NULL")
    assert stamps[:3] == [False, True, False]


def test_nfc_and_folding(engines: tuple[Engine, Engine]) -> None:
    rows = [(t,) for t in [*TEXTS, None]]
    nfc = same(engines, rows, lambda d: d.nfc("a"))
    assert nfc[1] == unicodedata.normalize("NFC", NFD)
    folded = same(engines, rows, lambda d: d.fold_letters("a"))
    assert folded[:3] == ["nguyen van hung", "nguyen thi anh tuyet", "dang thi dao"]


def name_pairs(count: int) -> list[tuple[str, str]]:
    """Folded names as blocking pairs them: often sharing a family name, sometimes a typo."""
    rng = random.Random(4)
    parts = [
        ["nguyen", "tran", "le", "pham", "hoang", "huynh", "vu", "dang", "bui", "duong"],
        ["van", "thi", "minh", "ngoc", "thanh", "huu", "", "quoc", "kim"],
        ["hung", "huong", "lan", "anh", "tuan", "hai", "mai", "linh", "khanh", "khang"],
    ]

    def name() -> str:
        text = " ".join(p for p in (rng.choice(options) for options in parts) if p)
        if rng.random() < 0.3:
            i = rng.randrange(len(text))
            text = text[:i] + rng.choice("abcdeghiklmnou ") + text[i + 1 :]
        return text

    return [(name(), name()) for _ in range(count)]


def test_string_similarity_is_duckdbs_to_the_bit(engines: tuple[Engine, Engine]) -> None:
    tricky = [
        ("martha", "marhta"),
        ("dwayne", "duane"),
        ("", ""),
        ("a", ""),
        ("a", "a"),
        ("a", "b"),
        ("nguyễn", "nguyen"),
        ("ab", "ba"),
        ("056085012345", "056085021345"),
        ("056085012345", "05608501234"),
        ("ca", "abc"),
        ("x" * 70, "x" * 69 + "y"),
    ]
    rows: list[tuple[str | None, str | None]] = [*tricky, *name_pairs(3000), (None, "a")]
    similarity = same(engines, rows, lambda d: d.jaro_winkler("a", "b"))
    assert len(set(similarity)) > 100
    distance = same(engines, rows, lambda d: d.edit_distance("a", "b"))
    assert (distance[0], distance[8], distance[10]) == (1, 1, 2)  # swaps count once


def test_decimals_round_as_c_does(engines: tuple[Engine, Engine]) -> None:
    numbers = ["0.125", "0.12345", "1.00005", "99.99", "0.99995", "1", "2.675", "0.00005"]
    rows = [(n,) for n in numbers]
    two = same(engines, rows, lambda d: d.decimals("CAST(a AS DOUBLE)", 2))
    assert two[0] == "0.12"
    same(engines, rows, lambda d: d.decimals("CAST(a AS DOUBLE) * 100", 4))


def test_ordered_join_and_utf8(engines: tuple[Engine, Engine]) -> None:
    rows = [("k", "dòng 3", "3"), ("k", "dòng 10", "10"), ("k", "dòng 2", "2"), ("j", "x", "1")]
    joined = same(
        engines,
        rows,
        lambda d: (
            f"(SELECT {d.ordered_join('b', ', ', 'CAST(c AS INT)')} FROM cases x "
            "WHERE x.a = cases.a)"
        ),
    )
    assert joined[0] == "dòng 2, dòng 3, dòng 10"
    encoded = same(engines, [(t,) for t in TEXTS], lambda d: d.utf8("a"))
    assert [bytes(b) for b in encoded] == [t.encode() for t in TEXTS]


def test_csv_is_written_as_duckdb_writes_it(engines: tuple[Engine, Engine], tmp_path: Path) -> None:
    rows = [(t,) for t in [*TEXTS, "#", "a#b", None]]
    written = []
    for engine in engines:
        results(engine, rows, lambda d: "a")
        path = tmp_path / f"{engine.dialect.name}.csv"
        engine.write_csv("SELECT i, a AS text, i * 2 AS twice FROM cases ORDER BY i", path)
        written.append(path.read_bytes())
    assert written[0] == written[1]


#: Records between two good lines, the last without a line break.
MALFORMED = {
    "stray_quote": b'a,b"c,d\n',
    "text_after_quote": b'"ab"c,d,e\n',
    "quoted": b'"a,b","c""d",e\n',
    "spaces_around_quotes": b' "a" ,b, c \n',
    "quoted_line_break": b'"a\nb",c,d\nx,y,z\n',
    "quoted_line_break_too_few": b'"a\nb",c\nq,w,e\n',
    "never_closed": b'"abc,d,e\nx,y,z\n',
    "too_many": b"a,b,c,d\n",
    "too_few": b"a,b\n",
    "empty_fields": b',,""\n',
    "blank_lines": b"a,b,c\n\n\nd,e,f\n",
    "not_utf8": f"a,{'Nguyễn Thị Ánh Tuyết ' * 6},c\n".encode() + b"a,\xff\xfe,c\n",
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_lines_are_read_and_numbered_as_duckdb_does(
    engines: tuple[Engine, Engine], tmp_path: Path, body: bytes
) -> None:
    path = tmp_path / "integrated.csv"
    path.write_bytes(b"\xef\xbb\xbfperson_id,card_number,integrated_at\nx,y,z\n" + body + b"k,l,m")
    source = prepare(INTEGRATED, path, tmp_path)
    read = []
    for engine in engines:
        engine.load(source)
        read.append(
            (
                engine.rows("SELECT * FROM integrated_lines ORDER BY line"),
                engine.rows("SELECT * FROM integrated_unreadable ORDER BY line"),
            )
        )
        engine.release_inputs()
    assert read[1] == read[0]


#: CSV fields as a writer quotes them: delimiters, quotes, line breaks, spaces, diacritics.
FIELDS = st.text(alphabet=["a", "ễ", ",", '"', "\n", " ", "#", "Đ"], max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.lists(FIELDS, min_size=1, max_size=5), st.integers(0, 2)),
        min_size=1,
        max_size=10,
    )
)
def test_any_csv_is_read_and_numbered_as_duckdb_does(
    tmp_path_factory: pytest.TempPathFactory, records: list[tuple[list[str], int]]
) -> None:
    """Records of one to five fields (three expected), each followed by blank lines."""
    directory = tmp_path_factory.mktemp("csv")
    text = io.StringIO()
    text.write(",".join(INTEGRATED.columns) + "\n")
    writer = csv.writer(text, lineterminator="\n")
    for fields, blank_lines in records:
        writer.writerow(fields)
        text.write("\n" * blank_lines)
    (directory / "integrated.csv").write_text(text.getvalue(), encoding="utf-8")
    source = prepare(INTEGRATED, directory / "integrated.csv", directory)
    duck = DuckDBEngine(directory)
    try:
        duck.load(source)
        expected = [
            sorted(duck.rows(f"SELECT * FROM integrated_{table}"))
            for table in ("lines", "unreadable")
        ]
    finally:
        duck.close()
    read = [table.to_pylist() for table in csv_lines.read(source).tables()]
    assert [sorted(tuple(row.values()) for row in rows) for rows in read] == expected


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = tmp_path_factory.mktemp("province")
    generate(SynthOptions(56, 2_000, 5, files, as_of=AS_OF, error_rate=3.0))
    return files


def test_a_province_reconciles_to_the_same_bytes(
    spark: SparkSession, province: Path, tmp_path: Path
) -> None:
    summaries = {}
    for engine in ("duckdb", "spark"):
        options = ReconcileOptions(
            province / "register.csv",
            province / "cards.csv",
            province / "integrated.csv",
            tmp_path / engine,
            AS_OF,
            engine,
        )
        summaries[engine] = run(options)
    for name in ("links.csv", "findings.csv", "rejects.csv"):
        duck, sparky = ((tmp_path / e / name).read_bytes() for e in ("duckdb", "spark"))
        assert sparky == duck, name
    duck_summary, spark_summary = ({**s, "engine": None} for s in summaries.values())
    assert spark_summary == duck_summary
    assert sum(duck_summary["findings"].values()) > 1000
    assert duck_summary["links"]["probable"] > 0
    written = json.loads((tmp_path / "spark" / "summary.json").read_text(encoding="utf-8"))
    assert written["engine"] == "spark"
    assert spark.range(3).count() == 3  # the run left the shared session running
