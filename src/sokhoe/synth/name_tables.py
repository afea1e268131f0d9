"""Weighted Vietnamese name tables (NFC, new-style tone placement: Hòa, Thủy, Khánh Hòa).

Family names follow the national shares in FORMATS.md. Middle names carry one weight per birth
cohort (born before 1965, 1965–1984, 1985–2004, from 2005): "Văn" and "Thị" fade, "Gia",
"Bảo", "Khánh" rise. Given names carry a base weight and an era: ``o`` names are typical of
older people (Tư, Lành, Thoa), ``n`` of children (Khang, Hân, Vy), ``""`` timeless.
"""

from __future__ import annotations

#: Cohort boundaries (birth years) for the weights below.
COHORT_STARTS = (1965, 1985, 2005)

#: How an era tag scales a given name's weight in each cohort.
ERA_FACTORS: dict[str, tuple[float, float, float, float]] = {
    "o": (3.0, 1.5, 0.4, 0.15),
    "n": (0.1, 0.4, 1.5, 3.0),
    "": (1.0, 1.0, 1.0, 1.0),
}

#: Family name → share of the population in percent.
FAMILY: tuple[tuple[str, float], ...] = (
    ("Nguyễn", 38.0), ("Trần", 12.0), ("Lê", 9.5), ("Phạm", 7.0), ("Hoàng", 2.6),
    ("Huỳnh", 2.4), ("Phan", 4.5), ("Vũ", 2.0), ("Võ", 1.9), ("Đặng", 2.1), ("Bùi", 2.0),
    ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1.0), ("Lý", 0.5), ("Đào", 0.4),
    ("Đoàn", 0.4), ("Đinh", 0.4), ("Trương", 0.4), ("Lương", 0.3), ("Lâm", 0.3),
    ("Mai", 0.3), ("Trịnh", 0.3), ("Hà", 0.3), ("Tô", 0.2), ("Cao", 0.2), ("Châu", 0.15),
    ("Thái", 0.15), ("Lưu", 0.15), ("Tạ", 0.15), ("Văn", 0.1), ("Triệu", 0.1), ("Nông", 0.1),
    ("Chu", 0.1), ("Phùng", 0.1), ("Quách", 0.08), ("Kiều", 0.05), ("Tăng", 0.05),
    ("Thân", 0.05), ("La", 0.05), ("Đàm", 0.05), ("Hứa", 0.05), ("Giang", 0.05),
    ("Tống", 0.05), ("Từ", 0.05), ("Vương", 0.05), ("Lại", 0.05), ("Lục", 0.03),
    ("Khúc", 0.03), ("Âu", 0.03), ("Mạc", 0.03), ("Nghiêm", 0.03), ("Doãn", 0.03),
    ("Kim", 0.03), ("Ông", 0.03), ("Diệp", 0.03), ("Lò", 0.03), ("Ma", 0.03), ("Viên", 0.02),
    ("Lã", 0.02), ("Bạch", 0.02), ("Khổng", 0.02), ("Hoa", 0.02), ("Phó", 0.02),
    ("Quan", 0.02), ("Đồng", 0.02), ("Lạc", 0.02), ("Thạch", 0.02), ("Danh", 0.02),
)  # fmt: skip

#: Spelling variants of the same family name across regions (Hoàng in the North, Huỳnh in
#: the South; Vũ and Võ likewise): a source of false mismatches between two lists.
REGIONAL_VARIANTS: dict[str, str] = {"Hoàng": "Huỳnh", "Huỳnh": "Hoàng", "Vũ": "Võ", "Võ": "Vũ"}

