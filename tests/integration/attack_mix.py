#!/usr/bin/env python3
"""Random-MAC floods and a resource sampler for tests/integration/attack_mix.sh.
Every mode stops after SECONDS; all waits are bounded.

  httpmac HOST PORT SRC SECONDS
      GET /boot/<random MAC>.ipxe over keep-alive connections from SRC as fast
      as the server answers; prints "requests=N statuses=CODE:COUNT,..."
  tftpmac HOST PORT SRC[,SRC...] SECONDS RATE
      RRQs for pxelinux.cfg/01-<random MAC>, each from a fresh socket (source
      addresses taken in turn), never acknowledged; prints "rrqs=N"
  dhcpflood IFACE SECONDS RATE
      PXE DHCPDISCOVERs with random chaddrs, broadcast on IFACE from port 68;
      prints "discovers=N"
  login HOST PORT SRC USER SECONDS RATE
      wrong passwords for USER, RATE a second, over a keep-alive connection
      (a new one when it is closed); prints "attempts=N statuses=CODE:COUNT,..."
  sample PID DB SECONDS
      every 0.25 s: "<t> <VmRSS kB> <open fds> <db + wal + shm bytes>"
Random MACs are locally administered unicast (52:54:xx:xx:xx:xx).
"""
import http.client
import os
import random
import socket
import struct
import sys
import time


def rand_mac():
    return [0x52, 0x54] + [random.randrange(256) for _ in range(4)]


def httpmac(host, port, src, seconds):
    end = time.monotonic() + seconds
    n, statuses, conn = 0, {}, None
    while time.monotonic() < end:
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=5, source_address=(src, 0))
            mac = ":".join("%02x" % b for b in rand_mac())
            conn.request("GET", f"/boot/{mac}.ipxe")
            r = conn.getresponse()
            r.read()
            n += 1
            statuses[r.status] = statuses.get(r.status, 0) + 1
            if r.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException):
            statuses["err"] = statuses.get("err", 0) + 1
            if conn:
                conn.close()
            conn = None
            time.sleep(0.05)
    print(f"requests={n} statuses=" + ",".join(f"{k}:{v}" for k, v in statuses.items()))


def login(host, port, src, user, seconds, rate):
    end = time.monotonic() + seconds
    n, statuses, conn = 0, {}, None
    while time.monotonic() < end:
        t = time.monotonic()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=5, source_address=(src, 0))
            body = '{"username":"%s","password":"guess-%d"}' % (user, random.getrandbits(32))
            conn.request("POST", "/api/v1/login", body, {"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            n += 1
            statuses[r.status] = statuses.get(r.status, 0) + 1
        except (OSError, http.client.HTTPException):
            statuses["err"] = statuses.get("err", 0) + 1
            if conn:
                conn.close()
            conn = None
        d = t + 1.0 / rate - time.monotonic()
        if d > 0:
            time.sleep(d)
    print(f"attempts={n} statuses=" + ",".join(f"{k}:{v}" for k, v in statuses.items()))


def tftpmac(host, port, srcs, seconds, rate):
    end = time.monotonic() + seconds
    n, t = 0, time.monotonic()
    while time.monotonic() < end:
        mac = "-".join("%02x" % b for b in rand_mac())
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind((srcs[n % len(srcs)], 0))
            s.sendto(struct.pack(">H", 1) + f"pxelinux.cfg/01-{mac}".encode() + b"\0octet\0",
                     (host, port))
            n += 1
        except OSError:
            pass
        s.close()
        t += 1.0 / rate
        d = t - time.monotonic()
        if d > 0:
            time.sleep(d)
    print(f"rrqs={n}")


def discover(mac, xid):
    p = struct.pack(">BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0, 0x8000, b"\0" * 4,
                    b"\0" * 4, b"\0" * 4, b"\0" * 4, bytes(mac) + b"\0" * 10, b"", b"")
    p += b"\x63\x82\x53\x63"
    p += b"\x35\x01\x01"  # DHCPDISCOVER
    vc = b"PXEClient:Arch:00000:UNDI:002001"
    p += bytes([60, len(vc)]) + vc
    p += b"\x5d\x02\x00\x00"  # client arch: x86 BIOS
    p += b"\x37\x04\x01\x03\x42\x43"
    return p + b"\xff"


def dhcpflood(iface, seconds, rate):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    s.bind(("0.0.0.0", 68))
    end = time.monotonic() + seconds
    n, t = 0, time.monotonic()
    while time.monotonic() < end:
        try:
            s.sendto(discover(rand_mac(), random.getrandbits(32)), ("255.255.255.255", 67))
            n += 1
        except OSError:
            pass
        t += 1.0 / rate
        d = t - time.monotonic()
        if d > 0:
            time.sleep(d)
    print(f"discovers={n}")


def sample(pid, db, seconds):
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        try:
            with open(f"/proc/{pid}/status") as f:
                rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))
            fds = len(os.listdir(f"/proc/{pid}/fd"))
        except (OSError, StopIteration):
            break
        size = sum(os.path.getsize(db + x) for x in ("", "-wal", "-shm") if os.path.exists(db + x))
        print(f"{time.monotonic() - t0:.2f} {rss} {fds} {size}", flush=True)
        time.sleep(0.25)


def main():
    a = sys.argv[1:]
    if a[0] == "httpmac":
        httpmac(a[1], int(a[2]), a[3], float(a[4]))
    elif a[0] == "tftpmac":
        tftpmac(a[1], int(a[2]), a[3].split(","), float(a[4]), float(a[5]))
    elif a[0] == "dhcpflood":
        dhcpflood(a[1], float(a[2]), float(a[3]))
    elif a[0] == "login":
        login(a[1], int(a[2]), a[3], a[4], float(a[5]), float(a[6]))
    elif a[0] == "sample":
        sample(int(a[1]), a[2], float(a[3]))


if __name__ == "__main__":
    main()
