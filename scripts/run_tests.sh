#!/usr/bin/env bash
# The whole suite twice: on SQLite (the embedded default) and on PostgreSQL.
# Both runs always happen; the script fails if either fails or collects no test
# (pytest exit code 5 counts as a failure). Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTEST=(.venv/bin/python -m pytest "$@")
PG_URL=${PG_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/${TEST_DB:-dvkheo_test}}
LOG_DIR=$(mktemp -d)
trap 'rm -rf "$LOG_DIR"' EXIT

passed=0
failed=0
skipped=0

# Adds the counts of pytest's closing line ("== 3 failed, 120 passed, 2 skipped in 9.1s ==").
count() {
  local line
  line=$(grep -E '^(=+ )?([0-9]+ [a-z]+|no tests ran)(, [0-9]+ [a-z]+)* in [0-9.]+s' "$1" | tail -n 1)
  local n
  n=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+'); passed=$((passed + ${n:-0}))
  n=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+'); failed=$((failed + ${n:-0}))
  n=$(grep -oE '[0-9]+ errors?' <<<"$line" | grep -oE '[0-9]+'); failed=$((failed + ${n:-0}))
  n=$(grep -oE '[0-9]+ skipped' <<<"$line" | grep -oE '[0-9]+'); skipped=$((skipped + ${n:-0}))
}

run() {
  local label=$1 log="$LOG_DIR/$1.log"; shift
  echo
  echo "=== Bộ kiểm thử trên $label ==="
  local started=$SECONDS
  "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  count "$log"
  echo "=== Kết thúc bộ kiểm thử trên $label: mã thoát $status, $((SECONDS - started)) giây ==="
  if [ "$status" -eq 5 ]; then
    echo "!!! $label: pytest không chạy bài kiểm thử nào (mã 5), coi là thất bại."
  fi
  return "$status"
}

sqlite_status=0
postgres_status=0
run SQLite env -u TEST_DATABASE_URL "${PYTEST[@]}" || sqlite_status=$?
run PostgreSQL env TEST_DATABASE_URL="$PG_URL" "${PYTEST[@]}" || postgres_status=$?

verdict() { [ "$1" -eq 0 ] && echo "đạt" || echo "THẤT BẠI (mã $1)"; }
echo
echo "SQLite: $(verdict $sqlite_status); PostgreSQL: $(verdict $postgres_status)"
echo "Tổng: $passed passed, $failed failed, $skipped skipped"
if [ "$sqlite_status" -ne 0 ] || [ "$postgres_status" -ne 0 ]; then
  exit 1
fi
