"""The daily indicator snapshot of a province-sized register (issue 7: the dashboard reads
pre-counted rows, so the count itself must fit in the night).

Usage: ``uv run python -m benchmarks.bench_indicators [--people 2300000] [--visits N]``.

A throwaway PostgreSQL is filled by set-based SQL (``generate_series``, as
:mod:`benchmarks.bench_book` does): one village per 2,000 people spread over Khánh Hòa's
communes, households of four in one village, everyone's birth date over 85 years (about one
in six under 14), a level-2 e-ID for two in three, a signed-in citizen account for one in
five, a BHXH card for nine in ten and six in ten in the wallet, field visits over twenty
days of the campaign; one school per 4,000 people, whose pupils are everyone aged 6–17 and
whose staff one in 200 adults, and one enterprise per 400 people employing a third of the
other adults of 18–60, a third of the visits to members recorded at their establishment.
``take_snapshot`` then counts the last day, twice (the second run replaces the first's
rows), each in its own transaction.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from sqlalchemy import func, select, text

from benchmarks.bench_book import KHANH_HOA, console, run_steps
from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.campaign import plans
from sokhoe.campaign.indicators import take_snapshot
from sokhoe.campaign.models import FieldVisit
from sokhoe.db import unit_of_work
from sokhoe.registry.units import ensure_province
from sokhoe.runtime import Database, open_database
from tests.support.postgres import throwaway_cluster

DAY = dt.date(2026, 3, 20)
DAYS = 20


def fill(database: Database, people: int, visits: int) -> None:
    """The register, accounts, cards, wallet and visits by SQL."""
    with database.sessions() as session:
        ensure_province(session, KHANH_HOA)
        communes = sorted(
            session.scalars(
                text("SELECT code FROM commune WHERE province_code = :p"), {"p": KHANH_HOA}
            )
        )
        campaign = plans.create_peak_campaign(session, province_code=KHANH_HOA, year=DAY.year)
        member = create_user(
            session,
            username="canbo.bench",
            password=None,
            role=Role.COMMUNE_OFFICER,
            display_name="Cán bộ xã (người ghi các lượt thăm)",
            commune_code=communes[0],
        )
        session.commit()
        campaign_id, member_id = campaign.id, member.id
    villages = max(len(communes), people // 2_000)
    array = "ARRAY[" + ",".join(map(str, communes)) + "]"
    first_visit = DAY - dt.timedelta(days=DAYS - 1)
    schools, enterprises = max(len(communes), people // 4_000), max(1, people // 400)
    run_steps(
        database,
        [
            (
                f"{villages:,} villages",
                f"""INSERT INTO village (id, commune_code, name)
                    SELECT g, ({array})[1 + g % {len(communes)}], 'Thôn ' || g
                    FROM generate_series(1, {villages}) g""",
            ),
            (
                f"{people:,} citizens",
                f"""INSERT INTO citizen (person_id, full_name, birth_date, birth_precision, sex,
                        commune_code, village_id, household_id, level2_eid)
                    SELECT lpad(g::text, 12, '0'), 'Người số ' || g,
                        date '1941-01-01' + (g % 31000), 'day', 'F', v.commune_code, v.id,
                        'H' || v.id || '.' || (g / {4 * villages}), g % 3 <> 0
                    FROM generate_series(1, {people}) g
                    JOIN village v ON v.id = 1 + g % {villages}""",
            ),
            (
                "accounts, cards and wallet",
                f"""INSERT INTO app_user (username, display_name, role, person_id, active,
                        failed_logins, last_login_at)
                    SELECT 'cd' || g, 'Người số ' || g, 'citizen', lpad(g::text, 12, '0'),
                        true, 0, CASE WHEN g % 10 < 8 THEN now() END
                    FROM generate_series(1, {people}) g WHERE g % 4 = 0;
                   INSERT INTO insurance_card (card_number, bhxh_number, holder_key, person_id,
                        full_name, birth_precision)
                    SELECT 'GD4' || lpad(g::text, 12, '0'), lpad(g::text, 10, '0'),
                        lpad(g::text, 12, '0'), lpad(g::text, 12, '0'), 'Người số ' || g, 'day'
                    FROM generate_series(1, {people}) g WHERE g % 10 <> 0;
                   INSERT INTO wallet_integration (person_id, card_number)
                    SELECT lpad(g::text, 12, '0'), 'GD4' || lpad(g::text, 12, '0')
                    FROM generate_series(1, {people}) g WHERE g % 10 BETWEEN 1 AND 6""",
            ),
            (
                f"{visits:,} field visits",
                f"""INSERT INTO field_visit (client_uuid, campaign_id, member_user_id,
                        province_code, commune_code, village_id, household_id, person_id,
                        outcome, visited_at, visited_on, received_at)
                    SELECT md5(g::text), {campaign_id}, {member_id}, {KHANH_HOA},
                        c.commune_code, c.village_id, c.household_id, c.person_id, 'not_home',
                        date '{first_visit}' + g % {DAYS} + time '02:00',
                        date '{first_visit}' + g % {DAYS}, now()
                    FROM generate_series(1, {visits}) g
                    JOIN citizen c ON c.person_id = lpad((1 + (g::bigint * 7919) % {people})::text,
                        12, '0')""",
            ),
            (
                f"{schools:,} schools, {enterprises:,} enterprises and their rosters",
                f"""INSERT INTO establishment (id, kind, province_code, commune_code, code, name,
                        head_name)
                    SELECT g, CASE WHEN g <= {schools} THEN 'school' ELSE 'enterprise' END,
                        {KHANH_HOA}, ({array})[1 + g % {len(communes)}], 'CS' || g,
                        'Cơ sở số ' || g, ''
                    FROM generate_series(1, {schools + enterprises}) g;
                   INSERT INTO establishment_member (establishment_id, person_id, role)
                    SELECT CASE
                            WHEN birth_date > date '{DAY}' - interval '18 years'
                                THEN 1 + n % {schools}
                            WHEN n % 200 = 0 THEN 1 + n % {schools}
                            ELSE {schools} + 1 + (n * 31) % {enterprises} END,
                        person_id,
                        CASE WHEN birth_date > date '{DAY}' - interval '18 years' THEN 'pupil'
                            WHEN n % 200 = 0 THEN 'staff' ELSE 'employee' END
                    FROM (SELECT person_id, birth_date, person_id::bigint AS n FROM citizen) c
                    WHERE birth_date BETWEEN date '{DAY}' - interval '18 years' + interval '1 day'
                            AND date '{DAY}' - interval '6 years'
                        OR (birth_date BETWEEN date '{DAY}' - interval '60 years'
                            AND date '{DAY}' - interval '18 years'
                            AND (n % 200 = 0 OR n % 3 = 0));
                   UPDATE field_visit v SET establishment_id = m.establishment_id
                    FROM establishment_member m
                    WHERE m.person_id = v.person_id AND v.id % 3 = 0""",
            ),
            ("statistics", "ANALYZE"),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=2_300_000)
    parser.add_argument("--visits", type=int, default=None, help="default: a tenth of people")
    args = parser.parse_args()
    visits = args.visits if args.visits is not None else args.people // 10
    with throwaway_cluster() as url:
        database = open_database(url)
        fill(database, args.people, visits)
        for run in ("first", "again"):
            started = time.perf_counter()
            with unit_of_work(database.sessions) as session:
                taken = take_snapshot(session, KHANH_HOA, DAY)
            seconds = time.perf_counter() - started
            console.print(
                f"snapshot ({run}): {taken.communes} communes, {taken.villages:,} villages, "
                f"{taken.province.residents:,} people, {taken.province.visits_to_date:,} visits, "
                f"{taken.province.schools + taken.province.enterprises:,} establishments "
                f"({taken.province.students + taken.province.employees:,} on their rosters) "
                f"in {seconds:.1f} s"
            )
        with database.sessions() as session:
            assert session.scalar(select(func.count()).select_from(FieldVisit)) == visits
        database.engine.dispose()


if __name__ == "__main__":
    main()
