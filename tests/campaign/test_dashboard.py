"""The campaign dashboard's arithmetic (expected share, ranking, behind, post-deadline
declines), its access rules and query count, and the heads of communes, on both backends.

Most tests write snapshot rows directly, with round counts whose shares are worked out by
hand here; one takes real snapshots of a small register and checks the villages against a
count of the people made for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from sokhoe.access.clock import utcnow
from sokhoe.access.guard import AccessDenied
from sokhoe.access.models import AuditEntry, User
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.campaign import dashboard, heads
from sokhoe.campaign.dashboard import DECLINE_TOLERANCE, expected_share
from sokhoe.campaign.heads import HeadConflict
from sokhoe.campaign.indicator_models import IndicatorSnapshot
from sokhoe.campaign.indicators import take_snapshot
from sokhoe.campaign.models import Campaign, CampaignTarget, GuidanceTeam, TeamVillage
from sokhoe.campaign.service import CampaignError
from sokhoe.campaign.vocabulary import Indicator
from sokhoe.registry.models import Commune
from sokhoe.registry.units import ensure_province
from tests.campaign.conftest import Field, account
from tests.campaign.test_fieldwork import add_card
from tests.support.factories import BAC_NHA_TRANG, KHANH_HOA, NHA_TRANG, add_citizen

START, DEADLINE = dt.date(2026, 3, 1), dt.date(2026, 6, 30)
#: 1 March to 30 June.
SPAN = 121


def put(
    session: Session,
    day: dt.date,
    level: str,
    code: int,
    *,
    commune: int | None,
    eligible: int = 100,
    books: int = 0,
    listed: int = 100,
    cards: int = 0,
    level2: int = 0,
    visits: int = 0,
    **establishments: int,
) -> None:
    """One snapshot row (every count not given is 0; ``establishments``: the schools' and
    enterprises' columns by name)."""
    session.add(
        IndicatorSnapshot(
            day=day,
            unit_level=level,
            unit_code=code,
            province_code=KHANH_HOA,
            commune_code=commune,
            residents=eligible,
            eligible=eligible,
            level2=level2,
            books_activated=books,
            cards_listed=listed,
            cards_integrated=cards,
            visits_on_day=0,
            visits_to_date=visits,
            households_visited=0,
            taken_at=utcnow(),
            **establishments,
        )
    )


def put_day(
    session: Session, day: dt.date, communes: dict[int, dict[str, int]], *, listed: int = 100
) -> None:
    """Commune rows and their sum as the province row."""
    for code, counts in communes.items():
        put(session, day, "commune", code, commune=code, listed=listed, **counts)
    total = {
        name: sum(c.get(name, 0) for c in communes.values())
        for name in ("books", "cards", "level2", "visits")
    }
    put(
        session,
        day,
        "province",
        KHANH_HOA,
        commune=None,
        eligible=100 * len(communes),
        listed=listed * len(communes),
        **total,
    )
    session.flush()


@pytest.fixture
def health(session: Session, field: Field) -> Actor:
    actor = account(session, "soyte", Role.HEALTH_DEPARTMENT, province_code=KHANH_HOA)
    session.commit()
    return actor


def test_expected_share_runs_straight_from_the_first_share_to_the_target() -> None:
    line = {"start": START, "start_share": 0.2, "deadline": DEADLINE, "target": 1.0}
    assert expected_share(START, **line) == 0.2
    assert expected_share(START - dt.timedelta(days=3), **line) == 0.2
    assert expected_share(dt.date(2026, 4, 1), **line) == pytest.approx(0.2 + 0.8 * 31 / SPAN)
    assert expected_share(DEADLINE, **line) == 1.0
    assert expected_share(dt.date(2026, 8, 1), **line) == 1.0


def test_communes_are_ranked_by_their_gap_and_the_late_one_is_flagged(
    session: Session, field: Field, health: Actor
) -> None:
    april = dt.date(2026, 4, 1)
    put_day(
        session,
        START,
        {NHA_TRANG: {"books": 20, "cards": 40}, BAC_NHA_TRANG: {"books": 10, "cards": 40}},
    )
    put_day(
        session,
        april,
        {
            NHA_TRANG: {"books": 50, "cards": 70, "level2": 80, "visits": 30},
            BAC_NHA_TRANG: {"books": 15, "cards": 70, "level2": 60, "visits": 4},
        },
    )
    session.commit()

    view = dashboard.province_dashboard(session, health)

    assert view is not None
    assert (view.first_day, view.day, view.after_deadline) == (START, april, False)
    late, ahead = view.parts
    assert (late.code, ahead.code) == (BAC_NHA_TRANG, NHA_TRANG)
    # Bắc Nha Trang: books 15 % against 10 % + 90 points × 31/121; cards 70 % against
    # 40 % + 60 × 31/121 = 55.4 %: behind on books only.
    assert late.books.expected == pytest.approx(0.10 + 0.90 * 31 / SPAN)
    assert late.books.gap == pytest.approx((0.15 - 0.10 - 0.90 * 31 / SPAN) * 100)
    assert late.gap == late.books.gap
    assert (late.books.behind, late.cards.behind, late.behind) == (True, False, True)
    assert ahead.books.gap == pytest.approx((0.50 - 0.20 - 0.80 * 31 / SPAN) * 100)
    assert not ahead.behind
    assert view.behind == [late]
    assert (late.eligible, late.level2, late.level2_share) == (100, 60, 0.6)
    # The province: books 65 of 200 against 15 % + 85 points × 31/121.
    assert view.total.books.share == 65 / 200
    assert view.total.books.expected == pytest.approx(0.15 + 0.85 * 31 / SPAN)
    assert [(p.day, p.books) for p in view.trend] == [(START, 30 / 200), (april, 65 / 200)]
    assert view.total.responsible is None and late.responsible is None


#: Schools, pupils and enterprises of the two communes on 1/3 and 1/4 (Bắc Nha Trang has no
#: school): (schools, reached, students, integrated, enterprises, reached).
ESTABLISHMENTS = {
    START: {NHA_TRANG: (4, 0, 200, 20, 2, 0), BAC_NHA_TRANG: (0, 0, 0, 0, 5, 1)},
    dt.date(2026, 4, 1): {NHA_TRANG: (4, 1, 200, 60, 2, 1), BAC_NHA_TRANG: (0, 0, 0, 0, 5, 3)},
}
_R13 = (
    "schools",
    "schools_reached",
    "students",
    "students_integrated",
    "enterprises",
    "enterprises_reached",
)


def test_schools_pupils_and_enterprises_against_their_targets(
    session: Session, field: Field, health: Actor
) -> None:
    """Against the plan's 100 % by 30/6, except Bắc Nha Trang's own enterprises target of
    80 % by 31/5; Bắc Nha Trang has no school, so no share of schools or pupils and no gap
    on them, while Nha Trang is behind on its pupils alone."""
    campaign = session.get(Campaign, field.campaign_id)
    assert campaign is not None
    session.add(
        CampaignTarget(
            campaign_id=campaign.id,
            unit_level="commune",
            unit_code=BAC_NHA_TRANG,
            indicator=Indicator.ENTERPRISES.value,
            target_percent=80,
            deadline=dt.date(2026, 5, 31),
        )
    )
    for day, communes in ESTABLISHMENTS.items():
        books = 0 if day == START else 90  # far ahead on books and cards
        for code, counts in communes.items():
            put(
                session,
                day,
                "commune",
                code,
                commune=code,
                books=books,
                cards=books,
                **dict(zip(_R13, counts, strict=True)),
            )
        total = [sum(column) for column in zip(*communes.values(), strict=True)]
        put(
            session,
            day,
            "province",
            KHANH_HOA,
            commune=None,
            eligible=200,
            listed=200,
            books=2 * books,
            cards=2 * books,
            **dict(zip(_R13, total, strict=True)),
        )
    session.commit()

    view = dashboard.province_dashboard(session, health)

    assert view is not None
    april = 31 / SPAN  # of the way from 1/3 to 30/6
    province = view.total
    assert (province.schools.done, province.schools.of) == (1, 4)
    assert province.schools.expected == pytest.approx(april)
    assert (province.students.done, province.students.of) == (60, 200)
    assert province.students.expected == pytest.approx(0.1 + 0.9 * april)
    assert (province.enterprises.done, province.enterprises.of) == (4, 7)
    assert province.enterprises.expected == pytest.approx(1 / 7 + 6 / 7 * april)
    assert province.enterprises.target == 1.0 and province.enterprises.deadline == DEADLINE
    nha_trang, bac_nha_trang = view.parts
    assert (nha_trang.code, bac_nha_trang.code) == (NHA_TRANG, BAC_NHA_TRANG)
    assert nha_trang.schools.gap == pytest.approx((0.25 - april) * 100)
    assert nha_trang.students.gap == pytest.approx((0.3 - 0.1 - 0.9 * april) * 100)
    assert nha_trang.enterprises.gap == pytest.approx((0.5 - april) * 100)
    assert nha_trang.gap == nha_trang.students.gap < nha_trang.schools.gap < 0
    assert nha_trang.behind and not nha_trang.books.behind and not nha_trang.cards.behind
    # No school: no share (not 0 %), not behind on it, not ranked on it.
    for figure in (bac_nha_trang.schools, bac_nha_trang.students):
        assert figure.share is None and figure.gap is None and not figure.behind
    own = 0.2 + (0.8 - 0.2) * 31 / (dt.date(2026, 5, 31) - START).days
    assert (bac_nha_trang.enterprises.target, bac_nha_trang.enterprises.deadline) == (
        0.8,
        dt.date(2026, 5, 31),
    )
    assert bac_nha_trang.enterprises.expected == pytest.approx(own)
    assert bac_nha_trang.gap == pytest.approx((0.6 - own) * 100) and not bac_nha_trang.behind
    assert view.behind == [nha_trang]


def test_recent_visits_are_those_since_the_snapshot_a_week_before(
    session: Session, field: Field, health: Actor
) -> None:
    for offset, visits in ((0, 5), (20, 40), (24, 55), (27, 61)):
        put_day(session, START + dt.timedelta(days=offset), {NHA_TRANG: {"visits": visits}})
    session.commit()
    view = dashboard.province_dashboard(session, health)
    assert view is not None
    # The latest day is 28/3; the last snapshot on or before 21/3 is that of 21/3 (40).
    assert view.parts[0].recent_visits == 61 - 40
    assert [p.day for p in view.parts[0].sparkline] == [
        START + dt.timedelta(days=d) for d in (0, 20, 24, 27)
    ]


def test_after_the_deadline_a_fall_beyond_the_tolerance_is_flagged(
    session: Session, field: Field, health: Actor
) -> None:
    """Cards per 10,000 listed: Nha Trang 95.00 % on 2/7 falls to 94.85 % (0.15 point);
    Bắc Nha Trang 90.00 % to 89.95 % (0.05 point, within the tolerance); Nha Trang's books
    fell from the deadline's 99 % (the last day before the watch)."""
    assert DECLINE_TOLERANCE == 0.001
    days = {
        dt.date(2026, 6, 1): (9000, 8000, 90),
        DEADLINE: (9300, 8900, 99),
        dt.date(2026, 7, 2): (9500, 9000, 98),
        dt.date(2026, 7, 5): (9485, 8995, 97),
    }
    for day, (nha_trang, bac_nha_trang, books) in days.items():
        put_day(
            session,
            day,
            {
                NHA_TRANG: {"cards": nha_trang, "books": books},
                BAC_NHA_TRANG: {"cards": bac_nha_trang, "books": 100},
            },
            listed=10_000,
        )
    session.commit()

    view = dashboard.province_dashboard(session, health)

    assert view is not None and view.after_deadline
    assert [unit.code for unit in view.declining] == [NHA_TRANG]
    books, cards = view.declining[0].declines
    assert (books.indicator, books.highest, books.latest) == ("books", 0.99, 0.97)
    assert (cards.indicator, cards.highest, cards.latest) == ("cards", 0.95, 0.9485)
    assert cards.points == pytest.approx(0.15)
    # After the deadline the expected share is the target itself.
    assert view.parts[0].cards.expected == 1.0
    other = next(unit for unit in view.parts if unit.code == BAC_NHA_TRANG)
    assert other.declines == [] and other.cards.share == 0.8995
    # The province: books 199 → 197 of 200 (1 point); cards 18,500 → 18,480 of 20,000 is
    # exactly the tolerance, not beyond it.
    assert [d.indicator for d in view.total.declines] == ["books"]


def test_a_commune_page_ranks_its_villages_from_real_snapshots(
    session: Session, field: Field, health: Actor
) -> None:
    """Tổ 1 (team head Nguyễn Văn Hùng) and Tổ 2 (no team); between the two snapshots three
    more people of Tổ 1 sign in, none of Tổ 2."""
    people = {
        field.to_1.id: [add_citizen(session, field.to_1) for _ in range(6)],
        field.to_2.id: [add_citizen(session, field.to_2) for _ in range(4)],
    }
    child = add_citizen(session, field.to_2, born=dt.date(2020, 1, 1))
    add_card(session, child.person_id, integrated=True)
    for village_id, count in ((field.to_1.id, 1), (field.to_2.id, 2)):
        for citizen in people[village_id][:count]:
            _signed_in(session, citizen.person_id)
        for citizen in people[village_id]:
            add_card(session, citizen.person_id, integrated=citizen is people[village_id][0])
    campaign = session.get(Campaign, field.campaign_id)
    assert campaign is not None
    team = GuidanceTeam(
        campaign_id=campaign.id,
        commune_code=NHA_TRANG,
        name="Tổ hướng dẫn số 1",
        head_name="Nguyễn Văn Hùng",
        head_organisation="police",
    )
    session.add(team)
    session.flush()
    session.add(TeamVillage(campaign_id=campaign.id, village_id=field.to_1.id, team_id=team.id))
    take_snapshot(session, KHANH_HOA, START)
    for citizen in people[field.to_1.id][1:4]:
        _signed_in(session, citizen.person_id)
    april = dt.date(2026, 4, 1)
    take_snapshot(session, KHANH_HOA, april)
    session.commit()

    view = dashboard.commune_dashboard(session, health, NHA_TRANG)

    assert view is not None and view.part_level == "village"
    by_code = {unit.code: unit for unit in view.parts}
    to_1, to_2 = by_code[field.to_1.id], by_code[field.to_2.id]
    # Tổ 1: 4 of 6 adults signed in, from 1 of 6; Tổ 2: 2 of 4 adults (the child is not
    # eligible), unchanged; cards: 1 of 6 and 2 of 5 listed (the child's is in the wallet).
    assert (to_1.books.done, to_1.books.of) == (4, 6)
    assert (to_2.books.done, to_2.books.of, to_2.cards.done, to_2.cards.of) == (2, 4, 2, 5)
    assert to_1.books.expected == pytest.approx(1 / 6 + (1 - 1 / 6) * 31 / SPAN)
    assert to_2.books.expected == pytest.approx(0.5 + 0.5 * 31 / SPAN)
    assert to_1.responsible is not None and to_1.responsible.name == "Nguyễn Văn Hùng"
    assert to_1.responsible.team == "Tổ hướng dẫn số 1"
    assert to_2.responsible is None
    assert (view.total.books.done, view.total.books.of) == (6, 10)
    gaps = [unit.gap for unit in view.parts]
    assert gaps == sorted(gaps, key=lambda g: (g is None, g or 0.0))


def _signed_in(session: Session, person_id: str) -> None:
    session.add(
        User(
            username=f"cd{person_id}",
            display_name="x",
            role=Role.CITIZEN.value,
            person_id=person_id,
            active=True,
            last_login_at=utcnow(),
        )
    )
    session.flush()


def test_who_may_read_which_dashboard(session: Session, field: Field, health: Actor) -> None:
    put_day(session, START, {NHA_TRANG: {"books": 1}})
    police = account(session, "congan", Role.POLICE_OFFICER, province_code=KHANH_HOA)
    bhxh = account(session, "bhxh", Role.BHXH_OFFICER, province_code=KHANH_HOA)
    ensure_province(session, 31)
    elsewhere = account(session, "soyte.hp", Role.HEALTH_DEPARTMENT, province_code=31)
    session.commit()
    assert dashboard.commune_dashboard(session, health, NHA_TRANG) is not None
    assert dashboard.commune_dashboard(session, field.officer, NHA_TRANG) is not None
    for actor in (field.officer, field.member, police, bhxh):
        with pytest.raises(AccessDenied):
            dashboard.province_dashboard(session, actor)
    for actor in (field.other_officer, field.member, police, bhxh, elsewhere):
        with pytest.raises(AccessDenied):
            dashboard.commune_dashboard(session, actor, NHA_TRANG)
    with pytest.raises(AccessDenied):
        dashboard.commune_dashboard(session, health, 999_999)


def test_the_expected_line_bends_at_the_deadline_or_is_the_target_alone(
    session: Session, field: Field, health: Actor
) -> None:
    put_day(session, START, {NHA_TRANG: {"books": 20, "cards": 40}})
    put_day(session, dt.date(2026, 7, 10), {NHA_TRANG: {"books": 90, "cards": 95}})
    session.commit()
    view = dashboard.province_dashboard(session, health)
    assert view is not None
    assert view.expected_line("books") == [
        (START, 0.2),
        (DEADLINE, 1.0),
        (dt.date(2026, 7, 10), 1.0),
    ]
    # Snapshots only after the deadline: the target from the first day on.
    session.execute(IndicatorSnapshot.__table__.delete().where(IndicatorSnapshot.day == START))
    session.commit()
    late = dashboard.province_dashboard(session, health)
    assert late is not None and late.first_day == dt.date(2026, 7, 10)
    assert late.expected_line("cards") == [(dt.date(2026, 7, 10), 1.0)] * 2
    assert late.parts[0].cards.expected == 1.0 and late.total.declines == []


def test_no_snapshot_yet_gives_no_dashboard(session: Session, field: Field, health: Actor) -> None:
    put(session, START - dt.timedelta(days=1), "province", KHANH_HOA, commune=None)
    session.commit()
    assert dashboard.province_dashboard(session, health) is None


@contextmanager
def counted_statements(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = session.get_bind()

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_handful_of_queries_whatever_the_number_of_communes(
    session: Session, field: Field, health: Actor
) -> None:
    """Two communes or twenty: the same statements (no query per commune), after the
    deadline too (one more: the highest shares since)."""
    communes = list(
        session.scalars(select(Commune.code).where(Commune.province_code == KHANH_HOA).limit(20))
    )
    counts = []
    for how_many, day in ((2, dt.date(2026, 4, 1)), (20, dt.date(2026, 7, 3))):
        session.execute(IndicatorSnapshot.__table__.delete())
        put_day(session, START, {code: {"books": 10} for code in communes[:how_many]})
        put_day(session, day, {code: {"books": 30} for code in communes[:how_many]})
        session.commit()
        session.expunge_all()
        with counted_statements(session) as statements:
            view = dashboard.province_dashboard(session, health)
        assert view is not None and len(view.parts) == how_many
        session.commit()
        counts.append(len(statements))
    assert counts[0] <= 8
    assert counts[1] == counts[0] + 1


def test_heads_are_named_by_the_province_or_the_communes_own_officer(
    session: Session, field: Field, health: Actor
) -> None:
    put_day(session, START, {NHA_TRANG: {"books": 1}, BAC_NHA_TRANG: {"books": 2}})
    head = heads.set_head(
        session,
        health,
        commune_code=BAC_NHA_TRANG,
        name="  Trần  Văn Bình ",
        title="Chủ tịch UBND phường",
        expected_version=None,
    )
    assert (head.name, head.version) == ("Trần Văn Bình", 1)
    own = heads.set_head(
        session,
        field.officer,
        commune_code=NHA_TRANG,
        name="Lê Thị Hoa",
        title="Phó Chủ tịch UBND phường",
        expected_version=None,
    )
    session.commit()
    for actor, commune in (
        (field.officer, BAC_NHA_TRANG),
        (field.member, NHA_TRANG),
        (account(session, "bhxh", Role.BHXH_OFFICER, province_code=KHANH_HOA), NHA_TRANG),
    ):
        with pytest.raises(AccessDenied):
            heads.set_head(
                session,
                actor,
                commune_code=commune,
                name="X",
                title="Y",
                expected_version=None,
            )
    view = dashboard.province_dashboard(session, health)
    assert view is not None
    named = {unit.code: unit.responsible for unit in view.parts}
    assert named[BAC_NHA_TRANG] == dashboard.Responsible("Trần Văn Bình", "Chủ tịch UBND phường")
    assert named[NHA_TRANG] == dashboard.Responsible("Lê Thị Hoa", "Phó Chủ tịch UBND phường")
    assert own.version == 1
    audited = session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "set_commune_head")
    )
    assert audited == 2
    editable = heads.editable_heads(session, field.officer)
    assert [line.commune.code for line in editable.lines] == [NHA_TRANG]
    assert len(heads.editable_heads(session, health).lines) == session.scalar(
        select(func.count()).select_from(Commune).where(Commune.province_code == KHANH_HOA)
    )