#: Middle name → weight per cohort; "" is a name without a middle name.
MALE_MIDDLE: tuple[tuple[str, tuple[float, float, float, float]], ...] = (
    ("Văn", (60, 45, 22, 8)), ("Hữu", (6, 6, 5, 3)), ("Đức", (5, 6, 7, 6)),
    ("Minh", (2, 5, 10, 14)), ("Quang", (3, 5, 6, 5)), ("Công", (4, 5, 4, 3)),
    ("Thanh", (3, 4, 5, 3)), ("Xuân", (3, 3, 3, 2)), ("Đình", (4, 4, 3, 2)),
    ("Ngọc", (3, 3, 3, 2)), ("Quốc", (1, 2, 4, 5)), ("Tấn", (2, 3, 3, 2)),
    ("Trọng", (1, 2, 3, 3)), ("Anh", (0.5, 1, 3, 5)), ("Hoàng", (0.5, 1, 4, 7)),
    ("Duy", (0.2, 1, 3, 4)), ("Gia", (0.1, 0.3, 2, 8)), ("Bảo", (0.1, 0.3, 1.5, 5)),
    ("Nhật", (0.1, 0.3, 1.5, 4)), ("Đăng", (0.2, 0.5, 1.5, 3)), ("Thế", (1, 2, 2, 1)),
    ("Tiến", (1, 1, 1, 0.5)), ("Chí", (1, 1, 1.5, 1.5)), ("Khánh", (0.1, 0.3, 1, 2)),
    ("Thành", (1, 1.5, 2, 1.5)), ("Trung", (1, 1, 1.5, 1)), ("Phú", (1, 1, 1, 0.5)),
    ("Hoàng Gia", (0, 0, 0.2, 1.5)), ("Minh Nhật", (0, 0, 0.2, 1)), ("", (1, 1, 0.5, 0.3)),
)  # fmt: skip

FEMALE_MIDDLE: tuple[tuple[str, tuple[float, float, float, float]], ...] = (
    ("Thị", (80, 65, 40, 12)), ("Ngọc", (3, 5, 8, 10)), ("Thu", (2, 3, 4, 3)),
    ("Bảo", (0.1, 0.3, 2, 6)), ("Thanh", (2, 3, 4, 3)), ("Minh", (0.3, 1, 3, 6)),
    ("Phương", (0.2, 1, 2, 3)), ("Kim", (2, 3, 2, 1)), ("Hồng", (2, 2, 1.5, 1)),
    ("Mỹ", (1, 2, 2, 2)), ("Thùy", (0.2, 1, 3, 3)), ("Khánh", (0.1, 0.3, 2, 6)),
    ("Hoài", (0.2, 0.5, 1, 1)), ("Quỳnh", (0.1, 0.3, 1, 2)), ("Bích", (1.5, 1.5, 1, 0.5)),
    ("Cẩm", (0.5, 1, 1, 0.8)), ("Diệu", (0.2, 0.5, 1, 1.5)), ("Tuyết", (0.5, 0.8, 0.5, 0.2)),
    ("Hải", (0.1, 0.3, 1, 1.5)), ("Gia", (0, 0.1, 0.5, 3)), ("Hà", (0.1, 0.3, 1, 2)),
    ("Xuân", (0.8, 0.8, 0.6, 0.3)), ("Như", (0.1, 0.3, 1, 2)), ("Mai", (0.2, 0.5, 1, 1)),
    ("Lan", (0.5, 0.5, 0.5, 0.3)), ("Thảo", (0.05, 0.2, 1, 2)), ("Thị Thu", (1, 1, 0.5, 0.1)),
    ("Thị Ngọc", (1, 1, 0.5, 0.1)), ("Ngọc Bảo", (0, 0, 0.3, 1.5)),
    ("Bảo Ngọc", (0, 0, 0.3, 1.2)), ("", (0.3, 0.2, 0.2, 0.2)),
)  # fmt: skip

