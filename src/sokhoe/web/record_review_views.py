"""``/ho-so-chua-xac-dinh``: the Department of Health resolves the hospital records whose
person could not be identified (:mod:`sokhoe.records.record_review`) — the province's waiting
records a page at a time, oldest first; one record with what it says of the patient, and two
decisions: name the person (the personal ID typed, sent in the POST body, never in a URL) or
dismiss it with a reason. A decision on a record another officer decided first, or that the
hospital sent again since, is answered 409 with the record as it now stands.

Only the Department of Health: every other role gets the page that does not exist, and a
record of another province is refused by the service (the same 404).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.records import record_review
from sokhoe.records.identify import reason_text
from sokhoe.web.book_views import no_store
from sokhoe.web.deps import CsrfChecked, SessionDep, require_roles
from sokhoe.web.paging import Page, page_number
from sokhoe.web.templating import render

QUEUE_PATH = "/ho-so-chua-xac-dinh"

router = APIRouter()

HealthDepartment = Annotated[Actor, Depends(require_roles(Role.HEALTH_DEPARTMENT))]
Version = Annotated[str, Form(max_length=64)]

#: What the list says after a decision (``?da-quyet-dinh=…``).
_DONE = ("resolved", "dismissed")


@router.get(QUEUE_PATH)
def queue_page(request: Request, session: SessionDep, actor: HealthDepartment) -> HTMLResponse:
    assert actor.province_code is not None  # the Department of Health's scope
    number = page_number(request)
    size = record_review.PAGE_SIZE
    waiting, total = record_review.waiting(
        session,
        actor,
        province_code=actor.province_code,
        offset=(number - 1) * size,
        limit=size,
    )
    done = request.query_params.get("da-quyet-dinh")
    context = {
        "waiting": Page(waiting, number, size, total),
        "done": done if done in _DONE else None,
        **_common(),
    }
    return no_store(render(request, "records/review_queue.html", context))


@router.get(QUEUE_PATH + "/{record_id}")
def record_page(
    request: Request, session: SessionDep, actor: HealthDepartment, record_id: int
) -> HTMLResponse:
    return _record_form(request, session, actor, record_id)


@router.post(QUEUE_PATH + "/{record_id}/xac-dinh")
def name_the_person(
    request: Request,
    session: SessionDep,
    actor: HealthDepartment,
    _: CsrfChecked,
    record_id: int,
    version: Version,
    person: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        record_review.resolve(
            session, actor, record_id=record_id, version=version, person_id=person
        )
    except record_review.AlreadyDecided:
        return _record_form(request, session, actor, record_id, conflict=True, status_code=409)
    except record_review.UnknownPerson:
        return _record_form(
            request, session, actor, record_id, person=person, problem="person", status_code=422
        )
    except record_review.NotStorable as refused:
        return _record_form(
            request,
            session,
            actor,
            record_id,
            person=person,
            problem="storage",
            refused=refused.problem.message(),
            status_code=422,
        )
    return RedirectResponse(f"{QUEUE_PATH}?da-quyet-dinh=resolved", status_code=303)


@router.post(QUEUE_PATH + "/{record_id}/bo-qua")
def dismiss(
    request: Request,
    session: SessionDep,
    actor: HealthDepartment,
    _: CsrfChecked,
    record_id: int,
    version: Version,
    reason: Annotated[str, Form(max_length=record_review.MAX_REASON_LENGTH * 2)] = "",
) -> Response:
    try:
        record_review.dismiss(session, actor, record_id=record_id, version=version, reason=reason)
    except record_review.AlreadyDecided:
        return _record_form(request, session, actor, record_id, conflict=True, status_code=409)
    except record_review.ReasonRequired:
        return _record_form(
            request, session, actor, record_id, reason=reason, problem="reason", status_code=422
        )
    return RedirectResponse(f"{QUEUE_PATH}?da-quyet-dinh=dismissed", status_code=303)


def _record_form(
    request: Request,
    session: Session,
    actor: Actor,
    record_id: int,
    *,
    person: str = "",
    reason: str = "",
    problem: str | None = None,
    refused: str = "",
    conflict: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    """One record with its decision forms; after a refusal, the typed values kept."""
    context = {
        "record": record_review.get(session, actor, record_id=record_id),
        "person": person,
        "reason": reason,
        "problem": problem,
        "refused": refused,
        "conflict": conflict,
        **_common(),
    }
    return no_store(render(request, "records/review_record.html", context, status_code=status_code))


def _common() -> dict[str, Any]:
    return {
        "path": QUEUE_PATH,
        "reason_text": reason_text,
        "min_reason": record_review.MIN_REASON_LENGTH,
        "max_reason": record_review.MAX_REASON_LENGTH,
    }
