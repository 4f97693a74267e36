#!/bin/sh
# Regenerates the planner quality table of the README (markdown on standard output).
# Usage: scripts/planner-quality.sh [SECONDS]  (the time limit of the --time-limit rows)
set -eu
cd "$(dirname "$0")/.."
exec cargo run --quiet --release -p onevisit-scheduler --example quality -- "$@"
