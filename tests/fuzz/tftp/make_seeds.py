#!/usr/bin/env python3
"""Writes the named seeds of fuzz_tftp_wire and fuzz_tftp_xfer into
tests/fuzz/corpus/<target>/.  Re-run after changing the input format."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "corpus")


def req(op, name, mode, *opts):
    b = struct.pack(">H", op) + name + b"\0" + mode + b"\0"
    for k, v in opts:
        b += k + b"\0" + v + b"\0"
    return b


def oack(*opts):
    b = struct.pack(">H", 6)
    for k, v in opts:
        b += k + b"\0" + v + b"\0"
    return b


WIRE = {
    "rrq-octet": req(1, b"undionly.kpxe", b"octet"),
    "rrq-netascii": req(1, b"pxelinux.cfg/default", b"netascii"),
    "rrq-ovmf-probe": req(1, b"ipxe.efi", b"octet", (b"tsize", b"0"), (b"blksize", b"1468"),
                          (b"windowsize", b"4")),
    "rrq-ovmf-second": req(1, b"ipxe.efi", b"octet", (b"blksize", b"1468"), (b"windowsize", b"4")),
    "rrq-ipxe": req(1, b"boot.ipxe", b"octet", (b"blksize", b"1432"), (b"tsize", b"0")),
    "rrq-pxelinux-mac": req(1, b"/pxelinux.cfg/01-52-54-00-ab-cd-01", b"octet", (b"tsize", b"0")),
    "rrq-windows-path": req(1, b"\\boot\\x64\\wdsnbp.com", b"octet"),
    "rrq-traversal": req(1, b"a/../../etc/passwd", b"octet"),
    "rrq-curl-timeout": req(1, b"f.bin", b"octet", (b"tsize", b"0"), (b"blksize", b"1468"),
                            (b"timeout", b"6")),
    "rrq-padded": req(1, b"f", b"OCTET", (b"TSIZE", b"0")) + b"\0\0\0",
    "rrq-huge-values": req(1, b"f", b"octet", (b"blksize", b"9" * 40), (b"windowsize", b"0")),
    "rrq-unknown-mode": req(1, b"f", b"binary"),
    "rrq-no-nul": struct.pack(">H", 1) + b"file",
    "wrq-octet": req(2, b"upload.bin", b"octet"),
    "oack-window16": oack((b"blksize", b"1468"), (b"tsize", b"1048576"), (b"windowsize", b"16")),
    "ack-block1": struct.pack(">HH", 4, 1),
    "ack-block65535": struct.pack(">HH", 4, 65535),
    "data-block1": struct.pack(">HH", 3, 1) + bytes(range(64)),
    "probe-error8": struct.pack(">HH", 5, 8) + b"User aborted the transfer\0",
    "error-no-nul": struct.pack(">HH", 5, 0) + b"oops",
    "netascii-crlf": b"line1\nline2\r\nbare\rcr\n" * 8,
}

ACK, ACK_ANY, ERR, TIMEOUT, AGAIN, LAST = range(6)


def params(size, blksize, window, flags=0, tout=0, b7=0):
    """size (24 bit), blksize, windowsize (0 = option absent), flags:
    1 tsize, 2 timeout, 4 mtu cap 1468, 8 netascii; byte 7: retries/size mult."""
    return struct.pack(">I", size)[1:] + bytes([blksize, window, flags, tout, b7])


def ev(kind, arg=0, dt=1):
    return bytes([kind]) + struct.pack(">H", arg) + bytes([dt])


XFER = {
    # lock-step, no options: ACK each block
    "lockstep-ok": params(1000, 0, 0) + b"".join(ev(ACK, 1) for _ in range(4)),
    # OACK then windows of 16
    "oack-window16": params(40000, 128, 16, 1) + ev(ACK, 0) + b"".join(ev(ACK, 16) for _ in range(25)),
    # a gap inside a window: the client acks the block before it
    "window-gap": params(40000, 64, 8, 0) + ev(ACK, 3) + ev(ACK, 0) + ev(ACK, 8) + ev(ACK, 8),
    # EDK2 size probe: OACK, ERROR 8
    "probe-error8": params(5000, 200, 4, 1) + ev(ERR, 8),
    # silence until the transfer gives up
    "timeout-giveup": params(5000, 0, 0, 0, 0, 2) + b"".join(ev(TIMEOUT, 0, 255) for _ in range(5)),
    # small blocks, big file: the 16-bit number wraps
    "wrap-small-blocks": params(0xFFFFFF, 8, 64, 0, 0, 0x10) + ev(ACK, 0) + b"".join(ev(ACK, 64) for _ in range(1200)),
    # duplicate and stale ACKs
    "dup-acks": params(5000, 0, 0) + ev(ACK, 1) + ev(ACK, 0) + ev(ACK, 0) + ev(ACK_ANY, 0) + ev(ACK, 1),
    # repeated request before and after the first ACK
    "request-again": params(5000, 0, 4, 1) + ev(AGAIN) + ev(ACK, 0) + ev(AGAIN) + ev(ACK, 4) + ev(AGAIN),
    # netascii, size unknown until the short block
    "netascii-last": params(3000, 0, 8, 8) + ev(ACK, 0) + ev(LAST, 0) + ev(ACK, 1),
}


def write(target, seeds):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


write("fuzz_tftp_wire", WIRE)
write("fuzz_tftp_xfer", XFER)
