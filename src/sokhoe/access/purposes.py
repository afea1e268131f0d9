"""Why personal data is touched: a fixed vocabulary, and which roles may claim which purpose.

R16 asks that personal data be used only for the proper purpose, by the proper authority.
Every audit entry names its purpose, and the guard refuses a purpose the actor's role has no
business with (a guidance member compiling "statistics", a clinic doing "reconciliation").
"""

from __future__ import annotations

from enum import StrEnum

from sokhoe.access.roles import Role


class Purpose(StrEnum):
    SELF_SERVICE = "self_service"
    GUARDIAN = "guardian"
    CAMPAIGN_WORKLIST = "campaign_worklist"
    RECONCILIATION = "reconciliation"
    CARE = "care"
    ADMINISTRATION = "administration"
    STATISTICS = "statistics"
    #: A BHXH officer deciding an e-ID wallet integration the card list could not settle.
    INTEGRATION_REVIEW = "integration_review"
    #: Printing a paper card (a long-lived signed QR) for someone without a smartphone, or
    #: revoking one: BHXH for its province, the commune for its residents.
    PAPER_CARD = "paper_card"
    #: Revoking a card number (lost card, fraud): every token of the card is refused. BHXH only.
    CARD_REVOCATION = "card_revocation"
    #: The Department of Health reviewing reception's emergency reads of health books.
    ACCESS_REVIEW = "access_review"
    #: The Department of Health naming the person of a hospital record that identification
    #: could not place, or dismissing the record.
    RECORD_REVIEW = "record_review"
    #: Signing in; recorded for logins, never a reason to read personal data.
    AUTHENTICATION = "authentication"


PURPOSE_LABELS: dict[Purpose, str] = {
    Purpose.SELF_SERVICE: "Tự tra cứu",
    Purpose.GUARDIAN: "Người giám hộ tra cứu",
    Purpose.CAMPAIGN_WORKLIST: "Danh sách vận động, hướng dẫn",
    Purpose.RECONCILIATION: "Đối soát dữ liệu thẻ BHYT",
    Purpose.CARE: "Khám, chữa bệnh",
    Purpose.ADMINISTRATION: "Quản trị hệ thống",
    Purpose.STATISTICS: "Thống kê, báo cáo",
    Purpose.INTEGRATION_REVIEW: "Duyệt yêu cầu tích hợp thẻ BHYT",
    Purpose.PAPER_CARD: "In, thu hồi thẻ BHYT giấy có mã QR",
    Purpose.CARD_REVOCATION: "Thu hồi thẻ BHYT",
    Purpose.ACCESS_REVIEW: "Xem xét truy cập khẩn cấp sổ sức khỏe",
    Purpose.RECORD_REVIEW: "Xác định người của hồ sơ khám chữa bệnh",
    Purpose.AUTHENTICATION: "Đăng nhập",
}

ROLE_PURPOSES: dict[Role, frozenset[Purpose]] = {
    Role.CITIZEN: frozenset({Purpose.SELF_SERVICE, Purpose.GUARDIAN}),
    Role.CLINIC_STAFF: frozenset({Purpose.CARE}),
    Role.BHXH_OFFICER: frozenset(
        {
            Purpose.RECONCILIATION,
            Purpose.STATISTICS,
            Purpose.INTEGRATION_REVIEW,
            Purpose.PAPER_CARD,
            Purpose.CARD_REVOCATION,
        }
    ),
    Role.COMMUNE_OFFICER: frozenset(
        {Purpose.CAMPAIGN_WORKLIST, Purpose.RECONCILIATION, Purpose.STATISTICS, Purpose.PAPER_CARD}
    ),
    Role.POLICE_OFFICER: frozenset({Purpose.CAMPAIGN_WORKLIST, Purpose.STATISTICS}),
    Role.GUIDANCE_MEMBER: frozenset({Purpose.CAMPAIGN_WORKLIST}),
    Role.HEALTH_DEPARTMENT: frozenset(
        {
            Purpose.CAMPAIGN_WORKLIST,
            Purpose.RECONCILIATION,
            Purpose.STATISTICS,
            Purpose.ACCESS_REVIEW,
            Purpose.RECORD_REVIEW,
        }
    ),
    Role.ADMIN: frozenset({Purpose.ADMINISTRATION}),
}


class UnknownPurpose(ValueError):
    """A purpose outside :class:`Purpose`: a programming error, refused before any access."""

    def __init__(self, purpose: str) -> None:
        super().__init__(f"mục đích không hợp lệ: {purpose!r}")


def parse_purpose(purpose: str) -> Purpose:
    """``purpose`` as a :class:`Purpose`; raises :class:`UnknownPurpose` for anything else."""
    try:
        return Purpose(purpose)
    except ValueError:
        raise UnknownPurpose(purpose) from None
