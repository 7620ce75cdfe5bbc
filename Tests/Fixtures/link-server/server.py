#!/usr/bin/env python3
"""A tiny HTTP server for the `registry links` end-to-end tests.

Serves /ok (200), /moved (301 to /ok), /loop (301 to itself), /missing (404), /broken (500) and
/hang (accepts, then never answers). Binds 127.0.0.1 on a free port, prints the port on the first
line of stdout, and counts every request it receives; GET /count answers that number (the count
request itself excluded), so a test can tell that an address was reported without being fetched.
"""
import http.server
import signal
import socketserver
import sys
import threading
import time

requests = 0
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        global requests
        if self.path == "/count":
            with lock:
                body = str(requests).encode()
            self.reply(200, body)
            return
        with lock:
            requests += 1
        if self.path == "/ok":
            self.reply(200, b"evidence")
        elif self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/loop":
            self.send_response(301)
            self.send_header("Location", "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/missing":
            self.reply(404, b"not found")
        elif self.path == "/broken":
            self.reply(500, b"server error")
        elif self.path == "/hang":
            time.sleep(3600)
        else:
            self.reply(404, b"unknown path")

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


# The test runner blocks signals in its threads and the child inherits that mask; unblock the ones
# the test stops the server with, or the server would outlive the test.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
