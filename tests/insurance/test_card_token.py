"""Signing and verifying card tokens: each way a presented code can be wrong has its answer."""

from __future__ import annotations

import datetime as dt
import zlib

import cbor2
import pytest

from sokhoe.insurance.card_token import (
    CardNotValid,
    Invalid,
    KeySet,
    Reason,
    SigningKey,
    TokenKind,
    Valid,
    base45,
    cose,
    envelope,
    new_claims,
    sign,
    verify,
)
from sokhoe.insurance.card_token.claims import encode_claims
from sokhoe.insurance.card_token.keys import b64url
from sokhoe.insurance.card_token.qr import make_qr
from sokhoe.insurance.card_token.token import CLOCK_SKEW
from tests.insurance.conftest import ISSUER, LONG_NAME, NOW, a_card, app_token, new_key

SECOND = dt.timedelta(seconds=1)


def test_a_signed_token_verifies_to_the_same_claims(key: SigningKey, keys: KeySet) -> None:
    claims = new_claims(a_card(), kind=TokenKind.APP, issuer=ISSUER, now=NOW)
    result = verify(sign(claims, key), keys, now=NOW)
    assert result == Valid(claims, b64url(key.kid))


@pytest.mark.parametrize(
    ("birth", "precision"),
    [(dt.date(1987, 3, 9), "day"), (dt.date(1987, 3, 1), "month"), (dt.date(1987, 1, 1), "year")],
)
def test_a_birth_date_keeps_its_precision(
    key: SigningKey, keys: KeySet, birth: dt.date, precision: str
) -> None:
    card = a_card(birth_date=birth, birth_precision=precision, sex=None, facility_code=None)
    result = verify(app_token(key, card), keys, now=NOW)
    assert isinstance(result, Valid)
    assert result.claims.card == card


def test_an_app_token_lives_five_minutes(key: SigningKey, keys: KeySet) -> None:
    token = app_token(key)
    last_moment = NOW + dt.timedelta(minutes=5) + CLOCK_SKEW - SECOND
    assert isinstance(verify(token, keys, now=last_moment), Valid)
    expired = verify(token, keys, now=last_moment + SECOND)
    assert isinstance(expired, Invalid)
    assert expired.reason is Reason.EXPIRED
    assert expired.claims is not None and expired.claims.card == a_card()


def test_a_token_from_the_future_is_not_yet_valid(key: SigningKey, keys: KeySet) -> None:
    token = app_token(key)
    assert isinstance(verify(token, keys, now=NOW - CLOCK_SKEW), Valid)
    assert verify(token, keys, now=NOW - CLOCK_SKEW - SECOND) == Invalid(
        Reason.NOT_YET_VALID,
        verify(token, keys, now=NOW).claims,  # type: ignore[union-attr]
    )


def test_a_paper_token_lives_until_the_card_ends_vietnam_time() -> None:
    claims = new_claims(a_card(), kind=TokenKind.PAPER, issuer=ISSUER, now=NOW)
    assert claims.expires_at == dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC)


def test_a_paper_token_lives_a_year_at_most() -> None:
    card = a_card(valid_to=dt.date(2030, 12, 31))
    claims = new_claims(card, kind=TokenKind.PAPER, issuer=ISSUER, now=NOW)
    assert claims.expires_at == NOW + dt.timedelta(days=366)


def test_an_app_token_never_outlives_its_card() -> None:
    last_evening = dt.datetime(2026, 12, 31, 16, 58, tzinfo=dt.UTC)  # 23:58 in Vietnam
    claims = new_claims(a_card(), kind=TokenKind.APP, issuer=ISSUER, now=last_evening)
    assert claims.expires_at == dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("day", [dt.date(2025, 12, 31), dt.date(2027, 1, 1)])
def test_no_token_for_a_card_outside_its_validity(day: dt.date) -> None:
    moment = dt.datetime.combine(day, dt.time(12), dt.UTC)
    with pytest.raises(CardNotValid):
        new_claims(a_card(), kind=TokenKind.APP, issuer=ISSUER, now=moment)


def test_a_revoked_token_id_or_card_number_is_refused(key: SigningKey, keys: KeySet) -> None:
    token = app_token(key)
    valid = verify(token, keys, now=NOW)
    assert isinstance(valid, Valid)
    for entry in (valid.claims.token_id_text, "GD4565612345678"):
        result = verify(token, keys, revoked={entry}, now=NOW)
        assert result == Invalid(Reason.REVOKED, valid.claims)
    assert isinstance(verify(token, keys, revoked={"GD4565612345679"}, now=NOW), Valid)


def test_a_key_outside_the_set_is_unknown(keys: KeySet) -> None:
    assert verify(app_token(new_key()), keys, now=NOW) == Invalid(Reason.UNKNOWN_KEY)


