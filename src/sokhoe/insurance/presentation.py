"""Xuất trình giấy tờ: the card in a holder's wallet, shown with a QR code reception can
check (R2) — for the citizen himself or a child under 14 he manages (R5), never anyone else.

The code is a card token of kind "app", signed with the server's active key: it lives
minutes (``claims.APP_LIFETIME``), so a screenshot of it is soon worthless.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from sokhoe.access.scope import Actor
from sokhoe.insurance import passcode
from sokhoe.insurance.card_token import KeyRing
from sokhoe.insurance.card_token.claims import CardDetails, TokenKind, new_claims
from sokhoe.insurance.card_token.qr import qr_svg
from sokhoe.insurance.card_token.revoked import StoredRevocations
from sokhoe.insurance.card_token.token import sign
from sokhoe.insurance.holder_card import valid_card
from sokhoe.insurance.requests import authorize_subject
from sokhoe.vietnam_time import VIETNAM_TIME

#: The ``iss`` claim of tokens this server signs.
ISSUER = "sokhoe"


class NothingToPresent(Exception):
    """No card of the holder's wallet is valid today (and not revoked by BHXH)."""


@dataclass(frozen=True)
class Presented:
    card: CardDetails
    #: The signed token the QR code carries.
    token: str
    qr_svg: str
    expires_at: dt.datetime


def present(
    session: Session, actor: Actor, *, person_id: str, keys: KeyRing, now: dt.datetime
) -> Presented:
    """The holder's integrated card valid today and a fresh signed QR code (audited).

    ``now`` is timezone-aware. Raises :class:`~sokhoe.access.guard.AccessDenied` for
    anyone but the holder or his guardian (child under 14), :class:`NothingToPresent`.
    """
    today = now.astimezone(VIETNAM_TIME).date()
    holder = authorize_subject(
        session, actor, person_id=person_id, action="present_card", today=today, holder_only=True
    )
    details = valid_card(session, holder, today=today, integrated_only=True)
    if details is None or StoredRevocations(session).any_revoked((details.card_number,)):
        raise NothingToPresent
    claims = new_claims(details, kind=TokenKind.APP, issuer=ISSUER, now=now)
    token = sign(claims, keys.active)
    return Presented(card=details, token=token, qr_svg=qr_svg(token), expires_at=claims.expires_at)


def present_behind_passcode(
    session: Session, actor: Actor, *, person_id: str, code: str, keys: KeyRing, now: dt.datetime
) -> Presented:
    """Xuất trình giấy tờ as the page and the API do it: the wallet passcode, then :func:`present`.

    ``now`` is timezone-aware. Raises what :func:`passcode.verify` raises (before anything
    about the person is read, so a wrong code tells nothing about whose card was asked for),
    then what :func:`present` raises. The caller commits in every case: failures stay counted.
    """
    passcode.verify(session, actor, code, now=now.astimezone(dt.UTC).replace(tzinfo=None))
    return present(session, actor, person_id=person_id, keys=keys, now=now)
