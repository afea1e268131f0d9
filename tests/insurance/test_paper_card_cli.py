"""``sokhoe card print`` and ``sokhoe card revoke`` on the configured database, and a paper
card replayed after its revocation against the published key document (``sokhoe verify
--keys``): exit 0 done, 1 refused or nothing to do, 2 bad input."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from sokhoe.access.audit import NO_ACTOR_ROLE
from sokhoe.access.models import AuditEntry
from sokhoe.cli import app
from sokhoe.config import get_settings
from sokhoe.insurance.paper_card_models import PaperCard
from tests.access.conftest import Place, fast_hashing, place, session
from tests.insurance.test_integration_requests import PARENT_CARD, _card

__all__ = ["fast_hashing", "place", "session"]

runner = CliRunner()
TODAY = dt.date.today()


@pytest.fixture(autouse=True)
def configured(
    monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path
) -> Iterator[None]:
    """Point the command line at the test database and a key ring of its own."""
    monkeypatch.setenv("SOKHOE_DATABASE_URL", database_url)
    monkeypatch.setenv("SOKHOE_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def holder(session: Session, place: Place) -> str:
    """The parent, with a card valid from a month ago to the end of next year."""
    session.add(
        _card(
            PARENT_CARD,
            place.parent,
            "Trần Văn Bình",
            valid_from=TODAY - dt.timedelta(days=30),
            valid_to=dt.date(TODAY.year + 1, 12, 31),
        )
    )
    session.commit()
    return place.parent


def _qr_text_of(pdf: Path) -> Path:
    subprocess.run(["pdftoppm", "-png", "-r", "150", pdf, pdf.with_suffix("")], check=True)
    return pdf.with_name(pdf.stem + "-1.png")


def test_a_paper_card_replayed_after_revocation_is_refused(
    session: Session, holder: str, tmp_path: Path
) -> None:
    pdf = tmp_path / "the-giay.pdf"
    printed = runner.invoke(app, ["card", "print", holder, "--out", str(pdf)])
    assert printed.exit_code == 0, printed.output
    assert "Đã in thẻ giấy: Trần Văn Bình" in printed.output
    image = _qr_text_of(pdf)
    keys = tmp_path / "keys.json"
    assert runner.invoke(app, ["keys", "publish", "--out", str(keys)]).exit_code == 0
    valid = runner.invoke(app, ["verify", str(image), "--keys", str(keys)])
    assert valid.exit_code == 0, valid.output
    assert "Loại mã: in trên giấy" in valid.output

    token_id = session.scalars(select(PaperCard.token_id)).one()
    spaced = " ".join(token_id.upper()[i : i + 4] for i in range(0, 16, 4))  # as printed
    revoked = runner.invoke(app, ["card", "revoke", spaced, "--reason", "Mất thẻ giấy"])
    assert revoked.exit_code == 0, revoked.output
    again = runner.invoke(app, ["card", "revoke", token_id, "--reason", "Mất thẻ giấy"])
    assert again.exit_code == 1 and "thu hồi trước đó" in again.output

    # The old key document still accepts it; the one published after the revocation not.
    assert runner.invoke(app, ["verify", str(image), "--keys", str(keys)]).exit_code == 0
    assert runner.invoke(app, ["keys", "publish", "--out", str(keys)]).exit_code == 0
    replayed = runner.invoke(app, ["verify", str(image), "--keys", str(keys)])
    assert replayed.exit_code == 1
    assert "Thẻ hoặc mã đã bị thu hồi" in replayed.output
    # And so does this server's own check, without a key file.
    assert runner.invoke(app, ["verify", str(image)]).exit_code == 1

    session.expire_all()
    roles = {
        (entry.action, entry.actor_role, entry.subject_person_id)
        for entry in session.scalars(select(AuditEntry))
    }
    assert ("print_paper_card", NO_ACTOR_ROLE, holder) in roles
    assert ("revoke_paper_card", NO_ACTOR_ROLE, holder) in roles


def test_revoking_a_card_number(holder: str, tmp_path: Path) -> None:
    args = ["card", "revoke", "--card", PARENT_CARD, "--reason", "Gian lận", "--lang", "en"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"Card revoked {PARENT_CARD}" in result.output
    assert runner.invoke(app, args).exit_code == 1
    nothing = runner.invoke(app, ["card", "print", holder, "--out", str(tmp_path / "x.pdf")])
    assert nothing.exit_code == 1 and "không có thẻ BHYT còn giá trị" in nothing.output
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["print", "05609000000", "--out", "x.pdf"], 2, "nhận được 11 ký tự"),
        (["print", "056990000001", "--out", "x.pdf"], 2, "chữ số thứ 4"),
        (["print", "056990000001", "--out", "x.pdf", "--lang", "en"], 2, "4th digit"),
        (["print", "ZZ1565600000001", "--out", "x.pdf"], 2, "nhóm đối tượng 'ZZ'"),
        (["print", "056170000099", "--out", "x.pdf"], 1, "Không tìm thấy"),
        (["print", "056170000004", "--out", "x.pdf"], 1, "không có thẻ BHYT"),
        (["revoke", "--reason", "mất"], 2, "không cả hai"),
        (["revoke", "0123", "--card", PARENT_CARD, "--reason", "mất"], 2, "không cả hai"),
        (["revoke", "0123", "--reason", "mất"], 2, "16 chữ số thập lục phân"),
        (["revoke", "0123456789abcdef", "--reason", "mất"], 1, "Không có thẻ giấy"),
        (["revoke", "0123456789abcdef", "--reason", " "], 2, "lý do thu hồi"),
        (["revoke", "--card", "GD45656", "--reason", "mất"], 2, "15 ký tự"),
        (["revoke", "--card", "GD4565699999999", "--reason", "mất"], 1, "Không tìm thấy"),
    ],
)
def test_refusals_and_bad_input(
    holder: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    code: int,
    said: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["card", *args])
    assert result.exit_code == code, result.output
    assert said in result.output
