"""The demo communes' reports of the periods already due (``sokhoe demo``): each commune's
officer sends most of them on time, a few late or not at all (more in the communes that lag
behind), and now and then writes a difficulty and a proposal.

They go through :func:`~sokhoe.campaign.commune_reports.save_report` at a made-up moment of
their period, as the form sends them, so the figures, statuses and audit entries are the
form's own; the history of snapshots (:mod:`sokhoe.demo_history`) must be written first.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from sokhoe.access import service as access_service
from sokhoe.access.models import User
from sokhoe.access.roles import Role
from sokhoe.access.scope import actor_for
from sokhoe.campaign.commune_reports import campaign_periods, save_report
from sokhoe.campaign.models import Campaign
from sokhoe.campaign.report_periods import Period, PeriodKind
from sokhoe.registry.models import Commune
from sokhoe.vietnam_time import VIETNAM_TIME

#: Shares of the due periods a commune leaves unsent and sends late: (usual, lagging).
MISSING = (0.04, 0.25)
LATE = (0.08, 0.3)
#: Share of the reports with a difficulty written (and of those, with a proposal too).
WITH_DIFFICULTY = 0.12
WITH_PROPOSAL = 0.7

_DIFFICULTIES = (
    "Nhiều người cao tuổi không có điện thoại thông minh, phải hướng dẫn qua con cháu.",
    "Một số hộ đi làm ăn xa, tổ đến nhiều lần chưa gặp được người ở nhà.",
    "Sóng điện thoại yếu ở các thôn vùng cao, ứng dụng VNeID tải rất chậm.",
    "Nhiều người chưa có tài khoản định danh điện tử mức 2, phải chờ công an xã kích hoạt.",
    "Người dân còn e ngại khai báo thông tin cá nhân trên ứng dụng.",
    "Danh sách thẻ BHYT của BHXH có một số người đã chuyển đi nơi khác.",
)
_PROPOSALS = (
    "Đề nghị Trung tâm Y tế khu vực hỗ trợ thêm cán bộ hướng dẫn vào cuối tuần.",
    "Đề nghị công an xã bố trí điểm kích hoạt tài khoản định danh mức 2 tại nhà văn hóa thôn.",
    "Đề nghị Sở Y tế in thêm tờ rơi hướng dẫn cài đặt Sổ sức khỏe điện tử.",
    "Đề nghị BHXH tỉnh rà soát, cập nhật danh sách thẻ BHYT của xã.",
)


def _officers(session: Session, province_code: int, own: Mapping[int, User]) -> dict[int, User]:
    """An officer for every commune of the province: ``own``'s (the demo's logins), else an
    account without a password (it cannot sign in) made for sending the reports."""
    officers = dict(own)
    for commune in session.scalars(
        select(Commune).where(Commune.province_code == province_code).order_by(Commune.code)
    ):
        if commune.code not in officers:
            officers[commune.code] = access_service.create_user(
                session,
                username=f"canboxa.{commune.code}",
                password=None,
                role=Role.COMMUNE_OFFICER,
                display_name=f"Cán bộ {commune.name}",
                commune_code=commune.code,
            )
    return officers


def _sent_at(period: Period, *, late: bool, now: dt.datetime, rng: random.Random) -> dt.datetime:
    """A moment to send the report: before the deadline (a day's evening or the next
    morning; a month's last week before the 25th), or after it while the period is open."""
    if late:
        first, last = period.late_from, min(period.closes_at, now) - dt.timedelta(hours=1)
    elif period.kind is PeriodKind.DAILY:
        first = dt.datetime.combine(period.start, dt.time(16), VIETNAM_TIME)
        last = period.due_at - dt.timedelta(hours=1)
    else:
        first = dt.datetime.combine(period.start.replace(day=18), dt.time(8), VIETNAM_TIME)
        last = period.due_at - dt.timedelta(hours=1)
    minutes = max(0, int((last - first).total_seconds() // 60))
    return first + dt.timedelta(minutes=rng.randint(0, minutes))


def send_reports(
    session: Session,
    campaign: Campaign,
    *,
    own: Mapping[int, User],
    lagging: frozenset[int],
    now: dt.datetime,
) -> int:
    """Every commune's reports of the campaign's periods due by ``now`` (some left unsent),
    sent by its officer (``own`` for the demo's communes); returns how many were sent."""
    due = [p for p in campaign_periods(session, campaign, now) if p.is_late(now)]
    sent = 0
    for code, user in _officers(session, campaign.province_code, own).items():
        actor = actor_for(session, user, None)
        rng = random.Random(code)
        weak = int(code in lagging)
        for period in due:
            if rng.random() < MISSING[weak]:
                continue
            late = rng.random() < LATE[weak]
            difficulties = proposals = ""
            if rng.random() < WITH_DIFFICULTY:
                difficulties = rng.choice(_DIFFICULTIES)
                if rng.random() < WITH_PROPOSAL:
                    proposals = rng.choice(_PROPOSALS)
            save_report(
                session,
                actor,
                commune_code=code,
                period=period,
                version=0,
                difficulties=difficulties,
                proposals=proposals,
                submit=True,
                now=_sent_at(period, late=late, now=now, rng=rng),
            )
            sent += 1
    return sent
