#!/usr/bin/env bash
# Reference boot stacks built from stock Debian servers with hand-written
# per-MAC files: they validate the VM recipes independently of bootherd, play
# the site's DHCP server in proxyDHCP tests, and are the side-by-side
# reference in bench/boot.
#
#   ref_tree DIR SERVER_IP         HTTP root: boot.ipxe, images/, ipxe.efi;
#                                  TFTP root DIR/tftp: ipxe.efi, undionly.kpxe
#   ref_assign DIR MAC IMAGE       DIR/boot/MAC.ipxe boots IMAGE (from
#                                  $E2E_CACHE: vmlinuz + IMAGE.cpio.gz)
#   ref_dnsmasq NS DIR SERVER_IP   dnsmasq: full DHCP + TFTP for all three paths
#   ref_dnsmasq_site NS DIR        dnsmasq as a plain site DHCP server (no PXE)
#   ref_http NS DIR SERVER_IP      python3 http.server on SERVER_IP:80
#   ref_sb_tree DIR                TFTP root DIR/tftp also gets Debian's signed
#                                  chain: shimx64.efi, grubx64.efi, grub/grub.cfg
#   ref_assign_grub DIR MAC IMAGE  DIR/tftp/grub/grub.cfg-01-<mac> boots IMAGE
#                                  over TFTP (Secure Boot machines: MACs
#                                  52:54:5b:..., which ref_isc hands shimx64.efi)
#
# The per-MAC script mirrors what bootherd renders for an image
# (src/boot/ipxe_script.c): `initrd=<name>` on the kernel line because the EFI
# stub of a 2019 iPXE loads initrds by name.
#
# ARM64 (when $E2E_CACHE has vmlinuz-arm64, images_build_arm64): the TFTP root
# also gets grubaa64.efi (Debian's signed grubnetaa64), grub/grub.cfg chaining
# to grub/grub.cfg-01-$net_default_mac (that GRUB asks for grub/grub.cfg only,
# pxe-facts.md), and ref_assign writes the MAC's GRUB file (kernel and
# initramfs over TFTP); ref_isc hands arch 11 grubaa64.efi.

REF_CMDLINE=${REF_CMDLINE:-console=ttyS0 quiet panic=-1 no_timer_check}

# _ref_file NAME: absolute path of a first-stage binary, symlinks resolved
# (Debian's /usr/lib/ipxe/ipxe.efi -> /boot/ipxe.efi).
_ref_file() { readlink -f "/usr/lib/ipxe/$1"; }

ref_tree() {
	local dir=$1 ip=$2
	mkdir -p "$dir/boot" "$dir/images" "$dir/tftp"
	cp "$(_ref_file ipxe.efi)" "$dir/ipxe.efi"
	cp "$(_ref_file ipxe.efi)" "$dir/tftp/ipxe.efi"
	cp "$(_ref_file undionly.kpxe)" "$dir/tftp/undionly.kpxe"
	ln -sf "$E2E_CACHE"/vmlinuz "$dir/images/vmlinuz"
	printf '#!ipxe\nchain --autofree --replace http://%s/boot/${mac}.ipxe\n' "$ip" \
		>"$dir/boot.ipxe"
	echo "$ip" >"$dir/.server"
	if [ -s "$E2E_CACHE/vmlinuz-arm64" ]; then
		mkdir -p "$dir/tftp/grub" "$dir/tftp/images"
		cp /opt/bootherd/arm64/usr/lib/grub/arm64-efi-signed/grubnetaa64.efi.signed \
			"$dir/tftp/grubaa64.efi"
		# Copies: tftpd-hpa chroots (-s) into the TFTP root.
		cp "$E2E_CACHE/vmlinuz-arm64" "$dir/tftp/images/vmlinuz-arm64"
		printf 'configfile $prefix/grub.cfg-01-$net_default_mac\n' >"$dir/tftp/grub/grub.cfg"
	fi
}

