#!/usr/bin/env python3
"""Writes the named seeds of fuzz_ra_wire (tests/fuzz/ra/fuzz_ra_wire.c).

Each seed is: hop limit (1 byte), IPv6 source (16 bytes), ICMPv6 message.
Run from anywhere: python3 tests/fuzz/corpus/gen-ra-seeds.py"""
import ipaddress
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz_ra_wire")
LL = ipaddress.IPv6Address("fe80::5054:ff:fe12:3456").packed
ANY = bytes(16)
GLOBAL = ipaddress.IPv6Address("2001:db8::1").packed
SLLA = bytes([1, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56])


def ra(hop=0, flags=0, lifetime=0, reach=0, retrans=0, opts=b""):
    return struct.pack("!BBHBBHII", 134, 0, 0, hop, flags, lifetime, reach, retrans) + opts


def rs(opts=b""):
    return struct.pack("!BBHI", 133, 0, 0, 0) + opts


prefix = struct.pack("!BBBBIII16s", 3, 4, 64, 0xC0, 86400, 14400, 0,
                     ipaddress.IPv6Address("2001:db8::").packed)
mtu = struct.pack("!BBHI", 5, 1, 0, 1500)
rdnss = struct.pack("!BBHI16s", 25, 3, 0, 600, ipaddress.IPv6Address("2001:db8::53").packed)

SEEDS = {
    "ra-bootherd-configures-nothing": (255, LL, ra()),
    "ra-router-prefix-mtu-slla": (255, LL, ra(64, 0, 1800, 0, 0, SLLA + prefix + mtu)),
    "ra-managed-other-rdnss": (255, LL, ra(64, 0xC0, 1800, 0, 0, rdnss)),
    "ra-hoplimit-254": (254, LL, ra()),
    "ra-global-source": (255, GLOBAL, ra()),
    "rs-ipxe-with-slla": (255, LL, rs(SLLA)),
    "rs-unspecified-no-slla": (255, ANY, rs()),
    "rs-unspecified-with-slla-invalid": (255, ANY, rs(SLLA)),
    "rs-option-length-zero": (255, LL, rs(bytes([1, 0, 0, 0, 0, 0, 0, 0]))),
    "rs-option-overrun": (255, LL, rs(bytes([1, 3, 0, 0, 0, 0, 0, 0]))),
    "ra-truncated-header": (255, LL, ra()[:12]),
    "ns-not-router-message": (255, LL, struct.pack("!BBHI16s", 135, 0, 0, 0, LL)),
    "rs-many-unknown-options": (255, LL, rs(bytes([200, 1, 0, 0, 0, 0, 0, 0]) * 70)),
}

os.makedirs(OUT, exist_ok=True)
for name, (hop, src, msg) in SEEDS.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([hop]) + src + msg)
