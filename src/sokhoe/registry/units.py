"""Real administrative units (since 07/2025) from the ``vietnam-provinces`` package."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session
from vietnam_provinces import Province as VnProvince
from vietnam_provinces import ProvinceCode, Ward

from sokhoe.registry.models import Commune, Province


class UnknownProvince(LookupError):
    """No province has this code."""

    def __init__(self, code: int) -> None:
        super().__init__(
            f"không có tỉnh/thành phố mã {code}; xem danh sách mã bằng lệnh "
            "`sokhoe provinces` (ví dụ 56 Khánh Hòa, 31 Hải Phòng)"
        )
        self.code = code


@dataclass(frozen=True, slots=True)
class Unit:
    code: int
    name: str
    division_type: str


def all_provinces() -> list[Unit]:
    return [Unit(int(p.code), p.name, p.division_type.value) for p in VnProvince.iter_all()]


def province(code: int) -> Unit:
    try:
        p = VnProvince.from_code(ProvinceCode(code))
    except ValueError as exc:
        raise UnknownProvince(code) from exc
    return Unit(int(p.code), p.name, p.division_type.value)


def communes_of(province_code: int) -> list[Unit]:
    """The communes of a province, in the package's order (stable, so seeds reproduce)."""
    province(province_code)  # raises UnknownProvince
    wards = Ward.iter_by_province(ProvinceCode(province_code))
    return [Unit(int(w.code), w.name, w.division_type.value) for w in wards]


@cache
def all_commune_codes() -> frozenset[int]:
    """Every commune code of the 34 provinces (3,321 since 07/2025)."""
    return frozenset(int(w.code) for w in Ward.iter_all())


def ensure_all_units(session: Session) -> None:
    """Insert every province and commune the database lacks (idempotent)."""
    for unit in all_provinces():
        ensure_province(session, unit.code)


def ensure_province(session: Session, province_code: int) -> None:
    """Insert the province and its communes if the database lacks them (idempotent)."""
    if session.get(Province, province_code) is not None:
        return
    unit = province(province_code)
    session.add(Province(code=unit.code, name=unit.name, division_type=unit.division_type))
    session.flush()
    known = set(session.scalars(select(Commune.code).where(Commune.province_code == unit.code)))
    session.add_all(
        Commune(code=c.code, province_code=unit.code, name=c.name, division_type=c.division_type)
        for c in communes_of(province_code)
        if c.code not in known
    )
    session.flush()
