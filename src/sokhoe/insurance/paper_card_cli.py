"""``sokhoe card print`` and ``sokhoe card revoke``: thin commands over ``paper_card``.

The command line acts with no account: the audit chain records it as such (``none``).
Exit codes: 0 done, 1 refused or nothing to do (unknown person, no valid card, already
revoked), 2 bad input (a malformed ID, card number or token id, an unwritable file).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from sokhoe import runtime
from sokhoe.access.guard import AccessDenied
from sokhoe.config import get_settings
from sokhoe.db import unit_of_work
from sokhoe.insurance import paper_card
from sokhoe.insurance.card_number import InvalidCardNumber
from sokhoe.insurance.card_token import KeyRing
from sokhoe.registry.dates import format_partial_date

card_app = typer.Typer(no_args_is_help=True, help="Thẻ BHYT giấy có mã QR, và thu hồi thẻ.")
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

MESSAGES: dict[str, tuple[str, str]] = {
    "not_found": (
        "Không tìm thấy người này (hoặc thẻ này) trong sổ đăng ký và danh sách thẻ",
        "No such person (or card) in the register and the card list",
    ),
    "nothing_to_print": (
        "Người này không có thẻ BHYT còn giá trị hôm nay, hoặc thẻ đã bị thu hồi",
        "This person has no BHYT card valid today, or the card is revoked",
    ),
    "printed": ("Đã in thẻ giấy", "Paper card printed"),
    "valid_until": ("mã có hiệu lực đến hết ngày", "code valid through"),
    "token_id": ("số mã", "code number"),
    "unknown_token": (
        "Không có thẻ giấy nào mang số mã này",
        "No paper card was printed with this code number",
    ),
    "already_revoked": ("Đã bị thu hồi trước đó", "Already revoked"),
    "revoked_token": ("Đã thu hồi thẻ giấy", "Paper card revoked"),
    "revoked_card": ("Đã thu hồi thẻ", "Card revoked"),
    "publish": (
        "Phát hành lại tệp khóa cho các cơ sở y tế: sokhoe keys publish --out FILE",
        "Publish the key file to hospitals again: sokhoe keys publish --out FILE",
    ),
    "one_of": (
        "Cho số mã của thẻ giấy, hoặc --card MÃ_THẺ, không cả hai",
        "Give a paper card's code number, or --card NUMBER, not both",
    ),
    "cannot_write": ("Không ghi được tệp", "Cannot write the file"),
}
#: What is wrong with a typed person or card, in English (the Vietnamese is the exception's).
SEARCH_PROBLEMS_EN = {
    paper_card.SearchProblem.LENGTH: (
        "type a 12-digit personal ID, a 10-digit BHXH number or a 15-character card code"
    ),
    paper_card.SearchProblem.PERSON_ID: (
        "the 4th digit of a personal ID (century and sex) is 0 to 5"
    ),
    paper_card.SearchProblem.CARD_NUMBER: (
        "a 15-character card code is 2 group letters, the benefit level (1–5), "
        "2 province digits and the 10-digit BHXH number"
    ),
}

Lang = Annotated[str, typer.Option(help="ngôn ngữ: vi hoặc en")]


def _say(key: str, lang: str) -> str:
    vi, en = MESSAGES[key]
    return en if lang == "en" else vi


def _refuse(message: str, code: int) -> NoReturn:
    err_console.print(message, markup=False, soft_wrap=True)
    raise typer.Exit(code)


@card_app.command("print")
def card_print(
    person: Annotated[str, typer.Argument(help="mã định danh cá nhân (hoặc mã thẻ BHYT)")],
    out: Annotated[Path, typer.Option(dir_okay=False, help="tệp PDF sẽ ghi")],
    lang: Lang = "vi",
) -> None:
    """Print a paper card (A6 PDF) with a signed QR code valid until the card ends, at most
    a year: for a holder without a smartphone."""
    # imported here: the PDF library takes a second to load, which every other command of
    # the command line would pay at start-up
    from sokhoe.insurance import paper_card_pdf

    now = dt.datetime.now(dt.UTC)
    database = runtime.open_database()
    keys = KeyRing.open(get_settings().home)
    try:
        with unit_of_work(database.sessions) as session:
            person_id = paper_card.search(session, person)
            printed = paper_card.issue_paper_card(
                session, None, person_id=person_id, keys=keys, now=now
            )
            out.write_bytes(paper_card_pdf.render_pdf(printed))
    except paper_card.BadSearch as exc:
        _refuse(f"Lỗi: {SEARCH_PROBLEMS_EN[exc.problem] if lang == 'en' else exc}", 2)
    except AccessDenied:
        _refuse(_say("not_found", lang), 1)
    except paper_card.NothingToPrint:
        _refuse(_say("nothing_to_print", lang), 1)
    except (OSError, paper_card_pdf.FontsMissing) as exc:
        _refuse(f"{_say('cannot_write', lang)} {out}: {exc}", 2)
    card = printed.card
    until = format_partial_date(paper_card_pdf.last_valid_day(printed.expires_at), "day")
    code = f"{_say('token_id', lang)} {paper_card.grouped_token_id(printed.token_id)}"
    console.print(
        f"{_say('printed', lang)}: {card.full_name}, {card.card_number}, "
        f"{_say('valid_until', lang)} {until} ({code}) → {out}",
        markup=False,
    )


@card_app.command("revoke")
def card_revoke(
    reason: Annotated[str, typer.Option(help="lý do thu hồi (mất thẻ, gian lận …)")],
    token_id: Annotated[
        str | None, typer.Argument(help="số mã in trên thẻ giấy (16 ký tự)")
    ] = None,
    card: Annotated[
        str | None, typer.Option("--card", help="thu hồi cả thẻ: mọi mã của thẻ bị từ chối")
    ] = None,
    lang: Lang = "vi",
) -> None:
    """Revoke a paper card by its code number, or a whole card (--card): every code for it,
    on paper or in the app, is refused from now on."""
    if (token_id is None) == (card is None):
        _refuse(_say("one_of", lang), 2)
    now = dt.datetime.now(dt.UTC)
    database = runtime.open_database()
    try:
        with unit_of_work(database.sessions) as session:
            if token_id is not None:
                paper = paper_card.revoke_paper_card(
                    session, None, token_id=token_id, reason=reason, now=now
                )
                done = f"{_say('revoked_token', lang)} {paper.token_id}"
            else:
                assert card is not None
                numbers = paper_card.revoke_card_number(
                    session, None, card_number=card, reason=reason, now=now
                )
                done = f"{_say('revoked_card', lang)} {', '.join(numbers)}"
    except (paper_card.BadTokenId, paper_card.BadReason, InvalidCardNumber) as exc:
        _refuse(f"Lỗi: {exc}", 2)
    except AccessDenied:
        _refuse(_say("unknown_token" if token_id is not None else "not_found", lang), 1)
    except paper_card.AlreadyRevoked:
        _refuse(_say("already_revoked", lang), 1)
    console.print(done, markup=False)
    console.print(_say("publish", lang), markup=False)
