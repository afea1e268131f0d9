"""The campaign in the field (R12): a guidance member's households to visit, her visits, and
the commune officer's teams.

``/chien-dich/ho-can-tham`` lists, village by village (``?thon=``, not personal), the
households still to visit; under each person six outcome buttons. Each button is a plain
POST form carrying the person ID in its body and a visit ID made when the page was drawn,
so a double submission records one visit. With JavaScript (``static/field_visits.js``) a
tap is first kept in the phone's storage, then sent to ``/api/chien-dich/tham``; what did
not go through is sent again when the network returns or the page opens again. A visit for
someone outside the member's villages (or unknown) is refused with a message, as a 404, and
audited.

``/chien-dich/to-huong-dan``: the commune officer's teams, their members and villages; a
village is given to a team with the team the form showed as its current one, so two
officers editing at once get a 409 instead of overwriting each other.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from http import HTTPStatus
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from sokhoe.access.clock import utcnow
from sokhoe.access.guard import AccessDenied
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.campaign import fieldwork, service
from sokhoe.campaign.fieldwork import VisitConflict
from sokhoe.campaign.service import AssignmentConflict, CampaignError
from sokhoe.campaign.vocabulary import Organisation, Outcome
from sokhoe.vietnam_time import to_vietnam_time
from sokhoe.web.book_views import no_store
from sokhoe.web.deps import CsrfChecked, SessionDep, require_roles
from sokhoe.web.paging import Page, page_number
from sokhoe.web.templating import render
from sokhoe.web.unit_lines import chosen_village

FIELD_PATH = "/chien-dich/ho-can-tham"
VISIT_PATH = "/chien-dich/tham"
VISIT_API = "/api/chien-dich/tham"
TEAMS_PATH = "/chien-dich/to-huong-dan"
HOUSEHOLDS_PER_PAGE = 15
#: Said for an unknown person and one outside the member's villages alike.
OUTSIDE = "Người này không thuộc các thôn được giao cho bạn: lần thăm không được ghi."

router = APIRouter()

Member = Annotated[Actor, Depends(require_roles(Role.GUIDANCE_MEMBER))]
CommuneOfficer = Annotated[Actor, Depends(require_roles(Role.COMMUNE_OFFICER))]


@router.get(FIELD_PATH)
def field_page(request: Request, session: SessionDep, actor: Member) -> HTMLResponse:
    recorded = request.query_params.get("da-ghi")
    return _field_page(request, session, actor, recorded=recorded == "1")


@router.post(VISIT_PATH)
def record_visit_form(
    request: Request,
    session: SessionDep,
    actor: Member,
    _: CsrfChecked,
    client_uuid: Annotated[str, Form(max_length=40)],
    person: Annotated[str, Form(max_length=12)],
    outcome: Annotated[str, Form(max_length=20)],
    thon: Annotated[int, Form()],
    page: Annotated[int, Form(ge=1)] = 1,
) -> Response:
    """The buttons without JavaScript: the server's clock is the visit's time."""
    try:
        fieldwork.record_visit(
            session,
            actor,
            client_uuid=client_uuid,
            person_id=person,
            outcome=fieldwork.parse_outcome(outcome),
            visited_at=None,
        )
    except REFUSED as error:
        problem, status_code = refusal(error, outside=OUTSIDE)
    else:
        return RedirectResponse(f"{FIELD_PATH}?thon={thon}&page={page}&da-ghi=1", status_code=303)
    return _field_page(
        request, session, actor, village_id=thon, problem=problem, status_code=status_code
    )


CONFLICT = "Mã lần thăm này đã dùng cho một lần thăm khác: hãy tải lại trang."


class VisitIn(BaseModel):
    client_uuid: str = Field(max_length=40)
    person_id: str = Field(max_length=12)
    outcome: str = Field(max_length=20)
    #: The phone's clock when she tapped, with its offset.
    visited_at: dt.datetime


@router.post(VISIT_API)
def record_visit_api(
    session: SessionDep, actor: Member, _: CsrfChecked, visit: VisitIn
) -> Response:
    """The script's endpoint (:func:`visit_answer`)."""

    def record() -> fieldwork.RecordedVisit:
        return fieldwork.record_visit(
            session,
            actor,
            client_uuid=visit.client_uuid,
            person_id=visit.person_id,
            outcome=fieldwork.parse_outcome(visit.outcome),
            visited_at=visit.visited_at,
        )

    return visit_answer(record, outside=OUTSIDE)


#: What refuses a visit: someone outside her lists (or unknown), a visit ID already holding
#: another visit, an invalid visit.
REFUSED = (AccessDenied, VisitConflict, CampaignError)


def refusal(error: Exception, *, outside: str) -> tuple[str, int]:
    """The message and status of a refused visit (one of :data:`REFUSED`), for the pages
    and the script alike; ``outside`` says why someone is not on her lists."""
    if isinstance(error, AccessDenied):
        return outside, 404
    if isinstance(error, VisitConflict):
        return CONFLICT, 409
    return str(error), 422


