"""The outputs: atomic, byte-for-byte repeatable, and workbooks people can open."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from sokhoe.cli import app
from sokhoe.reconcile import outputs
from sokhoe.reconcile.categories import BY_CODE, Worklist
from tests.reconcile import reference
from tests.reconcile.conftest import PERSON, Province, reconcile, write_inputs

OUTPUTS = (
    "links.csv",
    "findings.csv",
    "rejects.csv",
    "summary.json",
    "fixes_for_bhxh.xlsx",
    "worklist.csv",
)


def test_a_failure_while_writing_leaves_out_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = write_inputs(tmp_path / "in", cards=[{}])
    out = tmp_path / "out"
    out.mkdir()
    (out / "previous.txt").write_text("an earlier run", encoding="utf-8")

    def disk_full(*args: object) -> int:
        raise OSError("No space left on device")

    monkeypatch.setattr(outputs, "write_fixes", disk_full)
    with pytest.raises(OSError, match="No space"):
        reconcile(files, out)
    assert [p.name for p in out.iterdir()] == ["previous.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]


def test_a_finished_run_replaces_out(tmp_path: Path) -> None:
    files = write_inputs(tmp_path / "in", cards=[{}])
    out = tmp_path / "out"
    out.mkdir()
    (out / "previous.txt").write_text("an earlier run", encoding="utf-8")
    reconcile(files, out)
    assert sorted(p.name for p in out.iterdir()) == sorted([*OUTPUTS, "worklists"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]


def contents(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def test_the_same_inputs_give_the_same_bytes(province: Province, tmp_path: Path) -> None:
    again = reconcile(province.files, tmp_path / "again")
    first, second = contents(province.result.out), contents(again.out)
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_each_commune_gets_a_workbook_of_villages_to_visit(province: Province) -> None:
    wanted = Counter(
        f["commune_code"]
        for f in province.result.findings
        if BY_CODE[f["category"]].worklist in (Worklist.COMMUNE, Worklist.POLICE)
    )
    workbooks = sorted((province.result.out / "worklists").glob("*.xlsx"))
    assert {path.stem for path in workbooks} == set(wanted)
    summary = province.result.summary["worklists"]
    assert summary == {"communes": len(wanted), "rows": sum(wanted.values())}
    book = openpyxl.load_workbook(workbooks[0], read_only=True)
    counts, *villages = book.worksheets
    assert counts.title == "Tổng hợp"
    listed = {row[0]: row[1] for row in counts.iter_rows(min_row=2, values_only=True)}
    assert sum(listed.values()) == wanted[workbooks[0].stem]
    assert [sheet.title for sheet in villages] == [str(name)[:31] for name in listed]
    numbered = [str(name).rsplit(" ", 1) for name in listed]
    assert numbered == sorted(numbered, key=lambda p: (p[0], int(p[1]) if p[1].isdigit() else 0))
    rows = list(villages[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("STT", "Họ và tên", "Ngày sinh")
    assert [row[0] for row in rows[1:]] == list(range(1, len(rows)))
    names = [reference.name(str(row[1])) for row in rows[1:]]
    order = [(n.giv, n.fam, n.mid) for n in names if n is not None]
    assert order == sorted(order)
    assert {row[8] for row in rows[1:]} <= {"Tổ công tác thôn", "Công an xã"}


def test_bhxh_gets_one_sheet_per_kind_of_error(province: Province) -> None:
    book = openpyxl.load_workbook(province.result.out / "fixes_for_bhxh.xlsx", read_only=True)
    counts, *kinds = book.worksheets
    expected = {
        code: n
        for code, n in province.result.summary["findings"].items()
        if BY_CODE[code].worklist is Worklist.BHXH and n
    }
    assert len(kinds) == len(expected)
    for sheet, code in zip(kinds, expected, strict=True):
        assert BY_CODE[code].label.startswith(sheet.title)
        assert sheet.max_row - 1 == expected[code]
    assert sum(row[1] for row in counts.iter_rows(min_row=2, values_only=True)) == sum(
        expected.values()
    )


def test_summary_names_inputs_links_findings_and_model(province: Province) -> None:
    summary = json.loads((province.result.out / "summary.json").read_text(encoding="utf-8"))
    assert summary["as_of"] == "2026-03-01" and summary["engine"] == "duckdb"
    assert summary["inputs"]["register"]["rows"] == 20_000
    assert summary["links"]["probable"] > 0
    m = {(x["comparison"], x["level"]): x["m"] for x in summary["model"]["levels"]}
    assert m[("name", "exact")] > 0.9 > 0.1 > m[("name", "folded")] > m[("name", "else")]
    weights = {(x["comparison"], x["level"]): x["weight"] for x in summary["model"]["levels"]}
    assert weights[("birth", "exact")] > weights[("birth", "swap")] > 0 > weights[("birth", "else")]


runner = CliRunner()


def cli(files: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    arguments = ["reconcile", "--out", str(out), "--as-of", "2026-03-01", *extra]
    for name in ("register", "cards", "integrated"):
        arguments += [f"--{name}", str(files / f"{name}.csv")]
    result = runner.invoke(app, arguments)
    return result.exit_code, result.stdout, result.stderr


def test_cli_reports_links_and_findings(tmp_path: Path) -> None:
    files = write_inputs(tmp_path / "in", cards=[{}, {"person_id": ""}])
    code, stdout, _ = cli(files, tmp_path / "out")
    assert code == 0
    assert "1 thẻ khớp mã định danh, 1 tìm được chủ thẻ" in stdout
    assert "Thẻ thiếu mã định danh" in stdout


def test_cli_exits_1_when_lines_were_rejected(tmp_path: Path) -> None:
    files = write_inputs(tmp_path / "in", register=[PERSON, {**PERSON, "person_id": "x"}])
    code, _, stderr = cli(files, tmp_path / "out")
    assert code == 1 and "rejects.csv" in stderr


def test_cli_refuses_a_missing_column_an_unknown_engine_and_a_bad_date(tmp_path: Path) -> None:
    files = write_inputs(tmp_path / "in", cards=[{}])
    (files / "integrated.csv").write_text("person_id,card_number\n", encoding="utf-8")
    code, _, stderr = cli(files, tmp_path / "out")
    assert code == 2 and "integrated.csv" in stderr and "integrated_at" in stderr
    files = write_inputs(tmp_path / "in", cards=[{}])
    assert cli(files, tmp_path / "out", "--engine", "polars")[0] == 2
    assert cli(files, tmp_path / "out", "--as-of", "2026-02-30")[0] == 2
    assert not (tmp_path / "out").exists()
