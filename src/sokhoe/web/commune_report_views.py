"""The communes' unified report form (R11, R18).

``/chien-dich/bao-cao``: the commune officer's periods, newest first, with their deadlines
and status; ``/chien-dich/bao-cao/{ngay|thang}/{2026-03-20|2026-04}``: one period's form,
figures pre-filled from the snapshot, difficulties and proposals typed by her, saved as a
draft or sent (``action=save|submit``). The form carries the version it showed, so a draft
saved meanwhile by someone else is a 409, not overwritten; every refusal shows the form
again with what she typed. ``/chien-dich/bao-cao/tinh?thang=2026-04``: the Department of
Health's completeness and timeliness per commune; ``/chien-dich/bao-cao/tinh/{commune}``: a
commune's reports sent in the month, to read.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sokhoe.access.clock import utcnow
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.campaign import commune_reports, report_completeness
from sokhoe.campaign.commune_reports import MAX_TEXT, ReportConflict, ReportError
from sokhoe.campaign.report_periods import (
    KIND_SLUGS,
    Period,
    PeriodKind,
    named_spans,
    parse_period,
    vietnam_day,
)
from sokhoe.web.book_views import no_store
from sokhoe.web.deps import CsrfChecked, SessionDep, require_roles
from sokhoe.web.templating import render

REPORTS_PATH = "/chien-dich/bao-cao"
PROVINCE_PATH = REPORTS_PATH + "/tinh"

router = APIRouter()

CommuneOfficer = Annotated[Actor, Depends(require_roles(Role.COMMUNE_OFFICER))]
HealthDepartment = Annotated[Actor, Depends(require_roles(Role.HEALTH_DEPARTMENT))]


def report_path(period: Period) -> str:
    return f"{REPORTS_PATH}/{KIND_SLUGS[period.kind]}/{period.slug}"


def _commune(actor: Actor) -> int:
    assert actor.commune_code is not None  # the role's scope
    return actor.commune_code


@router.get(REPORTS_PATH)
def periods_page(request: Request, session: SessionDep, actor: CommuneOfficer) -> HTMLResponse:
    now = utcnow()
    context = {
        "periods": commune_reports.commune_periods(
            session, actor, commune_code=_commune(actor), now=now
        ),
        "report_path": report_path,
        "kinds": PeriodKind,
    }
    return no_store(render(request, "campaign/report_list.html", context))


def _period(kind: str, start: str) -> Period:
    period = parse_period(kind, start)
    if period is None:
        raise HTTPException(404)
    return period


def _month(request: Request, now: dt.datetime) -> Period:
    """The month of ``?thang=YYYY-MM`` (default: this month in Vietnam); else 404."""
    given = request.query_params.get("thang", vietnam_day(now).strftime("%Y-%m"))
    month = parse_period(KIND_SLUGS[PeriodKind.MONTHLY], given)
    if month is None:
        raise HTTPException(404)
    return month


def _month_context(month: Period) -> dict[str, Any]:
    return {
        "month": month,
        "previous": (month.start - dt.timedelta(days=1)).strftime("%Y-%m"),
        "next": (month.end + dt.timedelta(days=1)).strftime("%Y-%m"),
        "path": PROVINCE_PATH,
        "kinds": PeriodKind,
    }


# Declared before the commune officer's ``/{kind}/{start}``, which ``/tinh/{code}`` also fits.
@router.get(PROVINCE_PATH)
def province_page(request: Request, session: SessionDep, actor: HealthDepartment) -> HTMLResponse:
    """Completeness and timeliness of the province's communes in a month, worst first."""
    assert actor.province_code is not None  # the role's scope
    now = utcnow()
    month = _month(request, now)
    lines = report_completeness.province_completeness(
        session,
        actor,
        province_code=actor.province_code,
        first_day=month.start,
        last_day=month.end,
        now=now,
    )
    context = {
        **_month_context(month),
        "lines": lines,
        "totals": report_completeness.totals(lines),
        "named_spans": named_spans,
    }
    return no_store(render(request, "campaign/report_province.html", context))


@router.get(PROVINCE_PATH + "/{commune_code}")
def commune_page(
    request: Request, session: SessionDep, actor: HealthDepartment, commune_code: str
) -> HTMLResponse:
    """One commune's reports sent in a month: figures as sent, difficulties, proposals."""
    if not commune_code.isdigit():
        raise HTTPException(404)
    now = utcnow()
    month = _month(request, now)
    commune, reports = report_completeness.commune_reports_sent(
        session, actor, commune_code=int(commune_code), first_day=month.start, last_day=month.end
    )
    context = {
        **_month_context(month),
        "commune": commune,
        "reports": reports,
        "senders": report_completeness.sender_names(session, reports),
        "period_of": commune_reports.period_of,
        "copied_figures": commune_reports.copied_figures,
        "status_of": lambda sent: commune_reports.report_status(sent, now),
    }
    return no_store(render(request, "campaign/report_commune.html", context))


@router.get(REPORTS_PATH + "/{kind}/{start}")
def report_page(
    request: Request, session: SessionDep, actor: CommuneOfficer, kind: str, start: str
) -> HTMLResponse:
    done = request.query_params.get("da")
    return _report_page(
        request, session, actor, _period(kind, start), done=done if done in _DONE else None
    )


#: The redirect after a save says which: ``?da=luu`` or ``?da=gui``.
_DONE = ("luu", "gui")


@router.post(REPORTS_PATH + "/{kind}/{start}")
def save_report(
    request: Request,
    session: SessionDep,
    actor: CommuneOfficer,
    _: CsrfChecked,
    kind: str,
    start: str,
    action: Annotated[str, Form()] = "save",
    version: Annotated[str, Form()] = "0",
    difficulties: Annotated[str, Form()] = "",
    proposals: Annotated[str, Form()] = "",
) -> Response:
    """Saves or sends; refused or invalid, the form comes back with the text as typed."""
    period = _period(kind, start)
    typed = {"difficulties": difficulties, "proposals": proposals}
    try:
        commune_reports.save_report(
            session,
            actor,
            commune_code=_commune(actor),
            period=period,
            version=int(version) if version.isdigit() else -1,
            difficulties=difficulties,
            proposals=proposals,
            submit=action == "submit",
            now=utcnow(),
        )
    except ReportError as error:
        problem, status_code = error, 409 if isinstance(error, ReportConflict) else 422
    else:
        done = "gui" if action == "submit" else "luu"
        return RedirectResponse(f"{report_path(period)}?da={done}", status_code=303)
    return _report_page(
        request, session, actor, period, problem=problem, typed=typed, status_code=status_code
    )


def _report_page(
    request: Request,
    session: Session,
    actor: Actor,
    period: Period,
    *,
    done: str | None = None,
    problem: ReportError | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    view = commune_reports.report_view(
        session, actor, commune_code=_commune(actor), period=period, now=utcnow()
    )
    saved = view.report
    shown = typed or {
        "difficulties": saved.difficulties if saved else "",
        "proposals": saved.proposals if saved else "",
    }
    context: dict[str, Any] = {
        "view": view,
        "done": done,
        "problem": problem,
        # the version now saved: after a 409 she saves again knowingly, the saved draft shown
        "typed": {**shown, "version": str(view.version)},
        "retyped": typed is not None,
        "max_text": MAX_TEXT,
        "path": report_path(period),
        "list_path": REPORTS_PATH,
        "kinds": PeriodKind,
    }
    return no_store(render(request, "campaign/report_form.html", context, status_code=status_code))
