#!/usr/bin/env python3
"""A tiny PXE-firmware-like DHCP client for the integration tests.

  discover IFACE MAC ARCH [VENDOR] [USERCLASS]
      broadcasts one DISCOVER (broadcast flag set, options 53, 55, 60, 93,
      94, 97 like firmware) and prints every OFFER received within 3 s as
      one JSON line: server, yiaddr, siaddr, file, vendor (60), opt43 (hex).
  bootserver IFACE MAC ARCH CLIENT_IP SERVER_IP
      sends a PXE boot-server REQUEST to SERVER_IP:4011 (UEFI firmware does
      this when a proxy offer carries no option 43) and prints the ACK.
  raw IFACE HEXFILE...
      broadcasts each file's bytes to port 67 (malformed-packet tests).
"""
import json
import os
import socket
import struct
import sys
import time


def opt(code, value):
    return bytes([code, len(value)]) + value


def build(msg_type, mac, arch, vendor, user_class=None, ciaddr=b"\0\0\0\0", xid=None):
    xid = xid if xid is not None else int.from_bytes(os.urandom(4), "big")
    hdr = struct.pack("!BBBBIHH", 1, 1, 6, 0, xid, 0, 0x8000)
    hdr += ciaddr + b"\0" * 12 + mac.ljust(16, b"\0") + b"\0" * 192
    o = b"\x63\x82\x53\x63" + opt(53, bytes([msg_type]))
    o += opt(55, bytes([1, 3, 6, 43, 60, 66, 67, 97]))
    o += opt(57, b"\x05\xc0") + opt(93, struct.pack("!H", arch))
    o += opt(94, b"\x01\x03\x00") + opt(97, b"\0" + bytes(range(16)))
    o += opt(60, vendor.encode())
    if user_class:
        o += opt(77, user_class.encode())
    return xid, hdr + o + b"\xff"


def parse(data):
    if len(data) < 240 or data[236:240] != b"\x63\x82\x53\x63":
        return None
    xid = struct.unpack("!I", data[4:8])[0]
    r = {"xid": xid, "yiaddr": socket.inet_ntoa(data[16:20]),
         "siaddr": socket.inet_ntoa(data[20:24]),
         "ciaddr": socket.inet_ntoa(data[12:16]),
         "file": data[108:236].split(b"\0")[0].decode(errors="replace")}
    opts, i = {}, 240
    while i < len(data) and data[i] != 255:
        if data[i] == 0:
            i += 1
            continue
        code, ln = data[i], data[i + 1]
        opts[code] = opts.get(code, b"") + data[i + 2:i + 2 + ln]
        i += 2 + ln
    r["type"] = opts.get(53, b"\0")[0]
    r["server"] = socket.inet_ntoa(opts[54]) if 54 in opts else ""
    r["vendor"] = opts.get(60, b"").decode(errors="replace")
    r["opt43"] = opts[43].hex() if 43 in opts else ""
    r["opt67"] = opts.get(67, b"").decode(errors="replace")
    return r


def sock(iface, port=68):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    s.bind(("0.0.0.0", port))
    return s


def collect(s, xid, seconds):
    out, end = [], time.time() + seconds
    while time.time() < end:
        s.settimeout(max(0.01, end - time.time()))
        try:
            data, _ = s.recvfrom(4096)
        except socket.timeout:
            break
        r = parse(data)
        if r and r["xid"] == xid:
            out.append(r)
    return out


def main():
    cmd, iface = sys.argv[1], sys.argv[2]
    if cmd == "raw":
        s = sock(iface)
        for path in sys.argv[3:]:
            with open(path, "rb") as f:
                s.sendto(f.read(), ("255.255.255.255", 67))
        return
    mac = bytes.fromhex(sys.argv[3].replace(":", ""))
    arch = int(sys.argv[4])
    if cmd == "discover":
        vendor = sys.argv[5] if len(sys.argv) > 5 else "PXEClient:Arch:%05d:UNDI:003000" % arch
        uc = sys.argv[6] if len(sys.argv) > 6 else None
        s = sock(iface)
        xid, pkt = build(1, mac, arch, vendor, uc)
        s.sendto(pkt, ("255.255.255.255", 67))
        for r in collect(s, xid, 3):
            print(json.dumps(r))
    elif cmd == "bootserver":
        client_ip, server_ip = sys.argv[5], sys.argv[6]
        s = sock(iface)
        xid, pkt = build(3, mac, arch, "PXEClient:Arch:%05d:UNDI:003000" % arch,
                         ciaddr=socket.inet_aton(client_ip))
        s.sendto(pkt, (server_ip, 4011))
        for r in collect(s, xid, 3):
            print(json.dumps(r))


main()
