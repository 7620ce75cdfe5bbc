#!/usr/bin/env bash
# Per-run overhead of `registry run`, measured in one go on this machine on the same trivial product
# (the shell product `registry new --language shell` scaffolds, on its sample; the Python one now
# needs a built environment, which the bare runs would not have):
#   direct   - exec of the product command with no isolation
#   bwrap    - a bare bwrap call with the same mounts and namespaces the registry uses
#   launcher - `registry-launcher __sandbox-launch PLAN…` (the executable beside the registry):
#              session, fd sweep, rlimits, uid drop, no_new_privs and the Swift-built seccomp
#              filter, then the same bwrap call, supervised
#   version  - `registry --version`: starting the registry process (loading the binary) and exiting
#   list     - `registry list`: that plus finding the registry and opening the index
#   run      - the whole `registry run ID --working-tree` command: process start, finding the
#              registry, opening the index, checking the host, copying the product, building its
#              input, the sandbox run (staging, cgroup, launcher, bwrap, output collection) and
#              recording it
# The cases run in rounds, each case once per round. Prints the median wall-clock and CPU time per
# run of each case (CPU: user + system of the case and every process it waited for; bubblewrap's
# sandboxed processes are reaped inside its pid namespace, so only the direct row counts the
# product's own CPU), what the launcher and the whole command add to bare bwrap, the ratios, and
# where the whole command's time goes, as differences of those medians: version is the process
# floor, list - version finding and opening the index, run - list the run itself, of which the
# launcher row is the launcher, bwrap and the product, and the rest the registry process's own work
# for the run (host check, product copy, input, staging, cgroup, watching, collection, recording,
# clean-up). Usage: Benchmarks/sandbox/bench.sh [rounds] (default 50); REGISTRY (or REGISTRY_BIN,
# as the harness sets) picks the binary (default: the release build, `swift build -c release
# --scratch-path .build-release`, which builds registry-launcher too); run as root to include the uid drop and the
# cgroup.
set -euo pipefail

rounds="${1:-50}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
registry="${REGISTRY:-${REGISTRY_BIN:-$root/.build-release/release/registry}}"
launcher="$(dirname "$registry")/registry-launcher"
for binary in "$registry" "$launcher"; do
  [ -x "$binary" ] || { echo "build first: swift build -c release --scratch-path .build-release (no $binary)" >&2; exit 2; }
done
bwrap="$(command -v bwrap)" || { echo "install bubblewrap: apt-get install bubblewrap" >&2; exit 2; }

stage="$(mktemp -d /tmp/registry-bench-XXXXXX)"
trap 'rm -rf "$stage"' EXIT
chmod 711 "$stage"
mkdir -p "$stage/registry" "$stage/input" "$stage/output" "$stage/direct-output"
(cd "$stage/registry" && git init -q . && "$registry" init --title "Sandbox benchmark" >/dev/null \
  && "$registry" new bench-product --language shell >/dev/null)
cp -r "$stage/registry/Products/bench-product" "$stage/product"
cp "$stage/product/samples/incidents.csv" "$stage/input/incidents.csv"
chmod -R a+rX "$stage/product" "$stage/input"
uid=65534
if [ "$(id -u)" = 0 ]; then chown "$uid:$uid" "$stage/output"; fi

# The manifest says ./main.sh, which the registry runs as /product/main.sh.
command=(/product/main.sh)
# shellcheck source=Benchmarks/sandbox/bare_bwrap.sh
source "$root/Benchmarks/sandbox/bare_bwrap.sh"
bare_bwrap_options "$stage/product" "$stage/input" "$stage/output"
options=("${bare_bwrap_options[@]}")

