"""The campaign dashboard at full-province scale (issue: p95 < 300 ms for 2.3 M people, 65
communes and their villages, from daily pre-aggregated snapshots).

Usage: ``uv run python -m benchmarks.bench_dashboard [--people 2300000] [--requests 300]``.

A throwaway PostgreSQL is filled as :mod:`benchmarks.bench_indicators` fills it (the
register, accounts, cards, wallet and visits by ``generate_series``) and one real snapshot is
taken with ``take_snapshot`` on 20/3. From its rows a history is derived by set-based SQL:
every village and commune on every day from 1/2 to 5/7 (after the deadline of 30/6), shares
growing over time, two communes lagging and two falling after the deadline; province rows
are the sums of the communes'. Every commune gets a head. ``sokhoe serve`` runs on it; the
client signs in as the Department of Health, then asks for ``/chien-dich/theo-doi`` and a
lagging commune's page ``--requests`` times each, one after the other. The baseline, over
the same connection in the same run, is ``/healthz`` (no database): the ratio is what the
dashboard costs over the framework.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from benchmarks.bench_book import KHANH_HOA, console, run_steps, timed
from benchmarks.bench_indicators import DAY, fill
from benchmarks.http_load import Outcome, show
from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.campaign.heads import demo_heads
from sokhoe.campaign.indicator_models import IndicatorSnapshot
from sokhoe.campaign.indicators import take_snapshot
from sokhoe.campaign.service import active_campaign
from sokhoe.db import unit_of_work
from sokhoe.registry.models import Commune
from sokhoe.runtime import Database, open_database
from tests.support.postgres import throwaway_cluster
from tests.support.served import cpu_seconds, free_port, server

USER, PASSWORD = "soyte.bench", "mật khẩu đo hiệu năng"
FIRST, LAST, DEADLINE = dt.date(2026, 2, 1), dt.date(2026, 7, 5), dt.date(2026, 6, 30)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def history(database: Database) -> tuple[int, int]:
    """The snapshot of :data:`DAY` and the history derived from it; returns a lagging
    commune's code and the number of snapshot rows."""
    with unit_of_work(database.sessions) as session:
        taken = take_snapshot(session, KHANH_HOA, DAY)
        console.print(
            f"real snapshot of {DAY}: {taken.communes} communes, {taken.villages:,} villages"
        )
        campaign = active_campaign(session, KHANH_HOA)
        assert campaign is not None
        demo_heads(session, campaign)
        create_user(
            session,
            username=USER,
            password=PASSWORD,
            role=Role.HEALTH_DEPARTMENT,
            display_name="Sở Y tế (đo hiệu năng)",
            province_code=KHANH_HOA,
        )
        communes = sorted(
            session.scalars(select(Commune.code).where(Commune.province_code == KHANH_HOA))
        )
    lagging, falling = (communes[5], communes[40]), (communes[10], communes[20])
    span = (LAST - FIRST).days
    # t: 0 → 1 over the history; a lagging commune moves at 55 % of the pace; a falling one
    # loses 1.2 points a day after the deadline (more than the growth).
    pace = f"CASE WHEN s.commune_code IN {lagging} THEN 0.55 ELSE 1 END"
    fall = (
        f"CASE WHEN s.commune_code IN {falling} AND d > date '{DEADLINE}' "
        f"THEN 0.012 * (d - date '{DEADLINE}') ELSE 0 END"
    )
    t = f"((d - date '{FIRST}') / {span}.0)"
    offset = "((s.commune_code % 7) * 0.01)"

    def share(base: float, gain: float, of: str) -> str:
        return (
            f"LEAST(s.{of}, GREATEST(0, round(s.{of} * "
            f"({base} + {offset} + {gain} * {t} * {pace} - {fall}))))::int"
        )

    columns = (
        "day, unit_level, unit_code, province_code, commune_code, residents, eligible, level2, "
        "books_activated, cards_listed, cards_integrated, visits_on_day, visits_to_date, "
        "households_visited, taken_at"
    )
    counts = (
        "residents, eligible, level2, books_activated, cards_listed, cards_integrated, "
        "visits_on_day, visits_to_date, households_visited"
    )
    run_steps(
        database,
        [
            (
                f"history of villages and communes, {FIRST} to {LAST}",
                f"""INSERT INTO indicator_snapshot ({columns})
                    SELECT d, s.unit_level, s.unit_code, s.province_code, s.commune_code,
                        s.residents, s.eligible, {share(0.45, 0.5, "eligible")},
                        {share(0.12, 0.85, "eligible")}, s.cards_listed,
                        {share(0.3, 0.65, "cards_listed")}, s.visits_on_day,
                        round(s.visits_to_date * {t} * 3)::int,
                        round(s.households_visited * {t} * 3)::int, now()
                    FROM generate_series(date '{FIRST}', date '{LAST}', interval '1 day') g,
                        LATERAL (SELECT g::date AS d) day,
                        indicator_snapshot s
                    WHERE s.day = date '{DAY}' AND s.unit_level <> 'province'
                        AND d <> date '{DAY}'""",
            ),
            (
                "province rows",
                f"""INSERT INTO indicator_snapshot ({columns})
                    SELECT day, 'province', {KHANH_HOA}, {KHANH_HOA}, NULL,
                        {", ".join(f"sum({c})" for c in counts.split(", "))}, now()
                    FROM indicator_snapshot
                    WHERE unit_level = 'commune' AND day <> date '{DAY}'
                    GROUP BY day""",
            ),
            ("statistics", "ANALYZE"),
        ],
    )
    with database.sessions() as session:
        rows = session.scalar(select(func.count()).select_from(IndicatorSnapshot)) or 0
    return lagging[0], rows


