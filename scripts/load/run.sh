#!/usr/bin/env bash
# Load test of the booking API on PostgreSQL, on this machine, with wrk:
#   booking: POST /requests at 32 concurrent clients;
#   schedule: an enterprise's GET /visits at 32 concurrent clients.
# Needs wrk (apt-get install wrk) and the PostgreSQL server at 127.0.0.1:5432.
# Usage: scripts/load/run.sh [seconds per run, default 20]
#        scripts/load/run.sh replan   (times a full re-plan of 10,000 requests, applied)
#        scripts/load/run.sh ceiling  (bookings with no HTTP in front: the most this
#                                      machine's database allows, see the example)
# SSLMODE=disable connects the server to PostgreSQL without TLS (it uses TLS when the
# server offers it, as Debian's does).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-20}"
db="onevisit_load_$$"
psql_admin() { psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -Atq "$@"; }

# Runs a release example of onevisit-service on a fresh database: its name, then what it
# takes after the database URL.
run_example() {
    local name="$1"
    shift
    cargo build --release -p onevisit-service --example "$name"
    psql_admin -c "CREATE DATABASE \"$db\""
    trap 'psql_admin -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"' EXIT
    "./target/release/examples/$name" \
        "postgres://postgres@127.0.0.1:5432/$db${SSLMODE:+?sslmode=$SSLMODE}" "$@"
}
case "$seconds" in
    replan) run_example replan_timing; exit ;;
    ceiling) run_example booking_ceiling 20 32; exit ;;
esac

port=18090
base="http://127.0.0.1:$port"
work="$(mktemp -d)"

cargo build --release --bin onevisit
psql_admin -c "CREATE DATABASE \"$db\""
export ONEVISIT_JWT_SECRET="load-test-secret-of-at-least-32-bytes"
RUST_LOG=warn ./target/release/onevisit serve --demo --listen "127.0.0.1:$port" \
    --database-url "postgres://postgres@127.0.0.1:5432/$db${SSLMODE:+?sslmode=$SSLMODE}" \
    2>"$work/server.log" &
server=$!
cleanup() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    psql_admin -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" || true
    rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 120); do
    curl -fsS "$base/ready" >/dev/null 2>&1 && break
    sleep 1
done

token() {
    curl -fsS -H 'content-type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"onevisit-demo\"}" "$base/auth/login" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
fire="$(token fire)"
curl -fsS -H "authorization: Bearer $fire" "$base/enterprises?status=operating&limit=500" |
    python3 -c 'import json,sys; [print(e["id"]) for e in json.load(sys.stdin)["items"]]' >"$work/ids"
code="$(curl -fsS -H "authorization: Bearer $fire" "$base/enterprises?limit=1" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["credit_code"])')"
enterprise="$(token "$code")"
earliest="$(date -d '+7 days' +%F)"
latest="$(date -d '+60 days' +%F)"

echo "== booking: POST /requests, 32 connections, ${seconds}s ($(uptime | sed 's/.*load/load/'))"
TOKEN="$fire" IDS="$work/ids" EARLIEST="$earliest" LATEST="$latest" \
    wrk -t2 -c32 -d"${seconds}s" --latency -s scripts/load/booking.lua "$base" 2>"$work/booking.err"
sort "$work/booking.err" | uniq -c | head -5

echo "== schedule: GET /visits as an enterprise, 32 connections, ${seconds}s ($(uptime | sed 's/.*load/load/'))"
TOKEN="$enterprise" wrk -t2 -c32 -d"${seconds}s" --latency -s scripts/load/schedule.lua "$base"
