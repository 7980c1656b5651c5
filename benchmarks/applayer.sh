#!/usr/bin/env bash
# The application layer's cost per packet next to the stateful path alone, in the same run, on the HTTP, TLS,
# DNS and QUIC captures of ../shared/captures/ndpi (benchmarks/README.md "Application layer").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-$here/../build}
captures=${CAPTURES:-$here/../../shared/captures/ndpi/pcap}
cmake --build "$build" -j1 --target applayer_bench >/dev/null
shopt -s nullglob
exec "$build/benchmarks/applayer_bench" "$captures"/http*.p* "$captures"/tls*.p* "$captures"/dns*.p* \
  "$captures"/quic*.p* --runs "${RUNS:-5}" --passes "${PASSES:-20}" "$@"
