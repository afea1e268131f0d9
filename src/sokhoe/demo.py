"""``sokhoe demo``: a synthetic Khánh Hòa in the configured database, one login per role.

The province is generated and loaded on the first run only (the database then holds
citizens); the demo accounts are created once, with random passwords kept in
``<home>/demo-logins.json`` (mode 0600) so later runs print the same logins, and in the same
transaction the campaign is given something to show: heads, the guidance member's school
and enterprise, daily indicators since its start (:mod:`sokhoe.demo_history`) and the
communes' reports (:mod:`sokhoe.demo_reports`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import Session

from sokhoe.access import service as access_service
from sokhoe.access.clock import utcnow
from sokhoe.access.models import User
from sokhoe.access.roles import ROLE_LABELS, Role
from sokhoe.campaign import establishments
from sokhoe.campaign.establishment_models import Establishment, EstablishmentKind
from sokhoe.campaign.establishments_import import import_rosters
from sokhoe.campaign.heads import demo_heads
from sokhoe.campaign.indicators import UnitLevel, read_snapshot, take_snapshot, vietnam_today
from sokhoe.campaign.models import Campaign
from sokhoe.campaign.plans import demo_campaign
from sokhoe.dataset import load_directory
from sokhoe.demo_history import Profiles, write_history
from sokhoe.demo_reports import send_reports
from sokhoe.records.ingest_files import ingest_files
from sokhoe.records.models import Visit
from sokhoe.registry.models import Citizen, Commune, Facility, GuardianLink, Village
from sokhoe.runtime import Database
from sokhoe.synth import ProgressStart, SynthOptions, generate

DEMO_PROVINCE = 56
#: Visits per person per year in the demo's hospital files: a history in most books, and a
#: first run that stays short.
DEMO_VISIT_RATE = 0.5


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str
    scope: str


def has_citizens(database: Database) -> bool:
    with Session(database.engine) as session:
        return session.scalar(select(Citizen.person_id).limit(1)) is not None


def build_province(
    database: Database, data_dir: Path, *, people: int, progress: ProgressStart | None = None
) -> None:
    """Generate the synthetic province (as of today, so its cards are current) with its
    hospitals' files and its schools' and enterprises' rosters, and load it all."""
    options = SynthOptions(
        province=DEMO_PROVINCE,
        people=people,
        seed=1,
        out=data_dir,
        as_of=dt.date.today(),
        his=True,
        visit_rate=DEMO_VISIT_RATE,
    )
    generate(options, progress)
    load_directory(database, data_dir, progress=progress)
    load_hospital_files(database, data_dir / "his", progress)
    import_rosters(database.sessions, data_dir / "establishments.csv", start=progress)


def load_hospital_files(
    database: Database, his_dir: Path, progress: ProgressStart | None = None
) -> None:
    """The synthetic hospitals' files into the health books, as ``sokhoe ingest`` stores
    them."""
    files = sorted(his_dir.glob("qd130/*/*.xml")) + sorted(his_dir.glob("fhir/*/*.json"))
    advance = (progress or _no_progress)("Hồ sơ khám chữa bệnh", len(files))

    @contextmanager
    def reading(_path: Path) -> Iterator[Callable[[int], None]]:
        yield lambda _n: None
        advance(1)

    ingest_files(database.sessions, files, reading=reading)


def _no_progress(_label: str, _total: int) -> Callable[[int], None]:
    return lambda _n: None


def _busiest_commune(session: Session) -> Commune:
    code = session.scalar(
        select(Citizen.commune_code)
        .join(Commune, Commune.code == Citizen.commune_code)
        .where(Commune.province_code == DEMO_PROVINCE)
        .group_by(Citizen.commune_code)
        .order_by(func.count().desc(), Citizen.commune_code)
        .limit(1)
    )
    commune = session.get(Commune, code)
    if commune is None:
        raise RuntimeError("the demo database holds no residents of Khánh Hòa")
    return commune


def _busiest_villages(session: Session, commune_code: int, n: int) -> list[Village]:
    ids = session.scalars(
        select(Citizen.village_id)
        .where(Citizen.commune_code == commune_code, Citizen.village_id.is_not(None))
        .group_by(Citizen.village_id)
        .order_by(func.count().desc(), Citizen.village_id)
        .limit(n)
    )
    return [v for vid in ids if (v := session.get(Village, vid)) is not None]


def _facility(session: Session, commune_code: int) -> Facility:
    """The commune's health station (where most of its cards are registered), else any."""
    facility = session.scalar(
        select(Facility)
        .where(Facility.commune_code == commune_code, Facility.kind == "tram_y_te")
        .order_by(Facility.code)
        .limit(1)
    ) or session.scalar(select(Facility).order_by(Facility.code).limit(1))
    if facility is None:
        raise RuntimeError("the demo database holds no health facility")
    return facility


def _parent(session: Session, commune_code: int) -> Citizen:
    """A parent with level-2 e-ID and a child under 14: the citizen whose wallet is shown;
    one with visits in his health book when there is one."""
    has_visits = exists().where(Visit.person_id == Citizen.person_id)
    parent = session.scalar(
        select(Citizen)
        .join(GuardianLink, GuardianLink.guardian_id == Citizen.person_id)
        .where(Citizen.commune_code == commune_code, Citizen.level2_eid.is_(True))
        .order_by(case((has_visits, 0), else_=1), Citizen.person_id)
        .limit(1)
    )
    if parent is None:
        raise RuntimeError("the demo commune has no parent with a level-2 e-ID")
    return parent