def visit_answer(record: Callable[[], fieldwork.RecordedVisit], *, outside: str) -> Response:
    """``record()``'s answer to the script: 201 recorded, 200 already recorded (a resend),
    404 refused (``outside`` says why), 409 the ID holds another visit, 422 invalid — the
    script retries only on other answers."""
    try:
        recorded = record()
    except REFUSED as error:
        message, status_code = refusal(error, outside=outside)
        detail = HTTPStatus(status_code).phrase
        return JSONResponse({"detail": detail, "message": message}, status_code=status_code)
    return JSONResponse(
        {
            "client_uuid": recorded.visit.client_uuid,
            "outcome": recorded.visit.outcome,
            "created": recorded.created,
        },
        status_code=201 if recorded.created else 200,
    )


def _field_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    village_id: int | None = None,
    recorded: bool = False,
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The page of ``village_id`` (else ``?thon=``, else her first village)."""
    villages = fieldwork.member_villages(session, actor)
    village_id = village_id or chosen_village(request) or (villages[0].id if villages else None)
    number = page_number(request)
    worklist = (
        fieldwork.field_worklist(
            session,
            actor,
            village_id=village_id,
            offset=(number - 1) * HOUSEHOLDS_PER_PAGE,
            limit=HOUSEHOLDS_PER_PAGE,
            today=to_vietnam_time(utcnow()).date(),
        )
        if village_id is not None
        else None
    )
    households = Page(
        worklist.households if worklist else [],
        number,
        HOUSEHOLDS_PER_PAGE,
        worklist.total if worklist else 0,
    )
    context: dict[str, Any] = {
        "villages": villages,
        "village_id": village_id,
        "worklist": worklist,
        "households": households,
        "outcomes": list(Outcome),
        "new_visit_id": lambda: str(uuid.uuid4()),
        "recorded": recorded,
        "problem": problem,
        "visit_path": VISIT_PATH,
        "visit_api": VISIT_API,
    }
    return no_store(render(request, "campaign/field.html", context, status_code=status_code))


@router.get(TEAMS_PATH)
def teams_page(request: Request, session: SessionDep, actor: CommuneOfficer) -> HTMLResponse:
    return _teams_page(request, session, actor, done=request.query_params.get("da-luu") == "1")


@router.post(TEAMS_PATH + "/to-moi")
def create_team(
    request: Request,
    session: SessionDep,
    actor: CommuneOfficer,
    _: CsrfChecked,
    name: Annotated[str, Form(max_length=240)] = "",
    head_name: Annotated[str, Form(max_length=240)] = "",
    head_organisation: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    assert actor.commune_code is not None  # the role's scope
    try:
        service.create_team(
            session,
            actor,
            commune_code=actor.commune_code,
            name=name,
            head_name=head_name,
            head_organisation=_organisation(head_organisation),
        )
    except CampaignError as error:
        typed = {"name": name, "head_name": head_name, "head_organisation": head_organisation}
        return _teams_page(
            request, session, actor, problem=str(error), typed=typed, status_code=422
        )
    return _saved()


@router.post(TEAMS_PATH + "/thanh-vien")
def add_member(
    request: Request,
    session: SessionDep,
    actor: CommuneOfficer,
    _: CsrfChecked,
    team: Annotated[int, Form()],
    member: Annotated[int, Form()],
    organisation: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        service.add_member(
            session,
            actor,
            team_id=team,
            user_id=member,
            organisation=_organisation(organisation),
        )
    except CampaignError as error:
        return _teams_page(request, session, actor, problem=str(error), status_code=422)
    return _saved()


@router.post(TEAMS_PATH + "/bo-thanh-vien")
def remove_member(
    request: Request,
    session: SessionDep,
    actor: CommuneOfficer,
    _: CsrfChecked,
    team: Annotated[int, Form()],
    member: Annotated[int, Form()],
) -> Response:
    try:
        service.remove_member(session, actor, team_id=team, user_id=member)
    except CampaignError as error:
        return _teams_page(request, session, actor, problem=str(error), status_code=422)
    return _saved()


@router.post(TEAMS_PATH + "/giao-thon")
def assign_village(
    request: Request,
    session: SessionDep,
    actor: CommuneOfficer,
    _: CsrfChecked,
    team: Annotated[int, Form()],
    village: Annotated[int, Form()],
    current_team: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    expected = int(current_team) if current_team.isdigit() else None
    try:
        service.assign_village(
            session, actor, team_id=team, village_id=village, expected_team_id=expected
        )
    except AssignmentConflict:
        message = "Thôn này vừa được giao cho tổ khác; trang đã tải lại với phân công hiện tại."
        return _teams_page(request, session, actor, problem=message, status_code=409)
    except CampaignError as error:
        return _teams_page(request, session, actor, problem=str(error), status_code=422)
    return _saved()


def _organisation(value: str) -> Organisation:
    try:
        return Organisation(value)
    except ValueError:
        raise CampaignError("Hãy chọn cơ quan, đoàn thể.") from None


def _saved() -> Response:
    return RedirectResponse(f"{TEAMS_PATH}?da-luu=1", status_code=303)


def _teams_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    done: bool = False,
    problem: str | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    assert actor.commune_code is not None  # the role's scope
    context = {
        "teams": service.commune_teams(session, actor, actor.commune_code),
        "organisations": list(Organisation),
        "done": done,
        "problem": problem,
        "typed": typed or {"name": "", "head_name": "", "head_organisation": ""},
        "path": TEAMS_PATH,
    }
    return no_store(render(request, "campaign/teams.html", context, status_code=status_code))
