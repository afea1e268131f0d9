"""The province's monthly report, XLSX and PDF (R18: "in under 10 s"), on Khánh Hòa's size.

Usage: ``uv run python -m benchmarks.bench_province_report [--villages 1150] [--days 120]
[--runs 5]``.

The report reads the daily indicator snapshots only, never the register, so the register is
not built here: a throwaway PostgreSQL gets Khánh Hòa's 65 real communes, one village per
2,000 of its 2.3 M people (1,150), and a snapshot history of ``--days`` days ending on
31/03/2026 — every village's row filled by set-based SQL (``generate_series``, rates that
grow day by day), the communes' and the province's rows summed from them, as
``take_snapshot`` would. Timed in the same run, each several times, each in a transaction
of its own as the web page does (the audit entry included): the report of March as XLSX,
as PDF, and ``sokhoe report`` as a new process. The campaign of 2026 is opened and every
commune has sent its 31 daily reports of March, one in four with two paragraphs of
difficulties and proposals (the PDF lists those, the XLSX all of them). Baselines: opening a
session and reading the month's province row, a trivial query; and, for the process,
``sokhoe migrate`` — the start every command pays (Python, the imports, the schema checked
to be at head).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.table import Table
from sqlalchemy import insert, select

from benchmarks.bench_book import KHANH_HOA, console, run_steps
from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.campaign import plans
from sokhoe.campaign.indicator_models import IndicatorSnapshot
from sokhoe.campaign.indicators import COUNTS as SNAPSHOT_COUNTS
from sokhoe.campaign.province_report import ReportFormat, build_report
from sokhoe.campaign.province_report_files import report_file
from sokhoe.campaign.report_models import CommuneReport
from sokhoe.db import unit_of_work
from sokhoe.registry.models import Commune
from sokhoe.registry.units import ensure_province
from sokhoe.runtime import Database, open_database
from sokhoe.vietnam_time import VIETNAM_TIME
from tests.support.postgres import throwaway_cluster

MARCH = dt.date(2026, 3, 1)
LAST_DAY = dt.date(2026, 3, 31)
NOW = dt.datetime(2026, 4, 2, 3, 0, tzinfo=dt.UTC)
_KEYS = "day, taken_at, province_code, unit_level, unit_code, commune_code"
#: The counts filled, the register's and the visits' (the establishments' keep their
#: defaults).
COUNTS = SNAPSHOT_COUNTS[: SNAPSHOT_COUNTS.index("households_visited") + 1]


def fill(database: Database, villages: int, days: int) -> None:
    """The communes, villages and the snapshot history, by SQL."""
    with database.sessions() as session:
        ensure_province(session, KHANH_HOA)
        session.commit()
    first = LAST_DAY - dt.timedelta(days=days - 1)
    counts = ", ".join(COUNTS)
    sums = ", ".join(f"sum({name})" for name in COUNTS)
    # Day d of the history (0 …), village v: 2,000 people, 1,640 aged 14 or over, rates
    # rising with d and differing between villages.
    progress = f"least(1.0, 0.2 + 0.6 * d / {days} + (v % 17) / 100.0)"
    run_steps(
        database,
        [
            (
                f"{villages:,} villages",
                f"""INSERT INTO village (id, commune_code, name)
                    SELECT g, c.code, 'Thôn ' || g
                    FROM generate_series(1, {villages}) g
                    JOIN (SELECT code, row_number() OVER (ORDER BY code) - 1 AS n,
                            count(*) OVER () AS total
                          FROM commune WHERE province_code = {KHANH_HOA}) c
                      ON c.n = g % c.total""",
            ),
            (
                f"{days} days of village rows",
                f"""INSERT INTO indicator_snapshot ({_KEYS}, {counts})
                    SELECT date '{first}' + d, now(), {KHANH_HOA}, 'village', v, c,
                        2000, 1640, (1640 * least(1.0, {progress} + 0.15))::int,
                        (1640 * {progress})::int, 1800, (1800 * {progress})::int,
                        (v + d) % 7, 3 * d + v % 5, least(500, 4 * d)
                    FROM (SELECT id AS v, commune_code AS c FROM village) villages,
                        generate_series(0, {days - 1}) d""",
            ),
            (
                "commune and province rows",
                f"""INSERT INTO indicator_snapshot ({_KEYS}, {counts})
                    SELECT day, now(), {KHANH_HOA}, 'commune', commune_code, commune_code, {sums}
                    FROM indicator_snapshot WHERE unit_level = 'village'
                    GROUP BY day, commune_code;
                   INSERT INTO indicator_snapshot ({_KEYS}, {counts})
                    SELECT day, now(), {KHANH_HOA}, 'province', {KHANH_HOA}, NULL, {sums}
                    FROM indicator_snapshot WHERE unit_level = 'commune'
                    GROUP BY day""",
            ),
            ("statistics", "ANALYZE"),
        ],
    )


DIFFICULTIES = (
    "Thôn vùng cao thiếu sóng di động, nhiều người cao tuổi không có điện thoại thông minh; "
    "tổ công tác phải quay lại vào buổi tối khi người dân đi rẫy về. "
) * 3
PROPOSALS = "Đề nghị hỗ trợ thêm máy đọc căn cước và cán bộ công an cho các thôn xa. " * 2


def reports(database: Database) -> int:
    """The 2026 campaign and every commune's daily reports of March, sent the same evening."""
    with unit_of_work(database.sessions) as session:
        campaign_id = plans.create_peak_campaign(session, province_code=KHANH_HOA, year=2026).id
        codes = list(
            session.scalars(select(Commune.code).where(Commune.province_code == KHANH_HOA))
        )
        officer = create_user(
            session,
            username="bench.canbo",
            password="mật khẩu dài dài",
            role=Role.COMMUNE_OFFICER,
            display_name="Cán bộ",
            commune_code=codes[0],
        )
        rows = []
        for n, code in enumerate(codes):
            for day in range(1, 32):
                start = MARCH.replace(day=day)
                sent = dt.datetime.combine(start, dt.time(20), VIETNAM_TIME)
                said = (n + day) % 4 == 0
                rows.append(
                    {
                        "campaign_id": campaign_id,
                        "province_code": KHANH_HOA,
                        "commune_code": code,
                        "period_kind": "daily",
                        "period_start": start,
                        "version": 2,
                        "difficulties": DIFFICULTIES if said else "",
                        "proposals": PROPOSALS if said else "",
                        "updated_by": officer.id,
                        "updated_at": sent,
                        "submitted_at": sent,
                        "submitted_by": officer.id,
                    }
                )
        session.execute(insert(CommuneReport), rows)
    return len(rows)


