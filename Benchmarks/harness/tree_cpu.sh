#!/usr/bin/env bash
# Runs a command and prints, after its own output, the CPU time of everything it started, sandboxed
# processes included: `tree-cpu: WALL s wall, CPU s CPU`. The command runs in a cgroup v1 cpuacct
# group of its own, which is charged for every descendant wherever it runs (a bubblewrap pid
# namespace, or a per-run group the registry creates below it), unlike the rusage of `time`, which
# misses processes reaped inside a pid namespace. Needs root and a mounted cpuacct hierarchy.
#
# Usage: Benchmarks/harness/tree_cpu.sh COMMAND [ARGUMENT...]
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: tree_cpu.sh COMMAND [ARGUMENT...]" >&2; exit 2; }
own=$(awk -F: '$2 ~ /(^|,)cpuacct(,|$)/ { print $3 }' /proc/self/cgroup)
parent=/sys/fs/cgroup/cpuacct${own%/}
if [ "$(id -u)" != 0 ] || [ ! -w "$parent/cgroup.procs" ]; then
  echo "tree_cpu.sh: needs root and the cgroup v1 cpuacct controller ($parent)" >&2
  exit 2
fi
group="$parent/tree-cpu-$$"
mkdir "$group"
trap 'rmdir "$group" 2>/dev/null || true' EXIT
start=$(date +%s.%N)
status=0
( echo "$BASHPID" > "$group/cgroup.procs"; exec "$@" ) || status=$?
end=$(date +%s.%N)
awk -v u="$(cat "$group/cpuacct.usage")" -v a="$start" -v b="$end" \
  'BEGIN { printf "tree-cpu: %.2f s wall, %.2f s CPU\n", b - a, u / 1e9 }'
exit "$status"
