"""The key ring on disk, rotation, and the published key document hospitals cache."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest

from sokhoe.insurance.card_token import (
    Invalid,
    KeyRing,
    Reason,
    UnusableKeyDocument,
    Valid,
    key_document,
    read_key_document,
    verify,
)
from sokhoe.insurance.card_token.keyring import KEEP_RETIRED, CurrentKeyRing, KeyRingError
from sokhoe.insurance.card_token.keys import b64url, from_b64url, public_jwk
from sokhoe.insurance.card_token.published import REVOCATIONS_MEMBER
from sokhoe.insurance.card_token.revocations import RevocationList, sign_revocations
from tests.insurance.conftest import NOW, a_card, app_token, new_key

LATER = NOW + dt.timedelta(days=30)


def test_a_first_key_is_created_readable_by_the_owner_only(tmp_path: Path) -> None:
    ring = KeyRing.open(tmp_path)
    key_file = tmp_path / "keys" / f"{b64url(ring.active.kid)}.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    assert KeyRing.open(tmp_path).active.kid == ring.active.kid


def test_a_server_reads_the_ring_once_and_again_after_a_rotation_elsewhere(
    tmp_path: Path,
) -> None:
    current = CurrentKeyRing(tmp_path)
    first = current.get()
    assert current.get() is first
    rotated = KeyRing.open(tmp_path).rotate(NOW).kid  # as ``sokhoe keys rotate`` would
    assert current.get().active.kid == rotated
    keys = current.get().verification_keys(NOW)
    assert first.active.kid in keys and rotated in keys


def test_without_create_a_missing_ring_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(KeyRingError):
        KeyRing.open(tmp_path, create=False)


def test_a_token_signed_before_a_rotation_still_verifies(tmp_path: Path) -> None:
    ring = KeyRing.open(tmp_path)
    before = app_token(ring.active)
    old_kid = ring.active.kid
    ring.rotate(NOW)
    reopened = KeyRing.open(tmp_path)
    assert reopened.active.kid != old_kid
    assert isinstance(verify(before, reopened.verification_keys(NOW), now=NOW), Valid)
    after = app_token(reopened.active)
    assert isinstance(verify(after, reopened.verification_keys(NOW), now=NOW), Valid)


def test_a_retired_key_past_its_keep_period_is_unknown(tmp_path: Path) -> None:
    ring = KeyRing.open(tmp_path)
    old = ring.active
    ring.rotate(NOW)
    end = NOW + KEEP_RETIRED
    token = app_token(old, a_card(valid_to=dt.date(2030, 12, 31)), now=end)
    assert isinstance(
        verify(token, ring.verification_keys(end - dt.timedelta(seconds=1)), now=end), Valid
    )
    assert verify(token, ring.verification_keys(end), now=end) == Invalid(Reason.UNKNOWN_KEY)
    ring.rotate(end)
    assert not (tmp_path / "keys" / f"{b64url(old.kid)}.pem").exists()
    assert len(KeyRing.open(tmp_path).retired) == 1


def test_the_published_document_holds_public_keys_and_signed_revocations(tmp_path: Path) -> None:
    ring = KeyRing.open(tmp_path)
    ring.rotate(NOW)
    document = key_document(ring, ["GD4565612345678"], now=LATER)
    assert all(set(jwk) == {"kty", "crv", "x", "kid", "use", "alg"} for jwk in document["keys"])
    trust = read_key_document(json.dumps(document))
    assert {b64url(k) for k in (ring.active.kid, ring.retired[0].key.kid)} == {
        jwk["kid"] for jwk in document["keys"]
    }
    assert trust.revocations == RevocationList.of(["GD4565612345678"], now=LATER)
    token = app_token(ring.active, now=LATER)
    result = verify(token, trust.keys, revoked=trust.revocations, now=LATER)
    assert isinstance(result, Invalid) and result.reason is Reason.REVOKED


def _document(tmp_path: Path) -> dict[str, object]:
    return key_document(KeyRing.open(tmp_path), [], now=NOW)


def test_a_key_swapped_under_a_known_kid_is_refused(tmp_path: Path) -> None:
    document = _document(tmp_path)
    swapped = public_jwk(new_key().public) | {"kid": document["keys"][0]["kid"]}  # type: ignore[index]
    document["keys"] = [swapped]
    with pytest.raises(UnusableKeyDocument, match="thumbprint"):
        read_key_document(json.dumps(document))


def test_a_revocation_list_signed_by_another_key_is_refused(tmp_path: Path) -> None:
    document = _document(tmp_path)
    foreign = sign_revocations(RevocationList.of([], now=NOW), new_key())
    document[REVOCATIONS_MEMBER] = b64url(foreign)
    with pytest.raises(UnusableKeyDocument, match="unknown key"):
        read_key_document(json.dumps(document))


def test_an_edited_revocation_list_is_refused(tmp_path: Path) -> None:
    document = key_document(KeyRing.open(tmp_path), ["GD4565612345678"], now=NOW)
    signed = from_b64url(str(document[REVOCATIONS_MEMBER]))
    edited = signed.replace(b"GD4565612345678", b"GD4565612345679")
    document[REVOCATIONS_MEMBER] = b64url(edited)
    with pytest.raises(UnusableKeyDocument, match="bad signature"):
        read_key_document(json.dumps(document))


def test_keys_of_other_types_are_skipped(tmp_path: Path) -> None:
    document = _document(tmp_path)
    document["keys"] = [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}, *document["keys"]]  # type: ignore[misc]
    assert len(read_key_document(json.dumps(document)).keys) == 1


@pytest.mark.parametrize(
    "text",
    [
        b"\x89PNG",
        "[]",
        "{}",
        '{"keys": []}',
        '{"keys": [], "sokhoe_revocations": "!!"}',
        '{"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}], "sokhoe_revocations": ""}',
    ],
)
def test_unusable_documents_are_refused_with_a_reason(text: str | bytes) -> None:
    with pytest.raises(UnusableKeyDocument):
        read_key_document(text)
