"""The health book page in a province-sized database (issue 6: p95 < 150 ms for a person with
200 visits, in a database of 2.3 M citizens and ≥ 5 M visits).

Usage: ``uv run python -m benchmarks.bench_book [--people 2300000] [--visits 5000000]
[--requests 300]``.

A throwaway PostgreSQL is filled by set-based SQL (``generate_series``: the register and the
visits spread over everyone, as a year of a province's hospitals would leave them), then
one citizen gets 200 visits of his own, a child's vaccinations, referral letters and
appointments, an account and a wallet passcode. ``sokhoe serve`` runs on it; the client
signs in as a browser would, opens the book once with the passcode (which gives the page's
unlock token), then asks for it ``--requests`` times in a row with that token, as paging
through it does. The baseline, in the same run and over the same connection, is
``/healthz`` (no database): the ratio is what the book costs over the framework.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from rich.console import Console
from sqlalchemy import text

from sokhoe.access.clock import utcnow
from sokhoe.access.roles import Role
from sokhoe.access.scope import actor_for
from sokhoe.access.service import create_user
from sokhoe.insurance.passcode import set_passcode
from sokhoe.registry.models import Facility
from sokhoe.registry.units import ensure_province
from sokhoe.runtime import Database, open_database
from tests.support.postgres import throwaway_cluster
from tests.support.served import free_port, server

KHANH_HOA = 56
USER, PASSWORD, PASSCODE = "congdan.bench", "mật khẩu đo hiệu năng", "246810"
#: The citizen whose book is read: the register's first person.
SUBJECT = "000000000001"
OWN_VISITS = 200
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_UNLOCK = re.compile(r'name="unlock" value="([^"]+)"')
console = Console(soft_wrap=True)

_COMMON = "facility_code, key, person_id, full_name, fingerprint, received_at, updated_at"


def fill(database: Database, people: int, visits: int) -> None:
    """The register, facilities and visits by SQL, then the subject's own records."""
    with database.sessions() as session:
        ensure_province(session, KHANH_HOA)
        communes = sorted(
            session.scalars(
                text("SELECT code FROM commune WHERE province_code = :p"), {"p": KHANH_HOA}
            )
        )
        for n, commune in enumerate(communes[:40], start=1):
            session.add(
                Facility(
                    code=f"56{n:03d}", name=f"Trạm Y tế số {n}", commune_code=commune, kind="tram"
                )
            )
        session.commit()
    array = "ARRAY[" + ",".join(map(str, communes)) + "]"
    steps = [
        (
            f"{people:,} citizens",
            f"""INSERT INTO citizen (person_id, full_name, birth_date, birth_precision, sex,
                    commune_code, level2_eid)
                SELECT lpad(g::text, 12, '0'), 'Người số ' || g, date '1940-01-01' + (g % 30000),
                    'day', CASE WHEN g % 2 = 0 THEN 'M' ELSE 'F' END,
                    ({array})[1 + g % {len(communes)}], g % 3 = 0
                FROM generate_series(1, {people}) g""",
        ),
        (
            f"{visits:,} visits",
            f"""INSERT INTO visit ({_COMMON}, started_at, ended_at, visit_type, main_diagnosis,
                    other_diagnoses, outcome)
                SELECT '56' || lpad((1 + g % 40)::text, 3, '0'), 'LK' || g,
                    lpad((1 + (g::bigint * 7919) % {people})::text, 12, '0'), 'Người',
                    md5(g::text)::varchar(32), now(), now(),
                    timestamp '2024-01-01' + (g % 700) * interval '1 day',
                    timestamp '2024-01-01' + (g % 700) * interval '1 day' + interval '2 hours',
                    '01', (ARRAY['J06.9','I10','E11.9','K29.7','M54.5'])[1 + g % 5], '', '1'
                FROM generate_series(1, {visits}) g""",
        ),
        (
            f"{OWN_VISITS} visits, letters and doses of the subject",
            f"""INSERT INTO visit ({_COMMON}, started_at, ended_at, visit_type, main_diagnosis,
                    other_diagnoses, outcome, re_exam_on)
                SELECT '56001', 'OWN' || g, '{SUBJECT}', 'Người số 1', md5(g::text)::varchar(32),
                    now(), now(), timestamp '2020-01-01' + g * interval '9 days', NULL, '01',
                    'I10', 'E11.9;K29.7', '2', date '2020-01-31' + g * 9
                FROM generate_series(1, {OWN_VISITS}) g;
               INSERT INTO referral ({_COMMON}, referred_on, number, to_facility, diagnosis)
                SELECT '56001', 'CT' || g, '{SUBJECT}', 'Người số 1', md5(g::text)::varchar(32),
                    now(), now(), date '2024-01-01' + g * 30, 'CT/' || g, '56002', 'I10'
                FROM generate_series(1, 12) g;
               INSERT INTO appointment ({_COMMON}, on_date, number, diagnosis)
                SELECT '56001', 'HK' || g, '{SUBJECT}', 'Người số 1', md5(g::text)::varchar(32),
                    now(), now(), current_date + (g - 6) * 30, 'HK/' || g, 'I10'
                FROM generate_series(1, 12) g;
               INSERT INTO immunization ({_COMMON}, vaccine, given_on, dose_number)
                SELECT '56001', 'TC' || g, '{SUBJECT}', 'Người số 1', md5(g::text)::varchar(32),
                    now(), now(), (ARRAY['BCG','HEPB','OPV','OPV','OPV'])[g],
                    date '1990-01-01' + g * 30, CASE WHEN g > 2 THEN g - 2 END
                FROM generate_series(1, 5) g""",
        ),
        ("statistics", "ANALYZE"),
    ]
    run_steps(database, steps)
    with database.sessions() as session:
        user = create_user(
            session,
            username=USER,
            password=PASSWORD,
            role=Role.CITIZEN,
            display_name="Người số 1",
            person_id=SUBJECT,
        )
        now = utcnow().replace(tzinfo=None)
        set_passcode(session, actor_for(session, user, None), PASSCODE, current=None, now=now)
        session.commit()


