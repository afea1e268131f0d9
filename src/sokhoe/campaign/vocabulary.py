"""The campaign's fixed vocabularies. The pages name them through the message catalogs
(``templates/campaign/labels.html``), in Vietnamese or English."""

from __future__ import annotations

from enum import StrEnum


class CampaignStatus(StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    CLOSED = "closed"


class Outcome(StrEnum):
    """What happened at the door: the second of the member's two taps."""

    GUIDED_ACTIVATED = "guided_activated"
    CARD_INTEGRATED = "card_integrated"
    NOT_HOME = "not_home"
    NO_SMARTPHONE = "no_smartphone"
    REFUSED = "refused"
    NEEDS_LEVEL2 = "needs_level2"


#: Outcomes after which a person needs no further visit: the household leaves the worklist
#: once every person in it who needed something has one of these as last outcome.
SETTLED_OUTCOMES = frozenset({Outcome.GUIDED_ACTIVATED, Outcome.CARD_INTEGRATED})


class Organisation(StrEnum):
    """Where a team's head or member comes from (R12)."""

    POLICE = "police"
    HEALTH = "health"
    UNION = "union"
    TEACHER = "teacher"
    VILLAGE_HEAD = "village_head"
    OTHER = "other"


class Indicator(StrEnum):
    """What a target measures (R13)."""

    LEVEL2_GUIDED_ACTIVATED = "level2_guided_activated"
    SCHOOLS = "schools"
    STUDENTS = "students"
    ENTERPRISES = "enterprises"
