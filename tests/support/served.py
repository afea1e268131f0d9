"""A web server in a process of its own (``sokhoe serve``, or a baseline app under uvicorn),
as the multi-process tests and the HTTP benchmarks run it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (uvicorn's worker processes), from Linux ``/proc``."""
    tree, index = [pid], 0
    while index < len(tree):
        for task in Path(f"/proc/{tree[index]}/task").glob("*"):
            with contextlib.suppress(OSError):
                tree.extend(int(child) for child in (task / "children").read_text().split())
        index += 1
    return tree


def cpu_seconds(pid: int) -> float:
    """User and system CPU time so far of a process and its descendants (Linux ``/proc``)."""
    total = 0.0
    for member in process_tree(pid):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


@contextlib.contextmanager
def server(
    command: list[str], port: int, env: dict[str, str], *, listeners: int = 1
) -> Iterator[tuple[str, int]]:
    """Runs ``command`` (a server on ``port``) until the block ends; yields its base URL and
    process id once ``/healthz`` answers and ``listeners`` sockets listen on the port (one
    per process of ``sokhoe serve --workers``: a process still starting gets no
    connections)."""
    process = subprocess.Popen(command, env={**os.environ, **env}, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts processes slowly
        while True:
            with contextlib.suppress(httpx.HTTPError):
                healthy = httpx.get(f"{base}/healthz", timeout=1).status_code == 200
                if healthy and _listening(port) >= listeners:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command[0]} did not start")
            time.sleep(0.2)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(30)


def _tcp_sockets(port: int, state: str) -> set[str]:
    """The inodes (as ``socket:[N]``) of the TCP sockets on local ``port`` in ``state``
    (``01`` established, ``0A`` listening), from Linux ``/proc/net``."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == state and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    return inodes


def _listening(port: int) -> int:
    return len(_tcp_sockets(port, "0A"))


def connections_by_process(pids: list[int], port: int) -> dict[int, int]:
    """How many established TCP connections to local ``port`` each of ``pids`` holds
    (Linux ``/proc``: the sockets of the connection table, found among each's descriptors)."""
    inodes = _tcp_sockets(port, "01")
    counts = {}
    for pid in pids:
        held = 0
        for descriptor in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                held += os.readlink(descriptor) in inodes
        counts[pid] = held
    return counts
