"""``sokhoe verify`` and ``sokhoe keys …``: thin commands over the card-token functions."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sokhoe import runtime
from sokhoe.config import get_settings
from sokhoe.db import unit_of_work
from sokhoe.insurance.card_token import envelope
from sokhoe.insurance.card_token.claims import CardClaims, TokenKind
from sokhoe.insurance.card_token.keyring import KeyRing, KeyRingError
from sokhoe.insurance.card_token.keys import b64url
from sokhoe.insurance.card_token.published import (
    Trust,
    UnusableKeyDocument,
    key_document,
    read_key_document,
)
from sokhoe.insurance.card_token.revocations import RevocationList
from sokhoe.insurance.card_token.revoked import revoked_entries
from sokhoe.insurance.card_token.token import Reason, Valid, verify
from sokhoe.web.formatting import vn_date, vn_datetime, vn_partial_date

keys_app = typer.Typer(no_args_is_help=True, help="Khóa ký mã QR thẻ BHYT.")
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

#: A photo of a QR code is a few megabytes; a larger file is not one.
MAX_INPUT_BYTES = 50 * 1024 * 1024
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff"}

REASONS: dict[Reason, tuple[str, str]] = {
    Reason.NOT_SOKHOE: ("Không phải mã Sổ Khỏe", "Not a Sổ Khỏe code"),
    Reason.MALFORMED: (
        "Mã bị hỏng hoặc bị sửa, không đọc được",
        "The code is damaged or altered and cannot be read",
    ),
    Reason.UNKNOWN_KEY: (
        "Mã được ký bằng một khóa không rõ (không do Sổ Khỏe cấp, hoặc tệp khóa đã cũ)",
        "Signed with an unknown key (not issued by Sổ Khỏe, or the key file is outdated)",
    ),
    Reason.BAD_SIGNATURE: (
        "Chữ ký không đúng: mã đã bị sửa hoặc bị giả mạo",
        "Bad signature: the code was altered or forged",
    ),
    Reason.EXPIRED: ("Mã đã hết hạn", "The code has expired"),
    Reason.NOT_YET_VALID: (
        "Mã chưa có hiệu lực (kiểm tra đồng hồ của máy)",
        "The code is not valid yet (check this computer's clock)",
    ),
    Reason.REVOKED: ("Thẻ hoặc mã đã bị thu hồi", "The card or the code has been revoked"),
}

LABELS: dict[str, tuple[str, str]] = {
    "valid": ("HỢP LỆ", "VALID"),
    "invalid": ("KHÔNG HỢP LỆ", "INVALID"),
    "card_number": ("Mã thẻ BHYT", "Card number"),
    "full_name": ("Họ và tên", "Full name"),
    "birth_date": ("Ngày sinh", "Date of birth"),
    "sex": ("Giới tính", "Sex"),
    "validity": ("Giá trị sử dụng", "Valid"),
    "facility": ("Nơi đăng ký KCB ban đầu", "Registered facility"),
    "kind": ("Loại mã", "Code kind"),
    "expires": ("Mã hết hạn lúc", "Code expires"),
    "issuer": ("Nơi cấp mã", "Issuer"),
    "signed_card": (
        "Thông tin trên mã (chữ ký đúng nhưng mã không còn giá trị):",
        "What the code says (genuine signature, but the code is no longer valid):",
    ),
}
SEXES = {"M": ("Nam", "Male"), "F": ("Nữ", "Female")}
KINDS = {TokenKind.APP: ("trên ứng dụng", "app"), TokenKind.PAPER: ("in trên giấy", "paper")}


class UnusableInput(ValueError):
    """Nothing to verify: a missing file, not an image, an image without a QR code."""


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def read_input(source: str) -> str:
    """The QR text of ``source``: the text itself, an image file's code, or stdin (``-``),
    where UTF-8 text is taken as the code and anything else as an image."""
    if source == "-":
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES)
        try:
            return data.decode("utf-8").strip()
        except UnicodeDecodeError:
            return _image_text(data)
    if source.startswith(envelope.PREFIX):
        return source.strip()
    path = Path(source)
    if path.is_file():
        with path.open("rb") as file:
            return _image_text(file.read(MAX_INPUT_BYTES))
    if path.exists() or path.suffix.lower() in IMAGE_SUFFIXES:
        raise UnusableInput(f"không mở được tệp {source}")
    return source.strip()


def _image_text(data: bytes) -> str:
    # Imported here: PIL and zxing-cpp would slow the start of every other command.
    from sokhoe.insurance.card_token.qr import UnreadableImage, read_qr

    try:
        return read_qr(data)
    except UnreadableImage as exc:
        raise UnusableInput(str(exc)) from None


def _trust(keys: Path | None, now: dt.datetime) -> Trust:
    if keys is not None:
        try:
            return read_key_document(keys.read_bytes())
        except OSError as exc:
            raise UnusableKeyDocument(f"không đọc được tệp khóa {keys}: {exc}") from None
    ring = KeyRing.open(get_settings().home, create=False)
    return Trust(ring.verification_keys(now), RevocationList.of(_revoked_here(), now=now))


def _revoked_here() -> frozenset[str]:
    """The revocations in this server's database (what ``keys publish`` would publish)."""
    database = runtime.open_database()
    with unit_of_work(database.sessions) as session:
        return revoked_entries(session)


