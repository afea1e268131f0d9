"""The server secret: from ``SOKHOE_SECRET_KEY``, else generated once into ``home``.

A laptop demo must work without configuration, yet restarts must not invalidate the tokens
already handed out, so a generated key is kept in ``home/secret_key``, readable by the owner
only.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sokhoe.config import Settings

FILE_NAME = "secret_key"


def load_secret_key(settings: Settings) -> bytes:
    """The configured key, or the one stored under ``settings.home`` (created if absent)."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = settings.home / FILE_NAME
    if path.exists():
        return _read(path)
    settings.home.mkdir(parents=True, exist_ok=True)
    return _create(path)


def _read(path: Path) -> bytes:
    key = path.read_bytes().strip()
    if not key:
        raise RuntimeError(f"{path} is empty: delete it to have a new key generated")
    return key


def _create(path: Path) -> bytes:
    """Write a new key beside ``path`` and link it into place, so two processes starting at
    once end up with the same key and nobody ever reads a half-written file."""
    key = secrets.token_urlsafe(48).encode()
    temporary = path.with_name(f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(key)
        os.link(temporary, path)
    except FileExistsError:
        return _read(path)
    finally:
        temporary.unlink(missing_ok=True)
    return key
