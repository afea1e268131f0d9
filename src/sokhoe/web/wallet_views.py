"""``/vi-giay-to``: the citizen's e-ID wallet (R1), laid out as VNeID's how-to describes it:
Ví giấy tờ (the cards in it) → Tích hợp giấy tờ (the integration requests with their
history) → Tạo mới yêu cầu → Thẻ BHYT, for oneself or a child under 14 (R5).

A request is named in URLs by its random ID only; the person it is for travels in the POST
body. The form goes through a confirmation page before anything is filed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sokhoe.access.guard import AccessDenied
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.insurance import requests
from sokhoe.insurance.card_number import InvalidCardNumber, parse_card_number
from sokhoe.insurance.models import WalletIntegration
from sokhoe.registry.models import Citizen
from sokhoe.web.deps import CsrfChecked, SessionDep, require_roles
from sokhoe.web.templating import render

WALLET_PATH = "/vi-giay-to"
INTEGRATE_PATH = f"{WALLET_PATH}/tich-hop"
NEW_PATH = f"{WALLET_PATH}/tao-moi"
REQUESTS_PATH = f"{WALLET_PATH}/yeu-cau"
PRESENT_PATH = f"{WALLET_PATH}/xuat-trinh"
#: Query flag on the request page right after filing: shows "Gửi yêu cầu thành công".
SENT_FLAG = "da-gui"

UNKNOWN_ISSUER = "chọn đơn vị cấp thẻ (BHXH tỉnh, thành phố) trong danh sách"

router = APIRouter()

CitizenActor = Annotated[Actor, Depends(require_roles(Role.CITIZEN))]


@dataclass(frozen=True)
class Problem:
    """Why a request could not be filed, and which form field it is about."""

    field: str
    message: str


def problem_of(exc: ValueError) -> Problem:
    """The form field and message for what :func:`requests.submit` refused (web and API)."""
    if isinstance(exc, InvalidCardNumber):
        return Problem("card_number", str(exc))
    if isinstance(exc, requests.AlreadyIntegrated):
        return Problem("card_number", "thẻ này đã được tích hợp vào ví giấy tờ")
    return Problem("issuing_unit", UNKNOWN_ISSUER)


@dataclass(frozen=True)
class HolderWallet:
    holder: Citizen
    cards: list[WalletIntegration]
    requests: list[requests.RequestView]


def wallets(session: Session, actor: Actor, today: dt.date) -> list[HolderWallet]:
    """The wallet of the citizen and of each child under 14 he manages (audited reads)."""
    return [
        HolderWallet(
            holder=holder,
            cards=requests.integrated_cards(session, holder),
            requests=requests.requests_of(session, holder),
        )
        for holder in requests.wallet_holders(session, actor, today=today)
    ]


@router.get(WALLET_PATH)
def wallet_page(request: Request, session: SessionDep, actor: CitizenActor) -> HTMLResponse:
    context = {"wallets": wallets(session, actor, dt.date.today()), "paths": _paths()}
    return render(request, "wallet/wallet.html", context)


@router.get(INTEGRATE_PATH)
def integrate_page(request: Request, session: SessionDep, actor: CitizenActor) -> HTMLResponse:
    """Tích hợp giấy tờ: "Tạo mới yêu cầu" and the requests sent, per holder."""
    context = {"wallets": wallets(session, actor, dt.date.today()), "paths": _paths()}
    return render(request, "wallet/integrate.html", context)


@router.get(NEW_PATH)
def new_request_page(request: Request, session: SessionDep, actor: CitizenActor) -> HTMLResponse:
    return _form(request, session, actor)


@router.post(NEW_PATH)
def confirm_request(
    request: Request,
    session: SessionDep,
    actor: CitizenActor,
    _: CsrfChecked,
    person: Annotated[str, Form()] = "",
    issuing_unit: Annotated[int, Form()] = 0,
    card_number: Annotated[str, Form(max_length=40)] = "",
) -> HTMLResponse:
    """The confirmation step: the typed number checked for its shape, shown normalised."""
    holders = requests.wallet_holders(session, actor, today=dt.date.today())
    holder = next((h for h in holders if h.person_id == person), None)
    issuer = next((p for p in requests.issuers(session) if p.code == issuing_unit), None)
    entered = {"person": person, "issuing_unit": issuing_unit, "card_number": card_number}
    try:
        number = parse_card_number(card_number).text
    except InvalidCardNumber as exc:
        return _form(request, session, actor, entered, problem_of(exc))
    if holder is None:  # not himself nor a child he manages: like an unknown page
        raise AccessDenied
    if issuer is None:
        return _form(request, session, actor, entered, Problem("issuing_unit", UNKNOWN_ISSUER))
    context = {"holder": holder, "issuer": issuer, "card_number": number, "paths": _paths()}
    return render(request, "wallet/confirm.html", context)


@router.post(REQUESTS_PATH)
def file_request(
    request: Request,
    session: SessionDep,
    actor: CitizenActor,
    _: CsrfChecked,
    person: Annotated[str, Form()] = "",
    issuing_unit: Annotated[int, Form()] = 0,
    card_number: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        filed, _created = requests.submit(
            session,
            actor,
            person_id=person,
            card_number=card_number,
            issuing_province_code=issuing_unit,
            now=dt.datetime.now(),
        )
    except ValueError as exc:
        entered = {"person": person, "issuing_unit": issuing_unit, "card_number": card_number}
        return _form(request, session, actor, entered, problem_of(exc))
    return RedirectResponse(f"{REQUESTS_PATH}/{filed.id}?{SENT_FLAG}=1", status_code=303)


@router.get(REQUESTS_PATH + "/{request_id}")
def request_page(
    request: Request, session: SessionDep, actor: CitizenActor, request_id: str
) -> HTMLResponse:
    view = requests.get_request(session, actor, request_id, today=dt.date.today())
    context = {"view": view, "sent": SENT_FLAG in request.query_params, "paths": _paths()}
    return render(request, "wallet/request.html", context)


def _paths() -> dict[str, str]:
    return {
        "wallet": WALLET_PATH,
        "integrate": INTEGRATE_PATH,
        "new": NEW_PATH,
        "requests": REQUESTS_PATH,
        "present": PRESENT_PATH,
    }


def _form(
    request: Request,
    session: Session,
    actor: Actor,
    entered: dict[str, object] | None = None,
    problem: Problem | None = None,
) -> HTMLResponse:
    context = {
        "holders": requests.wallet_holders(session, actor, today=dt.date.today()),
        "issuers": requests.issuers(session),
        "entered": entered or {},
        "problem": problem,
        "paths": _paths(),
    }
    return render(request, "wallet/new.html", context, status_code=422 if problem else 200)
