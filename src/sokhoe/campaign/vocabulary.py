"""The campaign's fixed vocabularies, each with the Vietnamese label the pages show."""

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


OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.GUIDED_ACTIVATED: "Đã hướng dẫn, đã kích hoạt",
    Outcome.CARD_INTEGRATED: "Đã tích hợp thẻ BHYT",
    Outcome.NOT_HOME: "Vắng nhà",
    Outcome.NO_SMARTPHONE: "Không có điện thoại thông minh",
    Outcome.REFUSED: "Từ chối",
    Outcome.NEEDS_LEVEL2: "Cần tài khoản định danh mức 2",
}

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


ORGANISATION_LABELS: dict[Organisation, str] = {
    Organisation.POLICE: "Công an",
    Organisation.HEALTH: "Y tế",
    Organisation.UNION: "Đoàn thể",
    Organisation.TEACHER: "Giáo viên",
    Organisation.VILLAGE_HEAD: "Trưởng thôn",
    Organisation.OTHER: "Khác",
}


class Indicator(StrEnum):
    """What a target measures (R13)."""

    LEVEL2_GUIDED_ACTIVATED = "level2_guided_activated"
    SCHOOLS = "schools"
    STUDENTS = "students"
    ENTERPRISES = "enterprises"


INDICATOR_LABELS: dict[Indicator, str] = {
    Indicator.LEVEL2_GUIDED_ACTIVATED: "Người có định danh mức 2 được hướng dẫn, kích hoạt",
    Indicator.SCHOOLS: "Trường học",
    Indicator.STUDENTS: "Học sinh, sinh viên",
    Indicator.ENTERPRISES: "Doanh nghiệp",
}
