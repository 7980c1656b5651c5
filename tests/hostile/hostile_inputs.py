#!/usr/bin/env python3
"""Hostile inputs against the real programs: every run must end with exit 0 or 2.

Generates damaged captures (pcap and pcapng), configurations and signature files from a seed, plus the
special files a careless operator names (/dev/zero, a FIFO, a directory), and runs `torwart check`,
`torwart inspect` and `torwart replay` on each. A run fails the suite when it crashes (a signal), exits with
anything but 0 or 2, takes longer than the time limit, or its peak memory passes the limit.

  hostile_inputs.py --torwart BIN --seed N [--work DIR] [--keep]

Two seeds run in ctest: the development set (seed 1), against which fixes were made, and a held-out set
(another seed, never looked at while fixing), so that passing is not the result of tuning to the inputs.
"""
import argparse
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

TIME_LIMIT_S = 60
MEMORY_LIMIT_KB = 2 * 1024 * 1024  # peak RSS of one run

# ---------------------------------------------------------------------------------------------- captures


def ipv4_udp(src, dst, sport, dport, payload):
    length = 20 + 8 + len(payload)
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, length, 1, 0, 64, 17, 0, bytes(src), bytes(dst))
    return header + struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def ipv4_tcp(src, dst, sport, dport, seq, ack, flags, payload=b""):
    length = 20 + 20 + len(payload)
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, length, 1, 0, 64, 6, 0, bytes(src), bytes(dst))
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    return header + tcp + payload


def ethernet(frame_ip, reverse=False):
    a, b = b"\x02\x00\x00\x00\x01\x10", b"\x02\x00\x00\x00\x01\xfe"
    dst, src = (a, b) if reverse else (b, a)
    return dst + src + b"\x08\x00" + frame_ip