# The launch plan as the launcher's argument words (LaunchPlan.arguments), NUL-separated.
mapfile -d '' plan < <(python3 - "$bwrap" "$uid" "$(id -u)" "${command[@]}" -- "${options[@]}" <<'PY'
import platform, sys
bwrap, uid, me = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rest = sys.argv[4:]
split = rest.index("--")
command, options = rest[:split], rest[split + 1:]
limits = [("RLIMIT_AS", 9, 1 << 30, 1 << 30), ("RLIMIT_CPU", 0, 10, 11), ("RLIMIT_FSIZE", 1, 64 << 20, 64 << 20),
          ("RLIMIT_NOFILE", 7, 256, 256), ("RLIMIT_CORE", 4, 0, 0), ("RLIMIT_NPROC", 6, 67, 67)]
words = ["bubblewrap", bwrap, "seccomp", "x86_64" if platform.machine() == "x86_64" else "aarch64"]
if me == "0":
    words += ["identity", f"{uid}:{uid}"]
words += [w for n, r, v, h in limits if me == "0" or n != "RLIMIT_NPROC" for w in ("rlimit", f"{n}:{r}:{v}:{h}")]
words += ["options", str(len(options))] + options + ["command"] + command
sys.stdout.write("".join(w + "\0" for w in words))
PY
)

# The launcher's lifeline (fd 4): a pipe whose write end stays open for the whole benchmark, as the
# registry's does for a run; without it the launcher takes its registry for dead and starts nothing.
exec 7< <(exec sleep 1000000)
lifeline_holder=$!
trap 'kill "$lifeline_holder"; rm -rf "$stage"' EXIT

as_user=("${bare_bwrap_user[@]}")

direct_env=(env -i -C "$stage/product" PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp LANG=C.UTF-8
  REGISTRY_INPUT="$stage/input" REGISTRY_OUTPUT="$stage/direct-output")

cases=(direct bwrap launcher version list run)
run_case() {
  case "$1" in
    direct) "${direct_env[@]}" ./main.sh ;;
    bwrap) "${as_user[@]}" "$bwrap" "${options[@]}" -- "${command[@]}" ;;
    launcher) "$launcher" __sandbox-launch "${plan[@]}" 4<&7 ;;
    version) "$registry" --version ;;
    list) "$registry" list --repo "$stage/registry" ;;
    run) "$registry" run bench-product --working-tree --repo "$stage/registry" ;;
  esac
}

# One warm-up of each so page-cache effects do not favour whichever runs last; then rounds that
# run every case once, so a shared machine's changing load falls on all cases alike.
for name in "${cases[@]}"; do run_case "$name" >/dev/null 2>&1 3>/dev/null; done
# Wall-clock seconds, then user and system CPU seconds of the case and every process it waited for.
TIMEFORMAT="%3R %3U %3S"
for _ in $(seq "$rounds"); do
  for name in "${cases[@]}"; do
    echo "$name $( { time run_case "$name" >/dev/null 2>&1 3>/dev/null; } 2>&1 )"
  done
done > "$stage/times"

python3 - "$stage/times" <<'PY'
import statistics, sys
wall, cpu = {}, {}
for line in open(sys.argv[1]):
    name, real, user, system = line.split()
    wall.setdefault(name, []).append(float(real) * 1000)
    cpu.setdefault(name, []).append((float(user) + float(system)) * 1000)
ms = {name: statistics.median(values) for name, values in wall.items()}
cpu_ms = {name: statistics.median(values) for name, values in cpu.items()}
print(f"rounds: {len(wall['run'])}; medians per run, wall-clock and CPU (user + system of waited-for processes)")
rows = (("direct", "direct exec"), ("bwrap", "bare bwrap"), ("launcher", "launcher + bwrap"),
        ("version", "registry --version"), ("list", "registry list"), ("run", "registry run"))
for name, label in rows:
    print(f"{label:24} {ms[name]:8.1f} ms wall {cpu_ms[name]:8.1f} ms CPU")
print(f"{'launcher - bwrap':24} {ms['launcher'] - ms['bwrap']:8.1f} ms wall   {ms['launcher'] / ms['bwrap']:.2f}x")
print(f"{'registry run - bwrap':24} {ms['run'] - ms['bwrap']:8.1f} ms wall   {ms['run'] / ms['bwrap']:.2f}x")
print(f"{'registry run / direct':24} {ms['run'] / ms['direct']:8.2f}x")
print("where registry run's time goes (differences of the medians above):")
parts = (("process start and exit", lambda m: m["version"]),
         ("finding + opening index", lambda m: m["list"] - m["version"]),
         ("launcher + bwrap + product", lambda m: m["launcher"]),
         ("registry's own run work", lambda m: m["run"] - m["list"] - m["launcher"]))
for label, part in parts:
    print(f"  {label:26} {part(ms):8.1f} ms wall {part(cpu_ms):8.1f} ms CPU")
PY