ref_assign() {
	local dir=$1 mac=$2 img=$3 ip
	ip=$(cat "$dir/.server")
	ln -sf "$E2E_CACHE/$img.cpio.gz" "$dir/images/$img.cpio.gz"
	cat >"$dir/boot/$mac.ipxe" <<EOF
#!ipxe
kernel http://$ip/images/vmlinuz initrd=$img.cpio.gz $REF_CMDLINE bootherd.image=$img || goto failed
initrd --name $img.cpio.gz http://$ip/images/$img.cpio.gz || goto failed
boot || goto failed
:failed
sleep 5
chain --autofree --replace http://$ip/boot/\${mac}.ipxe
EOF
	[ -d "$dir/tftp/grub" ] && [ -s "$E2E_CACHE/$img-arm64.cpio.gz" ] || return 0
	cp "$E2E_CACHE/$img-arm64.cpio.gz" "$dir/tftp/images/$img-arm64.cpio.gz"
	cat >"$dir/tftp/grub/grub.cfg-01-$mac" <<EOF
linux /images/vmlinuz-arm64 ${REF_CMDLINE/console=ttyS0/console=ttyAMA0} bootherd.image=$img
initrd /images/$img-arm64.cpio.gz
boot
EOF
}

# The Secure Boot chain as an administrator sets it up by hand from Debian's
# packages: shim loads grubx64.efi, whose prefix is /grub on the TFTP server;
# grub/grub.cfg chains to the machine's own file (GRUB's net_default_mac has
# colons, so the per-MAC file is linked under both spellings).
ref_sb_tree() {
	local dir=$1
	mkdir -p "$dir/tftp/grub" "$dir/tftp/images"
	cp /usr/lib/shim/shimx64.efi.signed "$dir/tftp/shimx64.efi"
	cp /usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed "$dir/tftp/grubx64.efi"
	# Copies, not links: tftpd-hpa -s chroots into the root.
	cp "$E2E_CACHE"/vmlinuz "$dir/tftp/images/vmlinuz"
	echo 'configfile "$prefix"'"'"'/grub.cfg-01-'"'"'"$net_default_mac"' >"$dir/tftp/grub/grub.cfg"
}

ref_assign_grub() {
	local dir=$1 mac=$2 img=$3 hy
	hy=$(echo "$mac" | tr ':' '-')
	cp -n "$E2E_CACHE/$img.cpio.gz" "$dir/tftp/images/$img.cpio.gz"
	cat >"$dir/tftp/grub/grub.cfg-01-$hy" <<EOF
linux (tftp)/images/vmlinuz $REF_CMDLINE bootherd.image=$img
initrd (tftp)/images/$img.cpio.gz
boot
EOF
	ln -sf "grub.cfg-01-$hy" "$dir/tftp/grub/grub.cfg-01-$mac"
}

# ref_dnsmasq NS DIR SERVER_IP: authoritative DHCP on 198.18.0.100-199 plus
# TFTP.  Boot file by client: iPXE (option 175 present) -> boot.ipxe over HTTP;
# UEFI HTTP Boot (60 = HTTPClient...) -> http://IP/ipxe.efi with 60 echoed;
# x86-64 UEFI PXE (93 = 7) -> TFTP ipxe.efi; BIOS PXE -> TFTP undionly.kpxe.
ref_dnsmasq() {
	local ns=$1 dir=$2 ip=$3
	cat >"$dir/dnsmasq.conf" <<EOF
port=0
# Stay root: the TFTP root sits in the test's private (0700) temp dir.
user=root
interface=eth0
bind-interfaces
log-dhcp
log-facility=$dir/dnsmasq.log
dhcp-leasefile=$dir/dnsmasq.leases
dhcp-range=198.18.0.100,198.18.0.199,255.255.255.0,1h
dhcp-authoritative
dhcp-match=set:ipxe,175
dhcp-vendorclass=set:httpc,HTTPClient
dhcp-match=set:efi64,option:client-arch,7
dhcp-match=set:efi64,option:client-arch,9
dhcp-boot=tag:ipxe,http://$ip/boot.ipxe
dhcp-boot=tag:!ipxe,tag:httpc,http://$ip/ipxe.efi
dhcp-option-force=tag:!ipxe,tag:httpc,60,HTTPClient
dhcp-boot=tag:!ipxe,tag:!httpc,tag:efi64,ipxe.efi,,$ip
dhcp-boot=tag:!ipxe,tag:!httpc,tag:!efi64,undionly.kpxe,,$ip
EOF
	# REF_TFTP=0: leave TFTP to another server on the same address.
	[ "${REF_TFTP:-1}" = 0 ] || printf 'enable-tftp\ntftp-root=%s/tftp\n' "$dir" >>"$dir/dnsmasq.conf"
	ip netns exec "$ns" dnsmasq --keep-in-foreground --conf-file="$dir/dnsmasq.conf" \
		--pid-file="$dir/dnsmasq.pid" 2>>"$dir/dnsmasq.err" &
	local pid=$!
	on_exit "kill $pid; wait $pid"
}

