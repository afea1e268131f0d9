"""Schools and enterprises in the campaign (R12, R13): a contact's pupils, staff or employees
still to reach, with the same two taps as the households' list.

``/chien-dich/truong-doanh-nghiep`` lists the establishments whose roster the guidance
member works (with one, it goes straight to its list); ``/chien-dich/truong-doanh-nghiep/{id}``
is the list, pupils then staff, each by name. The buttons post to ``…/{id}/tham`` without
JavaScript; with it (``static/field_visits.js``) a tap waits on the phone and goes to
``/api/chien-dich/tham-co-so`` with the establishment's id, so a weak network loses nothing.
An establishment she is not a contact of, and a person not on its roster, are refused as a
404, and audited.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sokhoe.access.clock import utcnow
from sokhoe.access.scope import Actor
from sokhoe.campaign import establishments, fieldwork
from sokhoe.campaign.fieldwork import RecordedVisit
from sokhoe.campaign.vocabulary import Outcome
from sokhoe.vietnam_time import to_vietnam_time
from sokhoe.web.book_views import no_store
from sokhoe.web.campaign_views import REFUSED, Member, VisitIn, refusal, visit_answer
from sokhoe.web.deps import CsrfChecked, SessionDep
from sokhoe.web.paging import Page, page_number
from sokhoe.web.templating import render

LIST_PATH = "/chien-dich/truong-doanh-nghiep"
VISIT_API = "/api/chien-dich/tham-co-so"
MEMBERS_PER_PAGE = 30
#: Said for an unknown person and one not on the roster alike.
OUTSIDE = "Người này không có trong danh sách cơ sở được giao cho bạn: lần thăm không được ghi."

router = APIRouter()


@router.get(LIST_PATH)
def establishments_page(request: Request, session: SessionDep, actor: Member) -> Response:
    mine = establishments.contact_establishments(session, actor)
    if len(mine) == 1:
        return RedirectResponse(f"{LIST_PATH}/{mine[0].establishment.id}", status_code=303)
    return no_store(render(request, "campaign/establishments.html", {"establishments": mine}))


@router.get(LIST_PATH + "/{establishment_id}")
def establishment_page(
    request: Request, session: SessionDep, actor: Member, establishment_id: int
) -> HTMLResponse:
    recorded = request.query_params.get("da-ghi") == "1"
    return _members_page(request, session, actor, establishment_id, recorded=recorded)


@router.post(LIST_PATH + "/{establishment_id}/tham")
def record_visit_form(
    request: Request,
    session: SessionDep,
    actor: Member,
    _: CsrfChecked,
    establishment_id: int,
    client_uuid: Annotated[str, Form(max_length=40)],
    person: Annotated[str, Form(max_length=12)],
    outcome: Annotated[str, Form(max_length=20)],
    page: Annotated[int, Form(ge=1)] = 1,
) -> Response:
    """The buttons without JavaScript: the server's clock is the visit's time."""
    try:
        establishments.record_establishment_visit(
            session,
            actor,
            establishment_id=establishment_id,
            client_uuid=client_uuid,
            person_id=person,
            outcome=fieldwork.parse_outcome(outcome),
            visited_at=None,
        )
    except REFUSED as error:
        problem, status_code = refusal(error, outside=OUTSIDE)
    else:
        return RedirectResponse(
            f"{LIST_PATH}/{establishment_id}?page={page}&da-ghi=1", status_code=303
        )
    return _members_page(
        request, session, actor, establishment_id, problem=problem, status_code=status_code
    )


class EstablishmentVisitIn(VisitIn):
    establishment_id: int


@router.post(VISIT_API)
def record_visit_api(
    session: SessionDep, actor: Member, _: CsrfChecked, visit: EstablishmentVisitIn
) -> Response:
    """The script's endpoint, answering as ``/api/chien-dich/tham`` does."""

    def record() -> RecordedVisit:
        return establishments.record_establishment_visit(
            session,
            actor,
            establishment_id=visit.establishment_id,
            client_uuid=visit.client_uuid,
            person_id=visit.person_id,
            outcome=fieldwork.parse_outcome(visit.outcome),
            visited_at=visit.visited_at,
        )

    return visit_answer(record, outside=OUTSIDE)


def _members_page(
    request: Request,
    session: Session,
    actor: Actor,
    establishment_id: int,
    *,
    recorded: bool = False,
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    number = page_number(request)
    worklist = establishments.establishment_worklist(
        session,
        actor,
        establishment_id,
        to_vietnam_time(utcnow()).date(),
        offset=(number - 1) * MEMBERS_PER_PAGE,
        limit=MEMBERS_PER_PAGE,
    )
    # The pager counts people; the page shows them in their groups.
    people = Page(
        [person for group in worklist.groups for person in group.people] if worklist else [],
        number,
        MEMBERS_PER_PAGE,
        worklist.total if worklist else 0,
    )
    context: dict[str, Any] = {
        "establishment_id": establishment_id,
        "worklist": worklist,
        "people": people,
        "several": len(establishments.contact_establishments(session, actor)) > 1,
        "outcomes": list(Outcome),
        "new_visit_id": lambda: str(uuid.uuid4()),
        "recorded": recorded,
        "problem": problem,
        "visit_path": f"{LIST_PATH}/{establishment_id}/tham",
        "visit_api": VISIT_API,
        "list_path": LIST_PATH,
    }
    return no_store(
        render(request, "campaign/establishment.html", context, status_code=status_code)
    )
