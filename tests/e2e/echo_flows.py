#!/usr/bin/python3
"""Multi-flow UDP and TCP echo exchange (standard library only).

  echo_flows.py server ADDR BASE_PORT FLOWS
      echoes UDP datagrams and TCP streams on ports BASE_PORT .. BASE_PORT+FLOWS-1 until killed.
  echo_flows.py client ADDR BASE_PORT FLOWS COUNT
      per port: COUNT numbered UDP datagrams (stop-and-wait) and one TCP connection carrying COUNT
      numbered 200-byte messages; checks every echo. Prints
      "udp_sent=N udp_echoed=M tcp_sent=N tcp_echoed=M" and exits 0 only when everything came back intact.
"""
import selectors
import socket
import sys


def family_of(addr: str) -> int:
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def server(addr: str, base: int, flows: int) -> None:
    sel = selectors.DefaultSelector()
    for port in range(base, base + flows):
        u = socket.socket(family_of(addr), socket.SOCK_DGRAM)
        u.bind((addr, port))
        sel.register(u, selectors.EVENT_READ, "udp")
        t = socket.socket(family_of(addr), socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((addr, port))
        t.listen(16)
        sel.register(t, selectors.EVENT_READ, "listen")
    print("listening", flush=True)
    while True:
        for key, _ in sel.select():
            sock = key.fileobj
            if key.data == "udp":
                data, peer = sock.recvfrom(65535)
                sock.sendto(data, peer)
            elif key.data == "listen":
                conn, _ = sock.accept()
                sel.register(conn, selectors.EVENT_READ, "tcp")
            else:
                data = sock.recv(65536)
                if data:
                    sock.sendall(data)
                else:
                    sel.unregister(sock)
                    sock.close()


def recv_exactly(sock: socket.socket, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            break
        out += chunk
    return out


def client(addr: str, base: int, flows: int, count: int) -> None:
    udp_sent = udp_echoed = tcp_sent = tcp_echoed = 0
    for port in range(base, base + flows):
        u = socket.socket(family_of(addr), socket.SOCK_DGRAM)
        u.settimeout(2.0)
        u.connect((addr, port))
        for seq in range(count):
            message = f"udp {port} {seq}".encode()
            u.send(message)
            udp_sent += 1
            try:
                if u.recv(2048) == message:
                    udp_echoed += 1
            except socket.timeout:
                pass
        u.close()
        t = socket.create_connection((addr, port), timeout=5.0)
        for seq in range(count):
            message = f"tcp {port} {seq}".encode().ljust(200, b".")
            t.sendall(message)
            tcp_sent += 1
            if recv_exactly(t, len(message)) == message:
                tcp_echoed += 1
        t.close()
    print(f"udp_sent={udp_sent} udp_echoed={udp_echoed} tcp_sent={tcp_sent} tcp_echoed={tcp_echoed}")
    sys.exit(0 if udp_sent == udp_echoed and tcp_sent == tcp_echoed else 1)


def main() -> None:
    if len(sys.argv) >= 5 and sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif len(sys.argv) >= 6 and sys.argv[1] == "client":
        client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
