#!/usr/bin/env bash
# The stateful-path rows of benchmarks/README.md: connection tracking and policy at 1 k and 1 M flows with
# 10, 1 k and 10 k policy rules, and the connection set-up rate (a new TCP flow per packet), each next to the
# bare rx/tx loop of the same run. Instructions per packet from callgrind for the 1 k-flow rows.
# Environment: BUILD (build directory), RUNS (5), SECONDS_PER_RUN (1), NO_CALLGRIND=1.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
bench=$build/torwart_bench
runs=${RUNS:-5}
seconds=${SECONDS_PER_RUN:-1}

cmake -S "$root" -B "$build" -G Ninja >/dev/null
cmake --build "$build" -j1 --target torwart_bench >/dev/null
if (($(cat /proc/sys/vm/nr_hugepages) < 512)); then
  if ((EUID == 0)); then
    echo 512 >/proc/sys/vm/nr_hugepages
  else
    echo "stateful.sh: fewer than 512 hugepages reserved; as root: echo 512 > /proc/sys/vm/nr_hugepages" >&2
    exit 1
  fi
fi

# Callgrind counts the pipeline loop of a scenario; the first 1024 packets open the flows.
instructions() {
  local out
  out=$(mktemp -d)
  valgrind --tool=callgrind --callgrind-out-file="$out/cg" --toggle-collect=torwart_bench_pipeline_loop \
    "$bench" --profile 64 --only pipeline --packets 65536 --runs 1 --warmup 0 --json "$@" >"$out/json" 2>/dev/null
  awk -v p="$(jq '.profiles[0].pipeline.packets' "$out/json")" '/^summary:/ {printf "%.1f", $2 / p}' "$out/cg"
  rm -rf "$out"
}

# scenario cg|plain ARGS...: one timed run of both loops; "cg" adds the callgrind count first.
scenario() {
  local mode=$1
  shift
  local ipp=()
  if [[ $mode == cg && -z ${NO_CALLGRIND:-} ]] && command -v valgrind >/dev/null; then
    ipp=(--ipp "64/pipeline=$(instructions "$@")")
  fi
  "$bench" --hugepages --profile 64 --runs "$runs" --seconds "$seconds" "${ipp[@]}" "$@"
}

scenario cg --frames 1024 --policy-rules 10
scenario cg --frames 1024 --policy-rules 1000
scenario cg --frames 1024 --policy-rules 10000
scenario plain --frames 1048576 --flow-table 2097152 --policy-rules 10 --memory-mb 900
scenario cg --new-flows --tcp-syn --policy-rules 10
scenario cg --new-flows --tcp-syn --policy-rules 10000
