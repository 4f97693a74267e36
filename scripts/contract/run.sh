#!/usr/bin/env bash
# The OpenAPI contract, checked from outside: serves the demo data set on a fresh SQLite
# database and runs schemathesis (every check, every phase) against /openapi.json, first as
# the coordinating office, then as an agency (fire). Fails on any failure or error.
#
#   scripts/contract/run.sh [PATH-TO-onevisit]
#
# The binary defaults to the debug build (built if it is missing). Environment:
# CONTRACT_PORT (18190), CONTRACT_MAX_EXAMPLES (test cases per operation and phase, 5),
# CONTRACT_MAX_TIME (seconds each role may take at most, 120).
set -euo pipefail
cd "$(dirname "$0")/../.."

SCHEMATHESIS_VERSION=4.32.5
port=${CONTRACT_PORT:-18190}
max_examples=${CONTRACT_MAX_EXAMPLES:-5}
max_time=${CONTRACT_MAX_TIME:-120}
target=${CARGO_TARGET_DIR:-target}
binary=${1:-$target/debug/onevisit}
base=http://127.0.0.1:$port

if [ ! -x "$binary" ]; then
    cargo build --bin onevisit
fi
if [ "$(st --version 2>/dev/null || true)" != "st, version $SCHEMATHESIS_VERSION" ]; then
    python3 -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
st --version

work=$(mktemp -d /tmp/onevisit-contract.XXXXXX)
server=
stop() {
    if [ -n "$server" ]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap stop EXIT

# Jobs off: a job firing mid-run would make the data, and so the run, differ from run to run.
"$binary" serve --demo --no-jobs --listen "127.0.0.1:$port" \
    --database-url "sqlite://$work/contract.db?mode=rwc" --evidence-dir "$work/evidence" \
    >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do
    curl -sf "$base/ready" >/dev/null && break
    kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
    sleep 1
done
curl -sf "$base/ready" >/dev/null

token() {
    curl -sf -H 'content-type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"onevisit-demo\"}" "$base/auth/login" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

# Both tokens first: the office's run tries wrong passwords on /auth/login, and the
# address it comes from is then locked out for a while.
declare -A tokens
for role in office fire; do
    tokens[$role]=$(token "$role")
done

status=0
for role in office fire; do
    printf '\n---- schemathesis as %s ----\n' "$role"
    started=$(date +%s)
    # A token lives 15 minutes: longer than a role's run.
    auth="Authorization: Bearer ${tokens[$role]}"
    # Signing out would end the very session the run uses (every later call 401):
    # tests/hardening.rs covers it.
    # Deterministic generation (which also keeps no example database): the same test
    # cases on every run, so CI is not flaky.
    # The time limit is a safety net; the examples bound the run.
    if ! timeout $((max_time + 60)) st --config-file scripts/contract/schemathesis.toml \
        run "$base/openapi.json" --checks all -H "$auth" \
        --exclude-operation-id logout \
        --max-examples "$max_examples" --max-time "$max_time" --generation-deterministic \
        --workers 1 --no-color --output-truncate true; then
        status=1
    fi
    printf -- '---- %s: %s s ----\n' "$role" $(($(date +%s) - started))
done
if [ "$status" -ne 0 ]; then
    echo "schemathesis found contract failures (server log: last lines)" >&2
    tail -n 20 "$work/server.log" >&2
fi
exit "$status"
