"""The Department of Health's campaign dashboard (R14, R17), read from the daily indicator
snapshots only (:mod:`.indicators`): the register is never counted per request.

On the latest snapshot day of the active campaign, two progress figures per unit:

- *books*: eligible people with an activated health book, of the eligible (the plan's
  target indicator, "level-2 holders guided and activated"), against the campaign's target
  for it (a commune's own target if the plan sets one, else the province's);
- *cards*: people with their BHYT card in the e-ID wallet, of those on BHXH's card list,
  against :data:`CARDS_TARGET` by the campaign's deadline;

and three of R13, against the campaign's target of that indicator (the commune's own, else
the province's; without one, 100 % by the campaign's deadline): *schools* with a visit
recorded there, of the unit's schools; *students* with their card integrated, of the pupils
on the schools' rosters; *enterprises* with a visit recorded there, of its enterprises. A
unit with no school (or pupil, or enterprise) has no share of it, not 0 %: it is neither
behind nor ranked on it. A village has none (establishments count in their commune).

Each figure is compared with the share *expected* by that day: on a straight line from the unit's
share on the campaign's first snapshot day to the target at the deadline. A unit below the
expected share on any is behind ("Chậm tiến độ"); units are ranked by the worst of their
gaps, worst first, each beside the person responsible (a commune's head,
:mod:`.heads`; a village's guidance-team head). After the deadline the watch (R17) flags a
unit whose share fell by more than :data:`DECLINE_TOLERANCE` below its highest since the
deadline.

The province page ranks communes; a commune's page ranks its villages the same way. Each is
a handful of queries: the latest day (``(province_code, day)`` index), the unit's own series
over the campaign, its parts' rows over the last :data:`SPARKLINE_DAYS` days plus the first
day, and after the deadline one ``GROUP BY`` for the highest shares since — these three
name their days, units and level, so each is a set of primary-key lookups (measured: a
scan of the province's rows over a campaign's days cost most of the page).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import Float, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from sokhoe.access.guard import AccessDenied
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.campaign.head_models import CommuneHead
from sokhoe.campaign.heads import heads_of, oversees
from sokhoe.campaign.indicator_models import IndicatorSnapshot
from sokhoe.campaign.indicators import UnitLevel, latest_day, share
from sokhoe.campaign.models import Campaign, CampaignTarget, GuidanceTeam, TeamVillage
from sokhoe.campaign.service import active_campaign
from sokhoe.campaign.vocabulary import Indicator
from sokhoe.registry.models import Commune, Province, Village

#: The plan sets no indicator of its own for cards in the wallet; the province asks every
#: listed card integrated, by the campaign's deadline.
CARDS_TARGET = 1.0
#: A share lower than its highest since the deadline by more than this (0.1 point) is a
#: decline (R17). Below it, a day's noise: a card moved to a new number, an account closed.
DECLINE_TOLERANCE = 0.001
#: Days of the sparklines beside each unit.
SPARKLINE_DAYS = 30
#: The "recent visits" column counts the visits of this many days up to the latest day.
RECENT_DAYS = 7

_S = IndicatorSnapshot
#: The snapshot columns of each progress figure: (done, of).
_BOOKS = ("books_activated", "eligible")
_CARDS = ("cards_integrated", "cards_listed")
#: The R13 figures: name, the target's indicator, and their snapshot columns (done, of).
ESTABLISHMENT_FIGURES = (
    ("schools", Indicator.SCHOOLS, "schools_reached", "schools"),
    ("students", Indicator.STUDENTS, "students_integrated", "students"),
    ("enterprises", Indicator.ENTERPRISES, "enterprises_reached", "enterprises"),
)


class _Counts(NamedTuple):
    """The snapshot columns read here, by name (other columns may be added beside them)."""

    day: dt.date
    unit_code: int
    eligible: int
    level2: int
    books_activated: int
    cards_listed: int
    cards_integrated: int
    visits_to_date: int
    schools: int
    schools_reached: int
    students: int
    students_integrated: int
    enterprises: int
    enterprises_reached: int

    @property
    def books(self) -> float | None:
        return share(self.books_activated, self.eligible)

    @property
    def cards(self) -> float | None:
        return share(self.cards_integrated, self.cards_listed)


def expected_share(
    day: dt.date, *, start: dt.date, start_share: float, deadline: dt.date, target: float
) -> float:
    """The share expected on ``day``: on the straight line from ``start_share`` on ``start``
    to ``target`` on ``deadline``; ``start_share`` before the start, ``target`` from the
    deadline on."""
    if day >= deadline or deadline <= start:
        return target
    if day <= start:
        return start_share
    return start_share + (target - start_share) * (day - start).days / (deadline - start).days


@dataclass(frozen=True)
class Progress:
    """One progress figure of a unit on the day, against what was expected by then."""

    done: int
    of: int
    expected: float
    target: float
    #: When ``target`` is due.
    deadline: dt.date

    @property
    def share(self) -> float | None:
        return share(self.done, self.of)

    @property
    def gap(self) -> float | None:
        """Percentage points above (+) or below (−) the expected share."""
        return None if self.share is None else (self.share - self.expected) * 100

    @property
    def behind(self) -> bool:
        return self.share is not None and self.share < self.expected


@dataclass(frozen=True)
class Decline:
    """A share that fell after the deadline (R17): ``indicator`` is "books" or "cards"."""

    indicator: str
    highest: float
    latest: float

    @property
    def points(self) -> float:
        return (self.highest - self.latest) * 100


@dataclass(frozen=True)
class Responsible:
    """Who answers for a unit: a commune's head (``title``), a village's team head
    (``team``)."""

    name: str
    title: str | None = None
    team: str | None = None


@dataclass(frozen=True)
class DayShares:
    """A unit's two shares on one snapshot day (a point of a trend or sparkline)."""

    day: dt.date
    books: float | None
    cards: float | None


