#!/usr/bin/env bash
# The signature engine's cost per packet on the HTTP, TLS, DNS and QUIC captures of ../shared/captures/ndpi,
# next to the stateful loop and the application layer without signatures of the same run, with 100, 1 000,
# 10 000 signatures sampled from ET Open and the full set; and each set's build from scratch and from the
# cache (benchmarks/README.md "Signatures (issue 7)"). Builds nothing: build applayer_bench first.
# The benchmark runs TIMES times (3); the table gives the median of each figure over them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-$here/../build}
captures=${CAPTURES:-$here/../../shared/captures/ndpi/pcap}
rules=${RULES:-$here/../../shared/rules/et-open}
bench=$build/benchmarks/applayer_bench
[[ -x $bench ]] || { echo "ids.sh: $bench not built (ninja -C $build applayer_bench)" >&2; exit 2; }
out=$(mktemp -d /tmp/torwart-ids-bench-XXXXXX)
trap 'rm -rf "$out"' EXIT
shopt -s nullglob
for ((i = 1; i <= ${TIMES:-3}; ++i)); do
  "$bench" "$captures"/http*.p* "$captures"/tls*.p* "$captures"/dns*.p* "$captures"/quic*.p* \
    --runs "${RUNS:-5}" --passes "${PASSES:-20}" --signatures "$rules" \
    --signature-sets "${SETS:-100,1000,10000}" --json "$@" >"$out/$i.json"
done
python3 - "$out"/*.json <<'EOF'
import json, statistics, sys

runs = [json.load(open(path)) for path in sys.argv[1:]]
med = lambda values: statistics.median(values)
MiB = 1024 * 1024

def loop(get):
    return {k: med([get(r)[k] for r in runs]) for k in ("mpps", "gbit_per_s", "cycles_per_packet")}

first = runs[0]
print(f"{first['frames']} frames, {first['mean_frame_bytes']:.0f} bytes on average; "
      f"median of {len(runs)} runs of the benchmark (each the best of its timed runs)\n")
pct = lambda x: f"{100 * x:.1f} %" if x < 0.1 else f"{100 * x:.0f} %"
label = lambda name: "ET Open, all" if name == "ids-all" else f"{name[4:]} signatures"
print("| loop | Mpps | Gbit/s | cycles/packet | vs stateful | vs applayer | alerts (1st pass) | "
      "verified/packet |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for name, key in (("stateful", "stateful"), ("applayer, 0 signatures", "applayer")):
    l = loop(lambda r: r[key])
    vs = "100 %" if key == "stateful" else pct(med([r["applayer_share_of_stateful_rate"] for r in runs]))
    print(f"| {name} | {l['mpps']:.2f} | {l['gbit_per_s']:.2f} | {l['cycles_per_packet']:.0f} | {vs} | "
          f"{'100 %' if key == 'applayer' else ''} | | |")
names = [s["name"] for s in first["signature_sets"]]
def sets(name):
    return [next(s for s in r["signature_sets"] if s["name"] == name) for r in runs]
for name in names:
    ss = sets(name)
    l = loop(lambda r: next(s for s in r["signature_sets"] if s["name"] == name)["loop"])
    d = ss[0]["detector_per_pass"]  # deterministic: the same in every run
    print(f"| {label(name)} | {l['mpps']:.2f} | {l['gbit_per_s']:.2f} | {l['cycles_per_packet']:.0f} | "
          f"{pct(med([s['share_of_stateful_rate'] for s in ss]))} | "
          f"{pct(med([s['share_of_applayer_rate'] for s in ss]))} | "
          f"{med([s['alerts_first_pass'] for s in ss]):.0f} | {d['candidates'] / first['frames']:.1f} |")
print()
print("| set | loaded | skipped | groups | databases | from scratch | parse + compile | from cache | "
      "parse + engine | peak RSS growth (scratch) | RSS growth (cache) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for name in names:
    ss = [s["build"] for s in sets(name)]
    b = ss[0]
    m = lambda f: med([f(s) for s in ss])
    print(f"| {label(name)} | {b['rules_loaded']} | {b['rules_skipped']} | {b['groups']} | "
          f"{b['database_bytes'] / MiB:.1f} MiB | {m(lambda s: s['scratch']['total_ms']):.0f} ms | "
          f"{m(lambda s: s['scratch']['parse_ms']):.0f} + {m(lambda s: s['scratch']['compile_ms']):.0f} ms | "
          f"{m(lambda s: s['cache']['total_ms']):.0f} ms | "
          f"{m(lambda s: s['cache']['parse_ms']):.0f} + {m(lambda s: s['cache']['compile_ms']):.0f} ms | "
          f"{m(lambda s: s['scratch']['peak_growth_bytes']) / MiB:.0f} MiB | "
          f"{m(lambda s: s['rss_growth_bytes']) / MiB:.1f} MiB |")
print(f"\nprocess RSS: {med([r['rss_before_sets_bytes'] for r in runs]) / MiB:.0f} MiB before the sets, "
      f"{med([r['rss_before_loops_bytes'] for r in runs]) / MiB:.0f} MiB with the sets and one worker context per "
      f"loop; peak (VmHWM) {med([r['peak_rss_bytes'] for r in runs]) / MiB:.0f} MiB")
EOF
