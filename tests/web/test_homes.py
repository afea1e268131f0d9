"""Each role's home on a loaded synthetic province: real figures of its own scope, nothing of
anyone else's, every list read audited, and a village outside the scope refused (404)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sokhoe.access.models import AuditEntry, User
from sokhoe.config import Settings
from sokhoe.dataset import load_directory
from sokhoe.demo import DemoLogin, create_demo_accounts
from sokhoe.registry.models import Citizen, Commune, Facility, Village
from sokhoe.registry.service import child_cutoff
from sokhoe.runtime import Database, open_database
from sokhoe.synth import SynthOptions, generate
from sokhoe.web.app import create_app
from sokhoe.web.formatting import vn_number
from tests.conftest import BACKENDS, fresh_database
from tests.web.conftest import sign_in

TODAY = dt.date.today()


@dataclass(frozen=True)
class Province:
    database: Database
    logins: dict[str, DemoLogin]


@pytest.fixture(scope="session")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    generate(SynthOptions(province=56, people=3000, seed=7, out=out, as_of=TODAY))
    return out


@pytest.fixture(scope="module", params=BACKENDS)
def province(
    request: pytest.FixtureRequest, export: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Province]:
    with fresh_database(request, request.param, tmp_path_factory.mktemp("db")) as url:
        database = open_database(url)
        load_directory(database, export)
        with Session(database.engine) as session, session.begin():
            logins = create_demo_accounts(session)
        yield Province(database, {login.username: login for login in logins})
        database.engine.dispose()


@pytest.fixture
def client(province: Province, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(home=tmp_path, secret_key="test", login_throttle_failures=1000)
    app = create_app(province.database, settings=settings)
    with TestClient(app, follow_redirects=False) as client:
        yield client


def home_of(client: TestClient, province: Province, username: str, query: str = "") -> str:
    login = province.logins[username]
    signed = sign_in(client, username, login.password)
    assert signed.status_code == 303, signed.text[signed.text.find("alert") :][:300]
    response = client.get("/" + query)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["cache-control"] == "no-store"
    return response.text


def account(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    return user


def audit_of(session: Session, username: str) -> list[tuple[str, str]]:
    user = account(session, username)
    rows = session.execute(
        select(AuditEntry.action, AuditEntry.outcome)
        .where(AuditEntry.actor_user_id == user.id, AuditEntry.action != "login")
        .order_by(AuditEntry.id)
    )
    return [(a, o) for a, o in rows]


def rows_shown(total: int) -> str:
    return f"trên tổng số {vn_number(total)}"


def test_commune_officer_sees_her_commune_and_its_residents(
    client: TestClient, province: Province
) -> None:
    html = home_of(client, province, "canboxa")
    with Session(province.database.engine) as session:
        user = account(session, "canboxa")
        commune = session.get(Commune, user.commune_code)
        assert commune is not None
        residents = session.scalar(select(func.count()).where(Citizen.commune_code == commune.code))
        villages = session.scalars(select(Village.name).where(Village.commune_code == commune.code))
        assert f"<h1>{commune.name}</h1>" in html
        assert vn_number(residents) in html
        assert all(name in html for name in villages)
        assert rows_shown(residents) in html
        # her account also sent the demo's reports; the home's read is its one list
        entries = audit_of(session, "canboxa")
        assert entries[-1] == ("list_residents", "allowed")
        assert [e for e in entries if e[0] == "list_residents"] == [entries[-1]]


def test_commune_police_lists_adults_without_level2(client: TestClient, province: Province) -> None:
    html = home_of(client, province, "congan")
    with Session(province.database.engine) as session:
        user = account(session, "congan")
        without = session.scalar(
            select(func.count()).where(
                Citizen.commune_code == user.commune_code,
                Citizen.level2_eid.is_(False),
                Citizen.birth_date <= child_cutoff(TODAY),
            )
        )
        assert rows_shown(without) in html
        assert "Người từ 14 tuổi chưa có định danh mức 2" in html


def test_guidance_member_sees_only_her_villages(client: TestClient, province: Province) -> None:
    html = home_of(client, province, "tohuongdan")
    with Session(province.database.engine) as session:
        user = account(session, "tohuongdan")
        mine = sorted(
            session.scalars(select(Village.name).where(Village.commune_code == user.commune_code))
        )
        option_count = html.count("<option value=")
        assert option_count == 2
        others_in_commune = len(mine) - 2
        assert others_in_commune > 0
        assert audit_of(session, "tohuongdan") == [("list_residents", "allowed")]


def test_citizen_sees_himself_his_cards_and_his_children(
    client: TestClient, province: Province
) -> None:
    html = home_of(client, province, "congdan")
    with Session(province.database.engine) as session:
        user = account(session, "congdan")
        me = session.get(Citizen, user.person_id)
        assert me is not None
        assert me.full_name in html
        assert "Con: " in html
        trail = audit_of(session, "congdan")
        assert trail[0] == ("read_profile", "allowed")
        assert set(trail) == {("read_profile", "allowed"), ("read_cards", "allowed")}


def test_clinic_sees_its_facility_without_personal_data(
    client: TestClient, province: Province
) -> None:
    html = home_of(client, province, "letan")
    with Session(province.database.engine) as session:
        user = account(session, "letan")
        facility = session.get(Facility, user.facility_code)
        assert facility is not None and facility.name in html
        assert audit_of(session, "letan") == []


@pytest.mark.parametrize("username", ["soyte", "bhxh"])
def test_province_homes_rank_all_communes(
    client: TestClient, province: Province, username: str
) -> None:
    html = home_of(client, province, username)
    assert html.count('<th scope="row">') >= 65
    with Session(province.database.engine) as session:
        population = session.scalar(select(func.count()).select_from(Citizen))
        assert vn_number(population) in html
        assert audit_of(session, username) == []
    if username == "bhxh":
        assert "Số thẻ theo nhóm đối tượng" in html
        assert "<code>DN</code> Người lao động trong doanh nghiệp" in html


ROLES_WITH_LISTS = ["canboxa", "congan", "tohuongdan"]
ALL_ROLES = ["congdan", "letan", "bhxh", "canboxa", "congan", "tohuongdan", "soyte", "quantri"]


@pytest.mark.parametrize("username", ALL_ROLES)
def test_no_role_reads_another_communes_village(
    client: TestClient, province: Province, username: str
) -> None:
    with Session(province.database.engine) as session:
        commune = account(session, "canboxa").commune_code
        foreign = session.scalar(
            select(Village.id).where(Village.commune_code != commune).order_by(Village.id)
        )
        denied_before = session.scalar(select(func.count()).where(AuditEntry.outcome == "denied"))
    login = province.logins[username]
    assert sign_in(client, username, login.password).status_code == 303
    response = client.get(f"/?thon={foreign}")
    with Session(province.database.engine) as session:
        denied_after = session.scalar(select(func.count()).where(AuditEntry.outcome == "denied"))
    if username in ROLES_WITH_LISTS:
        assert response.status_code == 404
        assert response.text == client.get("/khong-co-trang-nay").text
        assert denied_after == (denied_before or 0) + 1
    else:
        # Homes without a resident list do not read the filter at all.
        assert response.status_code == 200
        assert denied_after == denied_before


@pytest.mark.parametrize("username", ALL_ROLES)
def test_every_button_on_a_home_opens_a_page(
    client: TestClient, province: Province, username: str
) -> None:
    html = home_of(client, province, username)
    buttons = sorted(set(re.findall(r'<a class="button[^"]*" href="(/[^"]*)"', html)))
    assert buttons or username in ("congdan", "letan", "congan", "quantri")
    for href in buttons:
        page = client.get(href)
        assert page.status_code == 200, (href, page.text[:300])
