#!/usr/bin/env python3
"""Where the time goes: a per-VM timeline from a bench/boot run made with --pcap.

  bench/boot/timeline.py OUT [NAME-GLOB]

For every VM in OUT/vms (NAME.t_start = power-on, NAME.t_marker = marker line
seen), reads the packets of its stack's capture (OUT/<stack>.pcap; VMs boot one
at a time, so the time window identifies them) and prints the boot's milestones
in seconds from power-on: DHCP messages (with the client: firmware or iPXE),
IPv6 router solicitations / advertisements, TFTP requests and the last data
block, HTTP requests, and the marker.  Needs tcpdump.
"""
import fnmatch
import glob
import os
import re
import subprocess
import sys

STACKS = ("bootherd-snp", "bootherd-ipxe", "bootherd-lockstep", "bootherd", "ref")


def packets(pcap, t0, t1):
    """Yields (time, text of one packet as tcpdump -v -A prints it)."""
    out = subprocess.run(["tcpdump", "-r", pcap, "-tt", "-n", "-v", "-A"],
                         capture_output=True, text=True, errors="replace").stdout
    cur_t, cur = None, []
    for line in out.splitlines():
        m = re.match(r"^(\d+\.\d+) ", line)
        if m:
            if cur_t is not None and t0 <= cur_t <= t1:
                yield cur_t, "\n".join(cur)
            cur_t, cur = float(m.group(1)), [line]
        else:
            cur.append(line)
    if cur_t is not None and t0 <= cur_t <= t1:
        yield cur_t, "\n".join(cur)


def event(text):
    """One short label for a packet worth showing, or None."""
    m = re.search(r"DHCP-Message \(53\), length 1: (\w+)", text)
    if m:
        who = ""
        if "BOOTP/DHCP, Request" in text:  # from the client: which one
            who = " (iPXE)" if "iPXE" in text else " (firmware)"
        return f"DHCP {m.group(1)}{who}"
    if "router solicitation" in text:
        return "RS"
    if "router advertisement" in text:
        return "RA"
    m = re.search(r'RRQ "([^"]+)"', text)
    if m:
        return f"TFTP RRQ {m.group(1)}"
    m = re.search(r"\b(GET|HEAD) (\S+) HTTP/1\.[01]", text)
    if m:
        return f"HTTP {m.group(1)} {m.group(2)}"
    return None


def timeline(out, name):
    vms = os.path.join(out, "vms")
    try:
        t0 = float(open(os.path.join(vms, name + ".t_start")).read())
    except OSError:
        return
    try:
        t1 = float(open(os.path.join(vms, name + ".t_marker")).read())
    except OSError:
        t1 = t0 + 600
    stack = next((s for s in STACKS if name.startswith(s + "-")), None)
    pcap = os.path.join(out, f"{stack}.pcap")
    if not stack or not os.path.exists(pcap):
        return
    print(f"{name}: marker at {t1 - t0:.1f} s")
    last, tftp_last = None, None
    for t, text in packets(pcap, t0, t1):
        # TFTP data: big UDP datagrams from the server's ephemeral port
        # (tcpdump only decodes port 69, the request).
        m = re.search(r"198\.18\.0\.1\.\d+ > [\d.]+: UDP, length (\d+)", text)
        if m and int(m.group(1)) >= 512:
            tftp_last = t
        e = event(text)
        if e and e != last:
            print(f"  {t - t0:7.2f}  {e}")
            last = e
    if tftp_last:
        print(f"  {tftp_last - t0:7.2f}  last TFTP data")


def main():
    out = sys.argv[1]
    pat = sys.argv[2] if len(sys.argv) > 2 else "*"
    names = sorted(os.path.basename(p)[:-len(".t_start")]
                   for p in glob.glob(os.path.join(out, "vms", "*.t_start")))
    for n in names:
        if fnmatch.fnmatch(n, pat):
            timeline(out, n)


if __name__ == "__main__":
    main()
