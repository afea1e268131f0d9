"""The report form's pages on both backends with a controlled clock: the commune officer
saves and sends her daily report; every refusal (too long, closed, sent already, a newer
draft) shows the form again with what she typed; every other role, another commune's
officer get the app's 404; another province's Department of Health sees only its own (R11, R18)."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sokhoe.access.models import AuditEntry
from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.campaign.indicators import take_snapshot
from sokhoe.campaign.report_models import CommuneReport
from sokhoe.registry.units import ensure_province
from sokhoe.runtime import Database
from sokhoe.vietnam_time import VIETNAM_TIME
from sokhoe.web import commune_report_views
from tests.web.conftest import KHANH_HOA, OFFICER, form_token, sign_in
from tests.web.test_campaign_pages import Place, place

__all__ = ["place"]

LIST, PROVINCE = "/chien-dich/bao-cao", "/chien-dich/bao-cao/tinh"
DAY = f"{LIST}/ngay/2026-03-20"
HAI_PHONG = 31
DIFFICULTIES = "Thôn Tổ 1 còn nhiều người cao tuổi chưa có điện thoại thông minh <b>."
PROPOSALS = "Đề nghị công an phường hỗ trợ định danh mức 2 tại nhà."


def vn(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=VIETNAM_TIME)  # type: ignore[misc]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[dt.datetime]:
    """The pages' "now", 20/3/2026 18:00 in Vietnam until a test changes it."""
    now = [vn(2026, 3, 20, 18)]
    monkeypatch.setattr(commune_report_views, "utcnow", lambda: now[0])
    return now


@pytest.fixture
def snapshot(database: Database, place: Place, clock: list[dt.datetime]) -> Place:
    """The day's count of Khánh Hòa, and a Department of Health account of Hải Phòng."""
    with database.sessions() as session:
        take_snapshot(session, KHANH_HOA, dt.date(2026, 3, 20))
        ensure_province(session, HAI_PHONG)
        create_user(
            session,
            username="soyte.haiphong",
            password="mật khẩu đủ dài",
            display_name="x",
            role=Role.HEALTH_DEPARTMENT,
            province_code=HAI_PHONG,
        )
        session.commit()
    return place


def _as(client: TestClient, username: str) -> TestClient:
    client.cookies.clear()
    assert sign_in(client, username).status_code == 303
    return client


def _form(client: TestClient, path: str = DAY, **fields: str) -> dict[str, str]:
    page = client.get(path)
    shown = page.text.split('name="version" value="', 1)  # none once the period closed
    version = shown[1].split('"', 1)[0] if len(shown) == 2 else "0"
    return {
        "csrf_token": form_token(page.text),
        "version": version,
        "difficulties": DIFFICULTIES,
        "proposals": PROPOSALS,
        "action": "save",
        **fields,
    }


def _reports(database: Database) -> list[CommuneReport]:
    with database.sessions() as session:
        return list(session.scalars(select(CommuneReport)))


def test_the_officer_saves_a_draft_then_sends_the_daily_report(
    client: TestClient, database: Database, snapshot: Place
) -> None:
    _as(client, OFFICER)
    listed = client.get(LIST)
    assert listed.status_code == 200 and listed.headers["cache-control"] == "no-store"
    assert "Báo cáo ngày 20/03/2026" in listed.text and "Hạn 21/03/2026 10:00" in listed.text
    assert listed.text.count("Chưa gửi, quá hạn") == 19  # 1/3–19/3
    page = client.get(DAY)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "Số liệu ngày 20/03/2026" in page.text and "Chưa đến hạn" in page.text
    saved = client.post(DAY, data=_form(client))
    assert saved.status_code == 303 and saved.headers["location"] == f"{DAY}?da=luu"
    draft = client.get(saved.headers["location"])
    assert "Đã lưu bản nháp." in draft.text and html.escape(DIFFICULTIES) in draft.text
    sent = client.post(DAY, data=_form(client, action="submit"))
    assert sent.status_code == 303
    done = client.get(sent.headers["location"]).text
    assert "Báo cáo đã gửi." in done and "Đã gửi đúng hạn" in done
    assert "Đã gửi lúc 20/03/2026 18:00, người gửi: Nguyễn Văn Đức." in done
    (report,) = _reports(database)
    assert report.version == 2 and report.figures_day == dt.date(2026, 3, 20)
    assert report.difficulties == DIFFICULTIES and report.eligible == 2  # Người 1 and Người 2
    with database.sessions() as session:
        actions = set(
            session.scalars(select(AuditEntry.action).where(AuditEntry.purpose == "statistics"))
        )
    assert {"save_commune_report_draft", "submit_commune_report", "read_commune_report"} <= actions


