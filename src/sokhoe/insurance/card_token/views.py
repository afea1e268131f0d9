"""``GET /.well-known/sokhoe-keys.json``: the public key document hospitals cache.

Public and without personal data; caches may keep it five minutes, so a rotation or a
revocation reaches verifiers that refresh within minutes.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from sokhoe.insurance.card_token import revoked
from sokhoe.insurance.card_token.published import key_document
from sokhoe.web.deps import SessionDep
from sokhoe.web.state import web_state

KEY_DOCUMENT_PATH = "/.well-known/sokhoe-keys.json"
CACHE_CONTROL = "public, max-age=300"

router = APIRouter()


@router.get(KEY_DOCUMENT_PATH)
def published_keys(request: Request, session: SessionDep) -> JSONResponse:
    ring = web_state(request).key_ring.get()
    document = key_document(ring, revoked.revoked_entries(session), now=dt.datetime.now(dt.UTC))
    return JSONResponse(document, headers={"Cache-Control": CACHE_CONTROL})
