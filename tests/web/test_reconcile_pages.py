"""Reconciliation pages on a loaded synthetic province, on both backends: who may open each
page, what the summary and worklists show, audited downloads, CSRF, uploads and their errors."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from jinja2 import Environment
from sqlalchemy import select
from sqlalchemy.orm import Session

from sokhoe.access.clock import utcnow
from sokhoe.access.models import AuditEntry, User
from sokhoe.access.roles import Role
from sokhoe.access.scope import actor_for
from sokhoe.access.service import create_user
from sokhoe.config import Settings
from sokhoe.dataset import load_directory
from sokhoe.demo import create_demo_accounts
from sokhoe.reconcile import runs
from sokhoe.reconcile.categories import CATEGORIES, Worklist
from sokhoe.reconcile.inputs import CONTRACTS
from sokhoe.reconcile.models import ReconcileRun, RunCount
from sokhoe.reconcile.service import ReconcileOptions
from sokhoe.reconcile.service import run as reconcile_run
from sokhoe.runtime import Database, open_database
from sokhoe.synth import SynthOptions, generate
from sokhoe.web.app import create_app
from sokhoe.web.i18n import load_translations
from sokhoe.web.templating import Templates
from tests.conftest import BACKENDS, fresh_database
from tests.support.reconcile_runs import finished_run
from tests.web.conftest import PASSWORD, form_token, sign_in

AS_OF = dt.date.today()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OTHER_OFFICER = "canbo.xakhac"


@dataclass(frozen=True)
class Province:
    database: Database
    files: Path
    passwords: dict[str, str]
    run_id: int
    #: The demo commune officer's commune, and another commune with a worklist.
    commune: int
    other_commune: int


@pytest.fixture(scope="session")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    generate(SynthOptions(province=56, people=3000, seed=7, out=out, as_of=AS_OF))
    return out


@pytest.fixture(scope="module", params=BACKENDS)
def province(
    request: pytest.FixtureRequest, export: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Province]:
    home = tmp_path_factory.mktemp("home")
    with fresh_database(request, request.param, tmp_path_factory.mktemp("db")) as url:
        database = open_database(url)
        load_directory(database, export)
        with Session(database.engine) as session, session.begin():
            logins = {login.username: login.password for login in create_demo_accounts(session)}
        run_id = _finished_run(database, export, home)
        with Session(database.engine) as session, session.begin():
            commune = session.scalar(select(User.commune_code).where(User.username == "canboxa"))
            assert commune is not None
            other = session.scalar(
                select(RunCount.commune_code)
                .where(
                    RunCount.run_id == run_id,
                    RunCount.commune_code != commune,
                    RunCount.category == "ready_not_integrated",
                )
                .order_by(RunCount.cards.desc())
                .limit(1)
            )
            assert other is not None
            create_user(
                session,
                username=OTHER_OFFICER,
                password=PASSWORD,
                role=Role.COMMUNE_OFFICER,
                display_name="Phạm Thị Lan",
                commune_code=other,
            )
        logins[OTHER_OFFICER] = PASSWORD
        yield Province(database, export, logins, run_id, commune, other)
        database.engine.dispose()


def _finished_run(database: Database, files: Path, home: Path) -> int:
    with database.sessions() as session:
        user = session.scalar(select(User).where(User.username == "bhxh"))
        assert user is not None
        actor = actor_for(session, user, None)
    return finished_run(database, actor, files, home, AS_OF)


@pytest.fixture
def client(province: Province, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        home=tmp_path, secret_key="test", login_throttle_failures=1000, upload_max_bytes=1 << 20
    )
    app = create_app(province.database, settings=settings)
    with TestClient(app, follow_redirects=False) as client:
        yield client


def signed_in(client: TestClient, province: Province, username: str) -> TestClient:
    assert sign_in(client, username, province.passwords[username]).status_code == 303
    return client


def audit_of(province: Province, username: str) -> list[tuple[str, str]]:
    with Session(province.database.engine) as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.outcome)
            .where(AuditEntry.actor_user_id == user.id, AuditEntry.action != "login")
            .order_by(AuditEntry.id)
        )
        return [(a, o) for a, o in rows]


def pages(province: Province, commune: int) -> list[str]:
    run = province.run_id
    return [
        "/doi-soat",
        f"/doi-soat/{run}",
        f"/doi-soat/{run}/tep/findings.csv",
        f"/doi-soat/{run}/tep/fixes_for_bhxh.xlsx",
        f"/doi-soat/{run}/tep/summary.json",
        f"/doi-soat/{run}/xa/{commune}",
        f"/doi-soat/{run}/xa/{commune}/danh-sach.xlsx",
        "/doi-soat/danh-sach-xa",
    ]


@pytest.mark.parametrize("username", ["congdan", "letan", "congan", "tohuongdan", "quantri"])
def test_other_roles_find_no_reconciliation_page(
    client: TestClient, province: Province, username: str
) -> None:
    signed_in(client, province, username)
    for path in pages(province, province.commune):
        assert client.get(path).status_code == 404, path
    token = form_token(client.get("/").text)
    assert client.post("/doi-soat", data={"csrf_token": token}).status_code == 404
    assert not [entry for entry in audit_of(province, username) if "reconcile" in entry[0]]


def test_commune_officer_reaches_only_her_worklist(client: TestClient, province: Province) -> None:
    signed_in(client, province, "canboxa")
    run, mine, other = province.run_id, province.commune, province.other_commune
    for path in pages(province, mine)[:5]:
        assert client.get(path).status_code == 404, path
    assert client.get(f"/doi-soat/{run}/xa/{mine}").status_code == 200
    workbook = client.get(f"/doi-soat/{run}/xa/{mine}/danh-sach.xlsx")
    assert workbook.status_code == 200
    assert workbook.headers["content-type"] == XLSX
    assert workbook.headers["cache-control"] == "no-store"
    refused = client.get(f"/doi-soat/{run}/xa/{other}")
    unknown = client.get(f"/doi-soat/{run}/xa/99999")
    assert refused.status_code == unknown.status_code == 404
    assert refused.text == unknown.text
    assert client.get(f"/doi-soat/{run}/xa/{other}/danh-sach.xlsx").status_code == 404
    assert client.get(f"/doi-soat/{run + 100}/xa/{mine}").status_code == 404
    trail = audit_of(province, "canboxa")
    assert ("read_reconcile_worklist", "allowed") in trail
    assert ("download_reconcile_worklist", "allowed") in trail
    assert ("read_reconcile_worklist", "denied") in trail


def test_commune_worklist_is_grouped_by_village_with_what_to_do(
    client: TestClient, province: Province
) -> None:
    signed_in(client, province, "canboxa")
    response = client.get("/doi-soat/danh-sach-xa")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    html = response.text
    out = Path(_record(province).directory) / "out"
    rows = (out / "communes" / f"{province.commune}.csv").read_text(encoding="utf-8").splitlines()
    total = len(rows) - 1
    assert "Danh sách công việc — " in html
    assert f"trên tổng số {total:,}".replace(",", ".") in html
    first_village = rows[1].split(",")[0]
    assert re.search(rf"<h2 id=\"village-1\">{re.escape(first_village)} ", html)
    assert "Hướng dẫn tích hợp thẻ vào ví VNeID" in html
    assert "Tổ công tác thôn" in html
    assert html.count('class="worklist__person"') == min(total, 50)
    last = client.get(f"/doi-soat/danh-sach-xa?page={total // 50 + 1}")
    assert last.text.count('class="worklist__person"') == total % 50 or total % 50 == 0
    # nobody of another commune is on the page
    others = (out / "communes" / f"{province.other_commune}.csv").read_text(encoding="utf-8")
    assert not [line for line in others.splitlines()[1:] if line.split(",")[4] in html]


def _record(province: Province) -> ReconcileRun:
    with Session(province.database.engine) as session:
        return session.get_one(ReconcileRun, province.run_id)


@pytest.mark.parametrize("username", ["bhxh", "soyte"])
def test_province_officers_see_the_run_with_chart_and_worst_communes_first(
    client: TestClient, province: Province, username: str
) -> None:
    signed_in(client, province, username)
    listing = client.get("/doi-soat")
    assert listing.status_code == 200
    assert f'href="/doi-soat/{province.run_id}"' in listing.text
    assert 'enctype="multipart/form-data"' in listing.text
    home = client.get("/").text
    assert 'href="/doi-soat"' in home
    page = client.get(f"/doi-soat/{province.run_id}")
    assert page.status_code == 200
    html = page.text
    assert "Hoàn thành" in html and "<svg" in html and 'http-equiv="refresh"' not in html
    assert 'class="chart__bar chart__bar--integrated"' in html
    record = _record(province)
    with Session(province.database.engine) as session:
        inputs = runs.inputs_of(session, record)
        counts = runs.counts_of(session, record)
    assert all(entry.sha256 in html for entry in inputs)
    shares = []
    for code in re.findall(rf'href="/doi-soat/{province.run_id}/xa/(\d+)"', html):
        found = counts[int(code)]
        valid = sum(
            found.get(k, 0) for k in ("integrated", "ready_not_integrated", "no_level2_eid")
        )
        if valid:
            shares.append(found.get("integrated", 0) / valid)
    assert shares == sorted(shares) and len(shares) > 10
    assert audit_of(province, username) == []


def test_downloads_of_personal_data_are_audited(client: TestClient, province: Province) -> None:
    signed_in(client, province, "bhxh")
    run = province.run_id
    fixes = client.get(f"/doi-soat/{run}/tep/fixes_for_bhxh.xlsx")
    assert fixes.status_code == 200 and fixes.headers["content-type"] == XLSX
    assert fixes.headers["cache-control"] == "no-store"
    assert client.get(f"/doi-soat/{run}/tep/findings.csv").text.startswith("card_number,")
    assert client.get(f"/doi-soat/{run}/tep/summary.json").json()["as_of"] == AS_OF.isoformat()
    commune = client.get(f"/doi-soat/{run}/xa/{province.other_commune}/danh-sach.xlsx")
    assert commune.status_code == 200
    assert client.get(f"/doi-soat/{run}/tep/links.csv").status_code == 404
    assert client.get(f"/doi-soat/{run}/tep/..%2Fsokhoe.db").status_code == 404
    assert audit_of(province, "bhxh") == [
        ("download_reconcile_output", "allowed"),
        ("download_reconcile_output", "allowed"),
        ("download_reconcile_worklist", "allowed"),
    ]


def test_starting_a_run_needs_the_csrf_token(client: TestClient, province: Province) -> None:
    signed_in(client, province, "bhxh")
    files = _files(province.files)
    response = client.post("/doi-soat", data={"source": "upload"}, files=files)
    assert response.status_code == 403
    response = client.post(
        "/doi-soat", data={"source": "upload", "csrf_token": "wrong"}, files=_files(province.files)
    )
    assert response.status_code == 403


def _files(directory: Path, **replaced: bytes) -> dict[str, tuple[str, io.BytesIO, str]]:
    return {
        c.role: (
            f"{c.role}.csv",
            io.BytesIO(replaced.get(c.role, (directory / f"{c.role}.csv").read_bytes())),
            "text/csv",
        )
        for c in CONTRACTS
    }


def start(client: TestClient, data: dict[str, str], files: object = None) -> Response:
    token = form_token(client.get("/doi-soat").text)
    return client.post("/doi-soat", data={**data, "csrf_token": token}, files=files)  # type: ignore[arg-type]


def finished(client: TestClient, location: str) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        html = client.get(location).text
        if 'http-equiv="refresh"' not in html:
            return html
        time.sleep(0.3)
    raise AssertionError("the run did not finish")


def test_an_upload_runs_in_the_background_to_its_summary(
    client: TestClient, province: Province
) -> None:
    signed_in(client, province, "bhxh")
    response = start(
        client, {"source": "upload", "as_of": AS_OF.isoformat()}, _files(province.files)
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(r"/doi-soat/\d+", location)
    html = finished(client, location)
    assert "Hoàn thành" in html and "Các xã có tỷ lệ tích hợp thấp nhất" in html


def test_a_run_on_the_data_in_the_system(client: TestClient, province: Province) -> None:
    signed_in(client, province, "soyte")
    response = start(client, {"source": "database", "as_of": AS_OF.isoformat()})
    assert response.status_code == 303
    html = finished(client, response.headers["location"])
    assert "Hoàn thành" in html and "Dữ liệu trong hệ thống" in html
    assert ("export_register", "allowed") in audit_of(province, "soyte")


def test_a_file_missing_a_column_fails_the_run_naming_file_and_line(
    client: TestClient, province: Province
) -> None:
    signed_in(client, province, "bhxh")
    broken = b"card_number,full_name,birth_date\nDN4565600000001,An,1990-01-01\n"
    response = start(client, {"source": "upload"}, _files(province.files, cards=broken))
    html = finished(client, response.headers["location"])
    assert "Không thành công" in html
    assert "cards.csv, dòng 1, cột person_id, sex, commune_code, valid_from, valid_to" in html


def test_a_missing_or_too_large_file_is_refused_on_the_form(
    client: TestClient, province: Province
) -> None:
    signed_in(client, province, "bhxh")
    files = _files(province.files)
    del files["integrated"]
    refused = start(client, {"source": "upload"}, files)
    assert refused.status_code == 400
    assert "Hãy chọn tệp integrated.csv." in refused.text
    big = b"person_id,card_number,integrated_at\n" + b"0" * (1 << 20)
    refused = start(client, {"source": "upload"}, _files(province.files, integrated=big))
    assert refused.status_code == 400
    assert "Tệp integrated.csv lớn hơn 1 MB." in refused.text
    huge = {"register": ("register.csv", io.BytesIO(b"0" * (5 << 20)), "text/csv")}
    assert start(client, {"source": "upload"}, huge).status_code == 413


def test_pages_speak_english_on_request(client: TestClient, province: Province) -> None:
    signed_in(client, province, "bhxh")
    client.cookies.set("lang", "en")
    html = client.get(f"/doi-soat/{province.run_id}").text
    assert "Not integrated, has level-2 e-ID" in html and "Fixes for BHXH" in html


def test_vietnamese_labels_are_those_of_the_categories() -> None:
    environment: Environment = Templates({"vi": load_translations("vi")}).environment("vi")
    labels = environment.get_template("reconcile/labels.html").make_module({})
    for category in CATEGORIES:
        assert str(labels.category(category.code)) == category.label
        if category.worklist in (Worklist.COMMUNE, Worklist.POLICE):
            for variant, text in category.fix.items():
                assert str(labels.task(category.code, variant)) == text


def test_a_command_line_run_is_shown_to_the_province(
    client: TestClient, province: Province, tmp_path: Path
) -> None:
    options = ReconcileOptions(
        *(province.files / f"{c.role}.csv" for c in CONTRACTS),  # type: ignore[call-arg]
        tmp_path / "out",
        AS_OF,
    )
    started = utcnow()
    summary = reconcile_run(options)
    run_id = runs.keep_command_line_run(
        province.database, options, started_at=started, summary=summary
    )
    signed_in(client, province, "bhxh")
    assert f'href="/doi-soat/{run_id}"' in client.get("/doi-soat").text
    html = client.get(f"/doi-soat/{run_id}").text
    assert "Tệp trên máy chủ (dòng lệnh)" in html and "(dòng lệnh)" in html
    assert client.get(f"/doi-soat/{run_id}/tep/fixes_for_bhxh.xlsx").status_code == 200
    assert client.get(f"/doi-soat/{run_id}/xa/{province.commune}").status_code == 200
