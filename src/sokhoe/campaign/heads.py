"""The heads responsible for the communes' campaign results (R14), in the active campaign.

The Department of Health names them for its whole province; a commune officer names her
own commune's. Each edit carries the version its form showed: when someone else saved in
between, :class:`HeadConflict` (409) is raised and nothing changes. Every change is
audited. The dashboard (:mod:`.dashboard`) reads them beside each commune.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import cycle

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sokhoe.access import audit
from sokhoe.access.clock import utcnow
from sokhoe.access.guard import AccessDenied
from sokhoe.access.purposes import Purpose
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.campaign.head_models import CommuneHead
from sokhoe.campaign.models import Campaign
from sokhoe.campaign.service import CampaignError, active_campaign
from sokhoe.registry.models import Commune

#: The longest name or title kept (the columns' size).
MAX_LENGTH = 120


class HeadConflict(Exception):
    """The commune's head changed since the form was shown (409)."""


@dataclass(frozen=True)
class HeadLine:
    """A commune and its head (``None``: not named yet), as the form shows them."""

    commune: Commune
    head: CommuneHead | None


@dataclass(frozen=True)
class EditableHeads:
    campaign: Campaign
    lines: list[HeadLine]


def oversees(actor: Actor, commune: Commune) -> bool:
    """Whether the actor oversees the commune's campaign (names its head, reads its
    dashboard): the province's Department of Health, or the commune's own officer."""
    if actor.role is Role.HEALTH_DEPARTMENT:
        return actor.covers_province(commune.province_code)
    if actor.role is Role.COMMUNE_OFFICER:
        return actor.covers_commune(commune.code, commune.province_code)
    return False


def heads_of(session: Session, campaign_id: int) -> dict[int, CommuneHead]:
    """The campaign's heads by commune code (one query; a province has a few dozen)."""
    rows = session.scalars(select(CommuneHead).where(CommuneHead.campaign_id == campaign_id))
    return {head.commune_code: head for head in rows}


def editable_heads(session: Session, actor: Actor) -> EditableHeads:
    """The communes whose head the actor may name, with their heads: every commune of the
    Department of Health's province, the commune officer's own. Anyone else, or no active
    campaign: :class:`AccessDenied`."""
    if actor.role is Role.HEALTH_DEPARTMENT and actor.province_code is not None:
        province_code, only = actor.province_code, None
    elif actor.role is Role.COMMUNE_OFFICER and actor.commune_code is not None:
        commune = session.get(Commune, actor.commune_code)
        if commune is None:
            raise AccessDenied()
        province_code, only = commune.province_code, commune.code
    else:
        raise AccessDenied()
    campaign = active_campaign(session, province_code)
    if campaign is None:
        raise AccessDenied()
    query = select(Commune).where(Commune.province_code == province_code)
    if only is not None:
        query = query.where(Commune.code == only)
    heads = heads_of(session, campaign.id)
    communes = session.scalars(query.order_by(Commune.name))
    return EditableHeads(campaign, [HeadLine(c, heads.get(c.code)) for c in communes])


def set_head(
    session: Session,
    actor: Actor,
    *,
    commune_code: int,
    name: str,
    title: str,
    expected_version: int | None,
) -> CommuneHead:
    """Names (or renames) the commune's head in the active campaign. ``expected_version`` is
    the version the form showed (``None``: no head yet); if it is no longer the current one,
    raises :class:`HeadConflict` and changes nothing."""
    commune = session.get(Commune, commune_code)
    if commune is None or not oversees(actor, commune):
        raise AccessDenied()
    campaign = active_campaign(session, commune.province_code)
    if campaign is None:
        raise AccessDenied()
    name, title = " ".join(name.split()), " ".join(title.split())
    if not 0 < len(name) <= MAX_LENGTH or not 0 < len(title) <= MAX_LENGTH:
        raise CampaignError(f"Họ tên và chức vụ người đứng đầu cần 1–{MAX_LENGTH} ký tự.")
    now = utcnow()
    if expected_version is None:
        try:
            with session.begin_nested():
                session.add(
                    CommuneHead(
                        campaign_id=campaign.id,
                        commune_code=commune_code,
                        name=name,
                        title=title,
                        updated_at=now,
                        version=1,
                    )
                )
        except IntegrityError:
            raise HeadConflict from None
    else:
        changed = session.execute(
            update(CommuneHead)
            .where(
                CommuneHead.campaign_id == campaign.id,
                CommuneHead.commune_code == commune_code,
                CommuneHead.version == expected_version,
            )
            .values(name=name, title=title, updated_at=now, version=expected_version + 1)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            raise HeadConflict
    head = session.get(CommuneHead, (campaign.id, commune_code), populate_existing=True)
    assert head is not None
    audit.record(
        session,
        actor=actor,
        action="set_commune_head",
        purpose=Purpose.CAMPAIGN_WORKLIST,
        detail=f"xã {commune_code}, chiến dịch {campaign.id}: {name}, {title} (lần {head.version})",
    )
    return head


@dataclass(frozen=True)
class HeadPlan:
    commune_code: int
    name: str
    title: str


def seed_heads(session: Session, campaign: Campaign, heads: Sequence[HeadPlan]) -> None:
    """Heads as a setup script names them (``sokhoe demo``): no one acts, nothing is checked
    but the table's own constraints."""
    now = utcnow()
    session.add_all(
        CommuneHead(
            campaign_id=campaign.id,
            commune_code=plan.commune_code,
            name=plan.name,
            title=plan.title,
            updated_at=now,
            version=1,
        )
        for plan in heads
    )
    session.flush()


#: Names the demo gives the heads, in turn.
_DEMO_NAMES = (
    "Nguyễn Văn Thành",
    "Trần Thị Mai",
    "Lê Quang Vinh",
    "Phạm Thị Hồng",
    "Huỳnh Văn Dũng",
    "Võ Thị Thu",
    "Đặng Minh Tuấn",
)


def demo_heads(session: Session, campaign: Campaign) -> None:
    """Names a chairman of the People's Committee for every commune of the campaign's
    province (the demo's dashboard then shows a head beside each commune)."""
    communes = session.scalars(
        select(Commune)
        .where(Commune.province_code == campaign.province_code)
        .order_by(Commune.code)
    )
    seed_heads(
        session,
        campaign,
        [
            HeadPlan(commune.code, name, f"Chủ tịch UBND {commune.division_type}")
            for commune, name in zip(communes, cycle(_DEMO_NAMES))
        ],
    )
