"""The fast Base45 decoder against the ``base45`` package's (RFC 9285 test vectors too)."""

from __future__ import annotations

import base45 as reference
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sokhoe.insurance.card_token import base45


@pytest.mark.parametrize(
    ("text", "data"), [("BB8", b"AB"), ("%69 VD92EX0", b"Hello!!"), ("UJCLQE7W581", b"base-45")]
)
def test_rfc_9285_examples(text: str, data: bytes) -> None:
    assert base45.decode(text) == data
    assert base45.encode(data) == text


@given(st.binary(max_size=300))
def test_decoding_reverses_encoding(data: bytes) -> None:
    assert base45.decode(base45.encode(data)) == data


@given(st.text(alphabet=base45.ALPHABET.decode() + "a\n", max_size=60))
def test_both_decoders_agree_on_any_text(text: str) -> None:
    try:
        expected: bytes | None = reference.b45decode(text)
    except ValueError:
        expected = None
    try:
        actual: bytes | None = base45.decode(text)
    except base45.InvalidBase45:
        actual = None
    if text.endswith("\n"):  # the package strips a final newline; a QR code has none
        assert actual is None
    else:
        assert actual == expected