def test_an_edit_from_a_stale_form_is_refused(
    session: Session, field: Field, health: Actor
) -> None:
    first = {"commune_code": NHA_TRANG, "title": "Chủ tịch UBND phường"}
    heads.set_head(session, health, name="Lê Thị Hoa", expected_version=None, **first)
    heads.set_head(session, field.officer, name="Lê Văn Nam", expected_version=1, **first)
    session.commit()
    with pytest.raises(HeadConflict):
        heads.set_head(session, health, name="Phan Văn Tú", expected_version=1, **first)
    with pytest.raises(HeadConflict):
        heads.set_head(session, health, name="Phan Văn Tú", expected_version=None, **first)
    with pytest.raises(CampaignError):
        heads.set_head(session, health, name=" ", expected_version=2, **first)
    session.rollback()
    kept = heads.heads_of(session, field.campaign_id)[NHA_TRANG]
    assert (kept.name, kept.version) == ("Lê Văn Nam", 2)


def test_the_demo_names_a_head_for_every_commune(session: Session, field: Field) -> None:
    campaign = session.get(Campaign, field.campaign_id)
    assert campaign is not None
    heads.demo_heads(session, campaign)
    named = heads.heads_of(session, campaign.id)
    communes = session.scalars(select(Commune).where(Commune.province_code == KHANH_HOA))
    assert {c.code: f"Chủ tịch UBND {c.division_type}" for c in communes} == {
        code: head.title for code, head in named.items()
    }
