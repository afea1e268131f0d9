"""The communes' unified report form with a controlled clock, on SQLite and PostgreSQL:
figures copied from the snapshot, a second sending, a closed period and a stale draft
refused with 409, other communes and roles refused, completeness counted by hand (R11)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sokhoe.access.guard import AccessDenied
from sokhoe.access.models import AuditEntry
from sokhoe.access.roles import Role
from sokhoe.campaign import commune_reports, report_completeness
from sokhoe.campaign.commune_reports import ReportConflict, ReportError, copied_figures
from sokhoe.campaign.indicators import UnitLevel, read_snapshot, take_snapshot
from sokhoe.campaign.report_models import CommuneReport
from sokhoe.campaign.report_periods import Period, PeriodKind, Status
from sokhoe.campaign.vocabulary import Outcome
from sokhoe.registry.models import Commune
from sokhoe.registry.units import ensure_province
from sokhoe.vietnam_time import VIETNAM_TIME
from tests.campaign.conftest import Field, account
from tests.campaign.test_fieldwork import add_card, visit
from tests.support.factories import BAC_NHA_TRANG, KHANH_HOA, NHA_TRANG, add_citizen

DAY = Period(PeriodKind.DAILY, dt.date(2026, 3, 20))
APRIL = Period(PeriodKind.MONTHLY, dt.date(2026, 4, 1))
HAI_PHONG = 31
LAST_OF_MARCH = Period(PeriodKind.DAILY, dt.date(2026, 3, 31))
#: Nha Trang's residents: (born, level-2 e-ID, card listed, card integrated).
RESIDENTS = [
    (dt.date(1980, 1, 1), True, True, True),
    (dt.date(1990, 6, 1), True, True, False),
    (dt.date(2001, 2, 3), False, True, False),
    (dt.date(2015, 5, 5), False, False, False),  # a child: not eligible
    (dt.date(1960, 7, 7), True, False, False),
]


def vn(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=VIETNAM_TIME)  # type: ignore[misc]


@pytest.fixture
def place(session: Session, field: Field) -> Field:
    """Nha Trang's residents; visits on 20/3 (two), 2/4 and 9/4 (one each), 12/4 (one);
    snapshots of 20/3 and 10/4."""
    people = [
        add_citizen(session, field.to_1, born=born, level2=level2)
        for born, level2, _, _ in RESIDENTS
    ]
    for citizen, (_, _, listed, integrated) in zip(people, RESIDENTS, strict=True):
        if listed:
            add_card(session, citizen.person_id, integrated=integrated)
    for person, when in (
        (people[0], vn(2026, 3, 20, 9)),
        (people[1], vn(2026, 3, 20, 15)),
        (people[2], vn(2026, 4, 2, 8)),
        (people[3], vn(2026, 4, 9, 16)),
        (people[4], vn(2026, 4, 12, 7)),
    ):
        visit(session, field, person.person_id, Outcome.NOT_HOME, visited_at=when)
    take_snapshot(session, KHANH_HOA, DAY.start)
    take_snapshot(session, KHANH_HOA, dt.date(2026, 4, 10))
    session.commit()
    return field


def save(
    session: Session,
    field: Field,
    period: Period,
    now: dt.datetime,
    *,
    submit: bool = False,
    version: int | None = None,
    **typed: str,
) -> commune_reports.ReportView:
    if version is None:
        version = commune_reports.report_view(
            session, field.officer, commune_code=NHA_TRANG, period=period, now=now
        ).version
    view = commune_reports.save_report(
        session,
        typed.pop("actor", field.officer),  # type: ignore[arg-type]
        commune_code=NHA_TRANG,
        period=period,
        version=version,
        difficulties=typed.get("difficulties", "Thiếu điện thoại thông minh ở thôn xa."),
        proposals=typed.get("proposals", "Đề nghị tăng cường cán bộ công an hỗ trợ."),
        submit=submit,
        now=now,
    )
    session.commit()
    return view


def test_sending_copies_the_snapshot_row_and_the_report_never_changes(
    session: Session, place: Field
) -> None:
    draft = save(session, place, DAY, vn(2026, 3, 20, 17))
    assert draft.status is Status.DRAFT and draft.report is not None
    assert draft.report.figures_day is None  # a draft keeps no figures
    sent = save(session, place, DAY, vn(2026, 3, 20, 18), submit=True)
    assert sent.status is Status.ON_TIME and sent.submitted_by == "canbo"
    row = next(
        r
        for r in read_snapshot(session, province_code=KHANH_HOA, day=DAY.start)
        if r.unit_level == UnitLevel.COMMUNE and r.unit_code == NHA_TRANG
    )
    copied = copied_figures(session.scalars(select(CommuneReport)).one())
    assert copied is not None and copied.day == DAY.start
    assert (copied.eligible, copied.level2, copied.books_activated) == (
        row.eligible,
        row.level2,
        row.books_activated,
    )
    assert (copied.cards_listed, copied.cards_integrated, copied.visits) == (
        row.cards_listed,
        row.cards_integrated,
        row.visits_on_day,
    )
    assert copied.households_visited == row.households_visited
    # and against a count of the fixture's own people
    assert (copied.eligible, copied.level2, copied.cards_listed, copied.cards_integrated) == (
        4,
        3,
        3,
        1,
    )
    assert copied.visits == 2 and copied.level2_percent == 75.0
    add_citizen(session, place.to_1, born=dt.date(1970, 1, 1))
    take_snapshot(session, KHANH_HOA, DAY.start)
    session.commit()
    again = commune_reports.report_view(
        session, place.officer, commune_code=NHA_TRANG, period=DAY, now=vn(2026, 3, 22)
    )
    assert again.figures == copied and again.status is Status.ON_TIME


def test_a_second_sending_is_409_naming_the_period_time_and_sender(
    session: Session, place: Field
) -> None:
    save(session, place, DAY, vn(2026, 3, 21, 9, 30), submit=True)
    with pytest.raises(ReportConflict) as refused:
        save(session, place, DAY, vn(2026, 3, 21, 11), submit=True, version=1)
    message = str(refused.value)
    assert "ngày 20/03/2026" in message and "21/03/2026 09:30" in message and "canbo" in message
    with pytest.raises(ReportConflict):  # nor may the sent report be saved as a draft
        save(session, place, DAY, vn(2026, 3, 21, 11), version=1)
    assert session.scalar(select(func.count()).select_from(CommuneReport)) == 1


def test_a_period_closes_at_the_end_of_the_third_day_and_late_is_after_10_00(
    session: Session, place: Field
) -> None:
    with pytest.raises(ReportConflict, match=r"ngày 20/03/2026 đã khóa từ hết ngày 23/03/2026"):
        save(session, place, DAY, vn(2026, 3, 24, 0, 0), submit=True, version=0)
    with pytest.raises(ReportConflict, match="đã khóa"):
        save(session, place, DAY, vn(2026, 3, 24, 0, 0), version=0)
    session.rollback()
    late = save(session, place, DAY, vn(2026, 3, 23, 23, 59), submit=True)
    assert late.status is Status.LATE


def test_a_draft_saved_by_someone_else_since_the_form_was_shown_is_409(
    session: Session, place: Field
) -> None:
    colleague = account(session, "canbo.pho", Role.COMMUNE_OFFICER, commune_code=NHA_TRANG)
    save(session, place, DAY, vn(2026, 3, 20, 16), version=0, difficulties="của tôi")
    with pytest.raises(ReportConflict, match="vừa được người khác lưu"):
        save(session, place, DAY, vn(2026, 3, 20, 16, 5), version=0, actor=colleague)
    session.rollback()
    save(session, place, DAY, vn(2026, 3, 20, 16, 6), version=1, actor=colleague)
    with pytest.raises(ReportConflict, match="vừa được người khác lưu"):
        save(session, place, DAY, vn(2026, 3, 20, 16, 7), version=1, submit=True)
    session.rollback()
    report = session.scalars(select(CommuneReport)).one()
    assert report.version == 2 and report.submitted_at is None


def test_other_communes_officers_and_other_roles_are_refused_and_audited(
    session: Session, place: Field
) -> None:
    for actor in (place.other_officer, place.member):
        with pytest.raises(AccessDenied):
            save(session, place, DAY, vn(2026, 3, 20, 18), version=0, actor=actor)
        with pytest.raises(AccessDenied):
            commune_reports.report_view(
                session, actor, commune_code=NHA_TRANG, period=DAY, now=vn(2026, 3, 20, 18)
            )
        session.commit()
    ensure_province(session, HAI_PHONG)
    elsewhere = account(session, "soyte.hp", Role.HEALTH_DEPARTMENT, province_code=HAI_PHONG)
    department = account(session, "soyte.kh", Role.HEALTH_DEPARTMENT, province_code=KHANH_HOA)
    for actor in (place.officer, elsewhere, department):
        try:
            lines = report_completeness.province_completeness(
                session,
                actor,
                province_code=KHANH_HOA,
                first_day=APRIL.start,
                last_day=APRIL.end,
                now=vn(2026, 4, 30),
            )
            commune, _ = report_completeness.commune_reports_sent(
                session, actor, commune_code=NHA_TRANG, first_day=DAY.start, last_day=DAY.end
            )
        except AccessDenied:
            assert actor is not department
        else:
            assert actor is department and len(lines) > 2 and commune.code == NHA_TRANG
    assert session.scalar(select(func.count()).select_from(CommuneReport)) == 0
    denied = session.scalars(
        select(AuditEntry.actor_user_id).where(
            AuditEntry.outcome == "denied", AuditEntry.purpose == "statistics"
        )
    ).all()
    # the other commune's officer twice, the other province's department; a member and
    # Nha Trang's officer on the province are refused for their role before any reading
    assert sorted(denied) == sorted([place.other_officer.user_id] * 2 + [elsewhere.user_id])
    # a period that is not the campaign's, or has not begun
    for period in (Period(PeriodKind.DAILY, dt.date(2026, 4, 2)), APRIL):
        with pytest.raises(AccessDenied):
            commune_reports.report_view(
                session, place.officer, commune_code=NHA_TRANG, period=period, now=vn(2026, 3, 31)
            )


def test_without_a_snapshot_only_a_draft_is_saved_and_too_long_text_names_its_field(
    session: Session, place: Field
) -> None:
    day = Period(PeriodKind.DAILY, dt.date(2026, 3, 21))
    with pytest.raises(ReportError) as refused:
        save(session, place, day, vn(2026, 3, 21, 18), submit=True)
    assert refused.value.field == "figures" and "Chưa có số liệu" in str(refused.value)
    session.rollback()
    assert save(session, place, day, vn(2026, 3, 21, 18)).status is Status.DRAFT
    with pytest.raises(ReportError) as long:
        save(session, place, day, vn(2026, 3, 21, 19), proposals="x" * 4_001)
    assert long.value.field == "proposals" and "4.001" in str(long.value)
    session.rollback()
    assert save(session, place, day, vn(2026, 3, 21, 19), proposals="a\r\n" * 1_333 + "b")


def test_a_monthly_report_reads_the_months_latest_snapshot_and_its_visits(
    session: Session, place: Field
) -> None:
    view = commune_reports.report_view(
        session, place.officer, commune_code=NHA_TRANG, period=APRIL, now=vn(2026, 4, 20)
    )
    assert view.figures is not None and view.figures.day == dt.date(2026, 4, 10)
    assert view.figures.visits == 2  # 2/4 and 9/4; 12/4 is after the snapshot, 20/3 before
    may = Period(PeriodKind.MONTHLY, dt.date(2026, 5, 1))
    in_may = commune_reports.report_view(
        session, place.officer, commune_code=NHA_TRANG, period=may, now=vn(2026, 5, 2)
    )
    assert in_may.figures is None  # April's snapshot describes another month


def test_completeness_and_timeliness_counted_by_hand(session: Session, place: Field) -> None:
    """April 2026 at 30/4 noon: due are 31/3's daily report (due 1/4) and April's. Nha Trang
    sent 31/3 on time and April late; Bắc Nha Trang sent nothing."""
    take_snapshot(session, KHANH_HOA, LAST_OF_MARCH.start)
    session.commit()
    save(session, place, LAST_OF_MARCH, vn(2026, 3, 31, 20), submit=True)
    save(session, place, APRIL, vn(2026, 4, 25, 9), submit=True)
    now = vn(2026, 4, 30, 12)
    lines = report_completeness.completeness(
        session, province_code=KHANH_HOA, first_day=APRIL.start, last_day=APRIL.end, now=now
    )
    communes = session.scalar(
        select(func.count()).select_from(Commune).where(Commune.province_code == KHANH_HOA)
    )
    assert len(lines) == communes
    by_code = {line.commune_code: line for line in lines}
    nha_trang, bac = by_code[NHA_TRANG], by_code[BAC_NHA_TRANG]
    assert (nha_trang.due, nha_trang.submitted, nha_trang.on_time) == (2, 2, 1)
    assert nha_trang.completeness_rate == 1.0 and nha_trang.timeliness_rate == 0.5
    assert nha_trang.late == [APRIL] and nha_trang.missing == []
    assert (bac.due, bac.submitted, bac.completeness_rate) == (2, 0, 0.0)
    assert bac.missing == [LAST_OF_MARCH, APRIL]
    assert lines[-1] is nha_trang  # worst first: the only commune that sent anything
    totals = report_completeness.totals(lines)
    assert (totals.due, totals.submitted, totals.on_time) == (2 * communes, 2, 1)
    sent = report_completeness.submitted_reports(
        session, province_code=KHANH_HOA, first_day=APRIL.start, last_day=APRIL.end
    )
    assert [commune_reports.period_of(r) for r in sent] == [APRIL]
    listed = commune_reports.commune_periods(
        session, place.officer, commune_code=NHA_TRANG, now=now
    )
    assert [(line.period, line.status) for line in listed.lines[:3]] == [
        (APRIL, Status.LATE),
        (LAST_OF_MARCH, Status.ON_TIME),
        (Period(PeriodKind.DAILY, dt.date(2026, 3, 30)), Status.MISSING),
    ]
    before = report_completeness.completeness(
        session,
        province_code=KHANH_HOA,
        first_day=APRIL.start,
        last_day=APRIL.end,
        now=vn(2026, 4, 1, 10),
    )
    assert {line.due for line in before} == {0} and before[0].completeness_rate is None
