"""Where people live: commune sizes, generated villages, and the health facilities.

Communes are the real ones of the province (``vietnam-provinces``); their sizes and their
villages are invented: a lognormal spread, wards (phường) larger than rural communes (xã),
island special zones (đặc khu) sized roughly after their real resident counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sokhoe.registry import units
from sokhoe.synth.name_tables import VILLAGE
from sokhoe.synth.sampling import Floats, Ints

_WARD_FACTOR = 2.0
#: Island special zones relative to an average rural commune (Hoàng Sa has no residents).
_SPECIAL_ZONE_FACTOR = {
    "Phú Quốc": 4.0, "Vân Đồn": 1.2, "Cát Hải": 1.0, "Phú Quý": 0.8, "Lý Sơn": 0.6,
    "Kiên Hải": 0.5, "Côn Đảo": 0.3, "Cô Tô": 0.2, "Thổ Châu": 0.05, "Cồn Cỏ": 0.015,
    "Bạch Long Vĩ": 0.015, "Trường Sa": 0.01, "Hoàng Sa": 0.0,
}  # fmt: skip
_DEFAULT_SPECIAL_ZONE_FACTOR = 0.5
_MIN_VILLAGES, _MAX_VILLAGES = 5, 25
_NUMBERED_VILLAGE_SHARE = 0.55
_DIVISION_WORDS = ("Thành phố", "Phường", "Xã", "Đặc khu")


@dataclass(frozen=True, slots=True)
class Facility:
    code: str
    name: str
    commune_code: int
    kind: str


@dataclass(frozen=True)
class Geography:
    province: units.Unit
    communes: list[units.Unit]
    #: Share of the population living in each commune.
    commune_weight: Floats
    #: Per village: its commune (index into ``communes``) and its name; grouped by commune.
    village_commune: Ints
    village_name: list[str]
    #: ``commune index + cumulative share`` of each village inside its commune, so one
    #: binary search with ``commune + u`` picks a village of the right commune.
    village_key: Floats
    facilities: list[Facility]
    #: Per commune, the index (into ``facilities``) of its health station.
    station: Ints
    #: Indices of the hospitals; the first is the provincial general hospital.
    hospitals: Ints

    def village_of(self, commune: Ints, u: Floats) -> Ints:
        # u just below 1 must not round up into the next commune's first village.
        key = commune + np.minimum(u, 1.0 - 1e-9)
        found: Ints = np.searchsorted(self.village_key, key, side="right")
        return found


def short_name(unit_name: str) -> str:
    """ "Phường Bắc Nha Trang" → "Bắc Nha Trang"."""
    for word in _DIVISION_WORDS:
        if unit_name.startswith(word + " "):
            return unit_name[len(word) + 1 :]
    return unit_name


def in_sentence(unit_name: str) -> str:
    """The name as written inside a sentence: "Phường Nha Trang" → "phường Nha Trang"."""
    for word in _DIVISION_WORDS:
        if unit_name.startswith(word + " "):
            return word.lower() + unit_name[len(word) :]
    return unit_name


def build(province_code: int, rng: np.random.Generator) -> Geography:
    """Communes, villages and facilities of a province; raises ``units.UnknownProvince``."""
    province = units.province(province_code)
    communes = units.communes_of(province_code)
    weight = _commune_weights(communes, rng)
    village_commune, village_name, village_key = _villages(communes, weight, rng)
    facilities, station, hospitals = _facilities(province, communes, weight)
    return Geography(
        province=province,
        communes=communes,
        commune_weight=weight,
        village_commune=village_commune,
        village_name=village_name,
        village_key=village_key,
        facilities=facilities,
        station=station,
        hospitals=hospitals,
    )


def _commune_weights(communes: list[units.Unit], rng: np.random.Generator) -> Floats:
    spread = rng.lognormal(0.0, 0.55, len(communes))
    factor = np.array([_size_factor(c) for c in communes])
    weight: Floats = spread * factor
    weight /= weight.sum()
    return weight


def _size_factor(commune: units.Unit) -> float:
    if commune.division_type == "phường":
        return _WARD_FACTOR
    if commune.division_type == "đặc khu":
        return _SPECIAL_ZONE_FACTOR.get(short_name(commune.name), _DEFAULT_SPECIAL_ZONE_FACTOR)
    return 1.0


def _villages(
    communes: list[units.Unit], weight: Floats, rng: np.random.Generator
) -> tuple[Ints, list[str], Floats]:
    """5–25 villages per commune, more in larger ones; numbered or named, never repeated."""
    relative = np.sqrt(weight / weight.max())
    jitter = rng.integers(-2, 3, len(communes))
    counts = np.clip(np.round(5 + 20 * relative) + jitter, _MIN_VILLAGES, _MAX_VILLAGES)
    numbered = rng.random(len(communes)) < _NUMBERED_VILLAGE_SHARE
    commune_of: list[int] = []
    names: list[str] = []
    keys: list[Floats] = []
    for index, commune in enumerate(communes):
        count = int(counts[index])
        word = "Tổ dân phố" if commune.division_type == "phường" else "Thôn"
        if numbered[index]:
            labels = [str(n) for n in range(1, count + 1)]
        else:
            labels = [VILLAGE[i] for i in rng.choice(len(VILLAGE), count, replace=False)]
        names += [f"{word} {label}" for label in labels]
        commune_of += [index] * count
        share = rng.lognormal(0.0, 0.5, count)
        keys.append(index + np.cumsum(share) / share.sum())
    key = np.concatenate(keys)
    village_commune = np.array(commune_of, dtype=np.int64)
    last = np.r_[np.flatnonzero(np.diff(village_commune)), key.size - 1]
    key[last] = village_commune[last] + 1.0  # exact, whatever the rounding of cumsum
    return village_commune, names, key


def _facilities(
    province: units.Unit, communes: list[units.Unit], weight: Floats
) -> tuple[list[Facility], Ints, Ints]:
    """The provincial hospital in the largest commune, regional ones in the next largest,
    and a health station (trạm y tế) in every commune."""
    by_size = np.argsort(-weight, kind="stable")
    regional = max(2, round(len(communes) / 15))
    hosts = [int(i) for i in by_size[: regional + 1]]
    prefix = f"{province.code:02d}"
    province_phrase = (
        f"tỉnh {province.name}" if province.division_type == "tỉnh" else in_sentence(province.name)
    )
    facilities = [
        Facility(
            f"{prefix}001",
            f"Bệnh viện Đa khoa {province_phrase}",
            communes[hosts[0]].code,
            "benh_vien",
        ),
    ]
    facilities += [
        Facility(
            f"{prefix}{n + 2:03d}",
            f"Bệnh viện Đa khoa khu vực {short_name(communes[host].name)}",
            communes[host].code,
            "benh_vien",
        )
        for n, host in enumerate(hosts[1:])
    ]
    first_station = len(facilities)
    facilities += [
        Facility(f"{prefix}{101 + n:03d}", f"Trạm Y tế {in_sentence(c.name)}", c.code, "tram_y_te")
        for n, c in enumerate(communes)
    ]
    station = first_station + np.arange(len(communes), dtype=np.int64)
    return facilities, station, np.arange(first_station, dtype=np.int64)
