"""``GET /.well-known/sokhoe-keys.json``: public, briefly cacheable, and what verifiers need."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from sokhoe.config import Settings
from sokhoe.insurance.card_token import KeyRing, Valid, read_key_document, verify
from tests.insurance.conftest import a_card, app_token

PATH = "/.well-known/sokhoe-keys.json"


def test_the_key_document_is_public_and_verifies_the_issuers_tokens(
    client: TestClient, settings: Settings
) -> None:
    response = client.get(PATH)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["x-content-type-options"] == "nosniff"
    trust = read_key_document(response.content)
    now = dt.datetime.now(dt.UTC)
    card = a_card(
        valid_from=now.date() - dt.timedelta(days=1), valid_to=now.date() + dt.timedelta(days=1)
    )
    token = app_token(KeyRing.open(settings.home).active, card, now=now)
    assert isinstance(verify(token, trust.keys, revoked=trust.revocations, now=now), Valid)


def test_it_holds_no_private_key(client: TestClient) -> None:
    for jwk in client.get(PATH).json()["keys"]:
        assert set(jwk) == {"kty", "crv", "x", "kid", "use", "alg"}


def test_pages_stay_uncached(client: TestClient) -> None:
    assert client.get("/dang-nhap").headers["cache-control"] == "no-store"