def _card_lines(claims: CardClaims, lang: str) -> list[str]:
    card = claims.card

    def line(label: str, value: str) -> str:
        return f"  {_pick(LABELS[label], lang)}: {value}"

    return [
        line("card_number", card.card_number),
        line("full_name", card.full_name),
        line("birth_date", vn_partial_date(card.birth_date, card.birth_precision)),
        line("sex", _pick(SEXES[card.sex], lang) if card.sex in SEXES else ""),
        line("validity", f"{vn_date(card.valid_from)} – {vn_date(card.valid_to)}"),
        line("facility", card.facility_code or ""),
        line("kind", _pick(KINDS[claims.kind], lang)),
        line("expires", vn_datetime(claims.expires_at)),
        line("issuer", claims.issuer),
    ]


def verify_command(
    code: Annotated[str, typer.Argument(help="nội dung mã QR, ảnh PNG/JPEG, hoặc - (stdin)")],
    keys: Annotated[
        Path | None,
        typer.Option(help="tệp khóa đã lưu (sokhoe-keys.json); mặc định: khóa của máy này"),
    ] = None,
    lang: Annotated[str, typer.Option(help="ngôn ngữ: vi hoặc en")] = "vi",
) -> None:
    """Verify a card's QR code offline: exit 0 valid, 1 invalid, 2 unusable input."""
    now = dt.datetime.now(dt.UTC)
    try:
        text = read_input(code)
        trust = _trust(keys, now)
    except (UnusableInput, UnusableKeyDocument, KeyRingError) as exc:
        err_console.print(f"Lỗi: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    result = verify(text, trust.keys, revoked=trust.revocations, now=now)
    if isinstance(result, Valid):
        console.print(f"[bold green]✔ {_pick(LABELS['valid'], lang)}[/bold green]")
        console.print("\n".join(_card_lines(result.claims, lang)), markup=False)
        return
    reason = _pick(REASONS[result.reason], lang)
    console.print(f"[bold red]✘ {_pick(LABELS['invalid'], lang)}:[/bold red] {reason}")
    if result.claims is not None:
        console.print(_pick(LABELS["signed_card"], lang), markup=False)
        console.print("\n".join(_card_lines(result.claims, lang)), markup=False)
    raise typer.Exit(1)


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Sign with a new key from now on; tokens signed before keep verifying."""
    ring = KeyRing.open(get_settings().home)
    retired = b64url(ring.active.kid)
    new = ring.rotate(dt.datetime.now(dt.UTC))
    console.print(f"Khóa ký mới: {b64url(new.kid)} (khóa {retired} chỉ còn dùng để kiểm tra).")
    console.print("Phát hành lại tệp khóa cho các cơ sở y tế: sokhoe keys publish --out FILE")


@keys_app.command("publish")
def keys_publish(
    out: Annotated[Path, typer.Option(dir_okay=False, help="tệp JSON sẽ ghi")],
) -> None:
    """Write the public key document (keys and signed revocation list) for hospitals."""
    now = dt.datetime.now(dt.UTC)
    ring = KeyRing.open(get_settings().home)
    document = key_document(ring, _revoked_here(), now=now)
    out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    console.print(f"Đã ghi {len(document['keys'])} khóa và danh sách thu hồi → {out}")
