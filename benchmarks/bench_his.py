"""End to end, hospitals' files into PostgreSQL: ``sokhoe ingest`` on the QĐ 130 envelopes of
``sokhoe synth --his`` (visits/s, parsing, spool and storing included). The FHIR bundles'
figure is ``bench_fhir_http``'s: hospitals post them over HTTP.

Usage: ``uv run python -m benchmarks.bench_his DIR`` where DIR is the output of
``sokhoe synth --out DIR --people 20000 --his``. A throwaway cluster gets DIR's register
(``sokhoe load``); then every ``his/qd130/**.xml`` goes through the command (one process, as
a user runs it).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from typer.testing import CliRunner

from sokhoe.cli import app as cli
from sokhoe.config import get_settings
from sokhoe.dataset import load_directory
from sokhoe.runtime import open_database
from tests.support.postgres import throwaway_cluster


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("directory", type=Path)
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

        database.engine.dispose()


if __name__ == "__main__":
    main()