MALE_GIVEN: tuple[tuple[str, float, str], ...] = (
    ("Anh", 6, ""), ("An", 3, "n"), ("Bảo", 3, "n"), ("Bình", 4, ""), ("Cường", 4, ""),
    ("Chiến", 2, "o"), ("Công", 2, ""), ("Dũng", 5, ""), ("Duy", 3, ""), ("Dương", 2, ""),
    ("Đạt", 4, ""), ("Đức", 4, ""), ("Định", 2, "o"), ("Đông", 2, ""), ("Giang", 2, ""),
    ("Hà", 2, "o"), ("Hải", 5, ""), ("Hào", 1, ""), ("Hậu", 2, ""), ("Hiếu", 4, ""),
    ("Hiển", 1, ""), ("Hiệp", 2, ""), ("Hòa", 3, "o"), ("Hoàng", 4, ""), ("Huy", 6, "n"),
    ("Hùng", 6, ""), ("Hưng", 4, ""), ("Khang", 3, "n"), ("Khải", 1, "n"), ("Khánh", 3, ""),
    ("Khoa", 3, "n"), ("Khôi", 3, "n"), ("Kiên", 2, ""), ("Kiệt", 2, "n"), ("Lâm", 3, "n"),
    ("Lộc", 3, ""), ("Lợi", 2, "o"), ("Long", 5, ""), ("Luân", 1, ""), ("Lực", 1, "o"),
    ("Mạnh", 3, ""), ("Minh", 7, ""), ("Nam", 5, ""), ("Nghĩa", 3, ""), ("Nhân", 3, ""),
    ("Nhật", 2, "n"), ("Ninh", 1, ""), ("Phát", 3, "n"), ("Phong", 4, ""), ("Phú", 3, ""),
    ("Phúc", 4, "n"), ("Phước", 3, ""), ("Phương", 2, ""), ("Quân", 4, "n"), ("Quang", 4, ""),
    ("Quốc", 2, ""), ("Quý", 2, ""), ("Sang", 2, ""), ("Sơn", 6, ""), ("Tài", 3, ""),
    ("Tâm", 3, ""), ("Tân", 2, "o"), ("Thái", 2, ""), ("Thắng", 4, ""), ("Thành", 6, ""),
    ("Thạch", 1, "o"), ("Thanh", 4, ""), ("Thiện", 2, "n"), ("Thịnh", 3, ""), ("Thông", 2, ""),
    ("Thuận", 2, ""), ("Tiến", 3, ""), ("Toàn", 3, ""), ("Trí", 3, ""), ("Trung", 5, ""),
    ("Trường", 3, ""), ("Tú", 2, ""), ("Tuấn", 7, ""), ("Tùng", 4, ""), ("Việt", 3, ""),
    ("Vinh", 4, ""), ("Vĩnh", 1, "o"), ("Vũ", 3, "n"), ("Vương", 1, ""), ("Xuân", 1, "o"),
    ("Bách", 1, "n"), ("Bằng", 1, "o"), ("Cảnh", 1, "o"), ("Châu", 1, ""), ("Chính", 2, "o"),
    ("Chung", 1, "o"), ("Danh", 1, ""), ("Doanh", 1, "o"), ("Được", 1, "o"), ("Hoan", 1, "o"),
    ("Học", 1, "o"), ("Hợp", 1, "o"), ("Khiêm", 1, ""), ("Linh", 2, ""), ("Lượng", 1, "o"),
    ("Năm", 1, "o"), ("Nguyên", 2, "n"), ("Phi", 1, ""), ("Quyết", 1, "o"), ("Sáng", 1, "o"),
    ("Sĩ", 1, "o"), ("Tấn", 1, ""), ("Thể", 1, "o"), ("Thơ", 1, "o"), ("Tín", 2, "n"),
    ("Tình", 1, "o"), ("Trọng", 2, ""), ("Tư", 1, "o"), ("Tường", 1, ""), ("Uy", 1, ""),
    ("Vỹ", 1, "n"), ("Sáu", 1, "o"), ("Bảy", 1, "o"), ("Tám", 1, "o"), ("Lành", 1, "o"),
    ("Cư", 1, "o"), ("Ngọ", 1, "o"), ("Đăng", 2, "n"), ("Đạo", 1, "o"), ("Điền", 1, "o"),
    ("Giáp", 1, "o"), ("Hạnh", 1, "o"), ("Hiền", 1, ""), ("Huân", 1, ""), ("Huấn", 1, "o"),
    ("Kha", 1, "n"), ("Khanh", 1, ""), ("Kỳ", 1, ""), ("Lân", 1, ""), ("Lập", 1, "o"),
    ("Liêm", 1, "o"), ("Lĩnh", 1, "o"), ("Lưu", 1, "o"), ("Mẫn", 1, "n"), ("Nhựt", 1, "o"),
    ("Phụng", 1, "o"), ("Sinh", 1, "o"), ("Thao", 1, "o"), ("Thuần", 1, ""), ("Toản", 1, "o"),
    ("Triều", 1, ""), ("Trực", 1, "o"), ("Tuệ", 1, "n"), ("Vĩ", 1, ""), ("Ân", 2, "n"),
)  # fmt: skip