@dataclass(frozen=True)
class UnitProgress:
    code: int
    name: str
    eligible: int
    level2: int
    books: Progress
    cards: Progress
    #: R13 (:data:`ESTABLISHMENT_FIGURES`); a village's have nothing to count.
    schools: Progress
    students: Progress
    enterprises: Progress
    #: Field visits since the snapshot :data:`RECENT_DAYS` days before the latest day (or
    #: the nearest earlier one read; all visits when there is none).
    recent_visits: int
    responsible: Responsible | None
    #: The last :data:`SPARKLINE_DAYS` days, oldest first.
    sparkline: list[DayShares] = field(default_factory=list)
    declines: list[Decline] = field(default_factory=list)

    @property
    def level2_share(self) -> float | None:
        return share(self.level2, self.eligible)

    @property
    def figures(self) -> tuple[Progress, ...]:
        return (self.books, self.cards, self.schools, self.students, self.enterprises)

    @property
    def gap(self) -> float | None:
        """The worst of the gaps (a figure with nobody to count has none): what the ranking
        sorts on."""
        gaps = [figure.gap for figure in self.figures if figure.gap is not None]
        return min(gaps) if gaps else None

    @property
    def behind(self) -> bool:
        return any(figure.behind for figure in self.figures)


@dataclass(frozen=True)
class Dashboard:
    """The province's dashboard (parts: communes) or a commune's (parts: villages)."""

    campaign: Campaign
    #: The unit the page is about: the province, or the commune.
    total: UnitProgress
    #: "commune" or "village": what ``parts`` are.
    part_level: str
    #: The campaign's first and latest snapshot days.
    first_day: dt.date
    day: dt.date
    #: The unit's own series over every snapshot day of the campaign.
    trend: list[DayShares]
    #: Ranked worst first.
    parts: list[UnitProgress]

    @property
    def after_deadline(self) -> bool:
        return self.day > self.campaign.deadline

    @property
    def behind(self) -> list[UnitProgress]:
        return [part for part in self.parts if part.behind]

    @property
    def declining(self) -> list[UnitProgress]:
        return [part for part in self.parts if part.declines]

    def expected_line(self, indicator: str) -> list[tuple[dt.date, float]]:
        """The unit's expected share from the first day to the deadline, and the target from
        there to the latest day (only that, when the first snapshot came after the deadline)."""
        figure = self.total.books if indicator == "books" else self.total.cards
        first = self.trend[0]
        start = (first.books if indicator == "books" else first.cards) or 0.0
        points = [] if self.first_day >= figure.deadline else [(self.first_day, start)]
        points += [
            (max(figure.deadline, self.first_day), figure.target),
            (max(figure.deadline, self.day), figure.target),
        ]
        return points


#: A target: the share, and the day it is due.
Target = tuple[float, dt.date]


@dataclass(frozen=True)
class _Targets:
    """The campaign's targets per indicator: the province's, and those of communes that
    have their own."""

    province: dict[Indicator, Target]
    communes: dict[tuple[Indicator, int], Target]

    def of(self, commune_code: int | None) -> dict[Indicator, Target]:
        """A unit's target of each indicator: its commune's own, else the province's
        (``None``: the province's)."""
        if commune_code is None:
            return self.province
        return {
            indicator: self.communes.get((indicator, commune_code), province)
            for indicator, province in self.province.items()
        }


