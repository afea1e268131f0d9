"""``/bao-cao/thang``: the Department of Health takes its province's monthly report (R18)
away as XLSX or PDF. The page offers the months that have indicator snapshots, newest
first; ``/bao-cao/thang/tai-ve?thang=2026-03&dinh-dang=xlsx`` answers the file. Counts
only, no person: the address carries a month and a format, the file's name the province
and the month. A month malformed or without snapshots gets the page again, saying so.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from sokhoe.access.clock import utcnow
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.campaign import province_report
from sokhoe.campaign.province_report import ReportFormat
from sokhoe.campaign.province_report_files import report_file
from sokhoe.web.book_views import no_store
from sokhoe.web.deps import SessionDep, require_roles
from sokhoe.web.security_headers import PAGE_CACHE_CONTROL
from sokhoe.web.templating import render

REPORT_PATH = "/bao-cao/thang"
DOWNLOAD_PATH = REPORT_PATH + "/tai-ve"

router = APIRouter()

HealthDepartment = Annotated[Actor, Depends(require_roles(Role.HEALTH_DEPARTMENT))]


def _province(actor: Actor) -> int:
    assert actor.province_code is not None  # the Department of Health's scope
    return actor.province_code


@router.get(REPORT_PATH)
def report_page(request: Request, session: SessionDep, actor: HealthDepartment) -> HTMLResponse:
    return _page(request, session, actor)


@router.get(DOWNLOAD_PATH)
def download(
    request: Request,
    session: SessionDep,
    actor: HealthDepartment,
    thang: Annotated[str, Query(max_length=20)] = "",
    dinh_dang: Annotated[str, Query(alias="dinh-dang", max_length=10)] = "",
) -> Response:
    """The month's report as a file, or the page with what was wrong (400: a month or
    format not understood; 404: no snapshot in that month)."""
    try:
        month = province_report.parse_month(thang)
        kind = ReportFormat(dinh_dang)
    except (province_report.BadMonth, ValueError):
        return _page(request, session, actor, problem="bad_request", status_code=400)
    now = utcnow()
    try:
        report = province_report.build_report(
            session, province_code=_province(actor), month=month, now=now, actor=actor
        )
    except province_report.NoSnapshot:
        return _page(request, session, actor, problem="no_snapshot", status_code=404)
    written = report_file(report, kind, now=now)
    return Response(
        written.content,
        media_type=written.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{written.filename}"',
            "Cache-Control": PAGE_CACHE_CONTROL,
        },
    )


def _page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "months": province_report.report_months(session, _province(actor)),
        "download_path": DOWNLOAD_PATH,
        "formats": list(ReportFormat),
        "problem": problem,
    }
    return no_store(
        render(request, "campaign/province_report.html", context, status_code=status_code)
    )