def _signed(protected: bytes, payload: bytes, signer: SigningKey, unprotected: object) -> str:
    signature = signer.sign(cose.to_be_signed(protected, payload))
    message = cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, payload, signature]))
    return envelope.wrap(message)


def _payload() -> bytes:
    return encode_claims(new_claims(a_card(), kind=TokenKind.APP, issuer=ISSUER, now=NOW))


def test_a_forger_naming_a_trusted_key_has_a_bad_signature(key: SigningKey, keys: KeySet) -> None:
    forged = _signed(cose.protected_header(key.kid), _payload(), new_key(), {})
    assert verify(forged, keys, now=NOW) == Invalid(Reason.BAD_SIGNATURE)


def test_the_unprotected_header_is_not_trusted(key: SigningKey, keys: KeySet) -> None:
    forger = new_key()
    own_kid = _signed(cose.protected_header(forger.kid), _payload(), forger, {4: key.kid})
    assert verify(own_kid, keys, now=NOW) == Invalid(Reason.UNKNOWN_KEY)
    no_kid = _signed(cbor2.dumps({1: -8}), _payload(), key, {4: key.kid})
    assert verify(no_kid, keys, now=NOW) == Invalid(Reason.MALFORMED)


def test_only_eddsa_is_accepted(key: SigningKey, keys: KeySet) -> None:
    es256 = _signed(cbor2.dumps({1: -7, 4: key.kid}), _payload(), key, {})
    assert verify(es256, keys, now=NOW) == Invalid(Reason.MALFORMED)


def test_a_genuine_signature_over_something_else_is_malformed(
    key: SigningKey, keys: KeySet
) -> None:
    other = _signed(cose.protected_header(key.kid), cbor2.dumps({1: "VN-56"}), key, {})
    assert verify(other, keys, now=NOW) == Invalid(Reason.MALFORMED)


def test_an_untagged_message_verifies(key: SigningKey, keys: KeySet) -> None:
    tagged = cose.parse_sign1(envelope.unwrap(app_token(key)))
    untagged = cbor2.dumps([tagged.protected, {}, tagged.payload, tagged.signature])
    assert isinstance(verify(envelope.wrap(untagged), keys, now=NOW), Valid)


@pytest.mark.parametrize(
    "text", ["", "HC1:6BFOXN%TS3DH", "https://vneid.gov.vn/", "sk1:ABC", " SK1:ABC"]
)
def test_other_codes_are_not_sokhoe(keys: KeySet, text: str) -> None:
    assert verify(text, keys, now=NOW) == Invalid(Reason.NOT_SOKHOE)


def _wrapped(raw: bytes) -> str:
    return envelope.PREFIX + base45.encode(raw)


@pytest.mark.parametrize(
    "text",
    [
        "SK1:",
        "SK1:abc",
        "SK1:Ỹ",
        "SK1:GGW",  # a group above 65535
        "SK1:A",  # a lone character
        _wrapped(b"not zlib"),
        _wrapped(zlib.compress(b"not cbor \xff")),
        _wrapped(zlib.compress(cbor2.dumps([1, 2, 3, 4]))),
        _wrapped(zlib.compress(cbor2.dumps(cbor2.CBORTag(98, [])))),
        _wrapped(zlib.compress(cbor2.dumps([b"", {}, b"", b""]) + b"\x00")),  # trailing byte
        _wrapped(zlib.compress(b"\x81" * 5000)),  # nested deeper than any token
        _wrapped(zlib.compress(b"x")[:-2]),  # truncated
        _wrapped(zlib.compress(b"x") + b"!"),  # padded
        "SK1:" + "0" * 5000,  # longer than any QR code
    ],
)
def test_broken_codes_are_malformed(keys: KeySet, text: str) -> None:
    assert verify(text, keys, now=NOW) == Invalid(Reason.MALFORMED)


def test_a_zlib_bomb_is_malformed_without_being_inflated(keys: KeySet) -> None:
    bomb = _wrapped(zlib.compress(b"\x00" * 2_000_000, 9))
    assert len(bomb) < envelope.MAX_TEXT
    assert verify(bomb, keys, now=NOW) == Invalid(Reason.MALFORMED)


def test_an_app_token_fits_a_small_qr_code(key: SigningKey) -> None:
    """Version 10 (57 modules) for a usual name, 11 for a long one: a phone shows either at
    more than 5 pixels a module."""
    typical = make_qr(app_token(key))
    longest = make_qr(app_token(key, a_card(full_name=LONG_NAME)))
    assert typical.version <= 10
    assert longest.version <= 11
    assert (typical.error, typical.mode) == ("M", "alphanumeric")


def test_a_naive_time_is_a_programming_error(key: SigningKey, keys: KeySet) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        verify(app_token(key), keys, now=dt.datetime(2026, 3, 1, 8, 0))
