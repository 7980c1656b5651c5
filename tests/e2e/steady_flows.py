#!/usr/bin/python3
"""Long-lived TCP connections that keep talking (standard library only).

  steady_flows.py ADDR SECONDS PORT [PORT ...]
      opens one TCP connection per port to an echo server (echo_flows.py server), then every 50 ms sends a
      numbered 64-byte message on each connection still alive and waits up to 0.5 s for its echo. After
      SECONDS it prints one line per port: "port=P echoed_first_half=A echoed_second_half=B" and exits 0.
      A connection whose message is not echoed in time, or that is reset, counts nothing from then on.
"""
import socket
import sys
import time


def main() -> None:
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    addr, seconds, ports = sys.argv[1], float(sys.argv[2]), [int(p) for p in sys.argv[3:]]
    conns = {}
    for port in ports:
        s = socket.create_connection((addr, port), timeout=3)
        s.settimeout(0.5)
        conns[port] = s
    counts = {port: [0, 0] for port in ports}
    start = time.monotonic()
    n = 0
    while (elapsed := time.monotonic() - start) < seconds:
        half = 0 if elapsed < seconds / 2 else 1
        for port, s in list(conns.items()):
            message = f"{n:08d}".encode().ljust(64, b".")
            try:
                s.sendall(message)
                got = b""
                while len(got) < len(message):
                    chunk = s.recv(len(message) - len(got))
                    if not chunk:
                        raise ConnectionError("closed")
                    got += chunk
                if got != message:
                    raise ConnectionError("corrupt echo")
                counts[port][half] += 1
            except (OSError, ConnectionError):
                del conns[port]
                s.close()
        n += 1
        time.sleep(0.05)
    for port in ports:
        print(f"port={port} echoed_first_half={counts[port][0]} echoed_second_half={counts[port][1]}")


if __name__ == "__main__":
    main()
