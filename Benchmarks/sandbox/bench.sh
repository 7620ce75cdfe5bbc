#!/usr/bin/env bash
# Per-run overhead of `registry run`, measured in one go on this machine on the same trivial product
# (the Python product `registry new` scaffolds, on its sample):
#   direct   - exec of the product command with no isolation
#   bwrap    - a bare bwrap call with the same mounts and namespaces the registry uses
#   launcher - `registry __sandbox-launch PLAN`: session, fd sweep, rlimits, uid drop,
#              no_new_privs and the Swift-built seccomp filter, then the same bwrap call
#   run      - the whole `registry run ID --working-tree` command: process start, finding the
#              registry, opening the index, copying the product, building its input, the sandbox
#              run (staging copies, cgroup, launcher, bwrap, output collection) and recording it
# Prints mean milliseconds per run, what the launcher and the whole command add to bare bwrap,
# and the ratios. Usage: Benchmarks/sandbox/bench.sh [runs] (default 50); REGISTRY (or REGISTRY_BIN, as the harness sets) picks the
# binary (default: the release build, `swift build -c release --product registry --scratch-path
# .build-release`); run as root to include the uid drop and the cgroup.
set -euo pipefail

runs="${1:-50}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
registry="${REGISTRY:-${REGISTRY_BIN:-$root/.build-release/release/registry}}"
[ -x "$registry" ] || { echo "build first: swift build -c release --product registry --scratch-path .build-release (no $registry)" >&2; exit 2; }
bwrap="$(command -v bwrap)" || { echo "install bubblewrap: apt-get install bubblewrap" >&2; exit 2; }

stage="$(mktemp -d /tmp/registry-bench-XXXXXX)"
trap 'rm -rf "$stage"' EXIT
chmod 711 "$stage"
mkdir -p "$stage/registry" "$stage/input" "$stage/output" "$stage/direct-output"
(cd "$stage/registry" && git init -q . && "$registry" init --title "Sandbox benchmark" >/dev/null \
  && "$registry" new bench-product --language python >/dev/null)
cp -r "$stage/registry/Products/bench-product" "$stage/product"
cp "$stage/product/samples/incidents.csv" "$stage/input/incidents.csv"
chmod -R a+rX "$stage/product" "$stage/input"
uid=65534
if [ "$(id -u)" = 0 ]; then chown "$uid:$uid" "$stage/output"; fi

command=(/usr/bin/python3 main.py)
run_registry() { (cd "$stage/registry" && "$registry" run bench-product --working-tree); }
options=(--unshare-all --unshare-user --disable-userns --die-with-parent --new-session --cap-drop ALL
  --hostname sandbox --clearenv --setenv PATH /usr/local/bin:/usr/bin:/bin --setenv HOME /tmp
  --setenv LANG C.UTF-8 --setenv REGISTRY_INPUT /input --setenv REGISTRY_OUTPUT /output
  --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/sbin /sbin --symlink usr/lib /lib --symlink usr/lib64 /lib64
  --ro-bind-try /etc/alternatives /etc/alternatives --ro-bind-try /etc/ld.so.cache /etc/ld.so.cache
  --proc /proc --dev /dev --size 67108864 --tmpfs /dev/shm --size 67108864 --tmpfs /tmp
  --ro-bind "$stage/product" /product --ro-bind "$stage/input" /input --bind "$stage/output" /output
  --remount-ro / --chdir /product)

plan="$(python3 - "$bwrap" "$uid" "$(id -u)" "${command[@]}" -- "${options[@]}" <<'PY'
import json, sys
bwrap, uid, me = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rest = sys.argv[4:]
split = rest.index("--")
command, options = rest[:split], rest[split + 1:]
limits = [("RLIMIT_AS", 9, 1 << 30, 1 << 30), ("RLIMIT_CPU", 0, 10, 11), ("RLIMIT_FSIZE", 1, 64 << 20, 64 << 20),
          ("RLIMIT_NOFILE", 7, 256, 256), ("RLIMIT_CORE", 4, 0, 0), ("RLIMIT_NPROC", 6, 67, 67)]
print(json.dumps({
    "bubblewrap": bwrap, "options": options, "command": command,
    "identity": {"uid": uid, "gid": uid} if me == "0" else None,
    "rlimits": [{"name": n, "resource": r, "value": v, "hardValue": h} for n, r, v, h in limits if me == "0" or n != "RLIMIT_NPROC"],
    "cgroupProcsFiles": [], "seccomp": "x86_64" if __import__("platform").machine() == "x86_64" else "aarch64",
}))
PY
)"

as_user=()
if [ "$(id -u)" = 0 ]; then as_user=(setpriv --reuid="$uid" --regid="$uid" --clear-groups); fi

mean_ms() {
  local start end
  start=$(date +%s%N)
  for _ in $(seq "$runs"); do "$@" >/dev/null 2>&1 3>/dev/null; done
  end=$(date +%s%N)
  echo $(( (end - start) / runs / 1000 ))
}

direct_env=(env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp LANG=C.UTF-8
  REGISTRY_INPUT="$stage/input" REGISTRY_OUTPUT="$stage/direct-output")

# One warm-up of each so page-cache effects do not favour whichever runs last.
(cd "$stage/product" && "${direct_env[@]}" "${command[@]}") >/dev/null
"${as_user[@]}" "$bwrap" "${options[@]}" -- "${command[@]}" >/dev/null
"$registry" __sandbox-launch "$plan" >/dev/null 3>/dev/null
run_registry >/dev/null

direct=$(cd "$stage/product" && mean_ms "${direct_env[@]}" "${command[@]}")
bare=$(mean_ms "${as_user[@]}" "$bwrap" "${options[@]}" -- "${command[@]}")
launcher=$(mean_ms "$registry" __sandbox-launch "$plan")
whole=$(mean_ms run_registry)

python3 - "$runs" "$direct" "$bare" "$launcher" "$whole" <<'PY'
import sys
runs, direct, bare, launcher, whole = (int(x) for x in sys.argv[1:])
print(f"runs per case: {runs}")
for name, micros in (("direct exec", direct), ("bare bwrap", bare), ("launcher + bwrap", launcher),
                     ("registry run", whole)):
    print(f"{name:18} {micros / 1000:8.2f} ms")
print(f"launcher - bwrap   {(launcher - bare) / 1000:8.2f} ms   {launcher / bare:.2f}x")
print(f"registry run - bwrap {(whole - bare) / 1000:6.2f} ms   {whole / bare:.2f}x")
print(f"registry run / direct {whole / direct:7.2f}x")
PY
