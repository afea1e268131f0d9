"""``GET /quan-tri/kiem-tra-nhat-ky``: the administrator verifies the whole audit hash chain.

Verification reads every entry, so it runs when asked for, not on each view of the home page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from sokhoe.access import audit
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.web.deps import SessionDep, require_roles
from sokhoe.web.state import web_state
from sokhoe.web.templating import render

AUDIT_CHECK_PATH = "/quan-tri/kiem-tra-nhat-ky"

router = APIRouter()


@router.get(AUDIT_CHECK_PATH)
def audit_check(
    request: Request,
    session: SessionDep,
    _admin: Annotated[Actor, Depends(require_roles(Role.ADMIN))],
) -> Response:
    # As ``sokhoe audit verify`` does: the entries of the last moment are checked too.
    audit.seal_all(web_state(request).database.sessions)
    report = audit.verify(session)
    head_seq, head_hash = audit.head(session)
    return render(
        request,
        "admin/audit_check.html",
        {"report": report, "head_seq": head_seq, "head_hash": head_hash},
    )
