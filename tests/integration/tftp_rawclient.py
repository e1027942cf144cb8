#!/usr/bin/env python3
"""A scriptable TFTP client for the integration tests: what stock clients
cannot do (the UEFI size probe, holding a transfer open, arbitrary bytes in
file names).  Every wait is bounded.

  tftp_rawclient.py probe HOST PORT FILE OUT     EDK2/OVMF: tsize probe, ERROR 8, fetch
  tftp_rawclient.py get HOST PORT NAME [OUT] [--opt k=v]...   prints "OK n" or "ERROR c msg"
  tftp_rawclient.py hold HOST PORT FILE SECONDS [--bind IP]   RRQ+tsize, ACK the OACK, then
                          crawl: one block acknowledged every 0.5 s (a real, slow client)
  tftp_rawclient.py flood HOST PORT FILE COUNT SECONDS --bind IP[,IP...]
        COUNT RRQs (no options), each from its own socket (addresses taken in
        turn), never acknowledged, as a spoofed source would; counts what each
        socket receives for SECONDS and prints "data=D error=E sockets=N
        max_data_per_socket=M"
"""
import socket
import struct
import sys
import time

TIMEOUT = 5.0


def rrq(name, opts=(), mode=b"octet"):
    b = struct.pack(">H", 1) + name + b"\0" + mode + b"\0"
    for k, v in opts:
        b += k.encode() + b"\0" + str(v).encode() + b"\0"
    return b


def parse_oack(pkt):
    parts = pkt[2:].split(b"\0")
    return {parts[i].decode().lower(): parts[i + 1].decode() for i in range(0, len(parts) - 1, 2)}


def recv(sock):
    sock.settimeout(TIMEOUT)
    return sock.recvfrom(70000)


def fetch(sock, server, name, opts, out=None):
    """Downloads name (RFC 7440 client: ACK at the end of each window).
    Returns (data, oack) or raises RuntimeError("ERROR code msg")."""
    sock.sendto(rrq(name, opts), server)
    blksize, window, expect, in_window, data, oack = 512, 1, 1, 0, bytearray(), {}
    deadline = time.time() + 120
    while time.time() < deadline:
        pkt, tid = recv(sock)
        op = struct.unpack(">H", pkt[:2])[0]
        if op == 5:
            code = struct.unpack(">H", pkt[2:4])[0]
            raise RuntimeError("ERROR %d %s" % (code, pkt[4:].split(b"\0")[0].decode(errors="replace")))
        if op == 6:
            oack = parse_oack(pkt)
            blksize = int(oack.get("blksize", 512))
            window = int(oack.get("windowsize", 1))
            sock.sendto(struct.pack(">HH", 4, 0), tid)
            continue
        if op != 3:
            continue
        block = struct.unpack(">H", pkt[2:4])[0]
        if block != expect & 0xFFFF:
            sock.sendto(struct.pack(">HH", 4, (expect - 1) & 0xFFFF), tid)
            in_window = 0
            continue
        payload = pkt[4:]
        data += payload
        expect += 1
        in_window += 1
        if len(payload) < blksize:
            sock.sendto(struct.pack(">HH", 4, block), tid)
            break
        if in_window == window:
            sock.sendto(struct.pack(">HH", 4, block), tid)
            in_window = 0
    else:
        raise RuntimeError("client deadline")
    if out:
        with open(out, "wb") as f:
            f.write(data)
    return data, oack


def main():
    cmd, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    server = (host, port)
    args = sys.argv[4:]
    bind = "0.0.0.0"
    if "--bind" in args:
        i = args.index("--bind")
        bind = args[i + 1]
        del args[i:i + 2]
    opts = []
    while "--opt" in args:
        i = args.index("--opt")
        k, v = args[i + 1].split("=", 1)
        opts.append((k, v))
        del args[i:i + 2]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((bind.split(",")[0], 0))
    if cmd == "probe":
        name, out = args[0].encode(), args[1]
        sock.sendto(rrq(name, [("tsize", 0), ("blksize", 1468), ("windowsize", 4)]), server)
        pkt, tid = recv(sock)
        if struct.unpack(">H", pkt[:2])[0] != 6:
            print("no OACK: %r" % pkt[:40])
            return 1
        tsize = parse_oack(pkt).get("tsize")
        # EDK2 aborts after learning the size...
        sock.sendto(struct.pack(">HH", 5, 8) + b"probe\0", tid)
        # ...and asks again without tsize.
        data, oack = fetch(sock, server, name, [("blksize", 1468), ("windowsize", 4)], out)
        print("tsize %s got %d blksize %s windowsize %s" % (tsize, len(data), oack.get("blksize"),
                                                           oack.get("windowsize")))
        return 0
    if cmd == "get":
        name = args[0].encode("latin-1").decode("unicode_escape").encode("latin-1")
        try:
            data, _ = fetch(sock, server, name, opts, args[1] if len(args) > 1 else None)
        except RuntimeError as e:
            print(e)
            return 0
        except socket.timeout:
            print("TIMEOUT")
            return 0
        print("OK %d" % len(data))
        return 0
    if cmd == "hold":
        name, seconds = args[0].encode(), float(args[1])
        sock.sendto(rrq(name, [("tsize", 0)]), server)
        pkt, tid = recv(sock)
        op = struct.unpack(">H", pkt[:2])[0]
        print("held" if op == 6 else "refused %r" % pkt[4:].split(b"\0")[0], flush=True)
        if op != 6:
            time.sleep(seconds)
            return 0
        # A real peer (never evicted) that crawls: ACK 0, then one block
        # acknowledged every 0.5 s, so the transfer stays open.
        sock.sendto(struct.pack(">HH", 4, 0), tid)
        deadline = time.time() + seconds
        sock.settimeout(1.0)
        while time.time() < deadline:
            try:
                pkt, tid = sock.recvfrom(70000)
            except socket.timeout:
                continue
            if struct.unpack(">H", pkt[:2])[0] == 3:
                time.sleep(0.5)
                sock.sendto(struct.pack(">HH", 4, struct.unpack(">H", pkt[2:4])[0]), tid)
        return 0
    if cmd == "flood":
        name, count, seconds = args[0].encode(), int(args[1]), float(args[2])
        addrs = bind.split(",")
        socks = []
        for i in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((addrs[i % len(addrs)], 0))
            s.setblocking(False)
            s.sendto(rrq(name), server)
            socks.append(s)
        import select
        counts = {s.fileno(): [0, 0] for s in socks}
        deadline = time.time() + seconds
        poller = select.poll()
        for s in socks:
            poller.register(s, select.POLLIN)
        bynum = {s.fileno(): s for s in socks}
        while time.time() < deadline:
            for fd, _ in poller.poll(max(1, int((deadline - time.time()) * 1000))):
                try:
                    pkt = bynum[fd].recv(70000)
                except OSError:
                    continue
                op = struct.unpack(">H", pkt[:2])[0]
                counts[fd][0 if op == 3 else 1] += 1
        data = sum(c[0] for c in counts.values())
        err = sum(c[1] for c in counts.values())
        print("data=%d error=%d sockets=%d max_data_per_socket=%d min_data_per_socket=%d" % (
            data, err, len(socks), max(c[0] for c in counts.values()),
            min(c[0] for c in counts.values())))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