def create_demo_accounts(session: Session) -> list[DemoLogin]:
    """One account per role, scoped to the busiest commune of the demo province."""
    commune = _busiest_commune(session)
    villages = _busiest_villages(session, commune.code, 2)
    facility = _facility(session, commune.code)
    parent = _parent(session, commune.code)
    village_names = ", ".join(v.name for v in villages)
    province = "tỉnh Khánh Hòa"
    # username, role, display name, scope fields, the scope as the demo table shows it
    plans: list[tuple[str, Role, str, dict[str, object], str]] = [
        ("congdan", Role.CITIZEN, parent.full_name, {"person_id": parent.person_id},
         "bản thân và con dưới 14 tuổi"),
        ("letan", Role.CLINIC_STAFF, f"Lễ tân {facility.name}",
         {"facility_code": facility.code}, facility.name),
        ("bhxh", Role.BHXH_OFFICER, "Cán bộ BHXH tỉnh", {"province_code": DEMO_PROVINCE},
         province),
        ("canboxa", Role.COMMUNE_OFFICER, f"Cán bộ {commune.name}",
         {"commune_code": commune.code}, commune.name),
        ("congan", Role.POLICE_OFFICER, f"Công an {commune.name}",
         {"commune_code": commune.code}, commune.name),
        ("tohuongdan", Role.GUIDANCE_MEMBER, f"Tổ hướng dẫn {village_names}",
         {"commune_code": commune.code, "village_ids": [v.id for v in villages]},
         f"{village_names} ({commune.name})"),
        ("soyte", Role.HEALTH_DEPARTMENT, "Chuyên viên Sở Y tế",
         {"province_code": DEMO_PROVINCE}, province),
        ("quantri", Role.ADMIN, "Quản trị hệ thống", {}, "tài khoản và nhật ký truy cập"),
    ]  # fmt: skip
    logins = []
    accounts = {}
    for username, role, display_name, scope, scope_label in plans:
        password = secrets.token_urlsafe(9)
        accounts[username] = access_service.create_user(
            session,
            username=username,
            password=password,
            role=role,
            display_name=display_name,
            **scope,  # type: ignore[arg-type]
        )
        logins.append(DemoLogin(ROLE_LABELS[role], username, password, scope_label))
    campaign = _campaign(session, accounts["tohuongdan"].id, [v.id for v in villages])
    _fill_campaign(session, campaign, commune.code, accounts)
    return logins


def _campaign(session: Session, member_id: int, member_villages: list[int]) -> Campaign:
    """Khánh Hòa's 2026 campaign with guidance teams in the three busiest communes, the
    demo member in the team of her villages."""
    codes = session.scalars(
        select(Citizen.commune_code)
        .join(Commune, Commune.code == Citizen.commune_code)
        .where(Commune.province_code == DEMO_PROVINCE)
        .group_by(Citizen.commune_code)
        .order_by(func.count().desc(), Citizen.commune_code)
        .limit(3)
    ).all()
    communes = [
        (code, session.scalars(select(Village.id).where(Village.commune_code == code)).all())
        for code in codes
    ]
    return demo_campaign(
        session,
        province_code=DEMO_PROVINCE,
        communes=communes,
        member=(member_id, member_villages),
    )


def _fill_campaign(
    session: Session, campaign: Campaign, commune_code: int, accounts: dict[str, User]
) -> None:
    """What the campaign's pages show: a head for every commune, a school and an enterprise
    of her commune for the guidance member, today's indicators and the synthesized days
    before, and the communes' reports (the demo officer's commune's sent by her)."""
    demo_heads(session, campaign)
    for kind in EstablishmentKind:
        establishment = session.scalar(
            select(Establishment)
            .where(Establishment.commune_code == commune_code, Establishment.kind == kind.value)
            .order_by(Establishment.code)
            .limit(1)
        )
        if establishment is not None:
            establishments.add_contact(session, establishment, accounts["tohuongdan"].username)
    today = vietnam_today()
    take_snapshot(session, DEMO_PROVINCE, today)
    profiles = _profiles(session, today, busiest=commune_code)
    write_history(session, campaign, today=today, profiles=profiles)
    send_reports(
        session,
        campaign,
        own={commune_code: accounts["canboxa"]},
        lagging=profiles.lagging,
        now=utcnow(),
    )


def _profiles(session: Session, today: dt.date, *, busiest: int) -> Profiles:
    """The two communes with the most eligible people after the demo's own fall after the
    deadline; the next three lag behind."""
    communes = read_snapshot(
        session, province_code=DEMO_PROVINCE, day=today, level=UnitLevel.COMMUNE
    )
    ranked = [
        row.unit_code
        for row in sorted(communes, key=lambda row: (-row.eligible, row.unit_code))
        if row.unit_code != busiest
    ]
    return Profiles(lagging=frozenset(ranked[2:5]), falling=frozenset(ranked[:2]))


def demo_logins(database: Database, logins_file: Path) -> list[DemoLogin]:
    """The demo accounts' logins, creating the accounts on the first run."""
    with Session(database.engine) as session, session.begin():
        exists = access_service.get_by_username(session, "quantri") is not None
        if exists and logins_file.exists():
            return [DemoLogin(**item) for item in json.loads(logins_file.read_text("utf-8"))]
        if exists:
            raise RuntimeError(
                f"tài khoản demo đã có nhưng thiếu tệp {logins_file}; "
                "hãy xóa cơ sở dữ liệu demo để tạo lại"
            )
        logins = create_demo_accounts(session)
    logins_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(logins_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        json.dump([asdict(login) for login in logins], stream, ensure_ascii=False, indent=1)
    return logins
