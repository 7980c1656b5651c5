#!/usr/bin/env python3
"""Runs `torwart inspect --midstream` over the nDPI captures and compares torwart's app_proto per flow with
nDPI's base protocol, per protocol torwart identifies (http, tls, dns, quic).

The committed expectation (expected_labels.json) holds, per capture and protocol, how many of nDPI's flows
torwart labels the same. A capture where torwart now agrees less often fails the test (a regression); one
where it agrees more often is reported so that the expectation can be raised with --update.

nDPI is not always right (see ../shared/captures/ndpi/README.md): disagreements are listed with --verbose,
to be read as questions, not automatically as bugs.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

# nDPI base protocol -> torwart app_proto (Suricata's names); implicit TLS counts as tls.
NDPI_TO_TORWART = {
    "HTTP": "http", "HTTP_Proxy": "http", "HTTP_Connect": "http",
    "TLS": "tls", "SMTPS": "tls", "IMAPS": "tls", "POPS": "tls", "FTPS": "tls",
    "DNS": "dns",
    "QUIC": "quic",
}
COMPARED = ("http", "tls", "dns", "quic")
FLOW_LINE = re.compile(r"^\s*\d+\s+(TCP|UDP)\s+(\S+)\s+<->\s+(\S+)\s+\[proto:\s*[\d.]+/([A-Za-z0-9_]+)")


def endpoint(text):
    # "1.2.3.4:80" or "[2001:db8::1]:443"
    if text.startswith("["):
        host, port = text[1:].split("]:")
    else:
        host, port = text.rsplit(":", 1)
    return host, int(port)


def ndpi_flows(result_path):
    flows = {}
    with open(result_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = FLOW_LINE.match(line)
            if not m:
                continue
            proto, a, b, base = m.groups()
            key = (proto, frozenset((endpoint(a), endpoint(b))))
            flows[key] = NDPI_TO_TORWART.get(base, "other:" + base)
    return flows


def torwart_flows(torwart, capture, scratch):
    out = os.path.join(scratch, os.path.basename(capture))
    run = subprocess.run([torwart, "inspect", "--midstream", "-r", capture, "-l", out],
                         capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        return None, run.stderr.strip()
    flows = {}
    with open(os.path.join(out, "eve.json"), encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            if record.get("event_type") != "flow" or record.get("proto") not in ("TCP", "UDP"):
                continue
            key = (record["proto"], frozenset(((record["src_ip"], record["src_port"]),
                                               (record["dest_ip"], record["dest_port"]))))
            flows[key] = record.get("app_proto", "")
    return flows, ""


def compare(ndpi, ours):
    summary = {}
    disagreements = []
    for key, label in ndpi.items():
        if label not in COMPARED:
            continue
        entry = summary.setdefault(label, {"ndpi": 0, "agree": 0})
        entry["ndpi"] += 1
        got = ours.get(key)
        if got == label:
            entry["agree"] += 1
        else:
            disagreements.append((key, label, got))
    return summary, disagreements


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--torwart", required=True, help="the torwart binary")
    parser.add_argument("--captures", required=True, help="../shared/captures/ndpi")
    parser.add_argument("--expected", default=os.path.join(os.path.dirname(__file__), "expected_labels.json"))
    parser.add_argument("--update", action="store_true", help="write the current agreement as the expectation")
    parser.add_argument("--verbose", action="store_true", help="list every disagreement")
    args = parser.parse_args()

    pcap_dir = os.path.join(args.captures, "pcap")
    result_dir = os.path.join(args.captures, "result")
    current = {}
    totals = {p: {"ndpi": 0, "agree": 0} for p in COMPARED}
    with tempfile.TemporaryDirectory() as scratch:
        for name in sorted(os.listdir(pcap_dir)):
            result = os.path.join(result_dir, name + ".out")
            if not os.path.exists(result):
                continue
            ndpi = ndpi_flows(result)
            ours, error = torwart_flows(args.torwart, os.path.join(pcap_dir, name), scratch)
            if ours is None:
                current[name] = {"error": error}
                continue
            summary, disagreements = compare(ndpi, ours)
            current[name] = summary
            for label, entry in summary.items():
                totals[label]["ndpi"] += entry["ndpi"]
                totals[label]["agree"] += entry["agree"]
            if args.verbose:
                for key, label, got in disagreements:
                    ends = " <-> ".join(f"{h}:{p}" for h, p in sorted(key[1]))
                    print(f"{name}: {key[0]} {ends}: nDPI {label}, torwart {got or 'no flow'}")

    print("protocol  nDPI flows  torwart agrees")
    for label in COMPARED:
        t = totals[label]
        share = 100.0 * t["agree"] / t["ndpi"] if t["ndpi"] else 0.0
        print(f"{label:8}  {t['ndpi']:10}  {t['agree']:8} ({share:.0f} %)")

    if args.update:
        with open(args.expected, "w", encoding="utf-8") as f:
            json.dump(current, f, indent=1, sort_keys=True)
            f.write("\n")
        print(f"expectation written to {args.expected}")
        return 0

    with open(args.expected, encoding="utf-8") as f:
        expected = json.load(f)
    failures, improvements = [], []
    for name, want in expected.items():
        got = current.get(name)
        if got is None:
            failures.append(f"{name}: capture missing")
            continue
        if "error" in want or "error" in got:
            if want.get("error") is None and "error" in got:
                failures.append(f"{name}: torwart inspect failed: {got['error']}")
            continue
        for label, entry in want.items():
            now = got.get(label, {"agree": 0})["agree"]
            if now < entry["agree"]:
                failures.append(f"{name}: {label}: torwart agrees with nDPI on {now} flows, expected {entry['agree']}")
            elif now > entry["agree"]:
                improvements.append(f"{name}: {label}: {now} flows agree, expectation says {entry['agree']}")
    for line in improvements:
        print("better than expected (raise it with --update): " + line)
    for line in failures:
        print("REGRESSION: " + line)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
