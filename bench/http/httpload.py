#!/usr/bin/env python3
"""Small HTTP/1.1 load client for bench/http/run.sh (loopback only).

Two modes, both one epoll loop over raw non-blocking sockets:

  storm  N clients connect at once; each sends GET <script path for its MAC>,
         reads the whole response, then GET <kernel> on the SAME keep-alive
         connection and reads it to the end (what iPXE does at boot).  A 503
         with Retry-After is retried after that delay, as iPXE does, and
         counted.  Prints wall time and failures as one JSON line.

  fetch  N keep-alive connections each GET one URL over and over for D
         seconds; prints body MiB/s as one JSON line.

Bodies are read into a buffer (copied to user space like a real client),
unless --discard, which drops them in the kernel (recv MSG_TRUNC).

Only 127.0.0.0/8 and ::1 are accepted as targets: this is a benchmark tool,
not a load generator for other hosts.
"""
import argparse
import ipaddress
import json
import selectors
import socket
import sys
import time

BUF = bytearray(1 << 20)
BUFV = memoryview(BUF)


class Conn:
    """One client connection running a list of GETs in order."""

    def __init__(self, paths):
        self.paths = list(paths)
        self.idx = 0
        self.sock = None
        self.out = b""
        self.hdr = bytearray()
        self.remaining = -1  # body bytes still to read; -1 = in headers
        self.status = 0
        self.retry_at = 0.0
        self.done = False
        self.failed = None
        self.body_head = b""  # first bytes of a body, to check scripts
        self.close_after = False
        self.body_bytes = 0


def loopback_only(host):
    for info in socket.getaddrinfo(host, None):
        if not ipaddress.ip_address(info[4][0]).is_loopback:
            sys.exit("httpload: refusing non-loopback target %s" % host)