def signed_in(client: httpx.Client) -> None:
    token = _CSRF.search(client.get("/dang-nhap").text)
    assert token is not None
    login = {"username": USER, "password": PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/dang-nhap", data=login).status_code == 303


def measured(client: httpx.Client, pid: int, path: str, count: int, name: str) -> dict[int, float]:
    spent = cpu_seconds(pid)
    started = time.perf_counter()
    latencies = timed(count, lambda: client.get(path))
    outcome = Outcome(latencies, 0, time.perf_counter() - started)
    return show(name, outcome, cpu_seconds(pid) - spent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=2_300_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch, throwaway_cluster() as url:
        database = open_database(url)
        fill(database, args.people, args.people // 10)
        lagging, rows = history(database)
        console.print(f"{rows:,} snapshot rows")
        database.engine.dispose()
        port = free_port()
        command = [str(Path(sys.executable).parent / "sokhoe"), "serve", "--port", str(port)]
        env = {
            "SOKHOE_HOME": f"{scratch}/home",
            "SOKHOE_DATABASE_URL": url,
            "SOKHOE_SECRET_KEY": "b",
        }
        with server(command, port, env) as (base, pid), httpx.Client(base_url=base) as client:
            signed_in(client)
            page = client.get("/chien-dich/theo-doi")
            assert page.status_code == 200 and "Chậm tiến độ" in page.text, "no ranking"
            assert "Đang giảm" in page.text, "no decline after the deadline"
            commune = f"/chien-dich/theo-doi/xa/{lagging}"
            timed(20, lambda: client.get("/chien-dich/theo-doi"))  # warm up
            healthz = measured(client, pid, "/healthz", args.requests, "/healthz")
            province = measured(
                client, pid, "/chien-dich/theo-doi", args.requests, "province dashboard"
            )
            villages = measured(client, pid, commune, args.requests, "a commune's villages")
        for name, p in (("province", province), ("commune", villages)):
            console.print(
                f"{name}: ratio p95 {p[95] / healthz[95]:.1f}x over /healthz; target p95 < 300 ms"
            )


if __name__ == "__main__":
    main()
