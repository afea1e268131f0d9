"""Ingest speed into PostgreSQL: hospital visits per second through ``ingest``, against a bare
``COPY`` of the same rows in the same run.

Usage: ``uv run python -m benchmarks.bench_ingest [--people N] [--visits M] [--bundles K]
[--clients C]``.
A throwaway cluster gets a register of N people in Khánh Hòa, 40 facilities and BHXH's card
list (a card for nine in ten); then M generated ``Visit`` records go through
:func:`sokhoe.records.ingest.ingest` in batches of 1,000 (one transaction each), as
``sokhoe ingest`` would after the parser — 90 % with a personal ID, 8 % with a card only, 2 %
unidentifiable (queued). The same M again is the resend (every record unchanged). Then K
"bundles" of ten records (a visit, two referrals, an appointment, six vaccinations), one
transaction each, as ``POST /fhir`` would store them, one at a time and then (K new ones)
by C threads at once, as several web workers would: bundles/s of the storing alone, parsing
not included. Target (issue 6): ≥ 1,000 visits/s and ≥ 300 bundles/s.

The baseline copies the rows ingest wrote (``record_row``'s columns and times) into an
unindexed table without keys, so the ratio shows what identification, the upsert's lookups,
indexes, foreign keys and the audit cost.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine

from sokhoe.db import Base
from sokhoe.insurance.models import InsuranceCard
from sokhoe.records import rows
from sokhoe.records.clinical import (
    Appointment,
    ClinicalRecord,
    Immunization,
    Patient,
    Referral,
    Visit,
)
from sokhoe.records.ingest import ingest, ingest_batch
from sokhoe.registry.models import Citizen, Facility
from sokhoe.registry.units import ensure_province
from sokhoe.runtime import Database, open_database
from tests.support.postgres import throwaway_cluster

NHA_TRANG = 22366
FACILITIES = [f"56{n:03d}" for n in range(1, 41)]
VN = dt.timezone(dt.timedelta(hours=7))
DIAGNOSES = ["J06.9", "I10", "E11.9", "K29.7", "M54.5", "J20.9", "A09", "R50.9", "N39.0"]
VACCINES = ["BCG", "HEPB", "DTAP_HEPB_HIB", "OPV", "IPV", "MEASLES", "MR", "JE"]


def person_id(n: int) -> str:
    return f"0560{85 + n % 10:02d}{n:06d}"


def card_number(n: int) -> str:
    return f"GD456{5600000000 + n:010d}"


def load_register(database: Database, people: int) -> None:
    """N citizens, the facilities, and a card for nine people in ten."""
    with database.sessions.begin() as session:
        ensure_province(session, 56)
        session.add_all(
            Facility(code=code, name=f"Cơ sở {code}", commune_code=NHA_TRANG, kind="benh_vien")
            for code in FACILITIES
        )
    citizens = [
        {
            "person_id": person_id(n),
            "full_name": f"Người {n}",
            "birth_precision": "day",
            "commune_code": NHA_TRANG,
            "level2_eid": False,
        }
        for n in range(people)
    ]
    cards = [
        {
            "card_number": card_number(n),
            "bhxh_number": card_number(n)[-10:],
            "holder_key": person_id(n),
            "person_id": person_id(n),
            "full_name": f"Người {n}",
            "birth_precision": "day",
        }
        for n in range(people)
        if n % 10
    ]
    with database.engine.begin() as connection:
        connection.execute(insert(Citizen), citizens)
        connection.execute(insert(InsuranceCard), cards)
        connection.exec_driver_sql("ANALYZE")


def patient(rng: random.Random, people: int) -> Patient:
    n = rng.randrange(people)
    draw = rng.random()
    if draw < 0.90:
        return Patient(f"Người {n}", person_id=person_id(n), card_number=card_number(n))
    if draw < 0.98:
        return Patient(f"Người {n}", card_number=card_number(n - n % 10 + 1))
    return Patient(f"Người {n}", card_number=f"{9900000000 + n:010d}")


def visits(people: int, count: int, seed: int = 7) -> list[Visit]:
    rng = random.Random(seed)
    start = dt.datetime(2026, 1, 1, 7, 0, tzinfo=VN)
    result = []
    for n in range(count):
        began = start + dt.timedelta(minutes=rng.randrange(300 * 24 * 60))
        result.append(
            Visit(
                facility_code=rng.choice(FACILITIES[:4]),
                key=f"LK{n:09d}",
                patient=patient(rng, people),
                started_at=began,
                ended_at=began + dt.timedelta(minutes=rng.randrange(20, 240)),
                visit_type="01",
                reason="Khám bệnh",
                main_diagnosis=rng.choice(DIAGNOSES),
                other_diagnoses=tuple(rng.sample(DIAGNOSES, rng.randrange(3))),
                outcome="2",
            )
        )
    return result


def bundles(people: int, count: int, first: int = 0) -> Iterator[list[ClinicalRecord]]:
    """Bundles of ten records of one person at one facility, numbered from ``first``."""
    rng = random.Random(first)
    for n in range(first, first + count):
        facility, key = FACILITIES[4 + n % 36], f"B{n:08d}"
        who = Patient(f"Người {n}", person_id=person_id(rng.randrange(people)))
        day = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(300))
        began = dt.datetime.combine(day, dt.time(8), tzinfo=VN)
        bundle: list[ClinicalRecord] = [
            Visit(facility, key, who, began, main_diagnosis=rng.choice(DIAGNOSES))
        ]
        bundle += [Referral(facility, f"{key}R{i}", who, day, to_facility="56001") for i in (1, 2)]
        bundle.append(Appointment(facility, f"{key}A", who, day + dt.timedelta(days=30)))
        bundle += [
            Immunization(facility, f"{key}I{i}", who, VACCINES[i], day, dose_number=1)
            for i in range(6)
        ]
        yield bundle


def store_bundles(database: Database, batches: list[list[ClinicalRecord]], clients: int) -> float:
    """Seconds to store ``batches``, one transaction each, by ``clients`` threads at once (each
    with its connection, as as many web workers would: the database's time overlaps)."""

    def store(bundle: list[ClinicalRecord]) -> None:
        with database.sessions.begin() as session:
            ingest_batch(session, bundle, source="bench", sender_facility=bundle[0].facility_code)

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(store, batches))
    return time.perf_counter() - start


