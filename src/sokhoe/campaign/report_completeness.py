"""How complete and timely the communes' reports are, for the province (R11): the periods
due in a span, which each commune sent, on time or late, and the sent reports themselves.

:func:`completeness` and :func:`submitted_reports` count and read without asking who asks
(the province's monthly report calls them); :func:`province_completeness` and
:func:`commune_reports_sent` are the Department of Health's pages' audited doors to them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sokhoe.access import guard
from sokhoe.access.clock import as_utc
from sokhoe.access.guard import AccessDenied
from sokhoe.access.models import User
from sokhoe.access.purposes import Purpose
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.campaign.commune_reports import campaign_periods
from sokhoe.campaign.models import Campaign
from sokhoe.campaign.report_models import CommuneReport
from sokhoe.campaign.report_periods import Period, due_between
from sokhoe.campaign.service import active_campaign
from sokhoe.campaign.vocabulary import CampaignStatus
from sokhoe.registry.models import Commune
from sokhoe.web.formatting import vn_date


@dataclass(frozen=True)
class Counts:
    """Reports due in a span, how many were sent, how many on time."""

    due: int
    submitted: int
    on_time: int

    @property
    def completeness_rate(self) -> float | None:
        return self.submitted / self.due if self.due else None

    @property
    def timeliness_rate(self) -> float | None:
        return self.on_time / self.due if self.due else None


@dataclass(frozen=True)
class CommuneCompleteness(Counts):
    """A commune's :class:`Counts`, with the periods it did not send or sent late."""

    commune_code: int
    commune_name: str
    missing: list[Period]
    late: list[Period]


def totals(lines: Sequence[Counts]) -> Counts:
    """The province's counts: the sum of its communes'."""
    return Counts(
        due=sum(line.due for line in lines),
        submitted=sum(line.submitted for line in lines),
        on_time=sum(line.on_time for line in lines),
    )


def reporting_campaign(session: Session, province_code: int) -> Campaign | None:
    """The campaign the province's reports go to: the active one, else the last one."""
    return active_campaign(session, province_code) or session.scalar(
        select(Campaign)
        .where(
            Campaign.province_code == province_code,
            Campaign.status == CampaignStatus.CLOSED.value,
        )
        .order_by(Campaign.id.desc())
        .limit(1)
    )


def completeness(
    session: Session,
    *,
    province_code: int,
    first_day: dt.date,
    last_day: dt.date,
    now: dt.datetime,
) -> list[CommuneCompleteness]:
    """Every commune of the province, worst first: the periods whose deadline fell on a day
    from ``first_day`` to ``last_day`` and had passed at ``now``, how many were sent and
    sent on time. Counts only; the caller checks who asks."""
    campaign = reporting_campaign(session, province_code)
    due = (
        due_between(campaign_periods(session, campaign, now), first_day, last_day, now)
        if campaign is not None
        else []
    )
    sent: dict[tuple[int, str, dt.date], dt.datetime] = {}
    if campaign is not None and due:
        rows = session.execute(
            select(
                CommuneReport.commune_code,
                CommuneReport.period_kind,
                CommuneReport.period_start,
                CommuneReport.submitted_at,
            ).where(
                CommuneReport.province_code == province_code,  # its index, with the days
                CommuneReport.campaign_id == campaign.id,
                CommuneReport.submitted_at.is_not(None),
                CommuneReport.period_start >= min(p.start for p in due),
                CommuneReport.period_start <= max(p.start for p in due),
            )
        )
        sent = {(code, kind, start): as_utc(at) for code, kind, start, at in rows if at}
    communes = session.execute(
        select(Commune.code, Commune.name).where(Commune.province_code == province_code)
    )
    lines = []
    for code, name in communes:
        missing, late = [], []
        for period in due:
            at = sent.get((code, period.kind.value, period.start))
            if at is None:
                missing.append(period)
            elif period.is_late(at):
                late.append(period)
        lines.append(
            CommuneCompleteness(
                commune_code=code,
                commune_name=name,
                due=len(due),
                submitted=len(due) - len(missing),
                on_time=len(due) - len(missing) - len(late),
                missing=missing,
                late=late,
            )
        )
    return sorted(lines, key=_worst_first)


def _worst_first(line: CommuneCompleteness) -> tuple[float, float, str]:
    return (
        2.0 if line.completeness_rate is None else line.completeness_rate,
        2.0 if line.timeliness_rate is None else line.timeliness_rate,
        line.commune_name,
    )


def submitted_reports(
    session: Session,
    *,
    province_code: int,
    first_day: dt.date,
    last_day: dt.date,
    commune_code: int | None = None,
) -> list[CommuneReport]:
    """The province's (or one of its communes') sent reports of the periods beginning from
    ``first_day`` to ``last_day``, by commune then period. Counts and free text; the caller
    checks who asks."""
    query = select(CommuneReport).where(
        CommuneReport.province_code == province_code,
        CommuneReport.period_start >= first_day,
        CommuneReport.period_start <= last_day,
        CommuneReport.submitted_at.is_not(None),
    )
    if commune_code is not None:
        query = query.where(CommuneReport.commune_code == commune_code)
    order = (CommuneReport.commune_code, CommuneReport.period_kind, CommuneReport.period_start)
    return list(session.scalars(query.order_by(*order)))


def _department(session: Session, actor: Actor) -> None:
    if actor.role is not Role.HEALTH_DEPARTMENT:
        raise AccessDenied


def province_completeness(
    session: Session,
    actor: Actor,
    *,
    province_code: int,
    first_day: dt.date,
    last_day: dt.date,
    now: dt.datetime,
) -> list[CommuneCompleteness]:
    """The Department of Health's page: :func:`completeness` of its province (audited;
    another province or another role is :class:`AccessDenied`)."""
    _department(session, actor)
    guard.authorize_province(
        session,
        actor,
        province_code=province_code,
        action="read_commune_reports",
        purpose=Purpose.STATISTICS,
        detail=f"tính đầy đủ, kịp thời từ {vn_date(first_day)} đến {vn_date(last_day)}",
    )
    return completeness(
        session, province_code=province_code, first_day=first_day, last_day=last_day, now=now
    )


def commune_reports_sent(
    session: Session, actor: Actor, *, commune_code: int, first_day: dt.date, last_day: dt.date
) -> tuple[Commune, list[CommuneReport]]:
    """The Department of Health reading one commune's sent reports (audited; a commune of
    another province, or none, is :class:`AccessDenied`)."""
    _department(session, actor)
    commune = session.get(Commune, commune_code)
    if commune is None:
        raise AccessDenied
    guard.authorize_unit(
        session,
        actor,
        commune_code=commune.code,
        province_code=commune.province_code,
        action="read_commune_reports",
        purpose=Purpose.STATISTICS,
    )
    reports = submitted_reports(
        session,
        province_code=commune.province_code,
        first_day=first_day,
        last_day=last_day,
        commune_code=commune.code,
    )
    return commune, reports


def sender_names(session: Session, reports: Sequence[CommuneReport]) -> dict[int, str]:
    """Who sent the reports: account id to display name."""
    ids = {r.submitted_by for r in reports if r.submitted_by is not None}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {row.id: row.display_name for row in rows}
