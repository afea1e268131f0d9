"""The open-loop HTTP client of the HTTP benchmarks (``bench_verify_http``,
``bench_fhir_http``), and how their results are shown.

A bare asyncio HTTP/1.1 client: httpx's own overhead on this 2-core machine was larger than
the server's time, and it shares the cores with the server.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Outcome:
    #: Each answer's latency (s), counted from the moment its request was due.
    latencies: list[float]
    #: Answers the benchmark's ``accepted`` refused.
    failures: int
    #: From the first request due to the last answer (s).
    elapsed: float

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed


@dataclass(frozen=True, slots=True)
class Request:
    body: bytes
    #: Header lines of this request only (``Name: value``), beside the common ones.
    headers: dict[str, str]


def open_loop(
    port: int,
    path: str,
    requests: Sequence[Request],
    rate: float,
    *,
    connections: int,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
    accepted: Callable[[bytes, bytes], bool],
) -> Outcome:
    """Sends ``requests`` at ``rate`` per second over up to ``connections`` keep-alive
    connections: request ``i`` is due at ``i / rate`` seconds whether or not earlier ones
    have been answered, so a slow server shows as latency, not as a lower rate (time spent
    waiting for a free connection counts). ``accepted(status_line, body)`` says whether an
    answer is a success."""
    return asyncio.run(
        _open_loop(
            port,
            path,
            requests,
            rate,
            connections,
            f"Content-Type: {content_type}\r\n"
            + "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items()),
            accepted,
        )
    )


async def _open_loop(
    port: int,
    path: str,
    requests: Sequence[Request],
    rate: float,
    connections: int,
    common: str,
    accepted: Callable[[bytes, bytes], bool],
) -> Outcome:
    due: asyncio.Queue[tuple[float, Request] | None] = asyncio.Queue()
    latencies: list[float] = []
    failures = 0

    async def connection() -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while (item := await due.get()) is not None:
            at, request = item
            own = "".join(f"{name}: {value}\r\n" for name, value in request.headers.items())
            writer.write(
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{common}{own}"
                f"Content-Length: {len(request.body)}\r\n\r\n".encode()
                + request.body
            )
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            answer = await reader.readexactly(length)
            latencies.append(time.perf_counter() - at)
            if not accepted(status_line, answer):
                failures += 1
        writer.close()

    workers = [asyncio.create_task(connection()) for _ in range(connections)]
    start = time.perf_counter() + 0.5
    for i, request in enumerate(requests):
        at = start + i / rate
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        due.put_nowait((at, request))
    for _ in workers:
        due.put_nowait(None)
    await asyncio.gather(*workers)
    return Outcome(latencies, failures, time.perf_counter() - start)


def show(name: str, outcome: Outcome, server_cpu: float) -> dict[int, float]:
    """Prints the outcome's percentiles, rate and server CPU per request; the percentiles
    (ms) by rank."""
    ordered = sorted(outcome.latencies)
    p = {
        q: ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] * 1000 for q in (50, 95, 99)
    }
    print(  # noqa: T201
        f"{name}: {len(ordered):,} requests in {outcome.elapsed:.1f} s "
        f"({outcome.throughput:.0f}/s); p50 {p[50]:.1f} ms, p95 {p[95]:.1f} ms, "
        f"p99 {p[99]:.1f} ms, max {ordered[-1] * 1000:.1f} ms, "
        f"mean {statistics.fmean(ordered) * 1000:.1f} ms; failures {outcome.failures}; "
        f"server CPU {server_cpu / len(ordered) * 1000:.2f} ms per request"
    )
    return p
