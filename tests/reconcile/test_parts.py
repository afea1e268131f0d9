"""The pieces on their own: category data, templates, encodings, sheet names, row runs."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sokhoe.reconcile import rules, worklists, xlsx
from sokhoe.reconcile.categories import CATEGORIES, Worklist
from sokhoe.reconcile.dialect import DUCKDB
from sokhoe.reconcile.inputs import REGISTER, WINDOWS_1258, prepare
from tests.reconcile.test_inputs import windows_1258
from tests.reconcile.test_normalize import names

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_every_template_placeholder_has_its_sql() -> None:
    known = rules.placeholders(DUCKDB, rules.dt.date(2026, 3, 1))
    for category in CATEGORIES:
        for template in (*category.detail.values(), *category.fix.values()):
            assert set(PLACEHOLDER.findall(template)) <= known.keys(), category.code


def test_worklist_tasks_are_the_same_text_for_everyone() -> None:
    for category in CATEGORIES:
        if category.worklist in (Worklist.COMMUNE, Worklist.POLICE):
            assert not any(PLACEHOLDER.search(fix) for fix in category.fix.values())


@settings(max_examples=30, deadline=None)
@given(st.lists(names(), min_size=3, max_size=20))
def test_windows_1258_files_come_back_as_the_same_text(
    tmp_path_factory: pytest.TempPathFactory, people: list[str]
) -> None:
    directory = tmp_path_factory.mktemp("cp1258")
    text = ",".join(REGISTER.columns) + "\n" + "".join(f"0,{n},,,,,\n" for n in people)
    text = unicodedata.normalize("NFC", text.replace("Ð", "Đ"))
    legacy = windows_1258(text)
    (directory / "register.csv").write_bytes(legacy)
    source = prepare(REGISTER, directory / "register.csv", directory)
    if not legacy.isascii():
        assert source.encoding == WINDOWS_1258
    assert source.path.read_text(encoding="utf-8") == text


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (["Thôn 1", "Thôn 1"], ["Thôn 1", "Thôn 1 (2)"]),
        (["Tổ dân phố 1/2", "A" * 40], ["Tổ dân phố 1 2", "A" * 31]),
        (["Thông tin nhân thân khác sổ đăng ký"], ["Thông tin nhân thân khác sổ"]),
        ([""], ["Trang"]),
    ],
)
def test_sheet_names_are_valid_and_distinct(wanted: list[str], expected: list[str]) -> None:
    assert xlsx.sheet_names(wanted) == expected


def test_runs_cut_sorted_batches_into_groups_across_batch_ends() -> None:
    batches = [
        pa.record_batch([pa.array(["a", "a", "b"]), pa.array([b"1", b"2", b"3"])], ["k", "x"]),
        pa.record_batch([pa.array(["b", "c"]), pa.array([b"4", b"5"])], ["k", "x"]),
    ]
    runs = list(worklists._runs(batches, keys=1))
    assert runs == [(("a",), 2, [b"1", b"2"]), (("b",), 2, [b"3", b"4"]), (("c",), 1, [b"5"])]


def test_numbered_rows_number_from_one(tmp_path: Path) -> None:
    assert xlsx.numbered_rows([b"<c/>", b"<c/>"]) == (
        b"<row><c><v>1</v></c><c/></row><row><c><v>2</v></c><c/></row>"
    )