def province_dashboard(session: Session, actor: Actor) -> Dashboard | None:
    """The Department of Health's province, its communes ranked (``None``: no active
    campaign, or no snapshot of it yet). Any other role: :class:`AccessDenied`."""
    if actor.role is not Role.HEALTH_DEPARTMENT or actor.province_code is None:
        raise AccessDenied()
    province = session.get(Province, actor.province_code)
    if province is None:
        raise AccessDenied()
    campaign = active_campaign(session, province.code)
    if campaign is None:
        return None
    heads = heads_of(session, campaign.id)
    names = {
        code: (name, _head(heads.get(code)))
        for code, name in session.execute(
            select(Commune.code, Commune.name).where(Commune.province_code == province.code)
        )
    }
    return _dashboard(
        session,
        campaign,
        total=(UnitLevel.PROVINCE, province.code, province.name, None),
        part_level=UnitLevel.COMMUNE,
        parts_of=None,
        names=names,
    )


def commune_dashboard(session: Session, actor: Actor, commune_code: int) -> Dashboard | None:
    """A commune, its villages ranked with their team heads: for the Department of Health
    of its province and the commune's own officer (anyone else: :class:`AccessDenied`)."""
    commune = session.get(Commune, commune_code)
    if commune is None or not oversees(actor, commune):
        raise AccessDenied()
    campaign = active_campaign(session, commune.province_code)
    if campaign is None:
        return None
    teams = (
        select(TeamVillage.village_id, GuidanceTeam.name, GuidanceTeam.head_name)
        .join(GuidanceTeam, GuidanceTeam.id == TeamVillage.team_id)
        .where(TeamVillage.campaign_id == campaign.id)
        .subquery()
    )
    names = {
        village_id: (name, Responsible(head, team=team) if head else None)
        for village_id, name, team, head in session.execute(
            select(Village.id, Village.name, teams.c.name, teams.c.head_name)
            .outerjoin(teams, teams.c.village_id == Village.id)
            .where(Village.commune_code == commune_code)
        )
    }
    head = session.get(CommuneHead, (campaign.id, commune_code))
    return _dashboard(
        session,
        campaign,
        total=(UnitLevel.COMMUNE, commune_code, commune.name, _head(head)),
        part_level=UnitLevel.VILLAGE,
        parts_of=commune_code,
        names=names,
    )


def _head(head: CommuneHead | None) -> Responsible | None:
    return Responsible(head.name, title=head.title) if head else None


