#!/usr/bin/env bash
# Boot benchmark: power-on -> marker-line time of real firmware (QEMU, TCG)
# booting through bootherd alone vs the reference stack (ISC dhcpd +
# tftpd-hpa + nginx with hand-written per-MAC files), per firmware path, side
# by side in one run; then a boot storm of many VMs at once against each.
#
#   bench/boot/run.sh [--runs N] [--storm N]
#                     [--paths "bios uefi-pxe uefi-http uefi-sb aavmf-pxe"]
#                     [--stacks "ref bootherd"] [--ipxe-efi] [--lockstep] [--ra] [--no-storm]
#
#   --runs N     sequential boots per path and stack (default 3); the median counts
#   --paths P    firmware paths (tests/e2e/lib/vm.sh); aavmf-pxe is ARM64 UEFI
#                PXE (AAVMF): bootherd's image alpha names an arm64 kernel
#                (kernel_arm64), the reference hands grubaa64.efi and per-MAC
#                GRUB files on tftpd-hpa; aavmf-http (bootherd only) is ARM64
#                UEFI HTTP Boot
#   --storm N    VMs powered on at once in the storm (default 12), firmware
#                paths taken in turn; every one must boot
#   --ipxe-efi   a third stack, bootherd-ipxe: bootherd with the site knob
#                [dhcp] boot_efi_x64 = boot_http_x64 = ipxe.efi (uefi-pxe and
#                uefi-http only; the shipped default is snponly.efi)
#   --lockstep   a third stack, bootherd-lockstep: bootherd with [tftp]
#                grub_send_ahead = 0 (GRUB served lock-step; the default, 16,
#                sends its blocks ahead of its ACKs); uefi-sb and aavmf-pxe
#                only
#   --pcap       capture each stack's link into OUT/<stack>.pcap (for the
#                where-the-time-goes analysis in README.md)
#   --ra         also tests/e2e/lib/ra.py's router advertisement on every link,
#                so the reference gets one too (bootherd sends its own by
#                default: [ra] enabled = auto; the reference as shipped sends none)
#
# Paths: bios, uefi-pxe, uefi-http (iPXE chains) and uefi-sb (OVMF Secure
# Boot: shim -> signed GRUB -> per-MAC grub.cfg -> signed kernel, all TFTP;
# the reference serves the same Debian binaries from tftpd-hpa with
# hand-written per-MAC GRUB files).
#
# One VM at a time in the per-path part (the machine has 2 cores and TCG is
# CPU-bound); the two stacks alternate so drifting load hits both alike.  Both
# stacks run in their own isolated namespace (198.18.0.0/24, no route out).
# Results: a table on stdout and bench/out/boot-<time>/ (serial logs, server
# logs, results.tsv).  Needs root and `scripts/deps.sh build e2e bench`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"

RUNS=3 STORM=12 PATHS="bios uefi-pxe uefi-http uefi-sb aavmf-pxe" STACKS="ref bootherd" RA= DO_STORM=1 PCAP=
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--storm) STORM=$2; shift 2 ;;
	--paths) PATHS=$2; shift 2 ;;
	--stacks) STACKS=$2; shift 2 ;;
	--ra) RA=1; shift ;;
	--pcap) PCAP=1; shift ;;
	--ipxe-efi) STACKS="$STACKS bootherd-ipxe"; shift ;;
	--lockstep) STACKS="$STACKS bootherd-lockstep"; shift ;;
	--no-storm) DO_STORM=; shift ;;
	*) echo "usage: see the header of $0" >&2; exit 2 ;;
	esac
done

scripts/deps.sh build e2e bench
scripts/build.sh

OUT=$ROOT/bench/out/boot-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
T=$OUT
export VM_DIR=$OUT/vms VM_TIMEOUT=900
source tests/e2e/lib/net.sh
source tests/e2e/lib/images.sh
source tests/e2e/lib/vm.sh
source tests/e2e/lib/refstack.sh
source tests/e2e/lib/bootherd.sh

images_build alpha beta
images_build_arm64 alpha
IP=198.18.0.1
declare -A SW
# Short, distinct switch-name tags (namespace and veth names stay <= 15 chars).
declare -A TAG=([ref]=r [bootherd]=b [bootherd-ipxe]=i [bootherd-lockstep]=l)

