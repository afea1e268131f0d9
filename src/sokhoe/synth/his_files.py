"""The hospitals' files of the synthetic province, under ``OUT/his/``.

Visits and vaccinations are drawn for the register's people; each facility then sends its
records the way its HIS does: the hospitals and half the stations in FHIR R4 bundles
(``his/fhir/<facility>/<yyyymm>-<n>.json``), the other stations in QĐ 130 envelopes
(``his/qd130/<facility>/<yyyymm>.xml``). Every record is in exactly one format; QĐ 130 has no
vaccination table, so vaccinations are FHIR bundles whatever the station's HIS. What was
injected is listed in ``truth/his_errors.csv``, who sends what in
``truth/his_facilities.csv``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

from sokhoe.synth import files, his_errors, his_fhir, his_qd130, his_vaccines, his_visits
from sokhoe.synth.cards import Cards
from sokhoe.synth.his_patients import Patients
from sokhoe.synth.sampling import Bools, Ints, bernoulli
from sokhoe.synth.writer import write_csv

#: Share of commune health stations whose HIS sends FHIR (every hospital does).
FHIR_STATION_SHARE = 0.5
FACILITIES = ("facility_code", "format", "misspelt_namespace")
_Start = Callable[[str, int], Callable[[int], None]]


def write(
    out: Path,
    texts: files.Texts,
    cards: Cards,
    streams: dict[str, np.random.Generator],
    as_of: dt.date,
    rate: float,
    error_rate: float,
    start: _Start,
) -> dict[str, int]:
    """Draws and writes every facility's files; returns rows per written output."""
    population, geography = texts.population, texts.geography
    drawn = start("Lượt khám, chuyển tuyến, hẹn khám lại, tiêm chủng", 1)
    visits = his_visits.draw(streams["his_visits"], population, geography, cards, as_of, rate)
    doses = his_vaccines.draw(streams["his_vaccines"], population, as_of)
    rng = streams["his_files"]
    count = len(geography.facilities)
    stations_from = int(geography.hospitals.size)
    fhir = np.r_[
        np.ones(stations_from, bool), bernoulli(rng, FHIR_STATION_SHARE, count - stations_from)
    ]
    vendors = his_qd130.vendors(rng, count)
    patients = Patients(texts, cards)
    in_fhir = fhir[visits.facility]
    hide_id = patients.hide_ids(rng, visits.person)
    faults = his_errors.draw(rng, ~in_fhir, error_rate)
    sessions = his_fhir.sessions(doses, geography.station[population.commune])
    root = out / "his"
    truth: list[tuple[str, ...]] = []
    qd130_rows = np.flatnonzero(~in_fhir)
    context = his_qd130.Context(
        root, texts, patients, visits, vendors, his_qd130.costs(rng, visits, stations_from),
        faults, hide_id, np.datetime64(as_of, "D"),
    )  # fmt: skip
    session_hide = patients.hide_ids(rng, sessions.child)
    drawn(1)
    advance = start("Ghi hồ sơ QĐ 130 (his/qd130)", qd130_rows.size)
    for rows in _groups(qd130_rows, visits.facility[qd130_rows], visits.month[qd130_rows]):
        truth += his_qd130.write_month(context, rows)
        advance(rows.size)
    bundles, fhir_truth = _write_fhir(
        his_fhir.Context(
            root, texts, patients, visits, doses, sessions, faults, hide_id, session_hide
        ),
        np.flatnonzero(in_fhir),
        start,
    )
    rows_written = {
        "his/qd130": int(qd130_rows.size),
        "his/fhir": bundles,
        "truth/his_errors.csv": _write_truth(out / "truth" / "his_errors.csv", truth + fhir_truth),
        "truth/his_facilities.csv": _write_facilities(
            out / "truth" / "his_facilities.csv", texts, fhir, vendors
        ),
    }
    return rows_written


def _write_fhir(
    context: his_fhir.Context, visit_rows: Ints, start: _Start
) -> tuple[int, list[tuple[str, ...]]]:
    """Visits and vaccination sessions of each facility-month, numbered in time order."""
    visits, sessions = context.visits, context.sessions
    session_rows = np.arange(sessions.child.size)
    facility = np.r_[visits.facility[visit_rows], sessions.facility]
    moment = np.r_[
        visits.start[visit_rows],
        sessions.day.astype("datetime64[m]") + np.timedelta64(his_fhir.SESSION_MINUTE, "m"),
    ]
    month = moment.astype("datetime64[M]").astype(np.int64)
    kind = np.r_[np.zeros(visit_rows.size, np.int64), np.ones(session_rows.size, np.int64)]
    row = np.r_[visit_rows, session_rows]
    order = np.lexsort((row, kind, moment, month, facility))
    codes = [f.code for f in context.texts.geography.facilities]
    advance = start("Ghi bundle FHIR (his/fhir)", order.size)
    truth_rows: list[tuple[str, ...]] = []
    for items in _groups(order, facility[order], month[order]):
        is_visit = kind[items] == 0
        position = np.where(
            is_visit, np.cumsum(is_visit) - 1, is_visit.sum() + np.cumsum(~is_visit) - 1
        )
        yyyymm = str(np.datetime64(int(month[items[0]]), "M")).replace("-", "")
        truth_rows += his_fhir.write_month(
            context, codes[int(facility[items[0]])], yyyymm,
            row[items][is_visit], row[items][~is_visit], position,
        )  # fmt: skip
        advance(items.size)
    return int(order.size), truth_rows


def _groups(rows: Ints, *keys: Ints) -> Iterator[Ints]:
    """``rows`` cut wherever one of the (sorted) keys changes."""
    bounds = np.r_[his_visits.group_starts(*keys), rows.size]
    for begin, end in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        yield rows[begin:end]


def _write_truth(path: Path, rows: list[tuple[str, ...]]) -> int:
    rows = sorted(rows)
    return write_csv(
        path, his_errors.HEADER, len(rows), lambda s, e: _columns(rows[s:e], len(his_errors.HEADER))
    )


def _write_facilities(
    path: Path, texts: files.Texts, fhir: Bools, vendors: list[his_qd130.Vendor]
) -> int:
    """Which format each facility sends, and whether its QĐ 130 misspells the namespace."""
    rows = [
        (f.code, "fhir" if in_fhir else "qd130", "1" if vendor.misspelt and not in_fhir else "0")
        for f, in_fhir, vendor in zip(
            texts.geography.facilities, fhir.tolist(), vendors, strict=True
        )
    ]
    rows.sort()
    return write_csv(path, FACILITIES, len(rows), lambda s, e: _columns(rows[s:e], len(FACILITIES)))


def _columns(rows: Sequence[tuple[str, ...]], width: int) -> list[list[str]]:
    return [[row[i] for row in rows] for i in range(width)]