def test_a_refused_report_keeps_what_was_typed_and_names_the_field(
    client: TestClient, database: Database, snapshot: Place, clock: list[dt.datetime]
) -> None:
    _as(client, OFFICER)
    long = client.post(DAY, data=_form(client, proposals="x" * 4_001, action="submit"))
    assert long.status_code == 422 and "x" * 4_001 in long.text
    assert 'id="proposals-error"' in long.text and 'aria-invalid="true"' in long.text
    assert html.escape(DIFFICULTIES) in long.text and "Đề xuất, kiến nghị" in long.text
    stale = _form(client)
    assert client.post(DAY, data=_form(client)).status_code == 303
    conflict = client.post(DAY, data={**stale, "difficulties": "bản của tôi"})
    assert conflict.status_code == 409 and "vừa được người khác lưu" in conflict.text
    assert (
        "bản của tôi" in conflict.text and "Bản nháp đã lưu lúc 20/03/2026 18:00" in conflict.text
    )
    assert 'name="version" value="1"' in conflict.text  # saving again is now a choice
    again_saved = client.post(DAY, data={**stale, "version": "1", "difficulties": "bản của tôi"})
    assert again_saved.status_code == 303
    assert client.post(DAY, data=_form(client, action="submit")).status_code == 303
    again = client.post(DAY, data=_form(client, action="submit", proposals="lần hai"))
    assert again.status_code == 409 and "đã được gửi lúc 20/03/2026 18:00" in again.text
    assert "lần hai" in again.text and "Nội dung bạn vừa nhập (chưa được lưu)" in again.text
    clock[0] = vn(2026, 3, 24, 0, 0)
    closed_day = f"{LIST}/ngay/2026-03-19"
    closed = client.post(closed_day, data=_form(client, closed_day, proposals="muộn rồi"))
    assert closed.status_code == 409 and "đã khóa từ hết ngày 22/03/2026" in closed.text
    assert "muộn rồi" in closed.text
    (report,) = _reports(database)
    assert report.proposals == PROPOSALS


def test_without_a_snapshot_the_form_says_so_and_only_a_draft_is_saved(
    client: TestClient, database: Database, place: Place, clock: list[dt.datetime]
) -> None:
    _as(client, OFFICER)
    page = client.get(DAY)
    assert "Chưa có số liệu tổng hợp cho kỳ này" in page.text
    refused = client.post(DAY, data=_form(client, action="submit"))
    assert refused.status_code == 422 and html.escape(DIFFICULTIES) in refused.text
    assert client.post(DAY, data=_form(client)).status_code == 303
    assert [r.submitted_at for r in _reports(database)] == [None]


@pytest.mark.parametrize(
    "path",
    [
        f"{LIST}/ngay/2026-02-28",  # before the campaign
        f"{LIST}/ngay/2026-03-21",  # not begun yet
        f"{LIST}/thang/2026-03",  # March is daily
        f"{LIST}/ngay/2026-3-20",
        f"{LIST}/tuan/2026-03-20",
        f"{PROVINCE}/x",
    ],
)
def test_a_period_the_campaign_does_not_have_is_a_404(
    client: TestClient, snapshot: Place, path: str
) -> None:
    _as(client, OFFICER)
    assert client.get(path).status_code == 404
    token = form_token(client.get(LIST).text)
    assert client.post(path, data={"csrf_token": token, "action": "save"}).status_code in (
        404,
        405,
    )


