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
      PXE DHCPDISCOVERs with random chaddrs, broadcast on IFACE from port 68,
      never followed by a REQUEST; counts the OFFERs that come back; prints
      "discovers=N offers=M addresses=A" (A: distinct addresses offered)
  spoofrrq HOST PORT FILE SRC[,SRC...] SPORT COUNT
      COUNT RRQs for FILE with forged source addresses (raw socket,
      IP_HDRINCL): the i-th from SRC[i % n], port SPORT + i // n; prints
      "spoofed_rrqs=N"
  sink ADDR[,ADDR...] PORT NPORTS SECONDS
      a host whose address was forged: UDP sockets on ADDR:PORT..PORT+NPORTS-1
      that never answer (no ICMP either); counts what the server sends them
      for SECONDS; prints "data=D error=E other=O targets=T max_data_per_rrq=M"
      (each forged address and port had one RRQ)
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
import select
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


def count_offers(s, xids, addrs):
    """Reads what is queued on s; returns the number of OFFERs to our xids."""
    n = 0
    while True:
        try:
            p = s.recv(2048)
        except (BlockingIOError, InterruptedError):
            return n
        if len(p) < 244 or p[0] != 2 or struct.unpack(">I", p[4:8])[0] not in xids:
            continue
        if b"\x35\x01\x02" in p[240:]:  # option 53 = OFFER
            n += 1
            addrs.add(p[16:20])


def dhcpflood(iface, seconds, rate):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    s.bind(("0.0.0.0", 68))
    s.setblocking(False)
    end = time.monotonic() + seconds
    n, t, offers, xids, addrs = 0, time.monotonic(), 0, set(), set()
    while time.monotonic() < end:
        try:
            xid = random.getrandbits(32)
            xids.add(xid)
            s.sendto(discover(rand_mac(), xid), ("255.255.255.255", 67))
            n += 1
        except OSError:
            pass
        offers += count_offers(s, xids, addrs)
        t += 1.0 / rate
        d = t - time.monotonic()
        if d > 0:
            time.sleep(d)
    time.sleep(1)  # the last answers
    offers += count_offers(s, xids, addrs)
    print(f"discovers={n} offers={offers} addresses={len(addrs)}")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def spoofrrq(host, port, name, srcs, sport, count):
    """RRQs whose IP source is someone else's: the server can only answer
    them (the DATA goes to the forged address), never see an ACK."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)  # IP_HDRINCL
    dst = socket.inet_aton(host)
    payload = struct.pack(">H", 1) + name.encode() + b"\0octet\0"
    n = 0
    for i in range(count):
        src = socket.inet_aton(srcs[i % len(srcs)])
        sp = sport + i // len(srcs)
        ulen = 8 + len(payload)
        pseudo = src + dst + struct.pack("!BBH", 0, 17, ulen)
        udp = struct.pack("!HHHH", sp, port, ulen, 0) + payload
        udp = udp[:6] + struct.pack("!H", csum(pseudo + udp) or 0xFFFF) + udp[8:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, random.getrandbits(16), 0, 64,
                         17, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        try:
            s.sendto(ip + udp, (host, 0))
            n += 1
        except OSError:
            pass
        if i % 32 == 31:
            time.sleep(0.01)
    print(f"spoofed_rrqs={n}")


def sink(addrs, port, nports, seconds):
    socks = {}
    for a in addrs:
        for p in range(port, port + nports):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((a, p))
            s.setblocking(False)
            socks[s.fileno()] = [s, 0]
    counts = {"data": 0, "error": 0, "other": 0}
    poll = select.poll()
    for fd in socks:
        poll.register(fd, select.POLLIN)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for fd, _ in poll.poll(200):
            s = socks[fd]
            try:
                pkt = s[0].recv(70000)
            except OSError:
                continue
            op = struct.unpack(">H", pkt[:2])[0] if len(pkt) >= 2 else 0
            if op == 3:
                s[1] += 1
                counts["data"] += 1
            elif op == 5:
                counts["error"] += 1
            else:
                counts["other"] += 1
    m = max(v[1] for v in socks.values())
    print(f"data={counts['data']} error={counts['error']} other={counts['other']} "
          f"targets={len(socks)} max_data_per_rrq={m}")


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
    elif a[0] == "spoofrrq":
        spoofrrq(a[1], int(a[2]), a[3], a[4].split(","), int(a[5]), int(a[6]))
    elif a[0] == "sink":
        sink(a[1].split(","), int(a[2]), int(a[3]), float(a[4]))
    elif a[0] == "login":
        login(a[1], int(a[2]), a[3], a[4], float(a[5]), float(a[6]))
    elif a[0] == "sample":
        sample(int(a[1]), a[2], float(a[3]))


if __name__ == "__main__":
    main()