class Runner:
    def __init__(self, args):
        self.a = args
        self.sel = selectors.DefaultSelector()
        self.flags = socket.MSG_TRUNC if args.discard else 0
        self.total_body = 0
        self.responses = 0
        self.retries = 0
        self.reconnects = 0
        self.waiting = []  # conns sleeping for Retry-After

    def request(self, c):
        path = c.paths[c.idx]
        c.out = ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: httpload\r\n"
                 "Connection: keep-alive\r\n\r\n" % (path, self.a.host)).encode()
        c.hdr = bytearray()
        c.remaining = -1
        c.body_head = b""

    def connect(self, c):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((self.a.host, self.a.port))
        c.sock = s
        self.request(c)
        self.sel.register(s, selectors.EVENT_WRITE, c)

    def fail(self, c, why):
        c.failed = why
        c.done = True
        self.drop(c)

    def drop(self, c):
        if c.sock:
            try:
                self.sel.unregister(c.sock)
            except (KeyError, ValueError):
                pass
            c.sock.close()
            c.sock = None

    def on_write(self, c):
        try:
            n = c.sock.send(c.out)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            return self.fail(c, "send: %s" % e)
        c.out = c.out[n:]
        if not c.out:
            self.sel.modify(c.sock, selectors.EVENT_READ, c)

    def parse_headers(self, c):
        end = c.hdr.find(b"\r\n\r\n")
        if end < 0:
            if len(c.hdr) > 16384:
                self.fail(c, "header too large")
            return None
        head = bytes(c.hdr[:end]).decode("latin-1").split("\r\n")
        rest = bytes(c.hdr[end + 4:])
        parts = head[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
            self.fail(c, "bad status line %r" % head[0])
            return None
        c.status = int(parts[1])
        length = None
        retry = None
        c.close_after = parts[0] == "HTTP/1.0"
        for h in head[1:]:
            k, _, v = h.partition(":")
            k = k.strip().lower()
            v = v.strip()
            if k == "content-length":
                length = int(v)
            elif k == "retry-after":
                retry = v
            elif k == "connection":
                c.close_after = v.lower() == "close"
            elif k == "transfer-encoding":
                self.fail(c, "chunked responses are not expected here")
                return None
        if length is None:
            self.fail(c, "no Content-Length (status %d)" % c.status)
            return None
        c.retry_after = retry
        c.remaining = length
        return rest

    def on_read(self, c):
        try:
            if c.remaining < 0:
                data = c.sock.recv(65536)
                if not data:
                    return self.fail(c, "connection closed in headers")
                c.hdr += data
                rest = self.parse_headers(c)
                if rest is None:
                    return
                if len(rest) > c.remaining:
                    return self.fail(c, "more bytes than Content-Length")
                c.body_head = rest[:64]
                c.remaining -= len(rest)
                self.count(c, len(rest))
            else:
                n = c.sock.recv_into(BUFV, min(c.remaining, len(BUF)), self.flags)
                if n == 0:
                    return self.fail(c, "connection closed in body")
                if len(c.body_head) < 64 and not self.flags:
                    c.body_head += bytes(BUF[:64 - len(c.body_head)])
                c.remaining -= n
                self.count(c, n)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            return self.fail(c, "recv: %s" % e)
        if c.remaining == 0:
            self.response_done(c)

    def count(self, c, n):
        c.body_bytes += n
        self.total_body += n

    def response_done(self, c):
        self.responses += 1
        if c.status == 503 and c.retry_after is not None:
            # iPXE retries any response carrying Retry-After (httpcore.c).
            self.retries += 1
            try:
                delay = float(c.retry_after)
            except ValueError:
                delay = 5.0
            c.retry_at = time.monotonic() + delay
            self.sel.unregister(c.sock)
            if c.close_after:
                self.drop(c)
            self.waiting.append(c)
            return
        if c.status != 200:
            return self.fail(c, "status %d for %s" % (c.status, c.paths[c.idx]))
        if self.a.mode == "storm" and c.idx == 0 and not c.body_head.startswith(b"#!ipxe"):
            return self.fail(c, "script body does not start with #!ipxe")
        c.idx += 1
        if self.a.mode == "fetch":
            c.idx = 0
        if c.idx == len(c.paths):
            c.done = True
            return self.drop(c)
        if c.close_after:
            # The server ended the connection: a new one (counted).
            self.reconnects += 1
            self.drop(c)
            return self.connect(c)
        self.request(c)
        self.sel.modify(c.sock, selectors.EVENT_WRITE, c)

    def wake_sleepers(self, now):
        keep = []
        for c in self.waiting:
            if now < c.retry_at:
                keep.append(c)
            elif c.sock is None:
                self.connect(c)
            else:
                self.request(c)
                self.sel.register(c.sock, selectors.EVENT_WRITE, c)
        self.waiting = keep

    def run(self, conns, deadline):
        for c in conns:
            self.connect(c)
        while True:
            now = time.monotonic()
            if now >= deadline:
                break
            if all(c.done for c in conns):
                break
            self.wake_sleepers(now)
            for key, ev in self.sel.select(timeout=min(0.05, deadline - now)):
                c = key.data
                if ev & selectors.EVENT_WRITE:
                    err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        self.fail(c, "connect: %s" % socket.errno.errorcode.get(err, err))
                        continue
                    self.on_write(c)
                elif ev & selectors.EVENT_READ:
                    self.on_read(c)


def storm(a):
    macs = [m.strip() for m in open(a.macs) if m.strip()][: a.clients]
    if len(macs) < a.clients:
        sys.exit("httpload: %d clients but only %d MACs" % (a.clients, len(macs)))
    conns = [Conn([a.script % m, a.kernel]) for m in macs]
    r = Runner(a)
    t0 = time.monotonic()
    r.run(conns, t0 + a.timeout)
    wall = time.monotonic() - t0
    reasons = {}
    for c in conns:
        if not c.done:
            c.failed = c.failed or "timed out"
        if c.failed:
            reasons[c.failed] = reasons.get(c.failed, 0) + 1
    failures = sum(reasons.values())
    print(json.dumps({"wall_s": round(wall, 3), "clients": len(conns),
                      "failures": failures, "retries_503": r.retries,
                      "reconnects": r.reconnects, "body_mib": round(r.total_body / 2**20, 1),
                      "reasons": reasons}))


def fetch(a):
    conns = [Conn([a.path]) for _ in range(a.clients)]
    r = Runner(a)
    t0 = time.monotonic()
    r.run(conns, t0 + a.duration)
    el = time.monotonic() - t0
    errs = sum(1 for c in conns if c.failed)
    print(json.dumps({"mib_s": round(r.total_body / 2**20 / el, 1), "seconds": round(el, 2),
                      "clients": a.clients, "responses": r.responses, "errors": errs,
                      "reasons": sorted({c.failed for c in conns if c.failed})}))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("mode", choices=["storm", "fetch"])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--clients", type=int, default=1)
    p.add_argument("--discard", action="store_true",
                   help="drop bodies in the kernel (MSG_TRUNC) instead of copying them")
    p.add_argument("--macs", help="storm: file with one MAC per line")
    p.add_argument("--script", default="/boot/%s.ipxe", help="storm: script path, %%s = MAC")
    p.add_argument("--kernel", help="storm: kernel path")
    p.add_argument("--timeout", type=float, default=300, help="storm: give up after (s)")
    p.add_argument("--path", help="fetch: path to GET")
    p.add_argument("--duration", type=float, default=10, help="fetch: seconds")
    a = p.parse_args()
    loopback_only(a.host)
    if a.mode == "storm":
        if not a.macs or not a.kernel:
            p.error("storm needs --macs and --kernel")
        storm(a)
    else:
        if not a.path:
            p.error("fetch needs --path")
        fetch(a)


if __name__ == "__main__":
    main()
