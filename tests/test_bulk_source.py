"""Reading a CSV a block at a time still names every problem by its physical line.

A reference reader (Python's ``csv`` module over the file's lines, as the import read files
before) says where each record starts and which lines are empty; the Arrow-based reader must
agree on every problem and every loaded row, whatever the block boundaries, quoted commas
and newlines, empty lines, line ends, byte order mark or lines that are not UTF-8.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sokhoe.bulk import csv_source, fields
from sokhoe.bulk.csv_source import LINE, Column, CsvSource
from sokhoe.bulk.messages import FileRejected

COLUMNS = [
    Column("person_id", fields.person_id),
    Column("name", fields.text(12)),
    Column("sex", fields.sex),
]
HEADER = "person_id,name,sex"


def read(path: Path) -> tuple[list[tuple[int | None, str | None, str]], list[tuple[object, ...]]]:
    """(problems as (line, field, code), loaded rows as (line, person_id, name, sex))."""
    source = CsvSource(path, COLUMNS)
    rows = []
    for block in source.blocks():
        columns = [block.column(c).to_pylist() for c in [LINE, "person_id", "name", "sex"]]
        rows += zip(*columns, strict=True)
    problems = [(p.line, p.field, p.code) for p in source.problems]
    return sorted(problems, key=lambda p: p[0] or 0), rows


def reference(
    data: bytes,
) -> tuple[list[tuple[int | None, str | None, str]], list[tuple[object, ...]]]:
    """The same from Python's csv module: a record is named by the line it starts on."""
    lines = data.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    problems: list[tuple[int | None, str | None, str]] = []
    texts: list[str] = []
    for number, raw in enumerate(lines, start=1):
        try:
            texts.append(raw.decode("utf-8") + "\n")
        except UnicodeDecodeError:
            problems.append((number, None, "not_utf8"))
            texts.append("\n")
    reader = csv.reader(texts)
    next(reader)
    rows = []
    while True:
        start = reader.line_num + 1
        record = next(reader, None)
        if record is None:
            break
        if not record:
            continue
        if len(record) != 3:
            problems.append((start, None, "wrong_field_count"))
            continue
        pid, name, sex = (v.strip() for v in record)
        if len(pid) != 12 or not pid.isascii() or not pid.isdigit():
            problems.append((start, "person_id", "bad_person_id"))
        elif not name:
            problems.append((start, "name", "required"))
        elif len(name) > 12:
            problems.append((start, "name", "too_long"))
        elif sex not in ("M", "F", ""):
            problems.append((start, "sex", "bad_sex"))
        else:
            rows.append((start, pid, name, sex or None))
    return sorted(problems, key=lambda p: p[0] or 0), rows


GOOD = "056085000001,Lan,F"


def write(tmp_path: Path, body: bytes) -> Path:
    path = tmp_path / "people.csv"
    path.write_bytes(body)
    return path


def test_quoted_comma_and_newline_keep_the_line_numbers(tmp_path: Path) -> None:
    body = (
        f"{HEADER}\n"
        '056085000001,"Lê, Lan",F\n'  # line 2
        '056085000002,"Hai\ndòng",M\n'  # lines 3-4
        "05608500003,Ba,M\n"  # line 5: bad ID
        '056085000004,"""Tư""",X\n'  # line 6: bad sex
        "\n"  # line 7: empty, no record
        "056085000005,Năm\n"  # line 8: two fields
    )
    path = write(tmp_path, body.encode())
    problems, rows = read(path)
    assert problems == [
        (5, "person_id", "bad_person_id"),
        (6, "sex", "bad_sex"),
        (8, None, "wrong_field_count"),
    ]
    assert rows == [
        (2, "056085000001", "Lê, Lan", "F"),
        (3, "056085000002", "Hai\ndòng", "M"),
    ]
    assert (problems, rows) == reference(path.read_bytes())


def test_a_line_not_utf8_is_dropped_alone_even_with_a_wrong_field_count(tmp_path: Path) -> None:
    body = f"{HEADER}\n{GOOD}\n".encode() + "056085000002,Nguy\xean\n".encode("cp1258")
    body += f"{GOOD}\r\n".encode() + "056085000003,\xea,M\n".encode("cp1258")
    path = write(tmp_path, body)
    problems, rows = read(path)
    assert problems == [(3, None, "not_utf8"), (5, None, "not_utf8")]
    assert [r[0] for r in rows] == [2, 4]
    assert (problems, rows) == reference(body)


def test_bom_crlf_and_a_lone_cr(tmp_path: Path) -> None:
    path = write(tmp_path, f"\ufeff{HEADER}\r\n{GOOD}\r\nx,Hai,M\r\n".encode())
    assert read(path) == ([(3, "person_id", "bad_person_id")], [(2, "056085000001", "Lan", "F")])
    path = write(tmp_path, f"{HEADER}\r{GOOD}\rx,Hai,M\r".encode())
    assert read(path)[0] == [(3, "person_id", "bad_person_id")]


def test_header_problems_reject_the_file(tmp_path: Path) -> None:
    with pytest.raises(FileRejected) as caught:
        CsvSource(write(tmp_path, b""), COLUMNS)
    assert caught.value.problem.code == "empty_file"
    with pytest.raises(FileRejected) as caught:
        CsvSource(write(tmp_path, b"person_id,n\xeame,sex\n"), COLUMNS)
    assert (caught.value.problem.line, caught.value.problem.code) == (1, "not_utf8")
    with pytest.raises(FileRejected) as caught:
        CsvSource(write(tmp_path, b"person_id,sex\n"), COLUMNS)
    assert caught.value.problem.field == "name"


def test_a_header_alone_loads_nothing(tmp_path: Path) -> None:
    for body in (HEADER, HEADER + "\n", HEADER + "\r\n\r\n"):
        assert read(write(tmp_path, body.encode())) == ([], [])


ROWS = st.one_of(
    st.just(GOOD),
    st.just("05608500001,Sai,M"),
    st.just("056085000002,,F"),
    st.just("056085000003,Tên rất rất dài,F"),
    st.just("056085000004,Bốn,X"),
    st.just("056085000005,Năm"),
    st.just("056085000006,Sáu,M,thừa"),
    st.just(""),
    st.just(",,"),
    st.just('056085000007,"Bảy, Tám",M'),
    st.just('056085000008,"Tám\ndòng",F'),
    st.just('056085000009,"Chín\n\nba dòng"'),
    st.just('"05608500\n0010",Mười,M'),
    st.just('056085000011,"Mười ""một""",F'),
    st.just("\xff"),
    st.just("  "),
    st.just('056085000012," Mười hai\t",M'),
    st.just('056085000013,"Mười\r\nba",F'),
    st.just("056085000014,Mười \xff bốn,M"),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(ROWS, max_size=40),
    crlf=st.booleans(),
    bom=st.booleans(),
    final_newline=st.booleans(),
    chunk=st.sampled_from([64, 65, 97, 256, 1 << 20]),
)
def test_problems_and_rows_match_the_reference_reader(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    rows: list[str],
    crlf: bool,
    bom: bool,
    final_newline: bool,
    chunk: int,
) -> None:
    monkeypatch.setattr(csv_source, "CHUNK_BYTES", chunk)
    end = "\r\n" if crlf else "\n"
    text = end.join([HEADER, *rows]) + (end if final_newline else "")
    body = ("\ufeff" if bom else "").encode() + text.encode("utf-8", "surrogateescape")
    body = body.replace("\xff".encode(), b"\xff")  # a line that is not UTF-8
    path = write(tmp_path, body)
    assert read(path) == reference(body)
