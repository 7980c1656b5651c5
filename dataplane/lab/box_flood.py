#!/usr/bin/python3
"""Traffic at the box's own address for the lab's flood-at-box row and the local-flood end-to-end test
(standard library only). Sends only inside the lab's namespaces. `torwart lab` carries this file in its binary
(box_flood_script.hpp) and writes it into its scratch directory.

usage:
  box_flood.py flood IFACE SRC_MAC DST_MAC SRC_IP DST_IP UDP_PORT SECONDS PPS
      Ethernet frames on IFACE (AF_PACKET, qdisc bypassed, sendmmsg batches of 64 through ctypes) for SECONDS
      at about PPS per second (0: as fast as it goes): per batch half UDP datagrams to DST_IP:UDP_PORT from 32
      source ports and half ICMP echo requests to DST_IP. Prints
      "sent=N udp=U icmp=I seconds=T rate=R" (R: frames the kernel took per second).
  box_flood.py sink IP PORT SECONDS
      counts the UDP datagrams arriving on IP:PORT (recvmmsg batches of 64 through ctypes) until none came for
      1 s after the first one (at most SECONDS); prints "listening" once bound, then "received=N seconds=T"
      (T: first to last datagram).
  box_flood.py probe IP PORT COUNT SOURCE_IP
      COUNT times: connects to IP:PORT (TCP), sends a line, waits for its echo; prints
      "probes=COUNT answered=A worst_ms=W" (W: the slowest answered connect-and-echo).
"""
import ctypes
import ctypes.util
import socket
import struct
import sys
import time

BATCH = 64
UDP_SOURCES = 32
PACKET_QDISC_BYPASS = 20
SOL_PACKET = 263
MSG_WAITFORONE = 0x10000


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4(src: bytes, dst: bytes, proto: int, payload: bytes, ident: int) -> bytes:
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0, src, dst)
    return header[:10] + struct.pack("!H", checksum(header)) + header[12:] + payload


def udp(src: bytes, dst: bytes, sport: int, dport: int, body: bytes) -> bytes:
    header = struct.pack("!HHHH", sport, dport, 8 + len(body), 0)
    pseudo = src + dst + struct.pack("!BBH", 0, socket.IPPROTO_UDP, 8 + len(body))
    return header[:6] + struct.pack("!H", checksum(pseudo + header + body) or 0xFFFF) + body


def echo_request(ident: int, seq: int, body: bytes) -> bytes:
    message = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + body
    return message[:2] + struct.pack("!H", checksum(message)) + message[4:]


def frames(src_mac: str, dst_mac: str, src_ip: str, dst_ip: str, port: int) -> list[bytes]:
    """One batch: UDP datagrams at even, echo requests at odd positions (a short send keeps that count)."""
    mac = lambda text: bytes.fromhex(text.replace(":", ""))
    ethernet = mac(dst_mac) + mac(src_mac) + struct.pack("!H", 0x0800)
    src, dst = socket.inet_aton(src_ip), socket.inet_aton(dst_ip)
    body = b"torwart-e2e-box-flood"
    out = []
    for n in range(BATCH):
        if n % 2 == 0:
            sport = 40000 + (n // 2) % UDP_SOURCES
            out.append(ethernet + ipv4(src, dst, socket.IPPROTO_UDP, udp(src, dst, sport, port, body), n))
        else:
            out.append(ethernet + ipv4(src, dst, socket.IPPROTO_ICMP, echo_request(0x7e00 + n, n, body), n))
    return out


class IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class MsgHdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32), ("iov", ctypes.POINTER(IoVec)),
                ("iovlen", ctypes.c_size_t), ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]


class MMsgHdr(ctypes.Structure):
    _fields_ = [("hdr", MsgHdr), ("len", ctypes.c_uint)]


