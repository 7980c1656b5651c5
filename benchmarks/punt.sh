#!/usr/bin/env bash
# The exception-path rows of benchmarks/README.md ("Exception path to the box's kernel"): punt_bench with a
# moderate punt load (every 16th packet for the box) and with a saturating one (every 2nd), each phase next to
# the transit-only phase of the same run. Needs root: punt_bench makes its own network namespace and a tap.
# Environment: BUILD (build directory), RUNS (5), SECONDS_PER_RUN (1). Further arguments go to punt_bench
# (e.g. --hugepages, --worker-cpu 1 --control-cpu 0).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
runs=${RUNS:-5}
seconds=${SECONDS_PER_RUN:-1}

if ((EUID != 0)); then
  echo "punt.sh: needs root (punt_bench makes a network namespace and a tap device)" >&2
  exit 1
fi
cmake -S "$root" -B "$build" -G Ninja >/dev/null
cmake --build "$build" -j1 --target punt_bench >/dev/null

for every in 16 2; do
  "$build/punt_bench" --runs "$runs" --seconds "$seconds" --punt-every "$every" "$@"
  echo
done
