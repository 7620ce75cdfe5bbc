#!/usr/bin/env python3
"""A tiny HTTP server for the `registry links` end-to-end tests.

Serves /ok (200), /moved (301 to /ok), /loop (301 to itself), /missing (404), /broken (500) and
/hang (accepts, then never answers) and /redirect?to=URL (302 to URL). Binds 127.0.0.1 on a free port,
prints the port on the first line of stdout, and counts every request it receives; GET /count
answers that number (the count request itself excluded), so a test can tell that an address was
reported without being fetched, and GET /requests lists each one as "HOST PATH" in JSON.

Options: --host ADDRESS and --port N bind elsewhere; --tls CERT KEY serves https with that
certificate and key (PEM), and the request log adds " sni=NAME" when the client sent one.
"""
import argparse
import http.server
import json
import signal
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse

requests = 0
received = []
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        global requests
        if self.path == "/count":
            with lock:
                body = str(requests).encode()
            self.reply(200, body)
            return
        if self.path == "/requests":
            with lock:
                body = json.dumps(received).encode()
            self.reply(200, body)
            return
        with lock:
            requests += 1
            sni = getattr(self.connection, "sni", None)
            received.append(f"{self.headers.get('Host')} {self.path}" + (f" sni={sni}" if sni else ""))
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
        elif self.path.startswith("/redirect?"):
            target = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)["to"][0]
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
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
options = argparse.ArgumentParser()
options.add_argument("--host", default="127.0.0.1")
options.add_argument("--port", type=int, default=0)
options.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
arguments = options.parse_args()
server = Server((arguments.host, arguments.port), Handler)
if arguments.tls:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*arguments.tls)

    def remember_sni(connection, name, _context):
        connection.sni = name

    context.sni_callback = remember_sni
    server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