def _targets(session: Session, campaign: Campaign) -> _Targets:
    """The campaign's targets (one query); without one, 100 % by its deadline."""
    province = dict.fromkeys(Indicator, (1.0, campaign.deadline))
    communes: dict[tuple[Indicator, int], Target] = {}
    for target in session.scalars(
        select(CampaignTarget).where(CampaignTarget.campaign_id == campaign.id)
    ):
        indicator = Indicator(target.indicator)
        value = (target.target_percent / 100, target.deadline)
        if target.unit_level == UnitLevel.PROVINCE.value:
            province[indicator] = value
        else:
            communes[indicator, target.unit_code] = value
    return _Targets(province, communes)


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every day from ``first`` to ``last``: asked for by name, each day's rows of one level
    are a range of the primary key (day, level, unit), instead of a scan of the province's
    rows of those days on ``(province_code, day)`` (a thousand villages a day)."""
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _read(session: Session, *conditions: ColumnElement[bool]) -> list[_Counts]:
    query = select(*[getattr(_S, name) for name in _Counts._fields])
    return [_Counts(*row) for row in session.execute(query.where(*conditions).order_by(_S.day))]


def _ratio(done: str, of: str) -> ColumnElement[Any]:
    return cast(getattr(_S, done), Float) / func.nullif(getattr(_S, of), 0)


def _dashboard(
    session: Session,
    campaign: Campaign,
    *,
    total: tuple[UnitLevel, int, str, Responsible | None],
    part_level: UnitLevel,
    parts_of: int | None,
    names: dict[int, tuple[str, Responsible | None]],
) -> Dashboard | None:
    level, code, name, responsible = total
    latest = latest_day(session, campaign.province_code)
    if latest is None or latest < campaign.starts_on:
        return None
    series = _read(
        session,
        _S.day.in_(_days(campaign.starts_on, latest)),
        _S.unit_level == level.value,
        _S.unit_code == code,
    )
    if not series or series[-1].day != latest:
        return None
    first_day, day = series[0].day, latest
    parts = [_S.unit_level == part_level.value, _S.unit_code.in_(list(names))]
    since = day - dt.timedelta(days=SPARKLINE_DAYS - 1)
    rows: dict[int, list[_Counts]] = {}
    for row in _read(session, *parts, _S.day.in_({first_day, *_days(since, day)})):
        rows.setdefault(row.unit_code, []).append(row)
    watch_from = _watch_from(campaign, [row.day for row in series])
    highest: dict[int, tuple[float | None, float | None]] = {}
    if watch_from is not None:
        highest = {
            unit: (books, cards)
            for unit, books, cards in session.execute(
                select(_S.unit_code, func.max(_ratio(*_BOOKS)), func.max(_ratio(*_CARDS)))
                .where(*parts, _S.day.in_(_days(watch_from, day - dt.timedelta(days=1))))
                .group_by(_S.unit_code)
            )
        }
    targets = _targets(session, campaign)
    reading = _Reading(campaign, first_day, day, since)
    earlier = [row for row in series[:-1] if watch_from is not None and row.day >= watch_from]
    own = reading.progress(
        code,
        (name, responsible),
        series,
        targets.of(None if level is UnitLevel.PROVINCE else code),
        (_highest(row.books for row in earlier), _highest(row.cards for row in earlier)),
    )
    lines = []
    for unit, unit_rows in rows.items():
        line = reading.progress(
            unit,
            names[unit],
            unit_rows,
            targets.of(unit if part_level is UnitLevel.COMMUNE else parts_of),
            highest.get(unit, (None, None)),
        )
        if line is not None:
            lines.append(line)
    lines.sort(key=lambda line: (line.gap is None, line.gap or 0.0, line.name))
    if own is None:
        return None
    return Dashboard(
        campaign=campaign,
        total=own,
        part_level=part_level.value,
        first_day=first_day,
        day=day,
        trend=[DayShares(row.day, row.books, row.cards) for row in series],
        parts=lines,
    )


def _watch_from(campaign: Campaign, days: Sequence[dt.date]) -> dt.date | None:
    """After the deadline, the first day the decline watch compares with: the last snapshot
    day on or before the deadline (so a fall on the first day after it shows too); before
    the deadline, ``None``."""
    if days[-1] <= campaign.deadline:
        return None
    return max((d for d in days if d <= campaign.deadline), default=days[0])


def _highest(shares: Iterable[float | None]) -> float | None:
    return max((s for s in shares if s is not None), default=None)


def _fell(highest: float, latest: float) -> bool:
    """Whether the share fell by more than the tolerance (rounded first, so that a fall of
    exactly 0.1 point is not flagged or not depending on how the fractions round)."""
    return round(highest - latest, 9) > DECLINE_TOLERANCE


@dataclass(frozen=True)
class _Reading:
    """What every unit of one dashboard is read against: the campaign, its first snapshot
    day, the latest day and the first day of the sparklines."""

    campaign: Campaign
    first_day: dt.date
    day: dt.date
    since: dt.date

    def progress(
        self,
        code: int,
        named: tuple[str, Responsible | None],
        rows: Sequence[_Counts],
        targets: Mapping[Indicator, Target],
        highest: tuple[float | None, float | None],
    ) -> UnitProgress | None:
        """A unit from its rows (oldest first; ``None`` without a row on the latest day)."""
        latest = rows[-1]
        if latest.day != self.day:
            return None
        first = rows[0] if rows[0].day == self.first_day else None
        recent_from = self.day - dt.timedelta(days=RECENT_DAYS)
        before = [row for row in rows if row.day <= recent_from]
        books = self._figure(
            latest.books_activated,
            latest.eligible,
            first.books if first else None,
            targets[Indicator.LEVEL2_GUIDED_ACTIVATED],
        )
        cards = self._figure(
            latest.cards_integrated,
            latest.cards_listed,
            first.cards if first else None,
            (CARDS_TARGET, self.campaign.deadline),
        )
        declines = [
            Decline(indicator, top, now)
            for indicator, top, now in (
                ("books", highest[0], books.share),
                ("cards", highest[1], cards.share),
            )
            if top is not None and now is not None and _fell(top, now)
        ]
        establishments = {
            name: self._figure(
                getattr(latest, done),
                getattr(latest, of),
                share(getattr(first, done), getattr(first, of)) if first else None,
                targets[indicator],
            )
            for name, indicator, done, of in ESTABLISHMENT_FIGURES
        }
        name, responsible = named
        return UnitProgress(
            code=code,
            name=name,
            eligible=latest.eligible,
            level2=latest.level2,
            books=books,
            cards=cards,
            **establishments,
            recent_visits=latest.visits_to_date - (before[-1].visits_to_date if before else 0),
            responsible=responsible,
            sparkline=[
                DayShares(row.day, row.books, row.cards) for row in rows if row.day >= self.since
            ],
            declines=declines,
        )

    def _figure(
        self, done: int, of: int, start: float | None, target: tuple[float, dt.date]
    ) -> Progress:
        """``done`` of ``of`` against the line from ``start`` (the first day's share; none
        then: 0) to ``target`` (share, deadline)."""
        share, deadline = target
        expected = expected_share(
            self.day,
            start=self.first_day,
            start_share=start or 0.0,
            deadline=deadline,
            target=share,
        )
        return Progress(done, of, expected, share, deadline)
