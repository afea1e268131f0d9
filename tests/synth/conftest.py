"""A small synthetic Khánh Hòa, generated once per session, read back as the loader would."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pytest

from sokhoe.synth import SynthOptions, generate

PEOPLE = 12_000
AS_OF = dt.date(2026, 3, 1)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass
class Province:
    """The files of one run, parsed lazily."""

    out: Path

    def rows(self, name: str) -> list[dict[str, str]]:
        return read_csv(self.out / name)

    @cached_property
    def register(self) -> list[dict[str, str]]:
        return self.rows("register.csv")

    @cached_property
    def cards(self) -> list[dict[str, str]]:
        return self.rows("cards.csv")

    @cached_property
    def integrated(self) -> list[dict[str, str]]:
        return self.rows("integrated.csv")

    @cached_property
    def links(self) -> list[dict[str, str]]:
        return self.rows("truth/links.csv")

    @cached_property
    def errors(self) -> list[dict[str, str]]:
        return self.rows("truth/errors.csv")

    @cached_property
    def people(self) -> dict[str, dict[str, str]]:
        return {row["person_id"]: row for row in self.register}


def build(
    out: Path, *, people: int = PEOPLE, seed: int = 7, error_rate: float = 1.0, province: int = 56
) -> Path:
    generate(SynthOptions(province, people, seed, out, error_rate=error_rate, as_of=AS_OF))
    return out


@pytest.fixture(scope="session")
def province(tmp_path_factory: pytest.TempPathFactory) -> Province:
    return Province(build(tmp_path_factory.mktemp("khanh_hoa")))


@pytest.fixture(scope="session")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Province:
    """The same province without injected errors."""
    return Province(build(tmp_path_factory.mktemp("clean"), error_rate=0.0))
