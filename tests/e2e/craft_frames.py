#!/usr/bin/python3
"""Sends hand-made Ethernet frames on an interface through an AF_PACKET raw socket (standard library only).

usage: craft_frames.py IFACE SRC_MAC DST_MAC SRC_IP DST_IP KIND COUNT
KIND: truncated_ipv4 | bad_ipv4_checksum | bad_tcp_header_length | ttl_zero
Prints "sent KIND COUNT" on success.
"""
import socket
import struct
import sys


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4(src: str, dst: str, proto: int, payload: bytes, ttl: int = 64, ident: int = 0x4242,
         corrupt_checksum: bool = False) -> bytes:
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, ttl, proto, 0,
                         socket.inet_aton(src), socket.inet_aton(dst))
    csum = checksum(header)
    if corrupt_checksum:
        csum ^= 0x5A5A
    return header[:10] + struct.pack("!H", csum) + header[12:] + payload


def icmp_echo(ident: int, seq: int) -> bytes:
    body = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"torwart-e2e-frame"
    return body[:2] + struct.pack("!H", checksum(body)) + body[4:]


def tcp_bad_offset(sport: int, dport: int) -> bytes:
    # Data offset 3 (12 bytes): below the minimum of 5. The checksum is irrelevant to the parser.
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 3 << 4, 0x02, 64240, 0, 0)


def frame(kind: str, src: str, dst: str, n: int) -> bytes:
    if kind == "truncated_ipv4":
        return ipv4(src, dst, 1, icmp_echo(0x7701, n))[:10]  # half an IPv4 header
    if kind == "bad_ipv4_checksum":
        return ipv4(src, dst, 1, icmp_echo(0x7702, n), corrupt_checksum=True)
    if kind == "bad_tcp_header_length":
        return ipv4(src, dst, 6, tcp_bad_offset(40000 + n, 80))
    if kind == "ttl_zero":
        return ipv4(src, dst, 1, icmp_echo(0x7704, n), ttl=0)
    raise SystemExit(f"unknown kind {kind}")


def main() -> None:
    if len(sys.argv) != 8:
        raise SystemExit(__doc__)
    iface, src_mac, dst_mac, src_ip, dst_ip, kind, count = sys.argv[1:]
    mac = lambda text: bytes.fromhex(text.replace(":", ""))
    ethernet = mac(dst_mac) + mac(src_mac) + struct.pack("!H", 0x0800)
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
        s.bind((iface, 0))
        for n in range(int(count)):
            data = ethernet + frame(kind, src_ip, dst_ip, n)
            if s.send(data) != len(data):
                raise SystemExit("short send")
    print(f"sent {kind} {count}")


if __name__ == "__main__":
    main()
