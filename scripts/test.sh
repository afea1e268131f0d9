#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine: installs what it needs (PostgreSQL,
# Chromium and a Java runtime for Spark from Debian; uv and the Python stack from PyPI), then
# lint, types and pytest on SQLite and a throwaway PostgreSQL (started by the suite itself),
# browser and Spark tests included.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
fc-list 2>/dev/null | grep -qi dejavu || need_apt+=(fonts-dejavu-core)
command -v pdftoppm >/dev/null 2>&1 || need_apt+=(poppler-utils)  # paper cards' PDF → PNG
command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)  # the Spark engine
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
command -v uv >/dev/null 2>&1 || python3 -m pip install -q uv

uv sync --frozen --extra spark
uv run ruff check src tests scripts benchmarks
uv run ruff format --check src tests scripts benchmarks
uv run mypy
uv run pytest -n 2 "$@"
