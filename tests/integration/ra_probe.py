#!/usr/bin/env python3
"""IPv6 router-advertisement probe for tests/integration/ra.sh.

  ra_probe.py listen IFNAME SECONDS [--rs] [--from ADDR] [--count N]
      Prints one line per router advertisement heard on IFNAME:
      "ra src=fe80::1 hop=255 lifetime=0 M=0 O=0 options=0"; stops after
      SECONDS or N advertisements.  --rs first sends a router solicitation
      (to ff02::2, hop limit 255, with a source link-layer address option);
      --from keeps only advertisements from ADDR.
  ra_probe.py send-ra IFNAME
      Sends one router advertisement as a real router would: router
      lifetime 1800 s, M = 1, no prefix (link-local only, nothing global).
"""
import argparse
import select
import socket
import struct
import time

RS, RA = 133, 134
IPV6_RECVHOPLIMIT = getattr(socket, "IPV6_RECVHOPLIMIT", 51)
IPV6_HOPLIMIT = getattr(socket, "IPV6_HOPLIMIT", 52)
ICMP6_FILTER = 1


def wait_link_local(ifname, seconds=10):
    """Waits until IFNAME has a non-tentative link-local address (DAD done)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with open("/proc/net/if_inet6") as f:
            for line in f:
                _addr, _idx, _plen, scope, flags, name = line.split()
                if name == ifname and scope == "20" and not int(flags, 16) & 0x40:
                    return
        time.sleep(0.1)
    raise SystemExit(f"ra_probe: no link-local address on {ifname}")


def open_socket(ifname):
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, socket.if_nametoindex(ifname))
    s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1)
    # ICMP6_FILTER: pass router advertisements only (bit set = blocked).
    filt = [0xFFFFFFFF] * 8
    filt[RA >> 5] &= ~(1 << (RA & 31))
    s.setsockopt(socket.IPPROTO_ICMPV6, ICMP6_FILTER, struct.pack("8I", *filt))
    return s


def mac_of(ifname):
    with open(f"/sys/class/net/{ifname}/address") as f:
        return bytes.fromhex(f.read().strip().replace(":", ""))


def listen(args):
    wait_link_local(args.ifname)
    s = open_socket(args.ifname)
    dest = ("ff02::2", 0, 0, socket.if_nametoindex(args.ifname))
    if args.rs:
        s.sendto(struct.pack("!BBHI", RS, 0, 0, 0) + bytes([1, 1]) + mac_of(args.ifname), dest)
    deadline = time.monotonic() + args.seconds
    heard = 0
    while heard < args.count:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            break
        data, anc, _flags, src = s.recvmsg(2048, socket.CMSG_SPACE(4))
        src_addr = src[0].split("%")[0]
        if len(data) < 16 or data[0] != RA or (args.src and src_addr != args.src):
            continue
        hop = -1
        for level, ctype, cdata in anc:
            if level == socket.IPPROTO_IPV6 and ctype == IPV6_HOPLIMIT:
                hop = struct.unpack("i", cdata[:4])[0]
        _t, _c, _ck, _chl, flags, lifetime, _r, _rt = struct.unpack("!BBHBBHII", data[:16])
        print(f"ra src={src_addr} hop={hop} lifetime={lifetime} M={flags >> 7 & 1} "
              f"O={flags >> 6 & 1} options={len(data) - 16}", flush=True)
        heard += 1


def send_ra(args):
    wait_link_local(args.ifname)
    s = open_socket(args.ifname)
    ra = struct.pack("!BBHBBHII", RA, 0, 0, 64, 0x80, 1800, 0, 0)
    s.sendto(ra, ("ff02::1", 0, 0, socket.if_nametoindex(args.ifname)))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    lp = sub.add_parser("listen")
    lp.add_argument("ifname")
    lp.add_argument("seconds", type=float)
    lp.add_argument("--rs", action="store_true")
    lp.add_argument("--from", dest="src")
    lp.add_argument("--count", type=int, default=1000)
    sp = sub.add_parser("send-ra")
    sp.add_argument("ifname")
    args = ap.parse_args()
    {"listen": listen, "send-ra": send_ra}[args.cmd](args)


if __name__ == "__main__":
    main()