# bh_arm64 DIR: image alpha also serves arm64 machines (kernel_arm64), and its
# command line names both consoles (a kernel ignores the one it lacks).
bh_arm64() {
	cp "$E2E_CACHE/vmlinuz-arm64" "$1/state/images/vmlinuz-arm64"
	cp "$E2E_CACHE/alpha-arm64.cpio.gz" "$1/state/images/alpha-arm64.cpio.gz"
	bh "$1" image edit alpha --kernel-arm64 vmlinuz-arm64 --initrd-arm64 alpha-arm64.cpio.gz \
		--cmdline "${BH_CMDLINE/console=ttyS0/console=ttyAMA0 console=ttyS0}" >/dev/null
}

# --- the stacks, each on its own switch -----------------------------------------
for stack in $STACKS; do
	sw=${NET_PREFIX}${TAG[$stack]}
	SW[$stack]=$sw
	net_switch "$sw"
	net_host "$sw" "${sw}s" "$IP/24"
	[ -z "$RA" ] || net_ra "$sw"
	[ -z "$PCAP" ] || net_pcap "$sw" "$OUT/$stack.pcap"
	case $stack in
	ref)
		ref_tree "$OUT/ref" "$IP"
		ref_sb_tree "$OUT/ref"
		ref_isc "${sw}s" "$OUT/ref" "$IP"
		;;
	bootherd)
		# The shipped defaults ([ra] enabled = auto: on in server mode).
		BH_RA=auto BH_LOG_LEVEL=warn bh_init "$OUT/bootherd" "$IP" server
		bh_images "$OUT/bootherd" alpha beta
		bh_arm64 "$OUT/bootherd"
		bh_start "${sw}s" "$OUT/bootherd"
		;;
	bootherd-ipxe)
		BH_RA=auto BH_LOG_LEVEL=warn BH_DHCP_EXTRA=$'boot_efi_x64 = ipxe.efi\nboot_http_x64 = ipxe.efi' \
			bh_init "$OUT/$stack" "$IP" server
		bh_images "$OUT/$stack" alpha beta
		bh_arm64 "$OUT/$stack"
		bh_start "${sw}s" "$OUT/$stack"
		;;
	bootherd-lockstep)
		BH_RA=auto BH_LOG_LEVEL=warn bh_init "$OUT/$stack" "$IP" server
		printf '\n[tftp]\ngrub_send_ahead = 0\n' >>"$OUT/$stack/bootherd.conf"
		bh_images "$OUT/$stack" alpha beta
		bh_arm64 "$OUT/$stack"
		bh_start "${sw}s" "$OUT/$stack"
		;;
	esac
done
# The reference's HTTP server must be up before the first boot.
sleep 1

# assign STACK MAC IMAGE [PATH]: uefi-sb machines get the signed chain.
assign() {
	case $1:${4:-} in
	ref:uefi-sb) ref_assign_grub "$OUT/ref" "$2" "$3" ;;
	ref:*) ref_assign "$OUT/ref" "$2" "$3" ;;
	bootherd*:uefi-sb) bh "$OUT/$1" machine add "$2" --image "$3" --secure-boot on >/dev/null 2>&1 ;;
	bootherd*) bh "$OUT/$1" machine add "$2" --image "$3" >/dev/null 2>&1 ;;
	esac
}

# A fresh MAC per boot (first-boot cost: ISC dhcpd pings every new address).
n_mac=0
# next_mac [PATH]: sets MAC (not printed: a $(...) subshell would lose the
# count).  Secure Boot machines are 52:54:5b:... (ref_isc tells them apart).
next_mac() {
	n_mac=$((n_mac + 1))
	local p=52:54:00
	[ "${1:-}" != uefi-sb ] || p=52:54:5b
	MAC=$(printf '%s:b0:%02x:%02x' $p $((n_mac / 256)) $((n_mac % 256)))
}

printf 'stack\tpath\trun\tseconds\n' >"$OUT/results.tsv"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/load.txt"

