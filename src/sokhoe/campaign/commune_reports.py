"""The communes' unified report form (R11, R18): the commune officer reviews the figures the
snapshot pre-fills, adds difficulties and proposals, saves a draft or sends; the province
sees each commune's completeness and timeliness.

The periods and deadlines are :mod:`.report_periods`' rules. Sending copies the figures into
the report, so a sent report never changes. A second sending, a save or a sending into a
closed period, and a save over a draft someone saved since the form was shown are refused
with :class:`ReportConflict` (409), the refusal naming what happened; nothing is changed.
Every read and write is audited as statistics: reports hold counts and free text, no person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from sokhoe.access import audit, guard
from sokhoe.access.clock import as_utc
from sokhoe.access.guard import AccessDenied
from sokhoe.access.models import User
from sokhoe.access.purposes import Purpose
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.campaign.indicator_models import IndicatorSnapshot
from sokhoe.campaign.indicators import UnitLevel
from sokhoe.campaign.models import Campaign, CampaignPhase, FieldVisit
from sokhoe.campaign.report_models import CommuneReport
from sokhoe.campaign.report_periods import (
    LISTED_DAYS,
    Period,
    PeriodKind,
    Schedule,
    Status,
    periods,
    status,
    vietnam_day,
)
from sokhoe.campaign.service import active_campaign
from sokhoe.campaign.vocabulary import CampaignStatus
from sokhoe.registry.models import Commune
from sokhoe.web.formatting import vn_date, vn_datetime, vn_number

#: The most characters of each text the officer types.
MAX_TEXT = 4_000


class ReportError(ValueError):
    """A report the service refuses (422); the message is Vietnamese, for the user, and
    ``field`` names the form's field at fault (``None``: the report as a whole)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ReportConflict(ReportError):
    """Sent already, period closed, or a newer draft (409)."""


@dataclass(frozen=True)
class Figures:
    """A commune's figures as a report shows them, from the snapshot of ``day``."""

    day: dt.date
    eligible: int
    level2: int
    books_activated: int
    cards_listed: int
    cards_integrated: int
    #: On the day (daily report) or in the month up to ``day`` (monthly).
    visits: int
    households_visited: int

    @property
    def level2_percent(self) -> float | None:
        return _percent(self.level2, self.eligible)

    @property
    def activated_percent(self) -> float | None:
        return _percent(self.books_activated, self.eligible)

    @property
    def integrated_percent(self) -> float | None:
        return _percent(self.cards_integrated, self.cards_listed)


def _percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


_FIGURE_COLUMNS = (
    "eligible",
    "level2",
    "books_activated",
    "cards_listed",
    "cards_integrated",
    "visits",
    "households_visited",
)


def copied_figures(report: CommuneReport) -> Figures | None:
    """The figures a sent report carries (``None`` for a draft)."""
    if report.figures_day is None:
        return None
    values = {name: getattr(report, name) for name in _FIGURE_COLUMNS}
    return Figures(day=report.figures_day, **values)


@dataclass(frozen=True)
class PeriodLine:
    period: Period
    status: Status
    closed: bool


@dataclass(frozen=True)
class CommunePeriods:
    """The commune officer's list: her commune's periods, newest first."""

    commune: Commune
    campaign: Campaign | None
    lines: list[PeriodLine]


@dataclass(frozen=True)
class ReportView:
    """One period's report as its page shows it: the saved report if any, its status, and
    the figures (copied if sent, else the snapshot's of now, ``None`` if there is none)."""

    campaign: Campaign
    commune: Commune
    period: Period
    status: Status
    closed: bool
    report: CommuneReport | None
    figures: Figures | None
    #: Who sent it (display name), if sent.
    submitted_by: str | None

    @property
    def version(self) -> int:
        """What the form carries back: 0 before a first save."""
        return self.report.version if self.report else 0


def _schedule(session: Session, campaign: Campaign) -> Schedule:
    ranges = session.execute(
        select(CampaignPhase.starts_on, CampaignPhase.ends_on).where(
            CampaignPhase.campaign_id == campaign.id, CampaignPhase.daily_reports.is_(True)
        )
    )
    return Schedule(
        starts_on=campaign.starts_on,
        deadline=campaign.deadline,
        closed=campaign.status == CampaignStatus.CLOSED.value,
        daily_ranges=tuple((first, last) for first, last in ranges),
    )


def campaign_periods(session: Session, campaign: Campaign, now: dt.datetime) -> list[Period]:
    """The campaign's periods begun by ``now``, oldest first."""
    return periods(_schedule(session, campaign), today=vietnam_day(now))


def _officer_commune(session: Session, actor: Actor, commune_code: int, *, action: str) -> Commune:
    """The commune if ``actor`` is its officer (audited), else :class:`AccessDenied`."""
    commune = session.get(Commune, commune_code)
    if commune is None or actor.role is not Role.COMMUNE_OFFICER:
        raise AccessDenied
    guard.authorize_unit(
        session,
        actor,
        commune_code=commune.code,
        province_code=commune.province_code,
        action=action,
        purpose=Purpose.STATISTICS,
    )
    return commune


