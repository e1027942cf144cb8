#!/usr/bin/env python3
"""Minimal IPv6 router advertisement sender for the e2e test link.

Debian's iPXE (2019) waits ~13 s for IPv6 autoconfiguration after DHCPv4 when
no router answers its solicitations (pxe-facts.md, pitfall 1); any RA ends the
wait.  This sends an RA that configures nothing: no prefix option, router
lifetime 0 ("I am not a default router"), M and O flags clear (no DHCPv6).
It goes to ff02::1 from this namespace's link-local address every 2 s and in
answer to each router solicitation, for at most --max-seconds.

Usage: ra.py IFNAME [--max-seconds N] [--rs-only]
"""
import argparse
import select
import socket
import struct
import time

ICMP6_RS, ICMP6_RA = 133, 134


def wait_link_local(ifname, deadline):
    """Waits until IFNAME has a non-tentative link-local address (DAD done)."""
    while time.monotonic() < deadline:
        with open("/proc/net/if_inet6") as f:
            for line in f:
                addr, _idx, _plen, scope, flags, name = line.split()
                tentative = int(flags, 16) & 0x40
                if name == ifname and scope == "20" and not tentative:
                    return
        time.sleep(0.1)
    raise SystemExit(f"ra.py: no link-local address on {ifname}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ifname")
    ap.add_argument("--max-seconds", type=float, default=3600)
    ap.add_argument("--rs-only", action="store_true",
                    help="answer router solicitations only (no periodic RA)")
    args = ap.parse_args()
    deadline = time.monotonic() + args.max_seconds
    wait_link_local(args.ifname, deadline)
    ifindex = socket.if_nametoindex(args.ifname)

    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, args.ifname.encode())
    # RFC 4861 section 6.1.2: receivers drop RAs whose hop limit is not 255.
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
    # Join ff02::2 (all routers) to hear solicitations.
    mreq = socket.inet_pton(socket.AF_INET6, "ff02::2") + struct.pack("@I", ifindex)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)

    # type, code, checksum (kernel fills it for raw ICMPv6), cur hop limit,
    # flags (M=0 O=0), router lifetime 0, reachable time 0, retrans timer 0.
    ra = struct.pack("!BBHBBHII", ICMP6_RA, 0, 0, 0, 0, 0, 0, 0)
    dest = ("ff02::1", 0, 0, ifindex)
    next_periodic = 0.0
    while time.monotonic() < deadline:
        now = time.monotonic()
        if now >= next_periodic:
            if not args.rs_only:
                s.sendto(ra, dest)
            next_periodic = now + 2
        r, _, _ = select.select([s], [], [], max(0.0, next_periodic - now))
        if r:
            pkt, _src = s.recvfrom(1500)
            if pkt and pkt[0] == ICMP6_RS:
                s.sendto(ra, dest)


if __name__ == "__main__":
    main()
