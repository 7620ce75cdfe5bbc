#!/usr/bin/env bash
# The floor for `check --all`: what running every product of a registry twice (a check runs each
# product twice, the second run testing reproducibility) costs under a bare bubblewrap command line
# with the registry's mounts (Benchmarks/sandbox/bare_bwrap.sh) and nothing else: no registry
# process, manifest, policy rule, launcher, cgroup or index. The runs are spread over JOBS parallel
# workers (default: the number of cores), as `check --all --jobs JOBS` spreads its products.
# Each product runs its own command (`sh main.sh` or `python3 main.py`, as the generator writes it) on
# its sample `data/incidents.csv`, staged once per product outside the timing.
#
# Usage: Benchmarks/harness/bwrap_floor.sh REPO [JOBS]
# Prints one line: `floor: PRODUCTS products x 2 runs, JOBS jobs: WALL s wall, CPU s CPU[, TREE s CPU
# of the whole tree]` (CPU: user + system of what bash waited for, which misses the products, reaped
# inside bubblewrap's pid namespaces; TREE, as root with cgroup v1 cpuacct: every process, products included).
set -euo pipefail

repo=${1:?usage: bwrap_floor.sh REPO [JOBS]}
jobs=${2:-$(nproc)}
root="$(cd "$(dirname "$0")/../.." && pwd)"
command -v bwrap > /dev/null || { echo "install bubblewrap: apt-get install bubblewrap" >&2; exit 2; }

# Staged where the registry stages its runs (Sources/Sandbox/RunFolder.swift): TMPDIR when set, else
# /dev/shm when it is a tmpfs with 1 GiB free, else /tmp; the products' outputs land there too.
folder=${TMPDIR:-/tmp}
if [ -z "${TMPDIR:-}" ] && [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] \
  && [ "$(df --output=avail -B1 /dev/shm | tail -1)" -ge $((1 << 30)) ]; then folder=/dev/shm; fi
stage=$(mktemp -d "$folder/registry-floor-XXXXXX")
trap 'rm -rf "$stage"' EXIT
chmod 711 "$stage"
# shellcheck source=Benchmarks/sandbox/bare_bwrap.sh
source "$root/Benchmarks/sandbox/bare_bwrap.sh"

# Stage every product's files and input first, so the timed part is the runs alone.
count=0
for product in "$repo"/Products/*/; do
  id=$(basename "$product")
  mkdir -p "$stage/$id/input" "$stage/$id/output"
  cp -r "$product" "$stage/$id/product"
  cp "$product/data/incidents.csv" "$stage/$id/input/incidents.csv"
  count=$((count + 1))
done
chmod -R a+rX "$stage"
if [ "$(id -u)" = 0 ]; then chown -R "$bare_bwrap_uid:$bare_bwrap_uid" "$stage"/*/output; fi

# One product's two runs.
run_twice() {
  local id=$1 entry=(python3 main.py)
  [ -f "$stage/$id/product/main.sh" ] && entry=(sh main.sh)
  bare_bwrap_options "$stage/$id/product" "$stage/$id/input" "$stage/$id/output"
  for _ in 1 2; do
    "${bare_bwrap_user[@]}" bwrap "${bare_bwrap_options[@]}" -- "${entry[@]}" > /dev/null 2>&1 || echo "$id: exit $?" >&2
  done
}

# At most JOBS products at a time, each in a forked subshell (no exec of another shell).
run_all() {
  local running=0 id
  for id in $(ls "$stage"); do
    if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
    run_twice "$id" &
    running=$((running + 1))
  done
  wait
}

# The products' own CPU is reaped inside bubblewrap's pid namespaces, out of `time`'s sight. As root
# with the cgroup v1 cpuacct controller the runs also happen in a group of their own, which is
# charged for every process they start, and that total is printed as the tree's CPU (compare it
# with `check --all` run under Benchmarks/harness/tree_cpu.sh).
own=$(awk -F: '$2 ~ /(^|,)cpuacct(,|$)/ { print $3 }' /proc/self/cgroup)
parent=/sys/fs/cgroup/cpuacct${own%/}
group=""
if [ "$(id -u)" = 0 ] && [ -w "$parent/cgroup.procs" ] && mkdir "$parent/bwrap-floor-$$" 2>/dev/null; then
  group="$parent/bwrap-floor-$$"
  trap 'rm -rf "$stage"; rmdir "$group" 2>/dev/null || true' EXIT
fi
# Wall-clock seconds, then user and system CPU seconds of every process waited for.
TIMEFORMAT="%3R %3U %3S"
read -r wall user system < <({ time { [ -z "$group" ] || echo "$BASHPID" > "$group/cgroup.procs"; run_all; }; } 2>&1)
tree=""
[ -z "$group" ] || tree=$(awk -v u="$(cat "$group/cpuacct.usage")" 'BEGIN { printf ", %.2f s CPU of the whole tree", u / 1e9 }')
awk -v n="$count" -v j="$jobs" -v u="$user" -v s="$system" -v w="$wall" -v t="$tree" \
  'BEGIN { printf "floor: %d products x 2 runs, %d jobs: %.2f s wall, %.2f s CPU%s\n", n, j, w, u + s, t }'