FEMALE_GIVEN: tuple[tuple[str, float, str], ...] = (
    ("Anh", 6, ""), ("An", 3, "n"), ("Ánh", 2, ""), ("Bích", 2, "o"), ("Cúc", 2, "o"),
    ("Chi", 3, "n"), ("Dung", 4, ""), ("Duyên", 3, ""), ("Diệp", 1, "n"), ("Diễm", 2, ""),
    ("Diệu", 1, ""), ("Đào", 2, "o"), ("Giang", 3, ""), ("Hà", 5, ""), ("Hải", 1, ""),
    ("Hân", 3, "n"), ("Hạnh", 4, ""), ("Hằng", 5, ""), ("Hiền", 5, ""), ("Hoa", 5, "o"),
    ("Hòa", 2, "o"), ("Hồng", 4, "o"), ("Huệ", 3, "o"), ("Hương", 7, ""), ("Hường", 2, "o"),
    ("Huyền", 5, ""), ("Khánh", 1, "n"), ("Khuê", 1, "n"), ("Kiều", 1, ""), ("Lài", 1, "o"),
    ("Lan", 5, ""), ("Lệ", 1, "o"), ("Liên", 3, "o"), ("Liễu", 1, "o"), ("Linh", 6, "n"),
    ("Loan", 3, ""), ("Ly", 3, "n"), ("Mai", 5, ""), ("Mơ", 1, "o"), ("My", 3, "n"),
    ("Mỹ", 1, ""), ("Nga", 5, ""), ("Ngân", 4, "n"), ("Nghi", 1, "n"), ("Ngọc", 4, ""),
    ("Nguyệt", 2, ""), ("Nhàn", 2, "o"), ("Nhi", 4, "n"), ("Nhung", 4, ""), ("Như", 2, "n"),
    ("Oanh", 3, ""), ("Phấn", 1, "o"), ("Phương", 6, ""), ("Phượng", 3, "o"), ("Quyên", 2, ""),
    ("Quỳnh", 4, ""), ("Sen", 2, "o"), ("Tâm", 3, ""), ("Thảo", 6, ""), ("Thắm", 2, "o"),
    ("Thanh", 4, ""), ("Thơ", 2, ""), ("Thoa", 2, "o"), ("Thu", 4, ""), ("Thùy", 2, ""),
    ("Thủy", 5, "o"), ("Thư", 4, "n"), ("Thương", 3, ""), ("Thy", 2, "n"), ("Tiên", 2, "n"),
    ("Trâm", 3, "n"), ("Trang", 7, ""), ("Trinh", 3, ""), ("Tuyền", 2, ""), ("Tuyết", 3, "o"),
    ("Uyên", 3, "n"), ("Vân", 4, ""), ("Vi", 1, "n"), ("Vy", 4, "n"), ("Yến", 4, ""),
    ("Xuân", 3, "o"), ("Lụa", 1, "o"), ("Nở", 1, "o"), ("Tư", 1, "o"), ("Năm", 1, "o"),
    ("Sáu", 1, "o"), ("Lành", 1, "o"), ("Gấm", 1, "o"), ("Hậu", 1, ""), ("Huế", 1, "o"),
    ("Lợi", 1, "o"), ("Lý", 1, "o"), ("Mận", 1, "o"), ("Mến", 1, "o"), ("Mừng", 1, "o"),
    ("Nguyên", 1, "n"), ("Nhạn", 1, "o"), ("Ninh", 1, ""), ("Phúc", 1, "n"), ("Phụng", 1, "o"),
    ("Quế", 1, "o"), ("Sương", 2, "o"), ("Tám", 1, "o"), ("Thúy", 3, ""), ("Thuận", 1, "o"),
    ("Trà", 2, ""), ("Trúc", 2, "n"), ("Tú", 2, ""), ("Vui", 1, "o"), ("Xoan", 1, "o"),
    ("Yên", 1, ""), ("Ái", 1, "o"), ("Bình", 2, ""), ("Châu", 2, ""), ("Dịu", 1, "o"),
    ("Đông", 1, "o"), ("Điệp", 1, ""), ("Hiếu", 1, ""), ("Hoài", 1, ""), ("Hội", 1, "o"),
    ("Kim", 2, ""), ("Khanh", 1, ""), ("Lam", 1, "n"), ("Lâm", 1, "n"), ("Lương", 1, "o"),
    ("Minh", 2, ""), ("Na", 1, "n"), ("Nương", 1, "o"), ("Nhã", 1, "n"), ("Nhiên", 1, "n"),
    ("Nhị", 1, "o"), ("Quý", 1, ""), ("Sa", 1, "n"), ("San", 1, "n"), ("Sinh", 1, "o"),
    ("Thêu", 1, "o"), ("Thục", 1, ""), ("Thuần", 1, "o"), ("Tình", 1, "o"), ("Trân", 2, "n"),
    ("Tươi", 1, "o"), ("Tường", 1, "n"), ("Vàng", 1, "o"), ("Ý", 1, "n"), ("Ngà", 1, "o"),
    ("Xinh", 1, "o"), ("Đan", 1, "n"), ("Hạ", 1, "n"), ("Hiên", 1, "n"), ("Thơm", 1, "o"),
)  # fmt: skip