# ref_dnsmasq_site NS DIR: the site's DHCP server in proxyDHCP tests: leases
# only, no boot options (bootherd's proxy supplies those).
ref_dnsmasq_site() {
	local ns=$1 dir=$2
	mkdir -p "$dir"
	cat >"$dir/site-dnsmasq.conf" <<EOF
port=0
user=root
interface=eth0
bind-interfaces
log-dhcp
log-facility=$dir/site-dnsmasq.log
dhcp-leasefile=$dir/site-dnsmasq.leases
dhcp-range=198.18.0.100,198.18.0.199,255.255.255.0,1h
dhcp-authoritative
EOF
	ip netns exec "$ns" dnsmasq --keep-in-foreground --conf-file="$dir/site-dnsmasq.conf" \
		--pid-file="$dir/site-dnsmasq.pid" 2>>"$dir/site-dnsmasq.err" &
	local pid=$!
	on_exit "kill $pid; wait $pid"
}

ref_http() {
	local ns=$1 dir=$2 ip=$3
	ip netns exec "$ns" python3 -m http.server -b "$ip" -d "$dir" 80 \
		>>"$dir/http.log" 2>&1 &
	local pid=$!
	on_exit "kill $pid; wait $pid"
}

# ref_isc NS DIR SERVER_IP: the seed's reference stack, each server run by
# hand in NS (never as a host service): ISC dhcpd (authoritative, stock
# timing: it pings a new address before offering it), tftpd-hpa, nginx.
# Same decisions as ref_dnsmasq, written the way the ISC/iPXE docs do.
ref_isc() {
	local ns=$1 dir=$2 ip=$3
	cat >"$dir/dhcpd.conf" <<EOF2
# reference: ISC dhcpd for PXE, iPXE and UEFI HTTP Boot
option arch code 93 = unsigned integer 16;
authoritative;
ddns-update-style none;
default-lease-time 3600;
max-lease-time 3600;
subnet 198.18.0.0 netmask 255.255.255.0 {
	range 198.18.0.100 198.18.0.199;
	next-server $ip;
	if exists user-class and option user-class = "iPXE" {
		filename "http://$ip/boot.ipxe";
	} elsif substring(option vendor-class-identifier, 0, 10) = "HTTPClient" {
		option vendor-class-identifier "HTTPClient";
		filename "http://$ip/ipxe.efi";
	} elsif substring(hardware, 1, 3) = 52:54:5b {
		# the Secure Boot machines (ref_assign_grub): Debian's signed chain
		filename "shimx64.efi";
	} elsif option arch = 00:07 or option arch = 00:09 {
		filename "ipxe.efi";
	} elsif option arch = 00:0b {
		filename "grubaa64.efi";
	} else {
		filename "undionly.kpxe";
	}
}
EOF2
	: >"$dir/dhcpd.leases"
	ip netns exec "$ns" /usr/sbin/dhcpd -4 -f -q -cf "$dir/dhcpd.conf" \
		-lf "$dir/dhcpd.leases" -pf "$dir/dhcpd.pid" eth0 >>"$dir/dhcpd.log" 2>&1 &
	local pid=$!
	on_exit "kill $pid; wait $pid"

	chmod 755 "$dir/tftp"
	ip netns exec "$ns" /usr/sbin/in.tftpd -L -s -u root -a "$ip:69" "$dir/tftp" \
		>>"$dir/tftpd.log" 2>&1 &
	pid=$!
	on_exit "kill $pid; wait $pid"

	mkdir -p "$dir/nginx"
	cat >"$dir/nginx/nginx.conf" <<EOF2
daemon off;
user root;
worker_processes 1;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log;
events { worker_connections 1024; }
http {
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	sendfile on;
	keepalive_timeout 65;
	access_log $dir/nginx/access.log;
	client_body_temp_path $dir/nginx/body;
	proxy_temp_path $dir/nginx/proxy;
	fastcgi_temp_path $dir/nginx/fastcgi;
	uwsgi_temp_path $dir/nginx/uwsgi;
	scgi_temp_path $dir/nginx/scgi;
	server {
		listen $ip:80;
		root $dir;
	}
}
EOF2
	ip netns exec "$ns" /usr/sbin/nginx -c "$dir/nginx/nginx.conf" -e "$dir/nginx/error.log" \
		>>"$dir/nginx/stderr.log" 2>&1 &
	pid=$!
	on_exit "kill $pid; wait $pid"
}
