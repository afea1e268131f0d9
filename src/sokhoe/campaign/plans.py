"""Khánh Hòa's 2026 plan, as the province's documents set it (``../shared/seeds/``).

The commune plan runs 01–31/3: until 15/3 publicity, reviewing level-2 accounts and forming
the guidance teams; from 15/3 the peak, door to door in every village; communes report daily
through March, monthly afterwards (R11). The province asks for
everything done before 30/6 (R13: 100% of level-2 holders guided and activated, of schools,
of students, of enterprises). ``sokhoe campaign create`` and the demo start from it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from sokhoe.campaign.models import Campaign
from sokhoe.campaign.service import PhasePlan, TargetPlan, TeamPlan, create_campaign, seed_teams
from sokhoe.campaign.vocabulary import Indicator, Organisation


def peak_plan(year: int) -> tuple[list[PhasePlan], list[TargetPlan], dt.date, dt.date]:
    """Phases, province targets, start and deadline of the plan in ``year``."""
    start, deadline = dt.date(year, 3, 1), dt.date(year, 6, 30)
    phases = [
        PhasePlan(
            "Tuyên truyền, rà soát, thành lập tổ",
            "Tuyên truyền, rà soát tài khoản định danh điện tử mức 2, thành lập Tổ hướng dẫn "
            "cài đặt Sổ sức khỏe điện tử.",
            start,
            dt.date(year, 3, 15),
            daily_reports=True,
        ),
        PhasePlan(
            "Cao điểm hướng dẫn tại thôn",
            "Trực tiếp hướng dẫn người dân cài đặt, sử dụng Sổ sức khỏe điện tử trên VNeID "
            "tại các thôn, từng hộ.",
            dt.date(year, 3, 15),
            dt.date(year, 3, 31),
            daily_reports=True,
        ),
        PhasePlan(
            "Hoàn thành, duy trì kết quả",
            "Hoàn thành các nhiệm vụ trước 30/6; tiếp tục duy trì, củng cố kết quả.",
            dt.date(year, 4, 1),
            deadline,
        ),
    ]
    targets = [TargetPlan(indicator, 100, deadline) for indicator in Indicator]
    return phases, targets, start, deadline


def create_peak_campaign(session: Session, *, province_code: int, year: int) -> Campaign:
    phases, targets, start, deadline = peak_plan(year)
    return create_campaign(
        session,
        province_code=province_code,
        name=f"Cao điểm tích hợp Sổ sức khỏe điện tử trên VNeID năm {year}",
        starts_on=start,
        deadline=deadline,
        phases=phases,
        targets=targets,
    )


#: Heads of the demo's teams, one per organisation the plan names (R12).
_DEMO_HEADS = (
    ("Nguyễn Văn Hùng", Organisation.POLICE),
    ("Trần Thị Lan", Organisation.HEALTH),
    ("Lê Văn Phúc", Organisation.VILLAGE_HEAD),
    ("Phạm Thị Ngọc", Organisation.TEACHER),
    ("Võ Văn Toàn", Organisation.UNION),
)


def demo_campaign(
    session: Session,
    *,
    province_code: int,
    communes: Sequence[tuple[int, Sequence[int]]],
    member: tuple[int, Sequence[int]],
) -> Campaign:
    """The demo's campaign: the plan of 2026 (the seeds' dates) and, in each of
    ``communes`` (code, its village ids), teams of up to three villages (five teams at
    most). The first commune's first team covers exactly the demo member's villages
    (``member``: her account id and villages) and has her in it."""
    campaign = create_peak_campaign(session, province_code=province_code, year=2026)
    member_id, member_villages = member
    for index, (commune_code, village_ids) in enumerate(communes):
        rest = [v for v in village_ids if index or v not in member_villages]
        groups = [rest[i : i + 3] for i in range(0, len(rest), 3)]
        if index == 0:
            groups.insert(0, list(member_villages))
        teams = [
            TeamPlan(
                name=f"Tổ hướng dẫn số {n}",
                head_name=head,
                head_organisation=organisation,
                village_ids=group,
                members=[(member_id, Organisation.UNION)] if index == 0 and n == 1 else [],
            )
            # five teams at most: one head per organisation
            for n, (group, (head, organisation)) in enumerate(
                zip(groups, _DEMO_HEADS, strict=False), start=1
            )
        ]
        seed_teams(session, campaign, commune_code, teams)
    return campaign
