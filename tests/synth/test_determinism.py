"""Same options, same bytes; the seed, and only the seed, changes the province."""

from __future__ import annotations

from pathlib import Path

from tests.synth.conftest import build

FILES = (
    "register.csv",
    "villages.csv",
    "guardians.csv",
    "facilities.csv",
    "cards.csv",
    "integrated.csv",
    "truth/links.csv",
    "truth/errors.csv",
    "manifest.json",
)


def contents(directory: Path) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in FILES}


def test_same_options_give_byte_identical_files(tmp_path: Path) -> None:
    first = contents(build(tmp_path / "a", people=3_000))
    second = contents(build(tmp_path / "b", people=3_000))
    assert first == second


def test_another_seed_gives_another_province(tmp_path: Path) -> None:
    first = contents(build(tmp_path / "a", people=3_000, seed=1))
    second = contents(build(tmp_path / "b", people=3_000, seed=2))
    assert first["register.csv"] != second["register.csv"]
    assert first["cards.csv"] != second["cards.csv"]


def test_error_rate_changes_only_the_card_list_not_the_people(tmp_path: Path) -> None:
    noisy = contents(build(tmp_path / "a", people=3_000, error_rate=1.0))
    clean = contents(build(tmp_path / "b", people=3_000, error_rate=0.0))
    for name in ("register.csv", "villages.csv", "guardians.csv", "facilities.csv"):
        assert noisy[name] == clean[name], name
    assert noisy["cards.csv"] != clean["cards.csv"]


def test_files_are_utf8_without_bom_with_unix_line_ends(tmp_path: Path) -> None:
    for name, data in contents(build(tmp_path, people=500)).items():
        assert not data.startswith(b"\xef\xbb\xbf"), name
        assert b"\r\n" not in data, name
        data.decode("utf-8")