def sample_frames():
    """A small conversation: DNS over UDP and an HTTP request over a full TCP handshake."""
    client, server = [192, 168, 10, 10], [10, 1, 2, 3]
    frames = [ethernet(ipv4_udp(client, server, 40000, 53, b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
                                b"\x07example\x03com\x00\x00\x01\x00\x01"))]
    frames.append(ethernet(ipv4_tcp(client, server, 40001, 80, 1000, 0, 0x02)))
    frames.append(ethernet(ipv4_tcp(server, client, 80, 40001, 5000, 1001, 0x12), reverse=True))
    frames.append(ethernet(ipv4_tcp(client, server, 40001, 80, 1001, 5001, 0x10)))
    frames.append(ethernet(ipv4_tcp(client, server, 40001, 80, 1001, 5001, 0x18,
                                    b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")))
    return frames


def pcap(frames, link=1, magic=0xA1B2C3D4, snaplen=65535):
    out = struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, link)
    for i, f in enumerate(frames):
        out += struct.pack("<IIII", 1700000000 + i, 0, len(f), len(f)) + f
    return out


def pcapng(frames, interfaces=1, packet_interface=0):
    def block(kind, body):
        body += b"\x00" * (-len(body) % 4)
        return struct.pack("<II", kind, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))

    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    for _ in range(interfaces):
        out += block(1, struct.pack("<HHI", 1, 0, 65535))
    for i, f in enumerate(frames):
        out += block(6, struct.pack("<IIIII", packet_interface, 0, i, len(f), len(f)) + f)
    return out


def hostile_captures(rng):
    frames = sample_frames()
    clean = pcap(frames)
    clean_ng = pcapng(frames)
    cases = {
        "clean.pcap": clean,
        "clean.pcapng": clean_ng,
        "empty.pcap": b"",
        "header-only.pcap": clean[:24],
        "header-cut.pcap": clean[:13],
        "record-header-cut.pcap": clean[:24 + 7],
        "huge-caplen.pcap": clean[:24] + struct.pack("<IIII", 1, 0, 0xFFFFFFFF, 60) + b"x" * 60,
        "caplen-over-snaplen.pcap": clean[:24] + struct.pack("<IIII", 1, 0, 262145, 262145) + b"x" * 100,
        "caplen-above-len.pcap": clean[:24] + struct.pack("<IIII", 1, 0, 60, 20) + b"x" * 60,
        "zero-length-records.pcap": clean[:24] + struct.pack("<IIII", 1, 0, 0, 0) * 50,
        "random-after-header.pcap": clean[:24] + bytes(rng.getrandbits(8) for _ in range(4096)),
        "swapped-magic.pcap": pcap(frames, magic=0xD4C3B2A1),
        "nanosecond.pcap": pcap(frames, magic=0xA1B23C4D),
        "snaplen-zero.pcap": pcap(frames, snaplen=0),
        "unknown-link.pcap": pcap(frames, link=147),
        "raw-ip-garbage.pcap": pcap([bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 80)))
                                     for _ in range(40)], link=101),
        "linux-sll-short.pcap": pcap([b"\x00" * n for n in range(0, 20)], link=113),
        "loopback-short.pcap": pcap([b"\x02\x00\x00\x00"[:n] for n in range(0, 5)], link=0),
        "ng-block-too-short.pcapng": clean_ng[:28] + struct.pack("<II", 1, 8) + b"\x00" * 8,
        "ng-block-huge.pcapng": clean_ng[:48] + struct.pack("<II", 6, 0x7FFFFFF0) + b"\x00" * 64,
        "ng-block-unaligned.pcapng": clean_ng[:48] + struct.pack("<II", 6, 33) + b"\x00" * 40,
        "ng-missing-interface.pcapng": pcapng(frames, interfaces=1, packet_interface=3),
        "ng-no-interface.pcapng": pcapng(frames, interfaces=0),
        "ng-bad-byte-order.pcapng": clean_ng[:8] + b"\x00\x00\x00\x00" + clean_ng[12:],
        "ng-cut.pcapng": clean_ng[: len(clean_ng) - 7],
    }
    for i in range(1, len(clean), max(1, len(clean) // 12)):
        cases[f"cut-at-{i}.pcap"] = clean[:i]
    for n in range(24):
        base = bytearray(clean if n % 2 == 0 else clean_ng)
        for _ in range(rng.randrange(1, 12)):
            base[rng.randrange(len(base))] = rng.getrandbits(8)
        cases[f"flipped-{n}.{'pcap' if n % 2 == 0 else 'pcapng'}"] = bytes(base)
    for n in range(6):
        base = bytearray(clean)
        position = rng.randrange(24, len(base) - 4)
        base[position:position + 4] = struct.pack("<I", rng.choice([0xFFFFFFFF, 0x80000000, 0x10000, 65536 * 5]))
        cases[f"length-field-{n}.pcap"] = bytes(base)
    return cases


# ------------------------------------------------------------------------------------------ configurations


def hostile_configs(rng, default_text):
    lines = default_text.splitlines(keepends=True)
    cases = {
        "default.yaml": default_text,
        "empty.yaml": "",
        "only-comment.yaml": "# nothing\n",
        "scalar.yaml": "just a string\n",
        "list.yaml": "- a\n- b\n",
        "duplicate-key.yaml": default_text.replace("name: torwart-default\n", "name: a\nname: b\n", 1),
        "second-document.yaml": default_text + "---\nformat: 1\n",
        "no-as-bool.yaml": default_text.replace("hugepages: false", "hugepages: no", 1),
        "nul-in-name.yaml": default_text.replace("- name: lan\n", "- name: \"l\\0an\"\n", 1),
        "control-in-name.yaml": default_text.replace("- name: lan\n", "- name: \"l\\x1ban\"\n", 1),
        "tabs.yaml": default_text.replace("  ", "\t"),
        "deep-nesting.yaml": "a: " + "[" * 20000 + "]" * 20000 + "\n",
        "deep-maps.yaml": "".join("  " * i + f"k{i}:\n" for i in range(3000)),
        "alias-bomb.yaml": "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
                  f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
                  for i in range(9))
        + "zones: *j\n",
        "alias-loop-in-policy.yaml": default_text.replace("policy:", "policy: &p\n  again: *p\n_policy:", 1),
        "huge-number.yaml": default_text.replace("memory_mb: 512", "memory_mb: 99999999999999999999999", 1),
        "negative.yaml": default_text.replace("mbufs: 32767", "mbufs: -1", 1),
        "too-large.yaml": default_text + "#" + "x" * (5 << 20) + "\n",
        "binary.yaml": bytes(rng.getrandbits(8) for _ in range(2048)).decode("latin-1"),
        "bom.yaml": "\ufeff" + default_text,
        "long-line.yaml": "name: " + "a" * 1_000_000 + "\n",
        "crlf.yaml": default_text.replace("\n", "\r\n"),
    }
    scalars = ["0", "-1", "4294967296", "1e999", "''", "~", "[]", "{}", "\"\\0\"", "0x10", "1.5",
               "999999999999", "yes", "::", "*undefined", "!!binary AAAA", "[[[", "'", "\"\\u0000\""]
    for n in range(60):
        mutated = list(lines)
        for _ in range(rng.randrange(1, 4)):
            i = rng.randrange(len(mutated))
            action = rng.randrange(5)
            if action == 0:
                del mutated[i]
            elif action == 1:
                mutated.insert(i, mutated[rng.randrange(len(mutated))])
            elif action == 2 and ":" in mutated[i]:
                key = mutated[i].split(":", 1)[0]
                mutated[i] = f"{key}: {rng.choice(scalars)}\n"
            elif action == 3:
                j = rng.randrange(len(mutated))
                mutated[i], mutated[j] = mutated[j], mutated[i]
            else:
                text = bytearray(mutated[i].encode("utf-8", "replace"))
                if text:
                    text[rng.randrange(len(text))] = rng.getrandbits(8)
                mutated[i] = text.decode("latin-1")
        cases[f"mutated-{n}.yaml"] = "".join(mutated)
    return cases


# ------------------------------------------------------------------------------------------ signature files


BASE_RULES = [
    'alert http any any -> any any (msg:"x"; flow:established,to_server; http.uri; content:"/a"; sid:1;)',
    'drop tcp any any -> any 80 (msg:"y"; content:"GET"; depth:3; pcre:"/^GET\\s+\\//"; sid:2; rev:1;)',
    'alert dns any any -> any any (msg:"z"; dns.query; content:"example"; nocase; sid:3;)',
    'alert udp any any -> any 53 (msg:"b"; byte_test:1,&,0x80,2; flowbits:set,q; sid:4;)',
    'alert tls any any -> any any (msg:"t"; tls.sni; content:"evil"; endswith; sid:5;)',
]


def hostile_rules(rng, et_open_lines):
    seeds = BASE_RULES + et_open_lines
    cases = {
        "base.rules": "\n".join(BASE_RULES) + "\n",
        "empty.rules": "",
        "binary.rules": bytes(rng.getrandbits(8) for _ in range(4096)).decode("latin-1"),
        "unterminated.rules": 'alert tcp any any -> any any (msg:"x; content:"a; sid:1;\n',
        "continuation-at-end.rules": BASE_RULES[0][:-1] + " \\\n",
        "long-line.rules": 'alert tcp any any -> any any (msg:"' + "a" * 2_000_000 + '"; sid:9;)\n',
        "many-options.rules": "alert tcp any any -> any any (" + 'content:"a"; ' * 20000 + "sid:10;)\n",
        "huge-hex.rules": 'alert tcp any any -> any any (content:"|' + "41 " * 100000 + '|"; sid:11;)\n',
        "pcre-backtracking.rules": 'alert tcp any any -> any any (content:"a"; pcre:"/(a+)+$/"; sid:12;)\n'
        'alert tcp any any -> any any (content:"a"; pcre:"/(a|aa)*b/"; sid:13;)\n',
        "nested-negation.rules": "alert tcp " + "[!" * 500 + "1.2.3.4" + "]" * 500 + " any -> any any (sid:14;)\n",
        "port-ranges.rules": "alert tcp any [" + ",".join(f"{i}:{i + 1}" for i in range(0, 60000, 3))
        + "] -> any any (sid:15;)\n",
        "duplicate-sids.rules": "\n".join([BASE_RULES[0]] * 100) + "\n",
        "byte-extremes.rules": 'alert tcp any any -> any any (content:"a"; byte_jump:4,-2147483648; '
        "byte_test:8,>,18446744073709551615,0; isdataat:!4294967295; sid:16;)\n",
    }
    for n in range(30):
        rule = bytearray(rng.choice(seeds).encode("utf-8", "replace"))
        for _ in range(rng.randrange(1, 6)):
            action = rng.randrange(3)
            position = rng.randrange(len(rule)) if rule else 0
            if action == 0 and rule:
                del rule[position:position + rng.randrange(1, 8)]
            elif action == 1:
                rule[position:position] = rng.choice([b";", b'"', b"\\", b"|", b"(", b")", b":", b"!", b",", b"\x00"])
            elif rule:
                rule[position] = rng.getrandbits(8)
        cases[f"mutated-{n}.rules"] = rule.decode("latin-1") + "\n"
    return cases


# ------------------------------------------------------------------------------------------ running


class Suite:
    def __init__(self, torwart, work):
        self.torwart = torwart
        self.work = work
        self.failures = []
        self.runs = 0
        self.exits = {0: 0, 2: 0}

    def run(self, name, args):
        """Runs `torwart ARGS`; records a failure unless it exits 0 or 2 within the limits."""
        self.runs += 1
        out_path = os.path.join(self.work, "last-output.txt")
        with open(out_path, "wb") as out:
            started = time.monotonic()
            process = subprocess.Popen([self.torwart] + args, stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
            status, usage = None, None
            while status is None:
                pid, raw, rusage = os.wait4(process.pid, os.WNOHANG)
                if pid != 0:
                    status, usage = raw, rusage
                    break
                if time.monotonic() - started > TIME_LIMIT_S:
                    os.killpg(process.pid, signal.SIGKILL)
                    os.wait4(process.pid, 0)
                    self.fail(name, args, f"still running after {TIME_LIMIT_S} s (killed)")
                    return
                time.sleep(0.02)
            process.returncode = 0  # reaped above; keeps Popen from waiting again
        with open(out_path, "rb") as f:
            output = f.read().decode("utf-8", "replace")
        if os.WIFSIGNALED(status):
            self.fail(name, args, f"killed by signal {os.WTERMSIG(status)}\n{output[-2000:]}")
            return
        code = os.WEXITSTATUS(status)
        if code not in (0, 2):
            self.fail(name, args, f"exit {code} (only 0 or 2 are allowed)\n{output[-2000:]}")
            return
        if usage.ru_maxrss > MEMORY_LIMIT_KB:
            self.fail(name, args, f"peak memory {usage.ru_maxrss // 1024} MiB above {MEMORY_LIMIT_KB // 1024} MiB")
            return
        self.exits[code] += 1

    def fail(self, name, args, reason):
        self.failures.append(f"{name}: torwart {' '.join(args)}: {reason}")
        print(f"FAIL {name}: {reason.splitlines()[0]}", flush=True)


def write(directory, name, content):
    path = os.path.join(directory, name)
    with open(path, "wb") as f:
        f.write(content if isinstance(content, bytes) else content.encode("utf-8", "surrogateescape"))
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--torwart", required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--default-config", required=True, help="rules/baseline/default.yaml")
    parser.add_argument("--et-open", default="", help="a directory of ET Open rules to mutate (optional)")
    parser.add_argument("--work", default="")
    parser.add_argument("--keep", action="store_true", help="keep the generated inputs")
    options = parser.parse_args()

    rng = random.Random(options.seed)
    work = options.work or tempfile.mkdtemp(prefix=f"torwart-hostile-{options.seed}-")
    os.makedirs(work, exist_ok=True)
    for sub in ("captures", "configs", "rules", "out"):
        os.makedirs(os.path.join(work, sub), exist_ok=True)
    suite = Suite(options.torwart, work)
    out = os.path.join(work, "out")

    with open(options.default_config, encoding="utf-8") as f:
        default_text = f.read()
    et_open_lines = []
    if options.et_open and os.path.isdir(options.et_open):
        for name in sorted(os.listdir(options.et_open)):
            if name.endswith(".rules"):
                with open(os.path.join(options.et_open, name), encoding="utf-8", errors="replace") as f:
                    et_open_lines += [line.strip() for line in f if line.startswith(("alert", "drop"))]
        et_open_lines = rng.sample(et_open_lines, min(200, len(et_open_lines)))

    fifo = os.path.join(work, "fifo")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    special = {"dev-zero": "/dev/zero", "fifo": fifo, "directory": work, "missing": os.path.join(work, "none")}

    clean_capture = write(os.path.join(work, "captures"), "base.pcap", pcap(sample_frames()))
    for name, content in sorted(hostile_captures(rng).items()):
        path = write(os.path.join(work, "captures"), name, content)
        suite.run(f"capture {name}", ["inspect", "-r", path, "-l", out])
        if name.endswith(".pcap") and rng.random() < 0.4:
            suite.run(f"replay {name}", ["replay", "-l", out, f"lan={path}", f"inet={clean_capture}"])
    for name, config in sorted(hostile_configs(rng, default_text).items()):
        path = write(os.path.join(work, "configs"), name, config)
        suite.run(f"config {name}", ["check", "-c", path])
    for name, rules in sorted(hostile_rules(rng, et_open_lines).items()):
        path = write(os.path.join(work, "rules"), name, rules)
        suite.run(f"rules {name}", ["inspect", "-S", path, "-r", clean_capture, "-l", out])
    for name, path in special.items():
        suite.run(f"config {name}", ["check", "-c", path])
        suite.run(f"capture {name}", ["inspect", "-r", path, "-l", out])
        suite.run(f"rules {name}", ["inspect", "-S", path, "-r", clean_capture, "-l", out])
        suite.run(f"replay {name}", ["replay", "-l", out, f"lan={path}"])

    print(f"hostile inputs (seed {options.seed}): {suite.runs} runs, {suite.exits[0]} exit 0, "
          f"{suite.exits[2]} exit 2, {len(suite.failures)} failures")
    for failure in suite.failures:
        print("  " + failure)
    if not options.keep and not suite.failures:
        shutil.rmtree(work, ignore_errors=True)
    elif suite.failures:
        print(f"inputs kept in {work}")
    return 1 if suite.failures else 0


if __name__ == "__main__":
    sys.exit(main())
