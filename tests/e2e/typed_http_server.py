#!/usr/bin/env python3
"""HTTP/1.1 server for the application-layer end-to-end test: every path ending in .exe is answered as
application/x-msdownload, everything else as text/html, each with SIZE bytes of body.

usage: typed_http_server.py ADDRESS PORT SIZE
"""
import http.server
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        size = int(sys.argv[3])
        content_type = "application/x-msdownload" if self.path.endswith(".exe") else "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        chunk = b"x" * 4096
        left = size
        while left > 0:
            n = min(left, len(chunk))
            self.wfile.write(chunk[:n])
            left -= n

    def log_message(self, fmt, *args):
        sys.stderr.write(fmt % args + "\n")


http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), Handler).serve_forever()
