#!/usr/bin/env bash
# Set up (first time: Chromium and its driver, sqlite3 and PostgreSQL from apt, a venv) and run
# the whole test suite; the database tests run on SQLite and on a throwaway PostgreSQL cluster
# (.ci/postgres.sh), or on the server TEST_POSTGRES_URL names.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! command -v pdftoppm >/dev/null \
  || ! command -v sqlite3 >/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get -o DPkg::Lock::Timeout=120 update -qq
  $sudo apt-get -o DPkg::Lock::Timeout=120 install -y -qq chromium chromium-driver poppler-utils sqlite3 >/dev/null
fi
if [ -z "${TEST_POSTGRES_URL:-}" ]; then
  TEST_POSTGRES_URL="$(.ci/postgres.sh)"
  export TEST_POSTGRES_URL
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
# the tests in TEST_WORKERS processes (pytest-xdist; default: one per core), each test run by one
# of them; a process that has run its share takes tests from the other's
exec .venv/bin/pytest -n "${TEST_WORKERS:-auto}" --dist worksteal "$@"