def _reports(
    session: Session, campaign_id: int, commune_code: int
) -> dict[tuple[str, dt.date], CommuneReport]:
    rows = session.scalars(
        select(CommuneReport).where(
            CommuneReport.campaign_id == campaign_id, CommuneReport.commune_code == commune_code
        )
    )
    return {(r.period_kind, r.period_start): r for r in rows}


def _status(period: Period, report: CommuneReport | None, now: dt.datetime) -> Status:
    return status(
        period,
        submitted_at=as_utc(report.submitted_at) if report and report.submitted_at else None,
        draft=report is not None,
        now=now,
    )


def commune_periods(
    session: Session, actor: Actor, *, commune_code: int, now: dt.datetime
) -> CommunePeriods:
    """The commune's periods of the active campaign, newest first: the daily ones of the
    last :data:`LISTED_DAYS` days and every month."""
    commune = _officer_commune(session, actor, commune_code, action="list_commune_reports")
    campaign = active_campaign(session, commune.province_code)
    if campaign is None:
        return CommunePeriods(commune=commune, campaign=None, lines=[])
    oldest_day = vietnam_day(now) - dt.timedelta(days=LISTED_DAYS - 1)
    reports = _reports(session, campaign.id, commune_code)
    lines = [
        PeriodLine(
            period=period,
            status=_status(period, reports.get((period.kind, period.start)), now),
            closed=period.is_closed(now),
        )
        for period in reversed(campaign_periods(session, campaign, now))
        if period.kind is PeriodKind.MONTHLY or period.start >= oldest_day
    ]
    return CommunePeriods(commune=commune, campaign=campaign, lines=lines)


def _campaign_period(
    session: Session, commune: Commune, period: Period, now: dt.datetime
) -> Campaign:
    """The active campaign if ``period`` is one of its periods, else :class:`AccessDenied`
    (the same 404 as a page that does not exist)."""
    campaign = active_campaign(session, commune.province_code)
    if campaign is None or period not in campaign_periods(session, campaign, now):
        raise AccessDenied
    return campaign


def snapshot_figures(
    session: Session, commune: Commune, period: Period, now: dt.datetime
) -> Figures | None:
    """The commune's figures for ``period`` from the snapshots (see :mod:`.report_periods`);
    ``None`` without a snapshot to read."""
    row = session.scalar(
        select(IndicatorSnapshot)
        .where(
            IndicatorSnapshot.province_code == commune.province_code,
            IndicatorSnapshot.unit_level == UnitLevel.COMMUNE.value,
            IndicatorSnapshot.unit_code == commune.code,
            IndicatorSnapshot.day >= period.start,
            IndicatorSnapshot.day <= period.figures_day_at_most(vietnam_day(now)),
        )
        .order_by(IndicatorSnapshot.day.desc())
        .limit(1)
    )
    if row is None:
        return None
    if period.kind is PeriodKind.DAILY:
        visits = row.visits_on_day
    else:  # the month's visits up to the snapshot's day, on the visits' commune-day index
        visits = (
            session.scalar(
                select(func.count())
                .select_from(FieldVisit)
                .where(
                    FieldVisit.commune_code == commune.code,
                    FieldVisit.visited_on >= period.start,
                    FieldVisit.visited_on <= row.day,
                )
            )
            or 0
        )
    return Figures(
        day=row.day,
        eligible=row.eligible,
        level2=row.level2,
        books_activated=row.books_activated,
        cards_listed=row.cards_listed,
        cards_integrated=row.cards_integrated,
        visits=visits,
        households_visited=row.households_visited,
    )


def _view(
    session: Session,
    campaign: Campaign,
    commune: Commune,
    period: Period,
    report: CommuneReport | None,
    now: dt.datetime,
) -> ReportView:
    sent = report is not None and report.submitted_at is not None
    submitter = (
        session.get(User, report.submitted_by)
        if report is not None and report.submitted_by
        else None
    )
    return ReportView(
        campaign=campaign,
        commune=commune,
        period=period,
        status=_status(period, report, now),
        closed=period.is_closed(now),
        report=report,
        figures=(
            copied_figures(report)
            if sent and report is not None
            else snapshot_figures(session, commune, period, now)
        ),
        submitted_by=submitter.display_name if submitter else None,
    )


def _key(campaign: Campaign, commune: Commune, period: Period) -> tuple[ColumnElement[bool], ...]:
    """The unique key of a commune's report of ``period``, as a WHERE clause."""
    return (
        CommuneReport.campaign_id == campaign.id,
        CommuneReport.commune_code == commune.code,
        CommuneReport.period_kind == period.kind.value,
        CommuneReport.period_start == period.start,
    )


def _find(
    session: Session, campaign: Campaign, commune: Commune, period: Period
) -> CommuneReport | None:
    return session.scalar(select(CommuneReport).where(*_key(campaign, commune, period)))


