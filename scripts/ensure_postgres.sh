#!/usr/bin/env bash
# Make sure PostgreSQL answers on 127.0.0.1:5432 and that the test database exists.
set -euo pipefail

PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
TEST_DB=${TEST_DB:-dvkheo_test}
export PGHOST PGPORT PGUSER

reachable() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$PGHOST" -p "$PGPORT" -t 2
  else
    (exec 3<>"/dev/tcp/$PGHOST/$PGPORT") 2>/dev/null
  fi
}

if ! reachable; then
  echo "PostgreSQL chưa chạy trên $PGHOST:$PGPORT, đang khởi động..."
  if [ -d /etc/postgresql ]; then
    for version in $(ls /etc/postgresql); do
      pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
  fi
  for _ in $(seq 1 30); do
    reachable && break
    sleep 1
  done
  if ! reachable; then
    echo "Không kết nối được PostgreSQL trên $PGHOST:$PGPORT." >&2
    exit 1
  fi
fi

if command -v psql >/dev/null 2>&1; then
  exists=$(psql -X -tAq -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$TEST_DB'")
  if [ "$exists" != "1" ]; then
    echo "Tạo cơ sở dữ liệu kiểm thử $TEST_DB"
    psql -X -q -d postgres -c "CREATE DATABASE \"$TEST_DB\""
  fi
else
  # No client tools: the virtualenv's psycopg does the same.
  .venv/bin/python - "$TEST_DB" <<'PY'
import os, sys
import psycopg
from psycopg import sql
name = sys.argv[1]
with psycopg.connect(host=os.environ["PGHOST"], port=os.environ["PGPORT"], user=os.environ["PGUSER"], dbname="postgres", autocommit=True) as conn:
    if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
        print(f"Tạo cơ sở dữ liệu kiểm thử {name}")
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
PY
fi
