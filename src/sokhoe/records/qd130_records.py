"""The health book's records from the rows of a QĐ 130 visit (``HOSO``): the visit itself
(``XML1``, ``TONG_HOP``), its referral letter (``XML13``) and its re-exam appointment
(``XML14``). Tags and sizes are those of the QĐ 4750 appendix
(``reference/qd4750/PHU_LUC_QD4750.xlsx``).

Each builder reads every field it uses before deciding, so one pass reports all that is
wrong with a record; it returns ``None`` when anything was (the problems are on the reader).
"""

from __future__ import annotations

from collections.abc import Mapping

from sokhoe.records.clinical import Appointment, Patient, Referral, Visit
from sokhoe.records.qd130_fields import FieldReader

#: ``KET_QUA_DTRI``: 1 cured, 2 improved, 3 unchanged, 4 worse, 5 died, 6 severe prognosis
#: (taken home), 7 undetermined, 8 died out of hospital (added by QĐ 4750).
_OUTCOMES: dict[str, str | None] = {code: code for code in "12345678"}

#: ``MA_LYDO_CT``'s codes in words; the words some HIS write in place of the code are kept.
_REFERRAL_REASONS: dict[str, str] = {
    "1": "Đủ điều kiện chuyển tuyến, phù hợp quy định chuyển tuyến",
    "2": "Đủ điều kiện chuyển tuyến do vượt khả năng đáp ứng của cơ sở",
    "3": "Chuyển tuyến theo yêu cầu của người bệnh hoặc người đại diện",
}

#: What XML13 and XML14 take from the visit's own XML1 when they leave it empty: the
#: patient, the facility, the visit's dates and diagnosis (the appendix asks them to repeat
#: XML1's values).
FROM_VISIT = (
    "HO_TEN",
    "SO_CCCD",
    "NGAY_SINH",
    "GIOI_TINH",
    "MA_THE_BHYT",
    "MA_BN",
    "MA_CSKCB",
    "NGAY_VAO",
    "NGAY_RA",
    "MA_BENH_CHINH",
    "CHAN_DOAN_RV",
)


def with_visit(own: Mapping[str, str], visit: Mapping[str, str] | None) -> Mapping[str, str]:
    """A row of XML13/XML14 whose empty fields of :data:`FROM_VISIT` are XML1's."""
    if visit is None:
        return own
    inherited = {tag: visit[tag] for tag in FROM_VISIT if visit.get(tag, "").strip()}
    return inherited | {tag: value for tag, value in own.items() if value.strip()}


def patient(fields: FieldReader) -> Patient | None:
    """The person as the record names them; ``None`` (with its problem) without a name."""
    full_name = fields.text("HO_TEN", limit=255, required=True)
    found = Patient(
        full_name=full_name or "",
        person_id=fields.person_id("SO_CCCD"),
        card_number=fields.card_number("MA_THE_BHYT"),
        birth_date=fields.birth_date("NGAY_SINH"),
        sex=fields.sex("GIOI_TINH"),
        patient_code=fields.text("MA_BN", limit=100),
    )
    return found if full_name else None


def _visit_type(fields: FieldReader) -> str | None:
    """``MA_LOAI_KCB``, two digits (``"1"`` as older HIS wrote it is ``"01"``)."""
    value = fields.text("MA_LOAI_KCB", limit=2)
    return value.zfill(2) if value is not None and value.isdigit() else value


def visit(fields: FieldReader) -> Visit | None:
    key = fields.text("MA_LK", limit=100, required=True)
    facility = fields.facility("MA_CSKCB", required=True)
    person = patient(fields)
    started = fields.instant("NGAY_VAO", required=True)
    ended = fields.instant("NGAY_RA")
    if started is not None and ended is not None and ended < started:
        start = fields.raw("NGAY_VAO")
        fields.problem("NGAY_RA", "end_before_start", end=fields.raw("NGAY_RA"), start=start)
    visit_type = _visit_type(fields)
    reason = fields.text("LY_DO_VV")
    main_diagnosis = fields.diagnosis("MA_BENH_CHINH")
    other_diagnoses = fields.diagnoses("MA_BENH_KT", limit=100)
    outcome = fields.coded("KET_QUA_DTRI", _OUTCOMES)
    re_exam_on = fields.day("NGAY_TAI_KHAM")
    if fields.problems or key is None or facility is None or person is None or started is None:
        return None
    return Visit(
        facility_code=facility,
        key=key,
        patient=person,
        started_at=started,
        ended_at=ended,
        visit_type=visit_type,
        reason=reason,
        main_diagnosis=main_diagnosis,
        other_diagnoses=other_diagnoses,
        outcome=outcome,
        re_exam_on=re_exam_on,
    )


def referral(fields: FieldReader) -> Referral | None:
    """``XML13``. The letter is dated by the end of the visit that wrote it (``NGAY_RA``; the
    appendix gives the letter no date of its own), or by its start when it has not ended."""
    key = fields.text("MA_LK", limit=100, required=True)
    facility = fields.facility("MA_CSKCB", required=True)
    person = patient(fields)
    if not fields.raw("NGAY_RA") and not fields.raw("NGAY_VAO"):
        fields.problem("NGAY_RA", "required")
    when = fields.instant("NGAY_RA") or fields.instant("NGAY_VAO")
    # Print templates leave dot fillers around the number ("12/CT ......").
    number = fields.text("SO_CHUYENTUYEN", limit=50) or fields.text("GIAY_CHUYEN_TUYEN", limit=50)
    to_facility = fields.facility("MA_NOI_DEN")
    diagnosis = fields.diagnosis("MA_BENH_CHINH")
    diagnosis_text = fields.text("CHAN_DOAN_RV")
    reason = fields.text("MA_LYDO_CT")
    if fields.problems or key is None or facility is None or person is None or when is None:
        return None
    return Referral(
        facility_code=facility,
        key=key,
        patient=person,
        referred_on=when.date(),
        number=(number or "").strip(" .…") or None,
        to_facility=to_facility,
        diagnosis=diagnosis,
        diagnosis_text=diagnosis_text,
        reason=_REFERRAL_REASONS.get(reason or "", reason),
    )


def appointment(fields: FieldReader) -> Appointment | None:
    """``XML14``."""
    key = fields.text("MA_LK", limit=100, required=True)
    facility = fields.facility("MA_CSKCB", required=True)
    person = patient(fields)
    on = fields.day("NGAY_HEN_KL", required=True)
    number = fields.text("SO_GIAYHEN_KL", limit=50)
    diagnosis = fields.diagnosis("MA_BENH_CHINH")
    diagnosis_text = fields.text("CHAN_DOAN_RV")
    if fields.problems or key is None or facility is None or person is None or on is None:
        return None
    return Appointment(
        facility_code=facility,
        key=key,
        patient=person,
        on=on,
        number=number,
        diagnosis=diagnosis,
        diagnosis_text=diagnosis_text,
    )
