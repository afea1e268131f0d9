"""Hospitals' systems posting FHIR bundles over HTTP (issue 6: ≥ 300 bundles/s into PostgreSQL).

Usage: ``uv run python -m benchmarks.bench_fhir_http DIR [--rate 300] [--seconds 30]
[--workers 2] [--connections 16]`` where DIR is the output of ``sokhoe synth --out DIR
--people 20000 --his``.

A throwaway PostgreSQL cluster gets DIR's register (``sokhoe load``) and a HIS key per
facility; ``sokhoe serve`` runs in its own process(es); the client posts DIR's distinct
bundles (``his/fhir/**.json``, each with its facility's key) open loop at ``--rate`` over
``--connections`` keep-alive connections, as many hospitals sending at once. Every bundle is
checked (key, facility), parsed and validated with fhir.resources, its people identified,
stored, audited, and answered with a FHIR response bundle: a 200 counts as success. The
throughput is the answers over the time from the first request due to the last answer: a
server that keeps up reaches ``--rate``. The baseline in the same run, with the same client,
bodies and load: a minimal FastAPI app under the same uvicorn that reads each bundle as JSON
and answers a constant.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import sys
import tempfile
from pathlib import Path

from benchmarks.http_load import Request, open_loop, show
from sokhoe.config import get_settings
from sokhoe.dataset import load_directory
from sokhoe.records.his_credentials import issue_key
from sokhoe.runtime import open_database
from tests.support.postgres import throwaway_cluster
from tests.support.served import cpu_seconds, free_port, server

FHIR_JSON = "application/fhir+json"


def prepare(url: str, directory: Path, count: int) -> tuple[list[Request], int]:
    """DIR's register in the database, a key per facility, and ``count`` bundles to post
    (the first ones in file order), each with its facility's key; and how many of them
    hold a fault ``sokhoe synth`` injected (``truth/his_errors.csv``), which must be
    refused (400)."""
    os.environ["SOKHOE_DATABASE_URL"] = url
    get_settings.cache_clear()
    database = open_database(url)
    load_directory(database, directory)
    bundles = sorted((directory / "his").glob("fhir/*/*.json"))[:count]
    if len(bundles) < count:
        raise SystemExit(f"{directory} has {len(bundles)} bundles; {count} are needed")
    with database.sessions() as session:
        keys = {
            code: issue_key(session, code, "bench") for code in {b.parent.name for b in bundles}
        }
        session.commit()
    database.engine.dispose()
    with (directory / "truth" / "his_errors.csv").open(encoding="utf-8") as errors:
        faulty = {row["file"] for row in csv.DictReader(errors) if row["format"] == "fhir"}
    posted = {b.relative_to(directory).as_posix() for b in bundles}
    requests = [
        Request(b.read_bytes(), {"Authorization": f"Bearer {keys[b.parent.name]}"}) for b in bundles
    ]
    return requests, len(faulty & posted)


def _stored(status_line: bytes, answer: bytes) -> bool:
    return b" 200 " in status_line and b'"Bundle"' in answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as scratch, contextlib.ExitStack() as stack:
        url = stack.enter_context(throwaway_cluster())
        requests, faulty = prepare(url, args.directory, int(args.rate * args.seconds))
        home = Path(scratch) / "home"
        env = {"SOKHOE_HOME": str(home), "SOKHOE_DATABASE_URL": url, "SOKHOE_SECRET_KEY": "bench"}
        workers = ["--workers", str(args.workers)]
        load = {"connections": args.connections, "content_type": FHIR_JSON}

        port = free_port()
        minimal = [python, "-m", "uvicorn", "benchmarks.minimal_app:app", "--port", str(port)]
        with server(
            [*minimal, *workers, "--no-access-log", "--log-level", "warning"], port, env
        ) as (_, pid):
            spent = cpu_seconds(pid)
            baseline = open_loop(port, "/fhir", requests, args.rate, accepted=_stored, **load)
            spent = cpu_seconds(pid) - spent
        show("minimal FastAPI endpoint", baseline, spent)

        port = free_port()
        sokhoe = [str(Path(python).parent / "sokhoe"), "serve", "--port", str(port), *workers]
        with server(sokhoe, port, env, listeners=args.workers) as (_, pid):
            spent = cpu_seconds(pid)
            posted = open_loop(port, "/fhir", requests, args.rate, accepted=_stored, **load)
            spent = cpu_seconds(pid) - spent
        show(f"sokhoe POST /fhir ({args.workers} process(es))", posted, spent)
        print(  # noqa: T201
            f"answers other than 200: {posted.failures}, bundles with an injected fault: "
            f"{faulty}; throughput {posted.throughput:.0f} bundles/s, "
            f"{posted.throughput / baseline.throughput:.2f} of the baseline's; target ≥ 300"
        )


if __name__ == "__main__":
    main()