# --- per path, one VM at a time ----------------------------------------------
for ((run = 1; run <= RUNS; run++)); do
	order=$STACKS
	# Alternate which stack goes first.
	[ $((run % 2)) -eq 1 ] || order=$(echo "$STACKS" | tr ' ' '\n' | tac | tr '\n' ' ')
	for path in $PATHS; do
		for stack in $order; do
			# The first-stage knob changes nothing on the BIOS (iPXE ROM),
			# Secure Boot (shim) and ARM64 (GRUB) paths; the reference
			# has no ARM64 HTTP Boot.
			case $stack:$path in
			bootherd-ipxe:uefi-pxe | bootherd-ipxe:uefi-http) ;;
			bootherd-lockstep:uefi-sb | bootherd-lockstep:aavmf-pxe) ;;
			bootherd-ipxe:* | bootherd-lockstep:* | ref:aavmf-http) continue ;;
			esac
			next_mac "$path"
			mac=$MAC
			assign "$stack" "$mac" alpha "$path"
			name="$stack-$path-$run"
			vm_start "${SW[$stack]}" "$name" "$mac" "$path"
			if vm_wait_marker "$name" 600 >/dev/null; then
				s=$(vm_elapsed "$name")
			else
				s=FAIL
			fi
			vm_wait_exit "$name" 20 || true
			vm_stop "$name"
			printf '%s\t%s\t%s\t%s\n' "$stack" "$path" "$run" "$s" >>"$OUT/results.tsv"
			printf '  %-9s %-10s run %d: %s s\n' "$stack" "$path" "$run" "$s"
		done
	done
done

# --- storm: STORM VMs at once, per stack ---------------------------------------
storm() {
	local stack=$1 i names=() fws=(bios uefi-pxe uefi-http) t0 ok=0 last=0 s
	for ((i = 0; i < STORM; i++)); do
		next_mac
		assign "$stack" "$MAC" $([ $((i % 2)) -eq 0 ] && echo alpha || echo beta)
		names+=("storm-$stack-$i")
		macs[$i]=$MAC
	done
	t0=$SECONDS
	for ((i = 0; i < STORM; i++)); do
		vm_start "${SW[$stack]}" "${names[$i]}" "${macs[$i]}" "${fws[$((i % 3))]}"
	done
	for ((i = 0; i < STORM; i++)); do
		if vm_wait_marker "${names[$i]}" 850 >/dev/null; then
			ok=$((ok + 1))
			s=$(vm_elapsed "${names[$i]}")
			printf '%s\tstorm-%s\t%d\t%s\n' "$stack" "${fws[$((i % 3))]}" "$i" "$s" >>"$OUT/results.tsv"
			last=$(awk -v a="$last" -v b="$s" 'BEGIN { print (b > a) ? b : a }')
		else
			printf '%s\tstorm-%s\t%d\tFAIL\n' "$stack" "${fws[$((i % 3))]}" "$i" >>"$OUT/results.tsv"
		fi
	done
	for ((i = 0; i < STORM; i++)); do
		vm_wait_exit "${names[$i]}" 30 || true
		vm_stop "${names[$i]}"
	done
	printf '  storm %-9s %d/%d booted, last marker %.1f s after the first power-on (%d s wall)\n' \
		"$stack" "$ok" "$STORM" "$last" $((SECONDS - t0)) | tee -a "$OUT/storm.txt"
}
declare -A macs
if [ -n "$DO_STORM" ]; then
	for stack in $STACKS; do
		case $stack in bootherd-ipxe | bootherd-lockstep) ;; *) storm "$stack" ;; esac
	done
fi

# --- summary ---------------------------------------------------------------------
python3 - "$OUT/results.tsv" "$STACKS" <<'EOF' | tee "$OUT/summary.txt"
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
stacks = sys.argv[2].split()
def times(stack, path):
    v = [r["seconds"] for r in rows if r["stack"] == stack and r["path"] == path]
    return [float(x) for x in v if x != "FAIL"], sum(1 for x in v if x == "FAIL")
paths = []
for r in rows:
    if r["path"] not in paths:
        paths.append(r["path"])
print()
print("power-on -> marker, seconds (median [min-max] of runs; storm: every VM)")
others = [s for s in stacks if s != "ref"] if "ref" in stacks else []
print(f"{'path':<16}" + "".join(f"{s:>26}" for s in stacks) + "".join(f"{s + '/ref':>20}" for s in others))
for p in paths:
    line = f"{p:<16}"
    med = {}
    for s in stacks:
        v, fails = times(s, p)
        if v:
            med[s] = statistics.median(v)
            cell = f"{med[s]:.1f} [{min(v):.1f}-{max(v):.1f}]" + (f" {fails} FAIL" if fails else "")
        else:
            cell = f"{fails} FAIL" if fails else "-"
        line += f"{cell:>26}"
    for s in others:
        line += f"{med[s] / med['ref']:>20.2f}" if "ref" in med and s in med else f"{'-':>20}"
    print(line)
EOF
echo "results: $OUT"
