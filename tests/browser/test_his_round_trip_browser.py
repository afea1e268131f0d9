"""Hospital files in, the book out (issue 6): a small synthetic Khánh Hòa with its hospitals'
files (``sokhoe synth --his``) is loaded (``sokhoe load``), its QĐ 130 envelopes ingested
(``sokhoe ingest``) and a family's FHIR bundles sent to ``POST /fhir`` with each facility's
key; the parent then signs in on a phone and finds, in their own book, the facility, day and
Vietnamese diagnosis of each visit, and in their child's book each vaccination, as the files
say them."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, expect
from typer.testing import CliRunner

from sokhoe import runtime
from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.cli import app
from sokhoe.config import get_settings
from sokhoe.records import icd10
from sokhoe.records.book import VISITS_PER_PAGE
from sokhoe.records.his_credentials import issue_key
from sokhoe.registry.service import child_cutoff, is_child
from sokhoe.synth.his_fhir import NATIONAL_ID
from sokhoe.web.formatting import vn_date
from tests.browser.conftest import PHONE, LiveServer, serving
from tests.browser.steps import browsing, sign_in, unlock_own_book
from tests.synth.conftest import read_csv
from tests.synth.test_his_files import HisProvince

PEOPLE, SEED = 300, 3
USERNAME, PASSWORD, CODE = "congdan.synth", "mật khẩu công dân", "246810"
runner = CliRunner()


@dataclass(frozen=True)
class Shown:
    """A record as the book shows it, read from the hospital's file."""

    day: str
    facility: str
    #: The main diagnosis (its Vietnamese name and ICD-10 code) or the vaccine.
    what: str


