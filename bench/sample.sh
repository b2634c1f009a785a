#!/bin/sh
# sample.sh INTERVAL OUTPUT COMMAND [ARG...] runs COMMAND with its output
# (stdout and stderr) in the file OUTPUT, and prints every INTERVAL seconds
# how busy it kept the cores and what it read from the device, as
# "seconds:cores/MB": its user and system time over the interval, from
# /proc/<pid>/stat, and its read_bytes from /proc/<pid>/io (reads the page
# cache serves do not count). Linux only. docs/performance.md, 2026-11-30
# zk, used it on the 100M-row audit: both cores busy for the first 9 s of
# the read, 1.4–1.7 after, and the merge reading the spill back from the
# device at 400–850 MB/s.
#
#   bench/sample.sh 1 /tmp/audit.log bin/readiness audit bench/data/30m/train.parquet --out /tmp/o
set -u
if [ $# -lt 3 ]; then
	echo "usage: $0 INTERVAL OUTPUT COMMAND [ARG...]" >&2
	exit 2
fi
iv=$1
out=$2
shift 2
tck=$(getconf CLK_TCK)
"$@" >"$out" 2>&1 &
pid=$!
prev_cpu=0
prev_read=0
t=0
while kill -0 "$pid" 2>/dev/null; do
	cpu=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null) || break
	rd=$(awk '/^read_bytes/ {print $2}' "/proc/$pid/io" 2>/dev/null) || break
	[ -n "$cpu" ] && [ -n "$rd" ] || break
	awk -v t="$t" -v c="$cpu" -v pc="$prev_cpu" -v r="$rd" -v pr="$prev_read" -v iv="$iv" -v tck="$tck" \
		'BEGIN { printf "%s:%.2f/%dM ", t, (c - pc) / tck / iv, (r - pr) / 1e6 }'
	prev_cpu=$cpu
	prev_read=$rd
	t=$(awk -v t="$t" -v iv="$iv" 'BEGIN { print t + iv }')
	sleep "$iv"
done
wait "$pid"
rc=$?
echo
echo "exit status $rc; output in $out"
exit "$rc"