#: Place-like names for villages (thôn, tổ dân phố) that are not simply numbered.
VILLAGE: tuple[str, ...] = (
    "Phú Lộc", "Tân An", "Xuân Hòa", "Phước Hải", "Vĩnh Phước", "Mỹ Thạnh", "Đông Hòa",
    "Tây Sơn", "Bình Tân", "Hòa Bình", "Tân Phú", "An Thạnh", "Phú Hội", "Đại Điền",
    "Lương Sơn", "Ninh Đa", "Phú Thọ", "Xuân Sơn", "Tân Lập", "Hiệp Thạnh", "Thạnh Mỹ",
    "Mỹ Lợi", "Hà Thanh", "Suối Tiên", "Cây Sung", "Bến Đò", "Xóm Mới", "Trung Hòa",
    "Bắc Sơn", "Nam Sơn", "Đông Sơn", "Tây Hải", "Phước Lợi", "Phước Thành", "Vĩnh Thái",
    "Vĩnh Lương", "Ngọc Hiệp", "Phú Ân", "Khánh Thành", "Sơn Thủy", "Hòa Thịnh", "An Ninh",
    "Quang Trung", "Thuận Hòa", "Long Thạnh", "Xuân Lạc", "Phú Xuân", "Tân Thành",
    "Đồng Tâm", "Hòa Thuận", "Lạc An", "Mỹ Hiệp", "Ninh Thọ", "Phú Mỹ", "Tân Hưng",
    "Vạn Phước", "Xuân Tự", "Đông Bắc", "Tây Nam", "Bình Lộc", "Hòa Lợi", "An Định",
    "Hưng Thịnh", "Minh Thành", "Phước Tân", "Thạch Thành", "Trường Thạnh", "Vĩnh Xuân",
    "Xuân Ninh", "Yên Thành", "Đại Lãnh", "Gia Thanh",
)  # fmt: skip
