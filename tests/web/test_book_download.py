"""Downloading the whole health book over HTTP, on both backends: the book page's two buttons
post the unlock token and whose book; the answer is a file named for the day, never for the
person, and never cached; a token out of time or forged gets the passcode form and no file; a
parent downloads his child's book; a neighbour asking for it, and every other role, get the
app's 404."""

from __future__ import annotations

import datetime as dt
import json
import re
import time

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from sokhoe.access.service import get_by_username
from sokhoe.records.fhir import read_bundle
from sokhoe.runtime import Database
from sokhoe.vietnam_time import VIETNAM_TIME
from sokhoe.web.book_views import DOWNLOAD_FHIR_PATH, DOWNLOAD_PDF_PATH, unlock_token
from sokhoe.web.state import WebState
from tests.web.conftest import OFFICER, form_token, sign_in
from tests.web.test_book_pages import _UNLOCK, _open, _records
from tests.web.test_wallet import CHILD, PARENT, family, parent
from tests.web.test_wallet_presentation import CODE, _set_code

__all__ = ["family", "parent"]


def _unlocked(client: TestClient, database: Database) -> tuple[str, str]:
    """Open the book with the passcode as a browser does: its page and the unlock token."""
    _records(database)
    assert _set_code(client) == 303
    status, page = _open(client, code=CODE)
    match = _UNLOCK.search(page)
    assert status == 200 and match
    return page, match.group(1)


def _download(client: TestClient, path: str, **fields: str) -> Response:
    token = form_token(client.get("/").text)
    response: Response = client.post(path, data={**fields, "csrf_token": token})
    return response


def _file_name(response: Response, extension: str) -> str:
    disposition = response.headers["content-disposition"]
    today = dt.datetime.now(VIETNAM_TIME).strftime("%Y%m%d")
    assert disposition == f'attachment; filename="so-suc-khoe-{today}.{extension}"'
    return disposition


def test_the_citizen_downloads_his_book_as_pdf_and_as_fhir(
    parent: TestClient, family: Database
) -> None:
    page, unlock = _unlocked(parent, family)
    assert "Tải về bản in (PDF)" in page and "Tải về (FHIR R4)" in page
    assert f'action="{DOWNLOAD_PDF_PATH}"' in page and f'action="{DOWNLOAD_FHIR_PATH}"' in page

    pdf = _download(parent, DOWNLOAD_PDF_PATH, unlock=unlock)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["cache-control"] == "no-store"
    assert PARENT not in _file_name(pdf, "pdf") and PARENT not in str(pdf.url)

    fhir = _download(parent, DOWNLOAD_FHIR_PATH, unlock=unlock, person=PARENT)
    assert fhir.status_code == 200 and fhir.headers["cache-control"] == "no-store"
    assert fhir.headers["content-type"] == "application/fhir+json"
    assert PARENT not in _file_name(fhir, "json") and PARENT not in str(fhir.url)
    assert json.loads(fhir.content)["type"] == "collection"
    reading = read_bundle(fhir.content, source="so-suc-khoe.json")
    assert reading.problems == []
    assert sorted(r.key for r in reading.records) == ["H1", "LK1"]  # his, not his child's


def test_a_parent_downloads_his_childs_book(parent: TestClient, family: Database) -> None:
    _, unlock = _unlocked(parent, family)
    fhir = _download(parent, DOWNLOAD_FHIR_PATH, unlock=unlock, person=CHILD)
    assert fhir.status_code == 200 and CHILD not in _file_name(fhir, "json")
    (dose,) = read_bundle(fhir.content, source="so-suc-khoe.json").records
    assert dose.key == "V1" and dose.patient.person_id == CHILD
    pdf = _download(parent, DOWNLOAD_PDF_PATH, unlock=unlock, person=CHILD)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_an_unlock_token_out_of_time_or_forged_gets_the_passcode_form(
    parent: TestClient, family: Database
) -> None:
    _, unlock = _unlocked(parent, family)
    app = parent.app
    assert isinstance(app, FastAPI) and isinstance(app.state.web, WebState)
    secret = app.state.web.secret_key
    with family.sessions() as session:
        user = get_by_username(session, "cha")
        assert user is not None
    key = form_token(parent.get("/").text)
    expired = unlock_token(secret, user_id=user.id, session_key=key, until=int(time.time()) - 1)
    for token in (expired, unlock[:-4] + "0000", ""):
        for path in (DOWNLOAD_PDF_PATH, DOWNLOAD_FHIR_PATH):
            refused = _download(parent, path, unlock=token)
            assert refused.status_code == 403
            assert refused.headers["content-type"].startswith("text/html")
            assert "content-disposition" not in refused.headers
            assert 'name="code"' in refused.text and "Lao (BCG)" not in refused.text


def test_a_neighbour_gets_a_404_for_the_childs_book(client: TestClient, family: Database) -> None:
    assert sign_in(client, "hangxom").status_code == 303
    _, unlock = _unlocked(client, family)
    for path in (DOWNLOAD_PDF_PATH, DOWNLOAD_FHIR_PATH):
        refused = _download(client, path, unlock=unlock, person=CHILD)
        assert refused.status_code == 404
        assert "content-disposition" not in refused.headers
        unknown = _download(client, path, unlock=unlock, person="056999999999")
        assert unknown.status_code == 404 and unknown.text == refused.text


def test_other_roles_get_a_404(client: TestClient, family: Database) -> None:
    _records(family)
    assert sign_in(client, OFFICER).status_code == 303
    for path in (DOWNLOAD_PDF_PATH, DOWNLOAD_FHIR_PATH):
        refused = _download(client, path, unlock="1.x", person=CHILD)
        assert refused.status_code == 404
        assert re.search(r"Lao \(BCG\)|%PDF", refused.text) is None
