"""The issuer's Ed25519 key ring under ``SOKHOE_HOME/keys/``.

``<kid>.pem`` holds each private key (PKCS#8, mode 0600) and ``ring.json`` says which key
signs (``active``) and when the others were retired. A retired key still verifies for
:data:`KEEP_RETIRED` after its retirement — as long as the longest-lived token it may have
signed (a paper code) — so rotating never breaks a token signed before; past that it leaves
the published key set and its file is deleted at the next rotation.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from sokhoe.insurance.card_token.claims import PAPER_MAX_LIFETIME
from sokhoe.insurance.card_token.keys import KeySet, SigningKey, b64url
from sokhoe.insurance.card_token.token import CLOCK_SKEW

KEEP_RETIRED = PAPER_MAX_LIFETIME + CLOCK_SKEW
RING_FILE = "ring.json"


class KeyRingError(RuntimeError):
    """The key ring on disk is unreadable or inconsistent."""


@dataclass(frozen=True)
class RetiredKey:
    key: SigningKey
    retired_at: dt.datetime

    def verifies_at(self, now: dt.datetime) -> bool:
        return now < self.retired_at + KEEP_RETIRED


class KeyRing:
    """One active signing key and the retired keys still verifying."""

    def __init__(self, directory: Path, active: SigningKey, retired: list[RetiredKey]) -> None:
        self.directory = directory
        self.active = active
        self.retired = retired

    @classmethod
    def open(cls, home: Path, *, create: bool = True) -> KeyRing:
        """The ring of ``home``, created with a first key when there is none (else, with
        ``create=False``, :class:`KeyRingError`)."""
        directory = home / "keys"
        if not (directory / RING_FILE).exists():
            if not create:
                raise KeyRingError(f"chưa có khóa ký trong {directory}")
            _create(directory)
        return cls._load(directory)

    def verification_keys(self, now: dt.datetime) -> KeySet:
        """The active key and the retired keys still within their keep period."""
        kept = [r.key.public for r in self.retired if r.verifies_at(now)]
        return KeySet([self.active.public, *kept])

    def rotate(self, now: dt.datetime) -> SigningKey:
        """Sign with a new key from now on; retire the active one; forget (and delete) the
        retired keys past their keep period. Meant for one administrator at a time."""
        new = _write_key(self.directory, Ed25519PrivateKey.generate())
        retired = [RetiredKey(self.active, now), *self.retired]
        kept = [r for r in retired if r.verifies_at(now)]
        _write_ring(self.directory, new, kept, replace=True)
        kept_kids = {r.key.kid for r in kept}
        for gone in retired:
            if gone.key.kid not in kept_kids:
                (self.directory / f"{b64url(gone.key.kid)}.pem").unlink(missing_ok=True)
        self.active, self.retired = new, kept
        return new

    @classmethod
    def _load(cls, directory: Path) -> KeyRing:
        try:
            ring = json.loads((directory / RING_FILE).read_text(encoding="utf-8"))
            active = _read_key(directory, ring["active"])
            retired = [
                RetiredKey(
                    _read_key(directory, entry["kid"]),
                    dt.datetime.fromisoformat(entry["retired_at"]),
                )
                for entry in ring["retired"]
            ]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise KeyRingError(f"khóa ký trong {directory} không đọc được: {exc}") from exc
        return cls(directory, active, retired)


class CurrentKeyRing:
    """The ring of ``home`` for a long-running server: read once, and again only when
    ``ring.json`` changes on disk (``sokhoe keys rotate`` in another process moves a new file
    in), so a check does not parse PEM files on every request."""

    def __init__(self, home: Path) -> None:
        self._home = home
        self._lock = threading.Lock()
        self._ring: KeyRing | None = None
        self._read_at: tuple[int, int, int] | None = None

    def get(self) -> KeyRing:
        with self._lock:
            # Stamped before reading: a change in between only causes one more reading.
            stamp = self._stamp()
            if self._ring is None or stamp != self._read_at:
                self._ring = KeyRing.open(self._home)
                self._read_at = stamp or self._stamp()  # a first start creates the ring
            return self._ring

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            stat = (self._home / "keys" / RING_FILE).stat()
        except FileNotFoundError:
            return None
        return stat.st_ino, stat.st_mtime_ns, stat.st_size


def _read_key(directory: Path, kid: str) -> SigningKey:
    private = load_pem_private_key((directory / f"{kid}.pem").read_bytes(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError(f"{kid}.pem is not an Ed25519 key")
    key = SigningKey(private)
    if b64url(key.kid) != kid:
        raise ValueError(f"{kid}.pem holds another key")
    return key


def _write_key(directory: Path, private: Ed25519PrivateKey) -> SigningKey:
    key = SigningKey(private)
    pem = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    descriptor = os.open(
        directory / f"{b64url(key.kid)}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600
    )
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return key


def _write_ring(
    directory: Path, active: SigningKey, retired: list[RetiredKey], *, replace: bool
) -> None:
    """Write ``ring.json`` whole beside its place, then move it in: readers never see half
    a file, and when ``replace`` is false an existing ring wins (two first starts at once)."""
    ring = {
        "active": b64url(active.kid),
        "retired": [
            {"kid": b64url(r.key.kid), "retired_at": r.retired_at.isoformat()} for r in retired
        ],
    }
    temporary = directory / f".{RING_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    temporary.write_text(json.dumps(ring, indent=2) + "\n", encoding="utf-8")
    try:
        if replace:
            temporary.replace(directory / RING_FILE)
        else:
            os.link(temporary, directory / RING_FILE)
    finally:
        temporary.unlink(missing_ok=True)


def _create(directory: Path) -> None:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    first = _write_key(directory, Ed25519PrivateKey.generate())
    try:
        _write_ring(directory, first, [], replace=False)
    except FileExistsError:
        (directory / f"{b64url(first.kid)}.pem").unlink()
