"""QĐ 130 XML as a facility's HIS exports it: one ``GIAMDINHHS`` envelope per month.

Each visit is a ``HOSO`` holding its ``XML1`` (``TONG_HOP``), and an ``XML13`` referral letter
or an ``XML14`` re-exam appointment when it has one, base64 in ``NOIDUNGFILE``. Every tag of
the QĐ 4750 tables is written, empty ones self-closed, as real exports do. HIS vendors differ
(:class:`Vendor`): some put an ``<?xml`` declaration on inner documents, some the misspelt
``XMLSchema instance`` namespace, some a BOM before the envelope. Files are written one
facility-month at a time, so a province never sits in memory as XML.

The texts written are generated (names, places, the diagnosis table): none holds ``<``,
``>`` or ``&``, so values go into the markup without escaping.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sokhoe.synth import dates, files, his_codes, his_errors, identity
from sokhoe.synth.his_patients import PatientColumns, Patients
from sokhoe.synth.his_visits import Visits
from sokhoe.synth.sampling import Bools, Ints, bernoulli

XML1_TAGS = (
    "MA_LK", "STT", "MA_BN", "HO_TEN", "SO_CCCD", "NGAY_SINH", "GIOI_TINH", "NHOM_MAU",
    "MA_QUOCTICH", "MA_DANTOC", "MA_NGHE_NGHIEP", "DIA_CHI", "MATINH_CU_TRU",
    "MAHUYEN_CU_TRU", "MAXA_CU_TRU", "DIEN_THOAI", "MA_THE_BHYT", "MA_DKBD", "GT_THE_TU",
    "GT_THE_DEN", "NGAY_MIEN_CCT", "LY_DO_VV", "LY_DO_VNT", "MA_LY_DO_VNT", "CHAN_DOAN_VAO",
    "CHAN_DOAN_RV", "MA_BENH_CHINH", "MA_BENH_KT", "MA_BENH_YHCT", "MA_PTTT_QT",
    "MA_DOITUONG_KCB", "MA_NOI_DI", "MA_NOI_DEN", "MA_TAI_NAN", "NGAY_VAO",
    "NGAY_VAO_NOI_TRU", "NGAY_RA", "GIAY_CHUYEN_TUYEN", "SO_NGAY_DTRI", "PP_DIEU_TRI",
    "KET_QUA_DTRI", "MA_LOAI_RV", "GHI_CHU", "NGAY_TTOAN", "T_THUOC", "T_VTYT",
    "T_TONGCHI_BV", "T_TONGCHI_BH", "T_BNTT", "T_BNCCT", "T_BHTT", "T_NGUONKHAC",
    "T_BHTT_GDV", "NAM_QT", "THANG_QT", "MA_LOAI_KCB", "MA_KHOA", "MA_CSKCB", "MA_KHUVUC",
    "CAN_NANG", "CAN_NANG_CON", "NAM_NAM_LIEN_TUC", "NGAY_TAI_KHAM", "MA_HSBA", "MA_TTDV",
    "DU_PHONG",
)  # fmt: skip
XML13_TAGS = (
    "MA_LK", "SO_HOSO", "SO_CHUYENTUYEN", "GIAY_CHUYEN_TUYEN", "MA_CSKCB", "MA_NOI_DI",
    "MA_NOI_DEN", "HO_TEN", "NGAY_SINH", "GIOI_TINH", "MA_QUOCTICH", "MA_DANTOC",
    "MA_NGHE_NGHIEP", "DIA_CHI", "MA_THE_BHYT", "GT_THE_DEN", "NGAY_VAO", "NGAY_VAO_NOI_TRU",
    "NGAY_RA", "DAU_HIEU_LS", "CHAN_DOAN_RV", "QT_BENHLY", "TOMTAT_KQ", "PP_DIEUTRI",
    "MA_BENH_CHINH", "MA_BENH_KT", "MA_BENH_YHCT", "TEN_DICH_VU", "TEN_THUOC", "PP_DIEU_TRI",
    "MA_LOAI_RV", "MA_LYDO_CT", "HUONG_DIEU_TRI", "PHUONGTIEN_VC", "HOTEN_NGUOI_HT",
    "CHUCDANH_NGUOI_HT", "MA_BAC_SI", "MA_TTDV", "DU_PHONG",
)  # fmt: skip
XML14_TAGS = (
    "MA_LK", "SO_GIAYHEN_KL", "MA_CSKCB", "HO_TEN", "NGAY_SINH", "GIOI_TINH", "DIA_CHI",
    "MA_THE_BHYT", "GT_THE_DEN", "NGAY_VAO", "NGAY_VAO_NOI_TRU", "NGAY_RA", "NGAY_HEN_KL",
    "CHAN_DOAN_RV", "MA_BENH_CHINH", "MA_BENH_KT", "MA_BENH_YHCT", "MA_DOITUONG_KCB",
    "MA_BAC_SI", "MA_TTDV", "NGAY_CT", "DU_PHONG",
)  # fmt: skip
MISSPELT_NAMESPACE = "http://www.w3.org/2001/XMLSchema instance"
_NAMESPACES = (
    ' xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
)
_MISSPELT = f' xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="{MISSPELT_NAMESPACE}"'
#: Shares of facilities whose HIS: misspells the namespace, declares inner documents, adds a
#: BOM to the envelope, leaves the signature as one space.
VENDOR_SHARES = {"misspelt": 0.4, "declared": 0.3, "bom": 0.15, "blank_signature": 0.5}
#: Fields every record of these facilities writes the same (Vietnamese, Kinh, eligible).
_CONSTANT = {"MA_QUOCTICH": "000", "MA_DANTOC": "01", "T_NGUONKHAC": "0.00", "MA_LYDO_CT": "1"}
#: Share of the insured cost BHYT pays, by benefit level.
_BHYT_SHARE = np.array([0.0, 1.0, 1.0, 0.95, 0.8, 1.0])
_KHOA = np.array(["K01", "K03"], dtype=object)  # outpatient clinic, internal medicine ward
_TREATMENT = np.array(["Khám, kê đơn điều trị ngoại trú", "Điều trị nội khoa"], dtype=object)
_ADVICE = np.array(["", "Tái khám theo hẹn, mang theo giấy hẹn"], dtype=object)


@dataclass(frozen=True, slots=True)
class Vendor:
    misspelt: bool
    declared: bool
    bom: bool
    blank_signature: bool


def vendors(rng: np.random.Generator, count: int) -> list[Vendor]:
    """The HIS habits of each of ``count`` facilities."""
    flags = [bernoulli(rng, share, count).tolist() for share in VENDOR_SHARES.values()]
    return [Vendor(*row) for row in zip(*flags, strict=True)]


@dataclass(frozen=True)
class Context:
    """What every facility-month's writer shares."""

    root: Path
    texts: files.Texts
    patients: Patients
    visits: Visits
    vendors: list[Vendor]
    #: Per visit: drugs, supplies and total cost in đồng.
    costs: tuple[Ints, Ints, Ints]
    faults: his_errors.Faults
    hide_id: Bools
    #: NGAYLAP of the last month's files (a file is made when its month is over).
    as_of: np.datetime64


