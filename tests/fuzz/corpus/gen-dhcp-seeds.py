#!/usr/bin/env python3
"""Writes the named seeds of fuzz_dhcp_wire and fuzz_dhcp_policy.

Each seed is one DHCP message as a real client sends it (pxe-facts.md), or a
malformed one the server must drop.  fuzz_dhcp_policy seeds carry a 3-byte
prefix: mode (bit0 proxy, bit1 port 4011), inventory record bits, time step.
Run from anywhere: python3 tests/fuzz/corpus/gen-dhcp-seeds.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
MAC = bytes.fromhex("525400abcd01")


def opt(code, value):
    out = b""
    while True:  # RFC 3396 split
        chunk, value = value[:255], value[255:]
        out += bytes([code, len(chunk)]) + chunk
        if not value:
            return out


def packet(msg_type, opts=b"", op=1, ciaddr=0, giaddr=0, flags=0, mac=MAC,
           file=b"", sname=b"", end=True, hlen=6):
    hdr = struct.pack("!BBBBIHHIIII", op, 1, hlen, 0, 0x1234abcd, 0, flags,
                      ciaddr, 0, 0, giaddr)
    hdr += mac.ljust(16, b"\0") + sname.ljust(64, b"\0") + file.ljust(128, b"\0")
    body = b"\x63\x82\x53\x63"
    if msg_type:
        body += opt(53, bytes([msg_type]))
    body += opts + (b"\xff" if end else b"")
    return hdr + body


def ip(s):
    return bytes(int(x) for x in s.split("."))


PXE_BIOS = opt(93, b"\0\0") + opt(94, b"\x01\x02\x01") + \
    opt(60, b"PXEClient:Arch:00000:UNDI:002001") + opt(57, b"\x05\xc0") + \
    opt(97, b"\0" * 17)
PXE_UEFI = opt(93, b"\0\x07") + opt(60, b"PXEClient:Arch:00007:UNDI:003000") + \
    opt(57, b"\x05\xc0") + opt(55, bytes([1, 3, 6, 43, 60, 66, 67]))
HTTP_BOOT = opt(93, b"\0\x10") + opt(60, b"HTTPClient:Arch:00016:UNDI:003000")
IPXE = opt(93, b"\0\x07") + opt(60, b"PXEClient:Arch:00007:UNDI:003016") + \
    opt(77, b"iPXE") + opt(175, b"\x13\x01\x01\x24\x01\x01\xeb\x03\x01\x00\x00")
SERVER = opt(54, ip("198.18.0.1"))

seeds = {
    "discover-plain": packet(1, opt(55, bytes([1, 3, 6, 12, 15]))),
    "discover-bios-pxe": packet(1, PXE_BIOS),
    "discover-uefi-pxe": packet(1, PXE_UEFI, flags=0x8000),
    "discover-http-boot": packet(1, HTTP_BOOT, flags=0x8000),
    "discover-ipxe-rfc3004": packet(1, opt(93, b"\0\0") + opt(77, b"\x04gPXE")),
    "request-selecting": packet(3, opt(50, ip("198.18.0.100")) + SERVER),
    "request-ipxe": packet(3, IPXE + opt(50, ip("198.18.0.100")) + SERVER),
    "request-init-reboot": packet(3, opt(50, ip("198.18.0.105"))),
    "request-renew": packet(3, b"", ciaddr=0xc6120064),
    "request-client-id": packet(3, opt(61, b"\xff" + b"\x01" * 12) + opt(50, ip("198.18.0.101"))),
    "relay": packet(1, PXE_BIOS + opt(82, b"\x01\x04port\x02\x02r1"), giaddr=0xc6120001),
    "release": packet(7, SERVER, ciaddr=0xc6120064),
    "decline": packet(4, opt(50, ip("198.18.0.100")) + SERVER),
    "inform": packet(8, b"", ciaddr=0xc6120042),
    "long-option-split": packet(1, opt(224, bytes(range(256)) * 2)),
    "overload-both": packet(1, opt(52, b"\x03"), file=opt(60, b"PXEClient") + b"\xff",
                            sname=opt(77, b"iPXE") + b"\xff"),
    "bios-ipxe-rom-raw-user-class": packet(1, PXE_BIOS + opt(77, b"iPXE")),
}

malformed = {
    "bad-overload-loop": packet(1, opt(52, b"\x01"), file=opt(52, b"\x01") + b"\xff"),
    "bad-truncated-header": packet(1)[:200],
    "bad-option-overrun": packet(1, b"\x3c\x40PXE", end=False),
    "bad-endless-pad": packet(0, b"\0" * 800, end=False),
    "bad-hlen": packet(1, hlen=17),
    "bad-wrong-op": packet(1, op=2),
    "bad-no-type": packet(0, opt(55, b"\x01\x03")),
    "bad-many-options": packet(1, opt(224, b"") * 300),
}


def write(dirname, name, data):
    d = os.path.join(HERE, dirname)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


for name, data in {**seeds, **malformed}.items():
    write("fuzz_dhcp_wire", name, data)
for name, data in seeds.items():
    write("fuzz_dhcp_policy", name, b"\x00\x00\x01" + data)
    write("fuzz_dhcp_policy", "known-" + name, b"\x00\x0d\x01" + data)
write("fuzz_dhcp_policy", "proxy-discover-bios-pxe", b"\x01\x00\x01" + seeds["discover-bios-pxe"])
write("fuzz_dhcp_policy", "proxy-discover-uefi-pxe", b"\x01\x00\x01" + seeds["discover-uefi-pxe"])
write("fuzz_dhcp_policy", "boot-server-4011-request",
      b"\x03\x00\x01" + packet(3, PXE_UEFI, ciaddr=0xc6120021))
write("fuzz_dhcp_policy", "netboot-off-discover", b"\x00\x03\x01" + seeds["discover-uefi-pxe"])