def timed(runs: int, work: Callable[[], object]) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--villages", type=int, default=1_150)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with throwaway_cluster() as url, tempfile.TemporaryDirectory() as scratch:
        database = open_database(url)
        fill(database, args.villages, args.days)
        sent = reports(database)
        sizes: dict[str, int] = {}

        def baseline() -> None:
            with unit_of_work(database.sessions) as session:
                row = session.scalars(
                    select(IndicatorSnapshot).where(
                        IndicatorSnapshot.province_code == KHANH_HOA,
                        IndicatorSnapshot.unit_level == "province",
                        IndicatorSnapshot.day == LAST_DAY,
                    )
                ).one()
                assert row.residents == 2_000 * args.villages

        def report(kind: ReportFormat) -> Callable[[], None]:
            def make() -> None:
                with unit_of_work(database.sessions) as session:
                    made = build_report(session, province_code=KHANH_HOA, month=MARCH, now=NOW)
                    written = report_file(made, kind, now=NOW)
                assert len(made.communes) == 65 and made.total.residents == 2_000 * args.villages
                assert len(made.sent_reports) == sent
                sizes[kind.value] = len(written.content)

            return make

        def command(*arguments: str) -> Callable[[], None]:
            def run() -> None:
                subprocess.run(
                    ["sokhoe", *arguments],
                    check=True,
                    capture_output=True,
                    env={**os.environ, "SOKHOE_DATABASE_URL": url},
                )

            return run

        out = str(Path(scratch) / "bao-cao.pdf")
        month = ("--province", str(KHANH_HOA), "--month", "2026-03")
        processes = max(args.runs // 2, 2)
        results = {
            "baseline: the month's province row": timed(args.runs * 4, baseline),
            "report XLSX (March)": timed(args.runs, report(ReportFormat.XLSX)),
            "report PDF (March)": timed(args.runs, report(ReportFormat.PDF)),
            "process baseline: sokhoe migrate": timed(processes, command("migrate")),
            "sokhoe report --format pdf (process)": timed(
                processes, command("report", *month, "--format", "pdf", "--out", out)
            ),
        }
        database.engine.dispose()
    # Each step against the baseline above it: the query for the reports made in this
    # process, ``sokhoe migrate`` for the command.
    base = 0.0
    table = Table(
        "step",
        "runs",
        "median",
        "max",
        "× its baseline",
        title=f"Monthly report: 65 communes, {args.villages:,} villages, {args.days} days "
        f"of snapshots (XLSX {sizes['xlsx']:,} bytes, PDF {sizes['pdf']:,} bytes)",
    )
    for name, seconds in results.items():
        median = statistics.median(seconds)
        if "baseline" in name:
            base = median
        table.add_row(
            name,
            str(len(seconds)),
            f"{median * 1000:.1f} ms",
            f"{max(seconds) * 1000:.1f} ms",
            f"{median / base:.1f}",
        )
    console.print(table)


if __name__ == "__main__":
    main()
