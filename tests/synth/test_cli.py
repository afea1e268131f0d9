"""``sokhoe synth`` on the command line."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from typer.testing import CliRunner

from sokhoe.cli import app
from sokhoe.synth import SynthOptions, generate

runner = CliRunner()


def test_synth_writes_the_province(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "synth",
            "--province",
            "31",
            "--people",
            "800",
            "--seed",
            "3",
            "--out",
            str(tmp_path),
            "--error-rate",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["options"]["province"] == 31
    assert manifest["options"]["error_rate"] == 2.0
    assert manifest["rows"]["register.csv"] == 800
    assert "800 người" in result.output


def test_unknown_province_is_a_one_line_error_saying_where_to_look(tmp_path: Path) -> None:
    result = runner.invoke(app, ["synth", "--province", "99", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "mã 99" in result.stderr and "sokhoe provinces" in result.stderr
    assert not (tmp_path / "register.csv").exists()


def test_impossible_as_of_date_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["synth", "--as-of", "2026-02-30", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "2026-02-30" in result.stderr


def test_generate_reports_progress_to_a_callback_or_a_rich_progress(tmp_path: Path) -> None:
    seen: dict[str, int] = {}

    def start(label: str, total: int) -> Callable[[int], None]:
        seen[label] = 0

        def advance(n: int) -> None:
            seen[label] += n

        return advance

    generate(SynthOptions(56, 300, 1, tmp_path / "callback"), start)
    assert seen["Ghi register.csv"] == 300
    assert len(seen) >= 5
    with Progress(console=Console(file=io.StringIO())) as progress:
        generate(SynthOptions(56, 300, 1, tmp_path / "rich"), progress)
        assert all(task.finished for task in progress.tasks)
        assert len(progress.tasks) == len(seen)
