#!/usr/bin/env python3
"""Hostile HTTP clients for tests/integration/security_http.sh.

  early PORT METHOD PATH CL [HEADER...]
      sends the request line and headers announcing a CL-byte body, sends no
      body, and prints "<status> <seconds>" for the answer ("none" when none
      came within 3 s), then "closed" or "open" for the connection.
  hold PORT SRC-PREFIX N METHOD PATH CL SEND SECONDS
      opens N connections (source addresses SRC-PREFIX.1.. round robin over
      10), each announcing a CL-byte body and sending SEND bytes of it, holds
      them SECONDS, prints how many were still open at the end.
  slowheader PORT SRC N INTERVAL SECONDS
      opens N connections from SRC and trickles one header line each every
      INTERVAL seconds; prints "ready" once they are open, then
      "<opened> <closed-by-server> <refused>" after SECONDS.
  noread PORT SRC N PATH SECONDS
      N GETs of PATH from SRC that never read the body (a 4 KiB receive
      buffer); prints the status of each (from the first bytes, peeked),
      then holds them SECONDS.
The server is 127.0.0.1 unless BH_HTTP_HOST names another address; a
SRC-PREFIX with four octets is used as the one source address.
"""
import os
import select
import socket
import sys
import time


def connect(port, src=None, timeout=5, rcvbuf=0):
    s = socket.socket()
    s.settimeout(timeout)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if src:
        s.bind((src, 0))
    s.connect((os.environ.get("BH_HTTP_HOST", "127.0.0.1"), port))
    return s


def closed_by_peer(s):
    """True when the server closed (EOF or reset); does not block."""
    try:
        r, _, _ = select.select([s], [], [], 0)
        if not r:
            return False
        s.setblocking(False)
        while True:
            d = s.recv(65536)
            if not d:
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True


def early(port, method, path, cl, headers):
    s = connect(port)
    req = f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {cl}\r\n"
    for h in headers:
        req += h + "\r\n"
    s.sendall((req + "\r\n").encode())
    t0 = time.monotonic()
    s.settimeout(3)
    try:
        data = s.recv(4096)
    except socket.timeout:
        print("none 3.0")
        print("open")
        return
    status = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/") else "?"
    print(f"{status} {time.monotonic() - t0:.2f}")
    # The connection must not wait for the body: closed soon after.
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        if closed_by_peer(s):
            print("closed")
            return
        time.sleep(0.05)
    print("open")


def hold(port, prefix, n, method, path, cl, send, seconds):
    socks = []
    chunk = b"x" * 65536
    for i in range(n):
        src = prefix if prefix.count(".") == 3 else f"{prefix}.{i % 10 + 1}"
        try:
            s = connect(port, src)
            s.sendall(
                f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Content-Length: {cl}\r\n\r\n".encode())
            s.setblocking(False)
            socks.append([s, send])
        except OSError:
            pass
    # Push the body bytes (non-blocking, round robin) while the server takes them.
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        busy = False
        for e in socks:
            if e[1] > 0:
                try:
                    k = e[0].send(chunk[: min(len(chunk), e[1])])
                    e[1] -= k
                    busy = True
                except BlockingIOError:
                    pass
                except OSError:
                    e[1] = 0
        if not busy:
            time.sleep(0.1)
    print(sum(1 for e in socks if not closed_by_peer(e[0])))
    sys.stdout.flush()


def slowheader(port, src, n, interval, seconds):
    socks, refused = [], 0
    for i in range(n):
        try:
            s = connect(port, src, timeout=2)
            s.sendall(b"GET /boot.ipxe HTTP/1.1\r\n")
            socks.append(s)
        except OSError:
            refused += 1
    opened = len(socks)
    print("ready", flush=True)
    end = time.monotonic() + seconds
    alive = list(socks)
    closed = 0
    while time.monotonic() < end:
        time.sleep(interval)
        keep = []
        for s in alive:
            if closed_by_peer(s):
                closed += 1
                continue
            try:
                s.sendall(b"X-Slow: 1\r\n")
                keep.append(s)
            except OSError:
                closed += 1
        alive = keep
    # Accepted but already dropped by the per-address limit count as refused.
    print(f"{opened} {closed} {refused}")


def noread(port, src, n, path, seconds):
    socks, statuses = [], []
    for i in range(n):
        try:
            s = connect(port, src, timeout=2, rcvbuf=4096)
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            socks.append(s)
        except OSError:
            statuses.append("refused")
    time.sleep(1)
    for s in socks:
        try:
            d = s.recv(12, socket.MSG_PEEK)
            statuses.append(d.split(b" ")[1].decode() if len(d) >= 12 else "eof")
        except OSError:
            statuses.append("reset")
    print(" ".join(statuses))
    sys.stdout.flush()
    time.sleep(seconds)


def main():
    a = sys.argv[1:]
    if a[0] == "early":
        early(int(a[1]), a[2], a[3], int(a[4]), a[5:])
    elif a[0] == "hold":
        hold(int(a[1]), a[2], int(a[3]), a[4], a[5], int(a[6]), int(a[7]), float(a[8]))
    elif a[0] == "slowheader":
        slowheader(int(a[1]), a[2], int(a[3]), float(a[4]), float(a[5]))
    elif a[0] == "noread":
        noread(int(a[1]), a[2], int(a[3]), a[4], float(a[5]))


if __name__ == "__main__":
    main()
