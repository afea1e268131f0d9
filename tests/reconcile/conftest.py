"""A synthetic province reconciled once per session, and small hand-made inputs.

The province (20,000 people) carries every kind of injected error with its truth; the
hand-made inputs pin single situations (a name differing only by diacritics, a swapped date).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

from sokhoe.reconcile import ReconcileOptions, run
from sokhoe.reconcile.inputs import CARDS, INTEGRATED, REGISTER
from sokhoe.synth import SynthOptions, generate

AS_OF = dt.date(2026, 3, 1)
PEOPLE = 20_000


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass
class Result:
    """The outputs of one run, parsed lazily."""

    out: Path
    summary: dict[str, Any]

    @cached_property
    def links(self) -> dict[int, dict[str, str]]:
        return {int(row["line"]): row for row in read_csv(self.out / "links.csv")}

    @cached_property
    def findings(self) -> list[dict[str, str]]:
        return read_csv(self.out / "findings.csv")

    @cached_property
    def by_line(self) -> dict[int, list[dict[str, str]]]:
        found: dict[int, list[dict[str, str]]] = defaultdict(list)
        for row in self.findings:
            found[int(row["line"])].append(row)
        return found

    def categories(self, line: int) -> set[str]:
        return {row["category"] for row in self.by_line.get(line, [])}

    @cached_property
    def rejects(self) -> list[dict[str, str]]:
        return read_csv(self.out / "rejects.csv")


@dataclass
class Province:
    """A synthetic province, its truth and its reconciliation."""

    files: Path
    result: Result

    @cached_property
    def errors(self) -> list[dict[str, str]]:
        return read_csv(self.files / "truth" / "errors.csv")

    def errors_of(self, kind: str, file: str = "cards") -> list[dict[str, str]]:
        return [e for e in self.errors if e["kind"] == kind and e["file"] == file]

    @cached_property
    def holders(self) -> dict[int, str]:
        """Card line → true holder's person ID (card row r is on line r + 1)."""
        rows = read_csv(self.files / "truth" / "links.csv")
        return {int(row["row"]) + 1: row["true_person_id"] for row in rows}

    @cached_property
    def register(self) -> dict[str, dict[str, str]]:
        return {row["person_id"]: row for row in read_csv(self.files / "register.csv")}

    @cached_property
    def cards(self) -> dict[int, dict[str, str]]:
        return dict(enumerate(read_csv(self.files / "cards.csv"), start=2))


def reconcile(files: Path, out: Path, as_of: dt.date = AS_OF) -> Result:
    options = ReconcileOptions(
        files / "register.csv", files / "cards.csv", files / "integrated.csv", out, as_of
    )
    return Result(out, run(options))


@pytest.fixture(scope="session")
def province(tmp_path_factory: pytest.TempPathFactory) -> Province:
    files = tmp_path_factory.mktemp("khanh_hoa")
    generate(SynthOptions(56, PEOPLE, 11, files, as_of=AS_OF))
    return Province(files, reconcile(files, tmp_path_factory.mktemp("run") / "out"))


#: One person of the hand-made register, and the defaults of their card.
PERSON = {
    "person_id": "056085012345",
    "full_name": "Nguyễn Văn Hùng",
    "birth_date": "1985-03-07",
    "sex": "M",
    "commune_code": "22366",
    "village": "Thôn 1",
    "level2_eid": "1",
}
CARD = {
    "card_number": "DN4565600000001",
    "person_id": "056085012345",
    "full_name": "Nguyễn Văn Hùng",
    "birth_date": "1985-03-07",
    "sex": "M",
    "commune_code": "22366",
    "valid_from": "2026-01-01",
    "valid_to": "2026-12-31",
    "facility_code": "56001",
}


def write_csv(
    path: Path, columns: Sequence[str], rows: Sequence[Mapping[str, str]], encoding: str = "utf-8"
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_inputs(
    directory: Path,
    register: Sequence[Mapping[str, str]] = (PERSON,),
    cards: Sequence[Mapping[str, str]] = (),
    integrated: Sequence[Mapping[str, str]] = (),
) -> Path:
    """The three files; each card row starts from :data:`CARD`."""
    directory.mkdir(parents=True, exist_ok=True)
    write_csv(directory / "register.csv", REGISTER.columns, register)
    # BHXH's lists carry more columns than reconciliation reads, as here facility_code.
    columns = (*CARDS.columns, "facility_code")
    write_csv(directory / "cards.csv", columns, [{**CARD, **card} for card in cards])
    write_csv(directory / "integrated.csv", INTEGRATED.columns, integrated)
    return directory


Rows = Sequence[Mapping[str, str]]
Case = Callable[..., Result]


@pytest.fixture
def case(tmp_path: Path) -> Case:
    """``case(register=…, cards=…, integrated=…)`` → the reconciled :class:`Result`."""

    def reconcile_case(**inputs: Rows) -> Result:
        files = write_inputs(tmp_path / "in", **inputs)
        return reconcile(files, tmp_path / "out")

    return reconcile_case
