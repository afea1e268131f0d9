"""Offline card-token verification speed on one core (issue 5: ≥ 5,000 tokens/s).

Usage: ``uv run python -m benchmarks.bench_verify [--tokens 20000]``.
Signs that many distinct app tokens (distinct names, cards and token ids) with the active key
of a ring that also holds a retired key, then verifies each once with
:func:`sokhoe.insurance.card_token.verify` against a revocation list of 100,000 entries. The
baseline, in the same run, is the bare Ed25519 verification of the very same signed bytes
(the ``cryptography`` call :func:`verify` makes): the ratio shows what reading the QR text
(Base45, zlib, CBOR, claims) adds to the signature check, which is the ceiling. The process is
pinned to one CPU. Also prints the tokens' length and QR versions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time
from collections import Counter

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sokhoe.insurance.card_token import (
    CardDetails,
    KeySet,
    SigningKey,
    TokenKind,
    Valid,
    cose,
    envelope,
    new_claims,
    sign,
    verify,
)
from sokhoe.insurance.card_token.qr import make_qr

NOW = dt.datetime(2026, 3, 1, 1, 0, tzinfo=dt.UTC)
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Ngọc", "Minh", "Thanh", "Quốc"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Hạnh", "Hương", "Khánh", "Lan", "Phương", "Thảo", "Tuấn"]


def cards(count: int) -> list[CardDetails]:
    return [
        CardDetails(
            card_number=f"GD456{5_600_000_000 + i:010d}",
            full_name=" ".join(
                (FAMILY[i % 10], MIDDLE[i // 10 % 8], GIVEN[i // 80 % 11], GIVEN[i // 880 % 11])
            ),
            birth_date=dt.date(1940 + i % 80, 1 + i % 12, 1 + i % 28),
            birth_precision="day",
            sex="MF"[i % 2],
            valid_from=dt.date(2026, 1, 1),
            valid_to=dt.date(2026, 12, 31),
            facility_code=f"56{i % 1000:03d}",
        )
        for i in range(count)
    ]


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s ({seconds * 1e6 / count:.0f} µs each)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tokens", type=int, default=20_000)
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    active = SigningKey(Ed25519PrivateKey.generate())
    retired = SigningKey(Ed25519PrivateKey.generate())
    keys = KeySet([active.public, retired.public])
    revoked = frozenset(f"GD456{i:010d}" for i in range(100_000))

    start = time.perf_counter()
    tokens = [
        sign(new_claims(card, kind=TokenKind.APP, issuer="VN-56", now=NOW), active)
        for card in cards(args.tokens)
    ]
    signing = time.perf_counter() - start
    assert len(set(tokens)) == len(tokens)
    messages = [cose.parse_sign1(envelope.unwrap(token)) for token in tokens]
    bare = [(message.signature, message.signed_bytes) for message in messages]

    start = time.perf_counter()
    results = [verify(token, keys, revoked=revoked, now=NOW) for token in tokens]
    verifying = time.perf_counter() - start
    assert all(isinstance(result, Valid) for result in results)

    public = active.public
    start = time.perf_counter()
    for signature, data in bare:
        public.verify(signature, data)
    baseline = time.perf_counter() - start

    lengths = [len(token) for token in tokens]
    versions = Counter(make_qr(token).version for token in tokens[:2000])
    print(f"tokens: {args.tokens:,}, signed at {rate(args.tokens, signing)}")  # noqa: T201
    print(f"verify():            {rate(args.tokens, verifying)}")  # noqa: T201
    print(f"bare Ed25519 verify: {rate(args.tokens, baseline)}")  # noqa: T201
    print(f"ratio to baseline: {verifying / baseline:.2f}x")  # noqa: T201
    print(  # noqa: T201
        f"QR text: {min(lengths)}–{max(lengths)} characters (median "
        f"{statistics.median(lengths):.0f}); versions at level M (first 2,000): "
        + ", ".join(f"v{v}: {n}" for v, n in sorted(versions.items()))
    )


if __name__ == "__main__":
    main()
