"""The campaign dashboard (R14, R17) and the heads responsible for the communes.

``/chien-dich/theo-doi``: the Department of Health's province, communes ranked worst first
against the share expected by the day, with the trend drawn as SVG.
``/chien-dich/theo-doi/xa/{code}``: one commune's villages ranked the same way, for the
Department of Health of its province and the commune's officer; for anyone else, and for a
code that is no commune, the same 404.
``/chien-dich/nguoi-dung-dau``: naming the communes' heads (the province all of them, a
commune officer her own); a form sent from a stale page gets a 409 with what was typed kept.

Counts and office holders only, no citizen's data; the pages are still not cached, since
they name people.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.campaign import dashboard, heads
from sokhoe.campaign.dashboard import Dashboard, UnitProgress
from sokhoe.campaign.heads import HeadConflict
from sokhoe.campaign.service import CampaignError
from sokhoe.web.book_views import no_store
from sokhoe.web.charts import Line, LineChart, line_chart, sparkline
from sokhoe.web.deps import CsrfChecked, SessionDep, require_roles
from sokhoe.web.formatting import vn_number
from sokhoe.web.templating import render

DASHBOARD_PATH = "/chien-dich/theo-doi"
COMMUNE_PREFIX = DASHBOARD_PATH + "/xa/"
HEADS_PATH = "/chien-dich/nguoi-dung-dau"

router = APIRouter()

HealthDepartment = Annotated[Actor, Depends(require_roles(Role.HEALTH_DEPARTMENT))]
Overseer = Annotated[Actor, Depends(require_roles(Role.HEALTH_DEPARTMENT, Role.COMMUNE_OFFICER))]


@router.get(DASHBOARD_PATH)
def province_page(request: Request, session: SessionDep, actor: HealthDepartment) -> HTMLResponse:
    return _dashboard_page(request, dashboard.province_dashboard(session, actor))


@router.get(COMMUNE_PREFIX + "{code}")
def commune_page(request: Request, session: SessionDep, actor: Overseer, code: str) -> HTMLResponse:
    if not code.isdigit() or len(code) > 9:
        raise HTTPException(404)
    return _dashboard_page(request, dashboard.commune_dashboard(session, actor, int(code)))


@lru_cache(maxsize=4096)
def _tenths(tenths: int) -> str:
    """:func:`vn_number` of a figure with one decimal, given in tenths, remembered: the
    ranking writes hundreds of them, and babel's formatting cost more than the rest of it."""
    return vn_number(tenths / 10, 1)


def _percent(share: float | None) -> str:
    """A share as the pages write it (``units.html``'s ``share``): ``36,0 %``; ``—``
    when there is nobody to count."""
    return "—" if share is None else f"{_tenths(round(share * 1000))} %"


def _points(gap: float | None) -> str:
    """Percentage points with their sign: ``+6,4``, ``−12,5``."""
    if gap is None:
        return "—"
    return ("+" if gap > 0 else "") + _tenths(round(gap * 10)).replace("-", "−")


def _spark(unit: UnitProgress) -> list[Line]:
    return sparkline(
        [
            ("books", [point.books for point in unit.sparkline]),
            ("cards", [point.cards for point in unit.sparkline]),
        ]
    )


def _trend_chart(view: Dashboard) -> LineChart:
    deadline = view.campaign.deadline
    end = max(deadline, view.day)
    target = view.total.books.target
    return line_chart(
        [
            ("target", [(view.first_day, target), (end, target)]),
            ("books-expected", view.expected_line("books")),
            ("cards-expected", view.expected_line("cards")),
            ("books", [(point.day, point.books) for point in view.trend]),
            ("cards", [(point.day, point.cards) for point in view.trend]),
        ],
        start=view.first_day,
        end=end,
        marks=[deadline],
    )


def _dashboard_page(request: Request, view: Dashboard | None) -> HTMLResponse:
    context: dict[str, Any] = {
        "view": view,
        "chart": _trend_chart(view) if view is not None else None,
        "spark": _spark,
        "pct": _percent,
        "points": _points,
        "commune_prefix": COMMUNE_PREFIX,
        "dashboard_path": DASHBOARD_PATH,
        "heads_path": HEADS_PATH,
    }
    return no_store(render(request, "campaign/dashboard.html", context))


@router.get(HEADS_PATH)
def heads_page(request: Request, session: SessionDep, actor: Overseer) -> HTMLResponse:
    return _heads_page(request, session, actor, saved=request.query_params.get("da-luu") == "1")


@router.post(HEADS_PATH)
def set_head(
    request: Request,
    session: SessionDep,
    actor: Overseer,
    _: CsrfChecked,
    commune: Annotated[int, Form()],
    name: Annotated[str, Form(max_length=240)] = "",
    title: Annotated[str, Form(max_length=240)] = "",
    version: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    expected = int(version) if version.isdigit() else None
    try:
        heads.set_head(
            session,
            actor,
            commune_code=commune,
            name=name,
            title=title,
            expected_version=expected,
        )
    except HeadConflict:
        problem = (
            "Người khác vừa cập nhật người đứng đầu xã này. Trang đã tải lại thông tin hiện "
            "tại; nội dung bạn nhập vẫn được giữ, hãy kiểm tra rồi lưu lại."
        )
        status_code = 409
    except CampaignError as error:
        problem, status_code = str(error), 422
    else:
        return RedirectResponse(f"{HEADS_PATH}?da-luu=1#xa-{commune}", status_code=303)
    return _heads_page(
        request,
        session,
        actor,
        problem=problem,
        typed=(commune, name, title),
        status_code=status_code,
    )


def _heads_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    saved: bool = False,
    problem: str | None = None,
    typed: tuple[int, str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "editable": heads.editable_heads(session, actor),
        "saved": saved,
        "problem": problem,
        "typed": typed,
        "path": HEADS_PATH,
        "dashboard_path": DASHBOARD_PATH,
        "commune_prefix": COMMUNE_PREFIX,
    }
    return no_store(
        render(request, "campaign/dashboard_heads.html", context, status_code=status_code)
    )
