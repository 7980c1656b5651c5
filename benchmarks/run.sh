#!/usr/bin/env bash
# Reproduces the table in benchmarks/README.md:
#   1. instructions per packet of each loop with callgrind (no hugepages; deterministic; only the loop
#      function itself is counted, via --toggle-collect),
#   2. Mpps, Gbit/s and TSC cycles per packet with 2 MB hugepages, the bare loop and the pipeline interleaved
#      in one process, with the callgrind numbers printed in the same table.
# Environment: BUILD (build directory), RUNS (5), SECONDS_PER_RUN (1), CG_PACKETS (65536), NO_CALLGRIND=1.
# Further arguments go to the hugepage run (e.g. --json, --profile 64).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
bench=$build/torwart_bench
runs=${RUNS:-5}
seconds=${SECONDS_PER_RUN:-1}
cg_packets=${CG_PACKETS:-65536}

cmake -S "$root" -B "$build" -G Ninja >/dev/null
cmake --build "$build" -j1 --target torwart_bench >/dev/null

# 2 MB hugepages for the timed run (EAL --in-memory needs no hugetlbfs mount).
if (($(cat /proc/sys/vm/nr_hugepages) < 256)); then
  if ((EUID == 0)); then
    echo 512 >/proc/sys/vm/nr_hugepages
  else
    echo "run.sh: fewer than 256 hugepages reserved; as root: echo 512 > /proc/sys/vm/nr_hugepages" >&2
    exit 1
  fi
fi

ipp=()
if [[ -z ${NO_CALLGRIND:-} ]] && command -v valgrind >/dev/null; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  for profile in 64 imix; do
    for loop in bare pipeline; do
      out=$work/$profile-$loop
      valgrind --tool=callgrind --callgrind-out-file="$out.cg" --toggle-collect="torwart_bench_${loop}_loop" \
        "$bench" --profile "$profile" --only "$loop" --packets "$cg_packets" --runs 1 --warmup 0 --json \
        >"$out.json" 2>"$out.log"
      instructions=$(awk '/^summary:/ {print $2}' "$out.cg")
      packets=$(jq ".profiles[0].${loop}.packets" "$out.json")
      value=$(awk -v i="$instructions" -v p="$packets" 'BEGIN {printf "%.1f", i / p}')
      echo "callgrind: $profile $loop: $instructions instructions / $packets packets = $value per packet" >&2
      ipp+=(--ipp "$profile/$loop=$value")
    done
  done
fi

"$bench" --hugepages --runs "$runs" --seconds "$seconds" "${ipp[@]}" "$@"
