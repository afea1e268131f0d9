"""End to end, hospitals' files into PostgreSQL: ``sokhoe ingest`` on the QĐ 130 envelopes of
``sokhoe synth --his`` (visits/s, parsing, spool and storing included), and ``POST /fhir``
with its bundles (bundles/s, key lookup, body, parsing, storing and the response included).

Usage: ``uv run python -m benchmarks.bench_his DIR [--bundles K]`` where DIR is the output of
``sokhoe synth --out DIR --people 20000 --his``. A throwaway cluster gets DIR's register
(``sokhoe load``); each facility gets a HIS key; then every ``his/qd130/**.xml`` goes through
the command (one process, as a user runs it), and K of the ``his/fhir/**.json`` bundles are
posted one after another through the app in process (no network, one client).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sokhoe.cli import app as cli
from sokhoe.config import Settings, get_settings
from sokhoe.dataset import load_directory
from sokhoe.records.his_credentials import issue_key
from sokhoe.runtime import open_database
from sokhoe.web.app import create_app
from tests.support.postgres import throwaway_cluster


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("directory", type=Path)
    parser.add_argument("--bundles", type=int, default=3_000)
    options = parser.parse_args()
    his = options.directory / "his"
    with throwaway_cluster() as url:
        os.environ["SOKHOE_DATABASE_URL"] = url
        get_settings.cache_clear()
        database = open_database(url)
        load_directory(database, options.directory)
        envelopes = sorted(his.glob("qd130/*/*.xml"))
        started = time.perf_counter()
        result = CliRunner().invoke(cli, ["ingest", *map(str, envelopes)])
        elapsed = time.perf_counter() - started
        stored = database.engine.connect().exec_driver_sql("SELECT count(*) FROM visit").scalar()
        print(  # noqa: T201
            f"sokhoe ingest: {len(envelopes)} envelopes, {stored} visits stored, exit "
            f"{result.exit_code}, {elapsed:.1f} s: {stored / elapsed:.0f} visits/s"
        )

        bundles = sorted(his.glob("fhir/*/*.json"))[: options.bundles]
        with database.sessions() as session:
            keys = {b.parent.name: issue_key(session, b.parent.name, "bench") for b in bundles}
            session.commit()
        settings = Settings(home=Path("/tmp/sokhoe-bench-his"), secret_key="bench")
        with TestClient(create_app(database, settings=settings)) as client:
            started = time.perf_counter()
            statuses: dict[int, int] = {}
            for bundle in bundles:
                response = client.post(
                    "/fhir",
                    content=bundle.read_bytes(),
                    headers={
                        "Content-Type": "application/fhir+json",
                        "Authorization": f"Bearer {keys[bundle.parent.name]}",
                    },
                )
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            elapsed = time.perf_counter() - started
        print(  # noqa: T201
            f"POST /fhir: {len(bundles)} bundles, statuses {statuses}, {elapsed:.1f} s: "
            f"{len(bundles) / elapsed:.0f} bundles/s"
        )
        database.engine.dispose()


if __name__ == "__main__":
    main()
