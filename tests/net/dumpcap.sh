#!/usr/bin/env bash
# dpdk-dumpcap captures a running teng's port (issue 10, "Capture"): teng
# --capture runs DPDK as a multi-process primary, dpdk-dumpcap attaches as
# a secondary and captures the loopback's client-side port (both
# directions) while crr runs with software checksums; tshark then reads
# the capture as whole, valid TCP conversations (every checksum checked).
# A secondary maps the primary's memory from hugetlbfs files, so the test
# makes hugepages for its run and gives them back afterwards; without
# hugepages --capture exits 3 and says why.
set -u
. "$(dirname "$0")/lib.sh"
net_init net_dumpcap "$@"
command -v dpdk-dumpcap >/dev/null || die "dpdk-dumpcap is not installed (setup.sh installs dpdk)"

hp=/proc/sys/vm/nr_hugepages
HP_BEFORE=$(cat $hp)
HP_MOUNTED=""
restore() {
  local rc=$?
  [ -n "$HP_MOUNTED" ] && umount "$HP_MOUNTED" 2>/dev/null
  echo "$HP_BEFORE" > $hp
  (exit "$rc")
  net_cleanup
}
trap restore EXIT

# Without hugepages (as CI's machine has): a clear exit 3, nothing sent.
if [ "$(awk '/HugePages_Free/ { print $2 }' /proc/meminfo)" -lt 256 ]; then
  timeout -k 5 30 "$TENG" scenarios/crr.lua cps=1000 duration=1 --capture >"$T/nohuge.out" 2>"$T/nohuge.err"
  net_expect_eq "--capture without hugepages: exit code" "$?" 3
  net_expect "--capture without hugepages: the message says why" \
    "$(grep -c 'capture needs hugepages' "$T/nohuge.err")" -ge 1
fi

echo $((HP_BEFORE + 640)) > $hp
free=$(awk '/HugePages_Free/ { print $2 }' /proc/meminfo)
[ "$free" -ge 256 ] || die "could not make 256 free hugepages (got $free)"
if ! grep -q ' hugetlbfs ' /proc/mounts; then
  mkdir -p "$T/huge"
  mount -t hugetlbfs nodev "$T/huge" || die "cannot mount hugetlbfs"
  HP_MOUNTED=$T/huge
fi

# 2,000 connections a second for 12 s; capture 2,800 frames (about 466
# connections of 6 frames, a quarter of a second) once dumpcap is in.
net_bg teng - timeout -k 5 60 "$TENG" scenarios/crr.lua cps=2000 duration=12 --capture --sw-csum \
  --quiet --json "$T/r.json"
TPID=$NET_LAST_PID
prefix=""
for _ in $(seq 100); do
  prefix=$(grep -o 'dpdk-dumpcap --file-prefix=teng[0-9]*' "$T/teng.err" | head -1 | cut -d= -f2)
  [ -n "$prefix" ] && break
  sleep 0.1
done
[ -n "$prefix" ] || { net_show teng; die "teng did not say how to capture"; }
log "teng's file prefix: $prefix"
sleep 1
timeout 20 dpdk-dumpcap --file-prefix="$prefix" -D >"$T/list.out" 2>"$T/list.err"
net_expect "dpdk-dumpcap lists the loopback's ports" "$(grep -c 'net_ring_loop' "$T/list.out")" -eq 2
port=$(awk '/net_ring_loop_a/ { sub(/\./, "", $1); print $1 }' "$T/list.out")
timeout 20 dpdk-dumpcap --file-prefix="$prefix" -i "${port:-0}" -c 2800 -q -w "$T/cap.pcapng" \
  >"$T/dumpcap.out" 2>"$T/dumpcap.err"
net_expect_eq "dpdk-dumpcap's exit code" "$?" 0
net_wait_exit "$TPID" 60
net_expect_eq "teng's exit code (capture attached)" "$NET_RC" 0
net_expect_eq "client completed" "$(net_json "$T/r.json" client.completed)" 24000
net_expect_eq "client failed" "$(net_json "$T/r.json" client.failed)" 0

tshark -r "$T/cap.pcapng" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
  -T fields -E separator=, -e tcp.stream -e tcp.flags -e tcp.len -e tcp.checksum.status \
  -e ip.checksum.status -e tcp.analysis.flags >"$T/fields.out" 2>"$T/tshark.err"
python3 - "$T/fields.out" <<'PY' >"$T/conv.out" 2>&1
import sys
from collections import defaultdict
frames = [l.rstrip("\n").split(",") for l in open(sys.argv[1]) if l.strip()]
# dpdk-dumpcap tests its -c count once per burst it dequeues (up to 32
# frames), so it can write a few more than asked, never fewer.
assert 2800 <= len(frames) <= 2800 + 32, f"{len(frames)} frames read, want 2800 to 2832"
bad_sum = sum(1 for f in frames if f[3] != "1" or f[4] != "1")  # 1: good
streams = defaultdict(list)
for f in frames:
    streams[int(f[0])].append(f)
# A conversation the capture holds from its SYN to its last ACK:
# SYN, SYN-ACK, the request with the handshake's ACK, FIN, FIN, ACK:
# 6 frames in all (tcp.ack_with_data).
whole = [s for s in streams.values()
         if int(s[0][1], 16) == 0x002 and len(s) == 6]
flagged = [k for k, s in streams.items() if s in whole and any(f[5] for f in s)]
print(f"frames {len(frames)} streams {len(streams)} whole {len(whole)} bad_checksums {bad_sum} flagged {len(flagged)}")
assert bad_sum == 0, f"{bad_sum} frames with a bad or unchecked checksum"
assert len(whole) >= 390, f"only {len(whole)} whole conversations"
assert len(streams) - len(whole) <= 2, "more than the two cut at the capture's edges are partial"
assert not flagged, f"tcp.analysis flags in whole conversations: {flagged[:5]}"
PY
rc=$?
cat "$T/conv.out"
net_expect_eq "tshark: whole, valid TCP conversations" "$rc" 0
ls /dev/hugepages "$HP_MOUNTED" 2>/dev/null | grep -q "^$prefix" && NET_FAILS+=("hugepage files of $prefix left behind")
net_done