def baseline(engine: Engine, records: list[Visit]) -> float:
    """Seconds to COPY the visits' rows into an unindexed table of the same columns."""
    table = Base.metadata.tables["visit"]
    columns = [c.name for c in table.columns if c.name != "id"]
    now = dt.datetime(2026, 11, 23)
    prepared = [
        {**rows.record_row(visit, visit.patient.person_id or ""), "received_at": now}
        for visit in records
    ]
    values = [tuple(row.get(c, now) for c in columns) for row in prepared]
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE baseline_visit AS SELECT * FROM visit WITH NO DATA"))
    start = time.perf_counter()
    with engine.begin() as connection:
        dbapi = connection.connection.driver_connection
        copy_sql = f"COPY baseline_visit ({', '.join(columns)}) FROM STDIN"
        with dbapi.cursor() as cursor, cursor.copy(copy_sql) as copy:  # type: ignore[union-attr]
            for value in values:
                copy.write_row(value)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--bundles", type=int, default=2_000)
    parser.add_argument("--clients", type=int, default=4, help="bundles stored at once")
    args = parser.parse_args()
    records = visits(args.people, args.visits)
    with throwaway_cluster() as url:
        database = open_database(url)
        load_register(database, args.people)
        start = time.perf_counter()
        report = ingest(database.sessions, records, source="bench", sender_facility=None)
        first = time.perf_counter() - start
        start = time.perf_counter()
        again = ingest(database.sessions, records, source="bench", sender_facility=None)
        resend = time.perf_counter() - start
        alone = store_bundles(database, list(bundles(args.people, args.bundles)), 1)
        fresh = list(bundles(args.people, args.bundles, first=args.bundles))
        together = store_bundles(database, fresh, args.clients)
        base = baseline(database.engine, records)
        database.engine.dispose()
    counts = ", ".join(f"{n:,} {status}" for status, n in sorted(report.counts.items()))
    print(  # noqa: T201
        f"{args.visits:,} visits, {args.people:,} people: ingest {first:.1f} s = "
        f"{args.visits / first:,.0f} visits/s ({counts}); resend {resend:.1f} s = "
        f"{args.visits / resend:,.0f} visits/s ({again.counts['unchanged']:,} unchanged); "
        f"bare COPY of the same rows {base:.2f} s = {args.visits / base:,.0f} rows/s "
        f"(ingest {first / base:.1f}x); {args.bundles:,} bundles of 10 records, one "
        f"transaction each: {alone:.1f} s = {args.bundles / alone:,.0f} bundles/s one at a "
        f"time, {args.bundles / together:,.0f} bundles/s {args.clients} at a time"
    )


if __name__ == "__main__":
    main()