def costs(rng: np.random.Generator, visits: Visits, stations_from: int) -> tuple[Ints, Ints, Ints]:
    """Drugs, supplies and total: a station visit costs tens of thousands of đồng, a
    hospital visit a few hundred thousand, a stay some hundreds of thousands a day."""
    size = visits.size
    at_station = visits.facility >= stations_from
    days = ((visits.end - visits.start).astype(np.int64) // 1440) + 1
    base = np.where(at_station, rng.integers(30, 150, size), rng.integers(100, 600, size))
    total = np.where(visits.inpatient, days * rng.integers(500, 1500, size), base) * 1000
    drugs = total * rng.integers(35, 65, size) // 100
    supplies = total * rng.integers(0, 10, size) // 100
    return drugs, supplies, total


def write_month(context: Context, rows: Ints) -> list[tuple[str, ...]]:
    """Writes the envelope of the facility-month holding visits ``rows``; returns the truth
    rows of the faults in it."""
    visits = context.visits
    facility = int(visits.facility[rows[0]])
    code = context.texts.geography.facilities[facility].code
    vendor = context.vendors[facility]
    month = np.datetime64(int(visits.month[rows[0]]), "M")
    yyyymm = str(month).replace("-", "")
    relative = f"his/qd130/{code}/{yyyymm}.xml"
    record = _Month(context, rows, code, yyyymm)
    truth: list[tuple[str, ...]] = []
    inner = (record.xml1(truth, relative), record.xml13(), record.xml14())
    head = '<?xml version="1.0" encoding="utf-8"?>' if vendor.declared else ""
    space = _MISSPELT if vendor.misspelt else ""
    items = []
    for xml1, xml13, xml14 in zip(*inner, strict=True):
        parts = [_file_item(kind, head, space, document) for kind, document in
                 (("XML1", xml1), ("XML13", xml13), ("XML14", xml14)) if document]  # fmt: skip
        items.append("      <HOSO>\n" + "".join(parts) + "      </HOSO>\n")
    made = min((month + 1).astype("datetime64[D]"), context.as_of)
    signature = "  <CHUKYDONVI> </CHUKYDONVI>\n" if vendor.blank_signature else "  <CHUKYDONVI/>\n"
    envelope = (
        ("\ufeff" if vendor.bom else "")
        + f'<?xml version="1.0" encoding="utf-8"?>\n<GIAMDINHHS{_NAMESPACES}>\n'
        + f"  <THONGTINDONVI>\n    <MACSKCB>{code}</MACSKCB>\n  </THONGTINDONVI>\n"
        + f"  <THONGTINHOSO>\n    <NGAYLAP>{str(made).replace('-', '')}</NGAYLAP>\n"
        + f"    <SOLUONGHOSO>{len(items)}</SOLUONGHOSO>\n    <DANHSACHHOSO>\n"
        + "".join(items)
        + f"    </DANHSACHHOSO>\n  </THONGTINHOSO>\n{signature}</GIAMDINHHS>\n"
    )
    path = context.root / "qd130" / code / f"{yyyymm}.xml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(envelope.encode("utf-8"))
    return truth


def _file_item(kind: str, head: str, space: str, document: str) -> str:
    root_end = document.index(">")
    text = head + document[:root_end] + space + document[root_end:]
    content = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return (
        f"        <FILEHOSO>\n          <LOAIHOSO>{kind}</LOAIHOSO>\n"
        f"          <NOIDUNGFILE>{content}</NOIDUNGFILE>\n        </FILEHOSO>\n"
    )


class _Month:
    """The column texts of one facility-month's visits, and the documents built from them."""

    def __init__(self, context: Context, rows: Ints, code: str, yyyymm: str) -> None:
        visits, texts = context.visits, context.texts
        population = texts.population
        self._context, self._rows, self._code = context, rows, code
        self.size = rows.size
        people = visits.person[rows]
        self._people = people
        self.patient: PatientColumns = context.patients.columns(
            people, visits.start[rows].astype("datetime64[D]"), context.hide_id[rows]
        )
        self.keys = [f"{yyyymm}{n:06d}" for n in visits.number[rows].tolist()]
        self.start = stamps(visits.start[rows])
        self.end = stamps(visits.end[rows])
        self.birth = [(b.replace("-", "") + "0000")[:8] + "0000" for b in self.patient.birth]
        self.valid_from = [d.replace("-", "") for d in self.patient.valid_from]
        self.valid_to = [d.replace("-", "") for d in self.patient.valid_to]
        self.sex = [str(s) for s in self.patient.sex]
        geography = texts.geography
        villages = np.array(geography.village_name, dtype=object)
        communes = np.array([c.name for c in geography.communes], dtype=object)
        commune = population.commune[people]
        self.address = [
            f"{v}, {c}, {geography.province.name}"
            for v, c in zip(
                villages[population.village[people]].tolist(),
                communes[commune].tolist(),
                strict=True,
            )
        ]
        self.commune = texts.commune_codes(commune)
        main = visits.main[rows]
        self.main_code = np.array(his_codes.CODES, dtype=object)[main].tolist()
        self.main_name = his_codes.NAMES[main].tolist()
        self.other_codes, self.other_names = _secondary(visits.other_1[rows], visits.other_2[rows])
        self.inpatient = visits.inpatient[rows]
        referred_to = visits.referred_to[rows]
        codes = np.array([f.code for f in geography.facilities] + [""], dtype=object)
        self.referred_to = codes[referred_to].tolist()
        self.re_exam = visits.re_exam[rows]
        doctor = (visits.facility[rows] * 10 + visits.number[rows] % 4).tolist()
        self.doctor = [f"{d:06d}/CCHN" for d in doctor]
        facility = int(visits.facility[rows[0]])
        self.head = f"{geography.province.code:02d}{(facility * 7919 + 12345) % 10**8:08d}"

    def xml1(self, truth: list[tuple[str, ...]], relative: str) -> list[str]:
        context, rows, patient = self._context, self._rows, self.patient
        visits = context.visits
        drugs, supplies, total = (cost[rows] for cost in context.costs)
        level = patient.level
        insured_total = np.where(level > 0, total, 0)
        paid = np.round(insured_total * _BHYT_SHARE[level]).astype(np.int64)
        main_code = self._faulty_codes(truth, relative)
        start = self._faulty_dates(truth, relative)
        inpatient = self.inpatient
        stay = np.where(
            inpatient,
            (
                visits.end[rows].astype("datetime64[D]")
                - visits.start[rows].astype("datetime64[D]")
            ).astype(np.int64)
            + 1,
            0,
        )
        admitted = stamps(visits.start[rows] + np.timedelta64(30, "m"))
        end_month = visits.end[rows].astype("datetime64[M]")
        year = (end_month.astype("datetime64[Y]").astype(np.int64) + 1970).tolist()
        month = (end_month.astype(np.int64) % 12 + 1).tolist()
        injury = his_codes.INJURY[visits.main[rows]]
        re_exam = self._re_exam_days()
        has_re_exam = [bool(d) for d in re_exam]
        person_ids = self._people * 48271 + visits.facility[rows] * 7
        columns = {
            "MA_LK": self.keys,
            "STT": [str(n) for n in range(1, self.size + 1)],
            "MA_BN": [f"{n % 10**9:09d}" for n in person_ids.tolist()],
            "HO_TEN": patient.name,
            "SO_CCCD": patient.person_id,
            "NGAY_SINH": self.birth,
            "GIOI_TINH": self.sex,
            "DIA_CHI": self.address,
            "MATINH_CU_TRU": [f"{context.texts.geography.province.code:02d}"] * self.size,
            "MAXA_CU_TRU": self.commune,
            "DIEN_THOAI": _phones(context.texts, self._people),
            "MA_THE_BHYT": patient.card,
            "MA_DKBD": patient.registered,
            "GT_THE_TU": self.valid_from,
            "GT_THE_DEN": self.valid_to,
            "LY_DO_VV": his_codes.REASONS[visits.main[rows]].tolist(),
            "LY_DO_VNT": _where(inpatient, self.main_name),
            "CHAN_DOAN_VAO": self.main_name,
            "CHAN_DOAN_RV": [
                f"{m}; {o}" if o else m
                for m, o in zip(self.main_name, self.other_names, strict=True)
            ],
            "MA_BENH_CHINH": main_code,
            "MA_BENH_KT": self.other_codes,
            "MA_DOITUONG_KCB": [
                ("1" if r == self._code else "3") if r else "" for r in patient.registered
            ],
            "MA_NOI_DEN": self.referred_to,
            "MA_TAI_NAN": np.where(injury, "1", "").tolist(),
            "NGAY_VAO": start,
            "NGAY_VAO_NOI_TRU": _where(inpatient, admitted),
            "NGAY_RA": self.end,
            "SO_NGAY_DTRI": [str(n) for n in stay.tolist()],
            "PP_DIEU_TRI": _TREATMENT[inpatient.astype(np.int64)].tolist(),
            "KET_QUA_DTRI": [str(n) for n in visits.outcome[rows].tolist()],
            "MA_LOAI_RV": [str(n) for n in visits.discharge[rows].tolist()],
            "GHI_CHU": _ADVICE[np.array(has_re_exam, dtype=np.int64)].tolist(),
            "NGAY_TTOAN": self.end,
            "T_THUOC": _money(drugs),
            "T_VTYT": _money(supplies),
            "T_TONGCHI_BV": _money(total),
            "T_TONGCHI_BH": _money(insured_total),
            "T_BNTT": _money(total - insured_total),
            "T_BNCCT": _money(insured_total - paid),
            "T_BHTT": _money(paid),
            "T_BHTT_GDV": ["0.00"] * self.size,
            "NAM_QT": [str(y) for y in year],
            "THANG_QT": [str(m) for m in month],
            "MA_LOAI_KCB": np.where(inpatient, "03", "01").tolist(),
            "MA_KHOA": _KHOA[inpatient.astype(np.int64)].tolist(),
            "MA_CSKCB": [self._code] * self.size,
            "NGAY_TAI_KHAM": re_exam,
            "MA_HSBA": self.keys,
            "MA_TTDV": [self.head] * self.size,
        }
        return _documents("TONG_HOP", XML1_TAGS, columns, self.size)

    def xml13(self) -> list[str]:
        """Referral letters; "" for visits without one."""
        referred = np.array([bool(r) for r in self.referred_to])
        numbers = [f"{k[-6:]}/{k[:4]}" for k in self.keys]
        columns = {
            "MA_LK": self.keys,
            "SO_HOSO": numbers,
            "SO_CHUYENTUYEN": numbers,
            "GIAY_CHUYEN_TUYEN": numbers,
            "MA_CSKCB": [self._code] * self.size,
            "MA_NOI_DI": [self._code] * self.size,
            "MA_NOI_DEN": self.referred_to,
            **self._identity(),
            "DIA_CHI": self.address,
            "NGAY_VAO": self.start,
            "NGAY_RA": self.end,
            "DAU_HIEU_LS": his_codes.REASONS[self._context.visits.main[self._rows]].tolist(),
            "CHAN_DOAN_RV": self.main_name,
            "MA_BENH_CHINH": self.main_code,
            "MA_BENH_KT": self.other_codes,
            "PP_DIEU_TRI": ["Điều trị triệu chứng"] * self.size,
            "MA_LOAI_RV": ["2"] * self.size,
            "HUONG_DIEU_TRI": ["Chuyển tuyến trên chẩn đoán và điều trị"] * self.size,
            "PHUONGTIEN_VC": ["Tự túc"] * self.size,
            "MA_BAC_SI": self.doctor,
            "MA_TTDV": [self.head] * self.size,
        }
        documents = _documents("CHI_TIEU_GIAYCHUYENTUYEN", XML13_TAGS, columns, self.size)
        return _where(referred, documents)

    def xml14(self) -> list[str]:
        """Re-exam appointments; "" for visits without one."""
        on = self._re_exam_days()
        columns = {
            "MA_LK": self.keys,
            "SO_GIAYHEN_KL": [f"{k[-6:]}/{k[:4]}/HK" for k in self.keys],
            "MA_CSKCB": [self._code] * self.size,
            **self._identity(),
            "DIA_CHI": self.address,
            "NGAY_VAO": self.start,
            "NGAY_RA": self.end,
            "NGAY_HEN_KL": on,
            "CHAN_DOAN_RV": self.main_name,
            "MA_BENH_CHINH": self.main_code,
            "MA_BENH_KT": self.other_codes,
            "MA_BAC_SI": self.doctor,
            "MA_TTDV": [self.head] * self.size,
            "NGAY_CT": [e[:8] for e in self.end],
        }
        documents = _documents("CHI_TIEU_GIAYHEN_KHAMLAI", XML14_TAGS, columns, self.size)
        return _where(np.array([bool(d) for d in on]), documents)

    def _identity(self) -> dict[str, list[str]]:
        return {
            "HO_TEN": self.patient.name,
            "NGAY_SINH": self.birth,
            "GIOI_TINH": self.sex,
            "MA_THE_BHYT": self.patient.card,
            "GT_THE_DEN": self.valid_to,
        }

    def _re_exam_days(self) -> list[str]:
        on = self.re_exam
        texts = day_stamps(np.where(np.isnat(on), np.datetime64("1970-01-01"), on))
        return _where(~np.isnat(on), texts)

    def _faulty_codes(self, truth: list[tuple[str, ...]], relative: str) -> list[str]:
        codes = list(self.main_code)
        fault = self._context.faults.unknown_icd[self._rows]
        for position in np.flatnonzero(fault >= 0).tolist():
            wrong = his_errors.UNKNOWN_CODES[int(fault[position])]
            truth.append(self._truth("his_unknown_icd", relative, position, "MA_BENH_CHINH",
                                     codes[position], wrong))  # fmt: skip
            codes[position] = wrong
        return codes

    def _faulty_dates(self, truth: list[tuple[str, ...]], relative: str) -> list[str]:
        start = list(self.start)
        fault = self._context.faults.wrong_date[self._rows]
        for position in np.flatnonzero(fault >= 0).tolist():
            wrong = his_errors.broken_stamp(start[position], int(fault[position]))
            truth.append(self._truth("his_wrong_date", relative, position, "NGAY_VAO",
                                     start[position], wrong))  # fmt: skip
            start[position] = wrong
        return start

    def _truth(
        self, kind: str, relative: str, position: int, field: str, true: str, wrong: str
    ) -> tuple[str, ...]:
        person = self._context.texts.ids(self._people[position : position + 1])[0]
        key = self.keys[position]
        return (kind, "qd130", self._code, relative, key, person, field, true, wrong)


def stamps(moments: np.ndarray) -> list[str]:
    """``yyyymmddHHMM`` texts of minute-precision instants."""
    days = moments.astype("datetime64[D]")
    minute = (moments - days.astype("datetime64[m]")).astype(np.int64)
    number = _day_numbers(days) * 10_000 + (minute // 60) * 100 + minute % 60
    return [str(n) for n in number.tolist()]


def day_stamps(days: dates.Days) -> list[str]:
    """``yyyymmdd`` texts."""
    return [str(n) for n in _day_numbers(days).tolist()]


def _day_numbers(days: dates.Days) -> Ints:
    year, month, day = dates.year_month_day(days)
    number: Ints = (year * 100 + month) * 100 + day
    return number


def _secondary(first: Ints, second: Ints) -> tuple[list[str], list[str]]:
    """``MA_BENH_KT`` (codes joined by ";") and the matching names, per visit."""
    codes = np.array([*his_codes.CODES, ""], dtype=object)
    names = np.array([*his_codes.NAMES.tolist(), ""], dtype=object)
    texts, named = [], []
    for a, b in zip(first.tolist(), second.tolist(), strict=True):
        texts.append(";".join(codes[i] for i in (a, b) if i >= 0))
        named.append("; ".join(names[i] for i in (a, b) if i >= 0))
    return texts, named


def _phones(texts: files.Texts, people: Ints) -> list[str]:
    return identity.phone_text(texts.population.phone[people])


def _money(amounts: Ints) -> list[str]:
    return [f"{a}.00" for a in amounts.tolist()]


def _where(keep: Bools, values: list[str]) -> list[str]:
    return [v if k else "" for v, k in zip(values, keep.tolist(), strict=True)]


def _documents(
    root: str, tags: tuple[str, ...], columns: dict[str, list[str]], size: int
) -> list[str]:
    """One document per row: every tag in order, filled or self-closed."""
    parts: list[list[str]] = []
    for tag in tags:
        values = columns.get(tag)
        if values is None:
            constant = _CONSTANT.get(tag)
            parts.append([f"<{tag}>{constant}</{tag}>" if constant else f"<{tag}/>"] * size)
        else:
            parts.append([f"<{tag}>{v}</{tag}>" if v else f"<{tag}/>" for v in values])
    opening, closing = f"<{root}>", f"</{root}>"
    return [opening + "".join(row) + closing for row in zip(*parts, strict=True)]
