"""``generate(options)``: the whole synthetic province, written to a directory.

The CLI (``sokhoe synth``) and the demo call this. The same options give byte-identical
files: every random number comes from a seeded stream per phase, nothing depends on the
clock, on set order or on the machine.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from rich.progress import Progress

from sokhoe.synth import cards, errors, establishments, files, geography, his_files, population
from sokhoe.synth.dates import DateFormatter
from sokhoe.synth.his_visits import DEFAULT_RATE
from sokhoe.synth.names import NameWriter
from sokhoe.synth.sampling import STREAMS, stream

DEFAULT_AS_OF = dt.date(2026, 3, 1)
#: ``start(label, total)`` returns ``advance(n)``: the shape of sokhoe's progress bars.
ProgressStart = Callable[[str, int], Callable[[int], None]]
_EARLIEST = dt.date(1900, 1, 1)
_LATEST_YEARS_AHEAD = 7  # a newborn's TE card runs to its 6th birthday


class InvalidOptions(ValueError):
    """Options out of range; the message says which, in Vietnamese."""


def parse_date(text: str) -> dt.date:
    """``YYYY-MM-DD`` → date; raises :class:`InvalidOptions` with a Vietnamese message."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidOptions(f"ngày {text!r} không hợp lệ (dạng YYYY-MM-DD)") from None


@dataclass(frozen=True)
class SynthOptions:
    province: int
    people: int
    seed: int
    out: Path
    integrated_share: float = 0.6
    error_rate: float = 1.0
    as_of: dt.date = DEFAULT_AS_OF
    #: Also write the hospitals' files (``his/``): opt-in, they cost more than the rest.
    his: bool = False
    #: Hospital visits per person and year, over the two years before ``as_of``.
    visit_rate: float = DEFAULT_RATE

    def __post_init__(self) -> None:
        if self.people < 1:
            raise InvalidOptions("số người (--people) phải từ 1 trở lên")
        if self.seed < 0:
            raise InvalidOptions("hạt giống (--seed) phải là số không âm")
        if not 0.0 <= self.integrated_share <= 1.0:
            raise InvalidOptions("tỷ lệ đã tích hợp (--integrated-share) phải từ 0 đến 1")
        if self.error_rate < 0.0:
            raise InvalidOptions("hệ số lỗi (--error-rate) không được âm")
        if not dt.date(1990, 1, 1) <= self.as_of <= dt.date(2090, 12, 31):
            raise InvalidOptions("ngày tham chiếu (--as-of) phải trong khoảng 1990–2090")
        if self.visit_rate < 0.0:
            raise InvalidOptions("số lượt khám mỗi năm (--visit-rate) không được âm")


@dataclass(frozen=True)
class SynthSummary:
    options: SynthOptions
    households: int
    #: Data rows per written file (relative path → rows).
    rows: dict[str, int] = field(default_factory=dict)
    #: Injected errors per kind (every kind listed, zero included).
    errors: dict[str, int] = field(default_factory=dict)


def generate(
    options: SynthOptions, progress: ProgressStart | Progress | None = None
) -> SynthSummary:
    """Builds the province and writes every file into ``options.out``.

    ``progress`` is either a rich ``Progress`` (a bar per phase is added to it) or a
    ``start(label, total) -> advance(n)`` callable; raises ``units.UnknownProvince``
    before doing any work when the province code does not exist.
    """
    start = _starter(progress)
    streams = {name: stream(options.seed, options.province, name) for name in STREAMS}
    with _phase(start, "Đơn vị hành chính, thôn, cơ sở y tế"):
        place = geography.build(options.province, streams["geography"])
    with _phase(start, "Hộ gia đình và nhân khẩu"):
        people = population.build(place, options.people, options.as_of, streams)
    with _phase(start, "Thẻ BHYT và tích hợp VNeID"):
        issued = cards.issue(streams["cards"], people, place, options.as_of)
        wallet = cards.integrate(
            streams["integration"], people, issued, options.as_of, options.integrated_share
        )
    with _phase(start, "Lỗi dữ liệu"):
        last = options.as_of + dt.timedelta(days=366 * _LATEST_YEARS_AHEAD)
        texts = files.Texts(
            place,
            people,
            NameWriter(),
            DateFormatter(_EARLIEST, last),
            cards.CardText(options.province),
        )
        context = errors.Context(people, place, options.as_of, texts.cards, texts.dates)
        injected = errors.inject(streams["errors"], context, issued, wallet, options.error_rate)
    his_rows = {}
    if options.his:
        his_rows = his_files.write(
            options.out, texts, issued, streams, options.as_of, options.visit_rate,
            options.error_rate, start,
        )  # fmt: skip
    return _write(options, texts, injected, start, his_rows)


@contextmanager
def _phase(start: ProgressStart, label: str) -> Iterator[None]:
    """A one-step bar for a phase that cannot report finer progress."""
    advance = start(label, 1)
    yield
    advance(1)


def _write(
    options: SynthOptions,
    texts: files.Texts,
    injected: errors.Injected,
    start: ProgressStart,
    his_rows: dict[str, int],
) -> SynthSummary:
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    people = texts.population
    order = files.card_order(injected, people)
    card_rows = np.empty(order.size, dtype=np.int64)
    card_rows[order] = np.arange(1, order.size + 1)
    rows = {
        "register.csv": files.write_register(
            out / "register.csv", texts, start("Ghi register.csv", people.size)
        ),
        "villages.csv": files.write_villages(out / "villages.csv", texts.geography),
        "guardians.csv": files.write_guardians(out / "guardians.csv", texts),
        "facilities.csv": files.write_facilities(out / "facilities.csv", texts.geography),
        "cards.csv": files.write_cards(
            out / "cards.csv", texts, injected, order, start("Ghi cards.csv", order.size)
        ),
    }
    with _phase(start, "Ghi establishments.csv"):
        rows["establishments.csv"] = establishments.write(
            out / "establishments.csv",
            texts,
            establishments.establishment_stream(options.seed, options.province),
        )
    with _phase(start, "Ghi integrated.csv và truth/"):
        rows["integrated.csv"] = files.write_integrated(out / "integrated.csv", texts, injected)
        rows["truth/links.csv"] = files.write_links(
            out / "truth" / "links.csv", texts, injected, order
        )
        rows["truth/errors.csv"] = files.write_errors(
            out / "truth" / "errors.csv", texts, injected, card_rows
        )
    rows.update(his_rows)
    counts = dict.fromkeys(errors.KINDS, 0)
    for record in injected.records:
        counts[record.kind] += 1
    summary = SynthSummary(
        options=options, households=len(people.household_ids), rows=rows, errors=counts
    )
    _write_manifest(out / "manifest.json", summary)
    return summary


def _write_manifest(path: Path, summary: SynthSummary) -> None:
    options = asdict(summary.options)
    del options["out"]  # where the files went is not part of their content
    options["as_of"] = summary.options.as_of.isoformat()
    manifest = {
        "generator": "sokhoe synth",
        "options": options,
        "households": summary.households,
        "rows": summary.rows,
        "errors": summary.errors,
    }
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _starter(progress: ProgressStart | Progress | None) -> ProgressStart:
    if progress is None:
        return lambda label, total: lambda n: None
    if isinstance(progress, Progress):
        bars = progress

        def start(label: str, total: int) -> Callable[[int], None]:
            task = bars.add_task(label, total=total)
            return lambda n: bars.advance(task, n)

        return start
    return progress