def run_steps(database: Database, steps: list[tuple[str, str]]) -> None:
    """Runs each ``(label, SQL)`` step (statements separated by ``;`` at a line's end) in one
    transaction, printing how long each took."""
    with database.engine.begin() as connection:
        for label, sql in steps:
            started = time.perf_counter()
            for statement in sql.split(";\n"):
                connection.execute(text(statement))
            console.print(f"{label}: {time.perf_counter() - started:.0f} s")


def timed(count: int, call: Callable[[], httpx.Response]) -> list[float]:
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        response = call()
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return latencies


def show(name: str, latencies: list[float]) -> float:
    ordered = sorted(latencies)
    p95 = ordered[int(0.95 * (len(ordered) - 1))] * 1000
    console.print(
        f"{name}: {len(ordered)} requests; p50 {statistics.median(ordered) * 1000:.1f} ms, "
        f"p95 {p95:.1f} ms, max {ordered[-1] * 1000:.1f} ms"
    )
    return p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=2_300_000)
    parser.add_argument("--visits", type=int, default=5_000_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch, throwaway_cluster() as url:
        database = open_database(url)
        fill(database, args.people, args.visits)
        database.engine.dispose()
        port = free_port()
        command = [str(Path(sys.executable).parent / "sokhoe"), "serve", "--port", str(port)]
        env = {
            "SOKHOE_HOME": f"{scratch}/home",
            "SOKHOE_DATABASE_URL": url,
            "SOKHOE_SECRET_KEY": "b",
        }
        with server(command, port, env) as (base, _pid), httpx.Client(base_url=base) as client:
            token = _CSRF.search(client.get("/dang-nhap").text)
            assert token is not None
            login = {"username": USER, "password": PASSWORD, "csrf_token": token.group(1)}
            assert client.post("/dang-nhap", data=login).status_code == 303
            page = _CSRF.search(client.get("/so-suc-khoe").text)
            assert page is not None
            form = {"csrf_token": page.group(1), "code": PASSCODE}
            opened = client.post("/so-suc-khoe", data=form)
            unlock = _UNLOCK.search(opened.text)
            assert opened.status_code == 200 and unlock is not None, "the book did not open"
            assert "Người số 1" in opened.text
            form = {"csrf_token": page.group(1), "unlock": unlock.group(1)}
            timed(20, lambda: client.post("/so-suc-khoe", data=form))  # warm up
            base_p95 = show("/healthz", timed(args.requests, lambda: client.get("/healthz")))
            book = timed(args.requests, lambda: client.post("/so-suc-khoe", data=form))
            book_p95 = show(f"book of a person with {OWN_VISITS} visits", book)
        console.print(f"ratio p95: {book_p95 / base_p95:.1f}x; target p95 < 150 ms")


if __name__ == "__main__":
    main()
