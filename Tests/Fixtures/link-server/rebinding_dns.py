#!/usr/bin/env python3
"""A DNS server that rebinds: for the `registry links` end-to-end tests.

Usage: rebinding_dns.py LOG NAME=ADDRESS[,ADDRESS...]...

Listens on UDP 127.0.0.1:53 (run it in a network namespace of its own). The Nth A query for NAME is
answered with its Nth address, the last one repeating, so a name can answer a public address to
the registry's check and a private one when it connects: DNS rebinding. AAAA queries for a known
name get no answer records; unknown names get NXDOMAIN. Each A answer is appended to LOG as
"NAME ADDRESS", so a test can tell that both answers were given. Prints "ready" once listening.
"""
import signal
import socket
import struct
import sys

log_path = sys.argv[1]
rules = {}
for rule in sys.argv[2:]:
    name, addresses = rule.split("=", 1)
    rules[name.lower()] = addresses.split(",")
asked = {name: 0 for name in rules}

signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 53))
print("ready", flush=True)

while True:
    query, peer = sock.recvfrom(512)
    ident, _flags, questions = struct.unpack("!HHH", query[:6])
    # The question: length-prefixed labels up to a zero byte, then type and class.
    labels, offset = [], 12
    while query[offset]:
        length = query[offset]
        labels.append(query[offset + 1:offset + 1 + length].decode("ascii", "replace"))
        offset += 1 + length
    question_end = offset + 5
    qtype = struct.unpack("!H", query[offset + 1:offset + 3])[0]
    name = ".".join(labels).lower()
    question = query[12:question_end]
    answers = b""
    if name not in rules:
        flags, count = 0x8183, 0  # response, recursion available, NXDOMAIN
    elif qtype == 1:
        addresses = rules[name]
        address = addresses[min(asked[name], len(addresses) - 1)]
        asked[name] += 1
        with open(log_path, "a") as log:
            log.write(f"{name} {address}\n")
        answers = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 0, 4) + socket.inet_aton(address)
        flags, count = 0x8180, 1
    else:
        flags, count = 0x8180, 0
    header = struct.pack("!HHHHHH", ident, flags, 1, count, 0, 0)
    sock.sendto(header + question + answers, peer)