def report_view(
    session: Session, actor: Actor, *, commune_code: int, period: Period, now: dt.datetime
) -> ReportView:
    """The commune officer's report of ``period`` (her commune only; an unknown period of
    the active campaign is :class:`AccessDenied`)."""
    commune = _officer_commune(session, actor, commune_code, action="read_commune_report")
    campaign = _campaign_period(session, commune, period, now)
    return _view(session, campaign, commune, period, _find(session, campaign, commune, period), now)


def save_report(
    session: Session,
    actor: Actor,
    *,
    commune_code: int,
    period: Period,
    version: int,
    difficulties: str,
    proposals: str,
    submit: bool,
    now: dt.datetime,
) -> ReportView:
    """Saves the officer's draft, or sends the report with the figures copied in.
    ``version`` is the one the form showed (0: none). Raises :class:`ReportError` for a text
    too long or a sending without figures, :class:`ReportConflict` (see the module's doc)."""
    commune = _officer_commune(session, actor, commune_code, action="save_commune_report")
    campaign = _campaign_period(session, commune, period, now)
    difficulties, proposals = _text(difficulties), _text(proposals)
    for field, text, name in (
        ("difficulties", difficulties, "Khó khăn, vướng mắc"),
        ("proposals", proposals, "Đề xuất, kiến nghị"),
    ):
        if len(text) > MAX_TEXT:
            raise ReportError(
                f"Mục “{name}” dài {vn_number(len(text))} ký tự; tối đa {vn_number(MAX_TEXT)}.",
                field=field,
            )
    report = _find(session, campaign, commune, period)
    _refuse_if_sent(session, report, period)
    if period.is_closed(now):
        raise ReportConflict(
            f"Kỳ báo cáo {period.label} đã khóa từ hết ngày {vn_date(period.closed_on)}: "
            "không thể lưu hay gửi báo cáo nữa."
        )
    figures = snapshot_figures(session, commune, period, now) if submit else None
    if submit and figures is None:
        raise ReportError(
            f"Chưa có số liệu tổng hợp cho kỳ {period.label} nên chưa gửi được báo cáo; "
            "bạn có thể lưu nháp và gửi khi số liệu đã có.",
            field="figures",
        )
    stamp = now.astimezone(dt.UTC)  # SQLite keeps no offset: store UTC, as everywhere
    values = {
        "difficulties": difficulties,
        "proposals": proposals,
        "updated_by": actor.user_id,
        "updated_at": stamp,
        "version": version + 1,
        **(_sending(actor, figures, stamp) if figures is not None else {}),
    }
    if report is None and version == 0:
        report = CommuneReport(
            campaign_id=campaign.id,
            province_code=commune.province_code,
            commune_code=commune.code,
            period_kind=period.kind.value,
            period_start=period.start,
            **values,
        )
        try:
            with session.begin_nested():
                session.add(report)
        except IntegrityError:  # saved by someone else meanwhile
            _refuse_stale(session, _find(session, campaign, commune, period), period)
    else:
        changed = session.execute(
            update(CommuneReport)
            .where(
                *_key(campaign, commune, period),
                CommuneReport.version == version,
                CommuneReport.submitted_at.is_(None),
            )
            .values(**values)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            _refuse_stale(session, report, period)
        session.expire_all()
    audit.record(
        session,
        actor=actor,
        action="submit_commune_report" if submit else "save_commune_report_draft",
        purpose=Purpose.STATISTICS,
        detail=f"xã {commune.code}, kỳ {period.label}, phiên bản {version + 1}",
    )
    return _view(session, campaign, commune, period, _find(session, campaign, commune, period), now)


def _text(typed: str) -> str:
    """As typed, with a form's CRLF line ends counted as one character, as the browser does."""
    return typed.replace("\r\n", "\n").strip()


def _sending(actor: Actor, figures: Figures, at: dt.datetime) -> dict[str, object]:
    copied = {name: getattr(figures, name) for name in _FIGURE_COLUMNS}
    return {
        "submitted_at": at,
        "submitted_by": actor.user_id,
        "figures_day": figures.day,
        **copied,
    }


def _refuse_if_sent(session: Session, report: CommuneReport | None, period: Period) -> None:
    if report is None or report.submitted_at is None:
        return
    by = session.get(User, report.submitted_by) if report.submitted_by else None
    raise ReportConflict(
        f"Báo cáo kỳ {period.label} đã được gửi lúc {vn_datetime(report.submitted_at)}"
        f"{f' bởi {by.display_name}' if by else ''}; một kỳ chỉ gửi một lần."
    )


def _refuse_stale(session: Session, report: CommuneReport | None, period: Period) -> None:
    """Raises the conflict a failed save met: sent meanwhile, or a newer draft."""
    if report is not None:
        session.refresh(report)
    _refuse_if_sent(session, report, period)
    raise ReportConflict(
        f"Bản nháp kỳ {period.label} vừa được người khác lưu sau khi bạn mở trang: nội dung "
        "bạn nhập vẫn còn dưới đây; hãy đối chiếu với bản đã lưu rồi lưu lại."
    )


def period_of(report: CommuneReport) -> Period:
    return Period(PeriodKind(report.period_kind), report.period_start)


def report_status(report: CommuneReport, now: dt.datetime) -> Status:
    return _status(period_of(report), report, now)