@dataclass
class Records:
    """Each person's records in the files; a FHIR record with the bundle that carries it."""

    qd130: dict[str, list[Shown]] = field(default_factory=lambda: defaultdict(list))
    fhir_visits: dict[str, list[tuple[Path, Shown]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    doses: dict[str, list[tuple[Path, Shown]]] = field(default_factory=lambda: defaultdict(list))


@dataclass(frozen=True)
class Family:
    """Rows of the register, and everyone's records."""

    parent: dict[str, str]
    child: dict[str, str]
    records: Records


def run(*args: object) -> None:
    """A ``sokhoe`` command, which must succeed (every line loaded, every record kept)."""
    result = runner.invoke(app, [str(arg) for arg in args])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> HisProvince:
    out = tmp_path_factory.mktemp("province")
    run("synth", "--out", out, "--people", PEOPLE, "--seed", SEED, "--his", "--error-rate", 0)
    return HisProvince(out)


@pytest.fixture(scope="module")
def family(province: HisProvince) -> Family:
    """A parent with a QĐ 130 visit and a FHIR one, all on the book's first page, and a
    child (still one today) with vaccinations."""
    records, register = read_records(province), province.register
    cutoff = child_cutoff(dt.date.today())
    children = defaultdict(list)
    for link in read_csv(province.out / "guardians.csv"):
        born = dt.date.fromisoformat(register[link["child_id"]]["birth_date"])
        if records.doses[link["child_id"]] and is_child(born, cutoff):
            children[link["guardian_id"]].append(link["child_id"])
    for person in sorted(set(records.qd130) & set(records.fhir_visits)):
        visits = len(records.qd130[person]) + len(records.fhir_visits[person])
        if visits <= VISITS_PER_PAGE and children[person]:
            return Family(register[person], register[children[person][0]], records)
    pytest.fail("the synthetic province has no such family: change PEOPLE or SEED")


def read_records(province: HisProvince) -> Records:
    names = {row["facility_code"]: row["name"] for row in read_csv(province.out / "facilities.csv")}
    records = Records()
    for _, visit in province.xml1():
        came = dt.datetime.strptime(visit.findtext("NGAY_VAO") or "", "%Y%m%d%H%M").date()
        diagnosis = diagnosis_text(visit.findtext("MA_BENH_CHINH") or "")
        shown = Shown(vn_date(came), names[visit.findtext("MA_CSKCB") or ""], diagnosis)
        records.qd130[visit.findtext("SO_CCCD") or ""].append(shown)
    for path, bundle in province.bundles.items():
        by_url = {entry["fullUrl"]: entry["resource"] for entry in bundle["entry"]}
        person = person_id_of(by_url.values())
        for resource in by_url.values():
            if resource["resourceType"] == "Encounter":
                main = next(d for d in resource["diagnosis"] if d["rank"] == 1)
                code = by_url[main["condition"]["reference"]]["code"]["coding"][0]["code"]
                started = dt.datetime.fromisoformat(resource["period"]["start"])
                where = names[resource["serviceProvider"]["identifier"]["value"]]
                records.fhir_visits[person].append(
                    (path, Shown(vn_date(started), where, diagnosis_text(code)))
                )
            elif resource["resourceType"] == "Immunization":
                given = dt.date.fromisoformat(resource["occurrenceDateTime"])
                where = names[resource["performer"][0]["actor"]["identifier"]["value"]]
                vaccine = resource["vaccineCode"]["coding"][0]["display"]
                records.doses[person].append((path, Shown(vn_date(given), where, vaccine)))
    return records


def diagnosis_text(code: str) -> str:
    """A diagnosis as the book writes it: its Vietnamese name, then its code."""
    return f"{icd10.name(code)} {code}"


def person_id_of(resources: Iterable[dict[str, Any]]) -> str:
    for resource in resources:
        if resource["resourceType"] == "Patient":
            for identifier in resource["identifier"]:
                if identifier["system"] == NATIONAL_ID:
                    return str(identifier["value"])
    return ""


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, province: HisProvince, family: Family
) -> Iterator[LiveServer]:
    """The app on a database where the command line loaded the province and ingested every
    QĐ 130 envelope, then the family's FHIR bundles arrived over HTTP."""
    home = tmp_path_factory.mktemp("round_trip")
    url = f"sqlite:///{home / 'sokhoe.db'}"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOKHOE_DATABASE_URL", url)
        env.setenv("SOKHOE_HOME", str(home))
        get_settings.cache_clear()
        run("load", province.out)
        run("ingest", *sorted((province.out / "his" / "qd130").glob("*/*.xml")))
    get_settings.cache_clear()
    database = runtime.open_database(url)
    parent, records = family.parent, family.records
    sent = [*records.fhir_visits[parent["person_id"]], *records.doses[family.child["person_id"]]]
    bundles = sorted({path for path, _ in sent})
    with database.sessions() as session:
        keys = {code: issue_key(session, code, "HIS") for code in {p.parent.name for p in bundles}}
        create_user(
            session,
            username=USERNAME,
            password=PASSWORD,
            role=Role.CITIZEN,
            display_name=parent["full_name"],
            person_id=parent["person_id"],
        )
        session.commit()
    with serving(database, home) as live:
        for path in bundles:
            headers = {
                "Content-Type": "application/fhir+json",
                "Authorization": f"Bearer {keys[path.parent.name]}",
            }
            answer = httpx.post(f"{live.url}/fhir", content=path.read_bytes(), headers=headers)
            assert answer.status_code == 200, (path, answer.text)
        yield live
    database.engine.dispose()


@pytest.mark.browser
def test_a_parent_finds_the_hospitals_records_and_the_childs_vaccinations_in_the_book(
    browser: Browser, server: LiveServer, family: Family
) -> None:
    parent, child, records = family.parent, family.child, family.records
    with browsing(browser, PHONE) as phone:
        sign_in(phone, server.url, USERNAME, PASSWORD)
        unlock_own_book(phone, server.url, CODE)
        expect(phone.locator(".lead")).to_have_text(parent["full_name"])
        visits = phone.locator("#kham-chua-benh .book-item")
        from_qd130 = records.qd130[parent["person_id"]]
        from_fhir = [shown for _, shown in records.fhir_visits[parent["person_id"]]]
        expect(visits).to_have_count(len(from_qd130) + len(from_fhir))
        expect_each(visits, from_qd130 + from_fhir)

        phone.get_by_role("button", name=child["full_name"]).click()
        expect(phone.locator(".lead")).to_have_text(child["full_name"])
        doses = phone.locator("#tiem-chung .book-dose")
        expect_each(doses, [shown for _, shown in records.doses[child["person_id"]]])


def expect_each(items: Locator, records: list[Shown]) -> None:
    """Each record is an item of the book with its day, facility, and diagnosis or vaccine
    (as many items as records)."""
    for shown, times in Counter(records).items():
        found = items.filter(has_text=shown.day).filter(has_text=shown.facility)
        found = found.filter(has=items.page.get_by_text(shown.what, exact=True))
        expect(found).to_have_count(times)
