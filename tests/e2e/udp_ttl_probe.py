#!/usr/bin/python3
"""Traceroute's first hop: one UDP datagram with TTL / hop limit 1, then the ICMP error from the socket's
error queue (IP_RECVERR / IPV6_RECVERR). Standard library only.

usage: udp_ttl_probe.py DEST_IP PORT
Prints "origin=icmp|icmp6 type=T code=C offender=ADDR" and exits 0, or exits 1 when no error arrives.
"""
import select
import socket
import struct
import sys

IP_RECVERR = 11
IPV6_RECVERR = 25
SO_EE_ORIGIN_ICMP = 2
SO_EE_ORIGIN_ICMP6 = 3


def main() -> None:
    dest, port = sys.argv[1], int(sys.argv[2])
    v6 = ":" in dest
    s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
    if v6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 1)
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVERR, 1)
    else:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 1)
        s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
    s.sendto(b"torwart-e2e-probe", (dest, port))
    poller = select.poll()
    poller.register(s, select.POLLERR)
    if not poller.poll(3000):
        print("no ICMP error within 3 s")
        sys.exit(1)
    _, ancillary, _, _ = s.recvmsg(512, 512, socket.MSG_ERRQUEUE)
    for level, kind, data in ancillary:
        if (level, kind) not in ((socket.IPPROTO_IP, IP_RECVERR), (socket.IPPROTO_IPV6, IPV6_RECVERR)):
            continue
        _errno, origin, icmp_type, code, _pad, _info, _data = struct.unpack("=IBBBBII", data[:16])
        offender = data[16:]
        family = struct.unpack("=H", offender[:2])[0]
        if family == socket.AF_INET:
            address = socket.inet_ntop(socket.AF_INET, offender[4:8])
        elif family == socket.AF_INET6:
            address = socket.inet_ntop(socket.AF_INET6, offender[8:24])
        else:
            address = "?"
        name = {SO_EE_ORIGIN_ICMP: "icmp", SO_EE_ORIGIN_ICMP6: "icmp6"}.get(origin, str(origin))
        print(f"origin={name} type={icmp_type} code={code} offender={address}")
        sys.exit(0)
    print("error queue held no IP_RECVERR message")
    sys.exit(1)


if __name__ == "__main__":
    main()
