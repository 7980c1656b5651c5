#!/usr/bin/python3
"""Unsolicited traffic for the NAT end-to-end test (standard library only).

  nat_probe.py listen ADDR PORT SECONDS [HELLO_ADDR HELLO_PORT]
      listens for UDP and TCP on ADDR:PORT for SECONDS; prints "udp_received=N tcp_accepted=M". With HELLO,
      first sends one datagram from the UDP socket there (opening a NAT mapping; an echo server answers it).
  nat_probe.py send ADDR PORT [SOURCE]
      sends 5 UDP datagrams to ADDR:PORT and tries one TCP connection (2 s), from SOURCE if given;
      prints "tcp_connected=0|1".
"""
import selectors
import socket
import sys
import time


def listen(addr: str, port: int, seconds: float, hello) -> None:
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((addr, port))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((addr, port))
    tcp.listen(4)
    sel = selectors.DefaultSelector()
    sel.register(udp, selectors.EVENT_READ, "udp")
    sel.register(tcp, selectors.EVENT_READ, "tcp")
    if hello:
        udp.sendto(b"hello", hello)
    print("listening", flush=True)
    received = accepted = 0
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        for key, _ in sel.select(left):
            if key.data == "udp":
                udp.recvfrom(65535)
                received += 1
            else:
                conn, _ = tcp.accept()
                accepted += 1
                conn.close()
    print(f"udp_received={received} tcp_accepted={accepted}", flush=True)


def send(addr: str, port: int, source: str) -> None:
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if source:
        udp.bind((source, 0))
    for i in range(5):
        udp.sendto(b"unsolicited %d" % i, (addr, port))
        time.sleep(0.05)
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.settimeout(2)
    if source:
        tcp.bind((source, 0))
    try:
        tcp.connect((addr, port))
        print("tcp_connected=1", flush=True)
    except OSError:
        print("tcp_connected=0", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "listen":
        hello = (sys.argv[5], int(sys.argv[6])) if len(sys.argv) > 6 else None
        listen(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), hello)
    else:
        send(sys.argv[2], int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "")
