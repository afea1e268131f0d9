"""Property tests: no change to a token's bytes passes, and no input makes verify raise."""

from __future__ import annotations

import zlib

import cbor2
from hypothesis import given
from hypothesis import strategies as st

from sokhoe.insurance.card_token import Invalid, KeySet, Reason, Valid, base45, envelope, verify
from tests.insurance.conftest import NOW, app_token, new_key

KEY = new_key()
KEYS = KeySet([KEY.public])
TOKEN = app_token(KEY)
MESSAGE = envelope.unwrap(TOKEN)


@given(st.data())
def test_any_changed_byte_of_the_signed_message_is_refused(data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(MESSAGE) - 1), label="position")
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != MESSAGE[position]), label="byte")
    changed = MESSAGE[:position] + bytes([byte]) + MESSAGE[position + 1 :]
    result = verify(envelope.wrap(changed), KEYS, now=NOW)
    assert isinstance(result, Invalid)
    assert result.reason in {Reason.MALFORMED, Reason.BAD_SIGNATURE, Reason.UNKNOWN_KEY}


@given(st.data())
def test_any_changed_character_of_the_qr_text_is_refused(data: st.DataObject) -> None:
    """A change either breaks the code or leaves the signed message intact: zlib ignores a
    few bits (header level, final padding), and those may change without changing what is
    signed — never what the code says."""
    position = data.draw(st.integers(0, len(TOKEN) - 1), label="position")
    alphabet = base45.ALPHABET.decode() + "abcỹ\n\x00"
    char = data.draw(st.sampled_from(alphabet).filter(lambda c: c != TOKEN[position]))
    changed = TOKEN[:position] + char + TOKEN[position + 1 :]
    result = verify(changed, KEYS, now=NOW)
    if isinstance(result, Valid):
        assert envelope.unwrap(changed) == MESSAGE


@given(st.binary(max_size=32), st.integers(0, len(MESSAGE)), st.integers(0, 16))
def test_inserted_or_removed_bytes_are_refused(insert: bytes, position: int, cut: int) -> None:
    changed = MESSAGE[:position] + insert + MESSAGE[position + cut :]
    if changed != MESSAGE:
        assert isinstance(verify(envelope.wrap(changed), KEYS, now=NOW), Invalid)


@given(st.text(max_size=400))
def test_any_text_gets_an_answer(text: str) -> None:
    assert isinstance(verify(text, KEYS, now=NOW), Invalid)


@given(st.text(alphabet=base45.ALPHABET.decode(), max_size=600))
def test_any_base45_text_behind_the_prefix_gets_an_answer(text: str) -> None:
    assert isinstance(verify(envelope.PREFIX + text, KEYS, now=NOW), Invalid)


_cbor_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.binary(max_size=40) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.integers(-70000, 10) | st.text(max_size=3), children, max_size=5)
    ),
    max_leaves=20,
)


@given(_cbor_values, st.booleans())
def test_any_cbor_inside_the_envelope_gets_an_answer(value: object, tagged: bool) -> None:
    item = cbor2.CBORTag(18, value) if tagged else value
    text = envelope.PREFIX + base45.encode(zlib.compress(cbor2.dumps(item)))
    assert isinstance(verify(text, KEYS, now=NOW), Invalid)


@given(st.lists(_cbor_values, min_size=4, max_size=4), st.binary(max_size=64))
def test_any_sign1_shape_gets_an_answer(parts: list[object], signature: bytes) -> None:
    """Four parts of any type, with a protected header naming the trusted key."""
    parts[0] = cbor2.dumps({1: -8, 4: KEY.kid, 5: parts[0]})
    parts[3] = signature
    text = envelope.wrap(cbor2.dumps(cbor2.CBORTag(18, parts)))
    assert isinstance(verify(text, KEYS, now=NOW), Invalid)
