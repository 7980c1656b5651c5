#!/usr/bin/env bash
# The unit tests of the parsers, the fast path's stages and the control plane, built a second time with
# AddressSanitizer and UndefinedBehaviorSanitizer (-DTORWART_SANITIZE=ON, at -O0, which compiles fastest) and run; any finding fails.
# scripts/test runs this after the main suite. The list is what fits CI's 30-minute budget on 2 cores:
# README "Layout" names what is in it and what is not.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${SANITIZE_BUILD_DIR:-$top/build-sanitize}
targets=(
  # stream reassembly, the configuration language, captures, bounded reads (the HTTP, TLS, DNS and QUIC
  # parsers and the signature language are not here: their fuzz targets run under ASan and UBSan in ctest)
  stream_reassembler_test config_test capture_test posix_test
  # the application-layer inspector (identification, the parsers driven by reassembled streams)
  applayer_inspector_test
  # stages' tables: NAT mappings, SYN cookies
  dataplane_nat_table_test dataplane_syn_cookie_test
  # ESP: the SA table and rte_ipsec bursts under the EAL (a small link: core and ipsec only)
  dataplane_ipsec_test
  # control plane: configuration store, torwartd's service, JSON-lines sockets, spool retention
  config_store_test torwartd_test json_lines_test spool_retention_test
  # the kernel mirror: netlink messages parsed, the mirror table, and its namespace tests; the `learned`
  # message at the fast path's edge and the precedence merge
  kernel_mirror_test control_protocol_test learned_test learned_publisher_test
  # log shipping: spool reading, cursor, RFC 5424 framing, and the shipper's TLS connection lifetimes (Asio
  # handlers outliving a connection, restarts, a receiver dropping connections)
  log_shipping_test
)
cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" \
  -DTORWART_SANITIZE=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=()
for target in "${targets[@]}"; do
  binary=$(find "$build" -type f -name "$target" -perm -u+x | head -1)
  echo "sanitizers: $target"
  if ! (cd "$(dirname "$binary")" && "$binary" --gtest_brief=1); then failed+=("$target"); fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "sanitizers: findings or failures in: ${failed[*]}" >&2
  exit 1
fi
echo "sanitizers: ${#targets[@]} test programs clean under ASan+UBSan"
