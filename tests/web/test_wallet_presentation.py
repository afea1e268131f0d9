"""Xuất trình giấy tờ on the web: behind the wallet passcode, a code for one's own card;
five wrong passcodes lock it; nobody presents another person's card (R2, R5)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from sokhoe.runtime import Database
from tests.web.conftest import form_token, sign_in
from tests.web.test_wallet import CHILD, OWN_CARD, PARENT, _file, family, parent

__all__ = ["family", "parent"]

PRESENT, PASSCODE = "/vi-giay-to/xuat-trinh", "/vi-giay-to/ma-bao-ve"
CODE = "246810"


def _set_code(client: TestClient, code: str = CODE) -> int:
    token = form_token(client.get(PRESENT).text)
    return client.post(PASSCODE, data={"new_code": code, "csrf_token": token}).status_code


def _present(client: TestClient, person: str, code: str = CODE) -> tuple[int, str]:
    token = form_token(client.get(PRESENT).text)
    answer = client.post(PRESENT, data={"person": person, "code": code, "csrf_token": token})
    return answer.status_code, answer.text


def test_the_card_is_shown_with_its_code_behind_the_passcode(parent: TestClient) -> None:
    _file(parent, OWN_CARD)
    assert _set_code(parent, "12ab56") == 422
    assert _set_code(parent) == 303
    status, page = _present(parent, PARENT)
    assert status == 200
    assert "<svg" in page and OWN_CARD in page
    assert _present(parent, CHILD)[0] == 404  # the child's wallet holds no card


def test_five_wrong_passcodes_lock_the_wallet(parent: TestClient) -> None:
    _file(parent, OWN_CARD)
    assert _set_code(parent) == 303
    answers = [_present(parent, PARENT, "000000") for _ in range(5)]
    assert [status for status, _page in answers] == [403] * 5
    assert "Còn 4 lần thử trước khi ví bị khóa" in answers[0][1]
    assert "Ví bị khóa đến" in answers[-1][1]
    status, page = _present(parent, PARENT)
    assert status == 429 and "<svg" not in page


@pytest.mark.parametrize("person", [PARENT, CHILD])
def test_a_citizen_never_presents_another_persons_card(
    client: TestClient, family: Database, person: str
) -> None:
    assert sign_in(client, "cha").status_code == 303
    _file(client, OWN_CARD)
    client.cookies.clear()
    assert sign_in(client, "hangxom").status_code == 303
    assert _set_code(client) == 303
    status, page = _present(client, person)
    assert status == 404 and OWN_CARD not in page
