#!/usr/bin/python3
"""Traffic for the SYN-flood end-to-end test (standard library only). Sends only inside the test's namespaces.

usage:
  syn_flood.py serve IP PORT BYTES        each connection gets BYTES bytes (0: until it closes), then FIN
  syn_flood.py download IP PORT SECONDS   reads for SECONDS; prints "seconds=N bytes=B stalls=S" where a stall
                                          is a second in which nothing arrived
  syn_flood.py fetch SRC IP PORT BYTES    one connection from SRC; prints "fetched=B" once BYTES arrived
  syn_flood.py flood DST PORT COUNT PPS   COUNT SYNs from random sources in 100.64.0.0/10 (raw socket) at
                                          about PPS per second; prints "flooded=COUNT"
"""
import random
import socket
import struct
import sys
import threading
import time

CHUNK = bytes(range(256)) * 256  # 64 KiB


def serve(ip: str, port: int, total: int) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((ip, port))
    listener.listen(64)

    def one(conn: socket.socket) -> None:
        sent = 0
        try:
            while total == 0 or sent < total:
                piece = CHUNK if total == 0 else CHUNK[: min(len(CHUNK), total - sent)]
                conn.sendall(piece)
                sent += len(piece)
            conn.shutdown(socket.SHUT_WR)
            conn.recv(1)
        except OSError:
            pass
        finally:
            conn.close()

    while True:
        conn, _ = listener.accept()
        threading.Thread(target=one, args=(conn,), daemon=True).start()


def download(ip: str, port: int, seconds: float) -> None:
    s = socket.create_connection((ip, port), timeout=10)
    s.settimeout(0.2)
    start = time.monotonic()
    per_second = [0] * int(seconds)
    total = 0
    while True:
        elapsed = time.monotonic() - start
        if elapsed >= seconds:
            break
        try:
            data = s.recv(1 << 16)
        except socket.timeout:
            continue
        if not data:
            raise SystemExit(f"server closed after {total} bytes")
        total += len(data)
        per_second[min(int(time.monotonic() - start), len(per_second) - 1)] += len(data)
    s.close()
    stalls = sum(1 for b in per_second if b == 0)
    print(f"seconds={len(per_second)} bytes={total} stalls={stalls} per_second={per_second}")


def fetch(source: str, ip: str, port: int, expected: int) -> None:
    s = socket.create_connection((ip, port), timeout=10, source_address=(source, 0))
    got = 0
    while True:
        data = s.recv(1 << 16)
        if not data:
            break
        got += len(data)
    s.close()
    print(f"fetched={got}")
    if got != expected:
        raise SystemExit(f"expected {expected} bytes")


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def syn(src: bytes, dst: bytes, sport: int, dport: int, seq: int) -> bytes:
    options = struct.pack("!BBH", 2, 4, 1460)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 6 << 4, 0x02, 64240, 0, 0) + options
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
    return ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:] + tcp


def flood(dst: str, port: int, count: int, pps: int) -> None:
    rng = random.Random(4987)
    target = socket.inet_aton(dst)
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW) as s:
        start = time.monotonic()
        for n in range(count):
            source = struct.pack("!I", (100 << 24 | 64 << 16) + rng.randrange(1 << 22))
            s.sendto(syn(source, target, rng.randrange(1024, 65536), port, rng.randrange(1 << 32)), (dst, 0))
            if n % 100 == 99:
                ahead = (n + 1) / pps - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
    print(f"flooded={count}")


def main() -> None:
    args = sys.argv[1:]
    if len(args) == 4 and args[0] == "serve":
        serve(args[1], int(args[2]), int(args[3]))
    elif len(args) == 4 and args[0] == "download":
        download(args[1], int(args[2]), float(args[3]))
    elif len(args) == 5 and args[0] == "fetch":
        fetch(args[1], args[2], int(args[3]), int(args[4]))
    elif len(args) == 5 and args[0] == "flood":
        flood(args[1], int(args[2]), int(args[3]), int(args[4]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