@pytest.mark.parametrize(
    "username",
    [
        "thanhvien",
        "thanhvien.bnt",
        "canbo.bnt",
        OFFICER,
        "congan",
        "soyte",
        "soyte.haiphong",
        "bhxh",
        "letan",
        "congdan",
        "quantri",
    ],
)
def test_every_role_against_every_url(
    client: TestClient, database: Database, snapshot: Place, username: str
) -> None:
    _as(client, username)
    officer = username in (OFFICER, "canbo.bnt")
    assert (client.get(LIST).status_code == 200) is officer
    assert (client.get(DAY).status_code == 200) is officer
    token = form_token(client.get("/").text)
    form = {"csrf_token": token, "version": "0", "difficulties": username, "action": "submit"}
    assert (client.post(DAY, data=form).status_code == 303) is officer
    province = client.get(f"{PROVINCE}?thang=2026-03")
    assert (province.status_code == 200) is username.startswith("soyte")
    if username == "soyte.haiphong":  # her own province's page, never Khánh Hòa's
        assert "Nha Trang" not in province.text
    commune = client.get(f"{PROVINCE}/22366?thang=2026-03")
    assert (commune.status_code == 200) is (username == "soyte")
    for unknown in (f"{PROVINCE}/99999", f"{PROVINCE}/x", f"{PROVINCE}/22366?thang=2026-3"):
        assert client.get(unknown).status_code == 404
    # an officer only ever writes her own commune's report
    with database.sessions() as session:
        written = session.scalars(select(CommuneReport.commune_code)).all()
        audited = session.scalar(
            select(func.count()).where(AuditEntry.action == "submit_commune_report")
        )
    assert written == ([22333] if username == "canbo.bnt" else [22366] if officer else [])
    assert audited == (1 if officer else 0)
    assert client.post(DAY, data={**form, "csrf_token": ""}).status_code in (403, 404)


def test_the_province_sees_completeness_worst_first_and_the_texts_sent(
    client: TestClient, snapshot: Place, clock: list[dt.datetime]
) -> None:
    _as(client, OFFICER)
    clock[0] = vn(2026, 3, 21, 10, 30)  # after the deadline: sent late
    assert client.post(DAY, data=_form(client, action="submit")).status_code == 303
    _as(client, "soyte")
    page = client.get(f"{PROVINCE}?thang=2026-03")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text = page.text
    # 21/3 10:30: the reports of 1/3–20/3 were due (the 20th's at 10:00 on the 21st)
    row = text.split("Phường Nha Trang</a></th>", 1)[1].split("</tr>", 1)[0]
    cells = [c.split("</td>")[0] for c in row.split('<td class="num">')[1:]]
    assert cells == ["20", "1", "0", "5,0 %", "0,0 %"]
    assert "Gửi muộn (1): 20/03" in row and "Chưa gửi (19): 01/03–19/03" in row
    assert text.index("Phường Bắc Nha Trang") < text.index("Phường Nha Trang</a></th>")
    assert DIFFICULTIES not in html.unescape(text)  # the texts are on the commune's page
    commune = client.get(f"{PROVINCE}/22366?thang=2026-03")
    assert commune.status_code == 200 and commune.headers["cache-control"] == "no-store"
    assert html.escape(DIFFICULTIES) in commune.text and PROPOSALS in commune.text
    assert "Đã gửi muộn" in commune.text and "Người dân đủ điều kiện" in commune.text
    assert "Đã gửi lúc 21/03/2026 10:30, người gửi: Nguyễn Văn Đức." in commune.text
    empty = client.get(f"{PROVINCE}/22366?thang=2026-04").text
    assert "Chưa có báo cáo nào của tháng này được gửi." in empty
    assert client.get(f"{PROVINCE}?thang=2026-13").status_code == 404
    assert "Tháng này chưa có báo cáo nào đến hạn." in client.get(f"{PROVINCE}?thang=2026-05").text
