"""Card verification over HTTP (issue 5: p99 < 50 ms at 200 requests/s for 60 s on loopback).

Usage: ``uv run python -m benchmarks.bench_verify_http [--rate 200] [--seconds 60]
[--backend postgresql|sqlite] [--workers N]``.

``sokhoe serve`` runs in a process of its own on a fresh database (a throwaway PostgreSQL
cluster by default) with one clinic account; the client signs in like a browser, then sends
``POST /api/v1/the-bhyt/kiem-tra`` with a distinct app token each time, open loop: request
``i`` leaves at ``i / rate`` seconds whether or not earlier ones have been answered, so a slow
server shows as latency, not as a lower rate. Every check is verified, audited (a hash-chained
entry written in the request's transaction) and answered as JSON. The baseline, in the same
run and with the same client and load, is a minimal FastAPI app under the same uvicorn that
parses the same JSON body and answers a constant: the ratio shows what Sổ Khỏe's check costs
over the framework itself. ``--workers N`` runs both apps in N uvicorn processes (server CPU
is then counted over all of them).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import re
import sys
import tempfile
from pathlib import Path

import httpx

from benchmarks.bench_verify import cards
from benchmarks.http_load import Request, open_loop, show
from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.insurance.card_token import KeyRing, TokenKind, new_claims, sign
from sokhoe.registry.models import Facility
from sokhoe.registry.units import ensure_province
from sokhoe.runtime import open_database
from tests.support.postgres import throwaway_cluster
from tests.support.served import cpu_seconds, free_port, server

API = "/api/v1/the-bhyt/kiem-tra"
USER, PASSWORD = "letan.bench", "mật khẩu đo hiệu năng"
KHANH_HOA, NHA_TRANG, FACILITY = 56, 22366, "56001"
#: Keep-alive connections of the client (a hospital's desks, each with its scanner).
CONNECTIONS = 32
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def prepare(url: str, home: Path, count: int) -> list[str]:
    """A migrated database with the clinic's account, and ``count`` distinct app tokens
    signed with the key ring the server will use."""
    database = open_database(url)
    with database.sessions() as session:
        ensure_province(session, KHANH_HOA)
        session.add(Facility(code=FACILITY, name="Trạm Y tế", commune_code=NHA_TRANG, kind="tram"))
        session.flush()
        create_user(
            session,
            username=USER,
            password=PASSWORD,
            role=Role.CLINIC_STAFF,
            display_name="Lễ tân",
            facility_code=FACILITY,
        )
        session.commit()
    database.engine.dispose()
    key = KeyRing.open(home).active
    now = dt.datetime.now(dt.UTC)
    return [
        sign(new_claims(c, kind=TokenKind.APP, issuer="VN-56", now=now), key) for c in cards(count)
    ]


def signed_in(base: str) -> dict[str, str]:
    """The headers of the clinic account's requests (session cookie, CSRF token), signed in
    as a browser is."""
    with httpx.Client(base_url=base) as client:
        token = _CSRF.search(client.get("/dang-nhap").text)
        assert token is not None
        data = {"username": USER, "password": PASSWORD, "csrf_token": token.group(1)}
        assert client.post("/dang-nhap", data=data).status_code == 303
        page = _CSRF.search(client.get("/kiem-tra-the").text)
        assert page is not None
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        return {"Cookie": cookie, "X-CSRF-Token": page.group(1)}


def _valid(status_line: bytes, answer: bytes) -> bool:
    return b" 200 " in status_line and b'"valid":true' in answer.replace(b" ", b"")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument(
        "--workers", type=int, default=1, help="server processes, for both apps (PostgreSQL)"
    )
    args = parser.parse_args()
    count = int(args.rate * args.seconds)
    python = sys.executable
    with tempfile.TemporaryDirectory() as scratch, contextlib.ExitStack() as stack:
        home = Path(scratch) / "home"
        if args.backend == "postgresql":
            url = stack.enter_context(throwaway_cluster())
        else:
            url = f"sqlite:///{scratch}/bench.db"
        tokens = prepare(url, home, count)
        env = {"SOKHOE_HOME": str(home), "SOKHOE_DATABASE_URL": url, "SOKHOE_SECRET_KEY": "bench"}

        port = free_port()
        workers = ["--workers", str(args.workers)]
        minimal = [python, "-m", "uvicorn", "benchmarks.minimal_app:app", "--port", str(port)]
        minimal += workers
        requests = [Request(json.dumps({"qr": t}).encode(), {}) for t in tokens]
        with server([*minimal, "--no-access-log", "--log-level", "warning"], port, env) as (_, pid):
            spent = cpu_seconds(pid)
            baseline = open_loop(
                port, "/check", requests, args.rate, connections=CONNECTIONS, accepted=_valid
            )
            spent = cpu_seconds(pid) - spent
        base_p = show("minimal FastAPI endpoint", baseline, spent)

        port = free_port()
        sokhoe = [str(Path(python).parent / "sokhoe"), "serve", "--port", str(port), *workers]
        with server(sokhoe, port, env, listeners=args.workers) as (base, pid):
            headers = signed_in(base)
            spent = cpu_seconds(pid)
            checked = open_loop(
                port,
                API,
                requests,
                args.rate,
                connections=CONNECTIONS,
                headers=headers,
                accepted=_valid,
            )
            spent = cpu_seconds(pid) - spent
        name = f"sokhoe card check ({args.backend}, {args.workers} process(es))"
        ours = show(name, checked, spent)
        print(f"ratio p99: {ours[99] / base_p[99]:.1f}x; target p99 < 50 ms")  # noqa: T201


if __name__ == "__main__":
    main()
