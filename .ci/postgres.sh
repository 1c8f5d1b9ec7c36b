#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the database tests, run by the postgres user: installs
# PostgreSQL from apt when missing, creates the cluster "ci" on a free port (or reuses it), a
# role and a database allowed to create (and force-drop) the tests' own databases, and prints
# their URL.
set -euo pipefail
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
apt_get() { $sudo apt-get -o DPkg::Lock::Timeout=120 "$@"; }
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else sudo -u postgres sh -c "$*"; fi; }

if ! command -v pg_createcluster >/dev/null; then
  apt_get update -qq >&2
  apt_get install -y -qq postgresql >/dev/null
fi
cluster="${TEST_POSTGRES_CLUSTER:-ci}"
version=$(ls /usr/lib/postgresql | sort -V | tail -1)
port=$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c {print $3}')
if [ -z "$port" ]; then
  port=55432
  while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  $sudo pg_createcluster "$version" "$cluster" -p "$port" >/dev/null
fi
if ! pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c {print $4}' | grep -q online; then
  $sudo pg_ctlcluster "$version" "$cluster" start >&2
fi
as_postgres "psql -p $port -qtAc \"SELECT 1 FROM pg_roles WHERE rolname = 'sales_test'\"" | grep -q 1 ||
  as_postgres "psql -p $port -qc \"CREATE ROLE sales_test LOGIN CREATEDB PASSWORD 'sales_test'\"" >&2
# DROP DATABASE ... WITH (FORCE) must end an autovacuum worker that may be visiting a test's
# database; without pg_signal_backend that refuses ("must be a member of the role whose process is
# being terminated").
as_postgres "psql -p $port -qc 'GRANT pg_signal_backend TO sales_test'" >/dev/null 2>&1
as_postgres "psql -p $port -qtAc \"SELECT 1 FROM pg_database WHERE datname = 'sales_test'\"" | grep -q 1 ||
  as_postgres "psql -p $port -qc 'CREATE DATABASE sales_test OWNER sales_test'" >&2
echo "postgresql://sales_test:sales_test@127.0.0.1:$port/sales_test"
