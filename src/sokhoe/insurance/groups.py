"""Vietnamese names of the beneficiary groups (nhóm đối tượng) offices see most often.

Only groups whose meaning is well established are named; others are shown by their code.
"""

from __future__ import annotations

GROUP_LABELS: dict[str, str] = {
    "TE": "Trẻ em dưới 6 tuổi",
    "HS": "Học sinh",
    "SV": "Sinh viên",
    "HT": "Người hưởng lương hưu",
    "GD": "Tham gia theo hộ gia đình",
    "DN": "Người lao động trong doanh nghiệp",
    "CC": "Người có công với cách mạng",
    "CB": "Cựu chiến binh",
    "KC": "Người tham gia kháng chiến",
    "BT": "Người hưởng trợ cấp bảo trợ xã hội",
    "HN": "Người thuộc hộ nghèo",
    "CN": "Người thuộc hộ cận nghèo",
    "TC": "Thân nhân người có công",
    "DT": "Người dân tộc thiểu số vùng khó khăn",
    "QN": "Quân nhân",
    "CA": "Công an nhân dân",
    "CY": "Người làm công tác cơ yếu",
}


def group_label(code: str | None) -> str:
    """The group's Vietnamese name, or "" when it has none here."""
    return GROUP_LABELS.get(code or "", "")
