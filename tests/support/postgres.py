"""A throwaway PostgreSQL cluster for the test session (Debian's packaged binaries).

As root, the cluster runs as the ``postgres`` user, as PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def find_bin_dir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in candidates:
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(args: list[str], as_postgres: bool) -> None:
    if as_postgres:
        args = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(args)]
    subprocess.run(args, check=True, capture_output=True)


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Start a cluster in a temporary directory; yield a SQLAlchemy URL of its admin database."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    as_postgres = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="sokhoe-pg-"))
    data = root / "data"
    if as_postgres:
        shutil.chown(root, "postgres", "postgres")
    port = _free_port()
    _run(
        [
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        as_postgres,
    )
    options = (
        f"-k {root} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off"
    )
    _run(
        [
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            f"'{options}'",
            "-w",
            "-l",
            str(root / "log"),
            "start",
        ],
        as_postgres,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], as_postgres)
        shutil.rmtree(root, ignore_errors=True)