def flood(iface: str, src_mac: str, dst_mac: str, src_ip: str, dst_ip: str, port: int, seconds: float,
          pps: int) -> None:
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.sendmmsg.argtypes = [ctypes.c_int, ctypes.POINTER(MMsgHdr), ctypes.c_uint, ctypes.c_int]
    batch = frames(src_mac, dst_mac, src_ip, dst_ip, port)
    buffers = [ctypes.create_string_buffer(f, len(f)) for f in batch]
    iovecs = (IoVec * BATCH)(*[IoVec(ctypes.addressof(b), len(f)) for b, f in zip(buffers, batch)])
    messages = (MMsgHdr * BATCH)()
    for i in range(BATCH):
        messages[i].hdr.iov = ctypes.pointer(iovecs[i])
        messages[i].hdr.iovlen = 1
    sent = udp_sent = icmp_sent = 0
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
        s.setsockopt(SOL_PACKET, PACKET_QDISC_BYPASS, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        s.bind((iface, 0))
        fd = s.fileno()
        start = time.monotonic()
        end = start + seconds
        while True:
            now = time.monotonic()
            if now >= end:
                break
            if pps > 0:
                ahead = sent / pps - (now - start)
                if ahead > 0:
                    time.sleep(ahead)
                    continue
            n = libc.sendmmsg(fd, messages, BATCH, 0)
            if n < 0:
                err = ctypes.get_errno()
                if err in (11, 105):  # EAGAIN, ENOBUFS: the device queue is full; try again
                    continue
                raise OSError(err, "sendmmsg")
            sent += n
            udp_sent += (n + 1) // 2
            icmp_sent += n // 2
        elapsed = time.monotonic() - start
    print(f"sent={sent} udp={udp_sent} icmp={icmp_sent} seconds={elapsed:.2f} rate={sent / elapsed:.0f}")


def sink(ip: str, port: int, seconds: float) -> None:
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.recvmmsg.argtypes = [ctypes.c_int, ctypes.POINTER(MMsgHdr), ctypes.c_uint, ctypes.c_int, ctypes.c_void_p]
    buffers = [ctypes.create_string_buffer(2048) for _ in range(BATCH)]
    iovecs = (IoVec * BATCH)(*[IoVec(ctypes.addressof(b), 2048) for b in buffers])
    messages = (MMsgHdr * BATCH)()
    for i in range(BATCH):
        messages[i].hdr.iov = ctypes.pointer(iovecs[i])
        messages[i].hdr.iovlen = 1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 0, 200000))
        s.bind((ip, port))
        print("listening", flush=True)
        received = 0
        first = last = None
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and (last is None or time.monotonic() - last < 1.0):
            # Batches of up to 64 (MSG_WAITFORONE): the box's service must not be what the flood costs most.
            n = libc.recvmmsg(s.fileno(), messages, BATCH, MSG_WAITFORONE, None)
            if n <= 0:
                continue
            last = time.monotonic()
            if first is None:
                first = last
            received += n
    span = (last - first) if received > 1 else 0.0
    print(f"received={received} seconds={span:.2f}", flush=True)


def probe(ip: str, port: int, count: int, source: str) -> None:
    answered = 0
    worst = 0.0
    for n in range(count):
        start = time.monotonic()
        try:
            with socket.create_connection((ip, port), timeout=3, source_address=(source, 0)) as s:
                line = f"probe {n}\n".encode()
                s.sendall(line)
                s.settimeout(3)
                got = b""
                while len(got) < len(line):
                    piece = s.recv(100)
                    if not piece:
                        break
                    got += piece
            if got == line:
                answered += 1
                worst = max(worst, time.monotonic() - start)
        except OSError:
            pass
        time.sleep(0.2)
    print(f"probes={count} answered={answered} worst_ms={worst * 1000:.0f}")


def main() -> None:
    args = sys.argv[1:]
    if len(args) == 9 and args[0] == "flood":
        flood(args[1], args[2], args[3], args[4], args[5], int(args[6]), float(args[7]), int(args[8]))
    elif len(args) == 4 and args[0] == "sink":
        sink(args[1], int(args[2]), float(args[3]))
    elif len(args) == 5 and args[0] == "probe":
        probe(args[1], int(args[2]), int(args[3]), args[4])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
