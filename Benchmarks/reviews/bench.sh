#!/usr/bin/env bash
# Statement verification, measured in one go on this machine:
#   registry  - Benchmarks/reviews/Sources (verify-benchmark): every approval of a generated registry
#               through the registry's own evaluator on one thread (armor, SSHSIG, ed25519, strict
#               statement parsing, keyring membership, binding to the product version);
#   floor     - bare ed25519 verification with the same library (swift-crypto), same thread;
#   command   - `registry review verify` on the same registry (whole command, every core);
#   ssh-keygen - one stock `ssh-keygen -Y verify` per statement.
# Prints a Markdown table. Usage: Benchmarks/reviews/bench.sh [statements] (default 10000; a multiple of 5)
# Environment: REGISTRY_BIN (default: the release build in .build-release).
set -euo pipefail

statements="${1:-10000}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
registry="${REGISTRY_BIN:-$root/.build-release/release/registry}"
[ -x "$registry" ] || { echo "build first: swift build -c release --product registry --scratch-path .build-release" >&2; exit 2; }
command -v ssh-keygen > /dev/null || { echo "install openssh-client for the ssh-keygen baseline" >&2; exit 2; }
swift build -c release --product verify-benchmark --scratch-path "$root/.build-release" > /dev/null
bench="$root/.build-release/release/verify-benchmark"

work="$(mktemp -d /tmp/registry-verify-bench-XXXXXX)"
trap 'rm -rf "$work"' EXIT
# Five board members approve each product's single version: statements / 5 products.
python3 "$root/Scripts/generate_registry.py" "$work/registry" --products $((statements / 5)) --versions 1 \
    --board-size 5 --approvals 5 --allegations 10 > /dev/null

# CPU seconds of a command (user + system), from GNU time.
cpu_seconds() { /usr/bin/time -f '%U %S %e' "$@" 2>&1 >/dev/null | tail -n 1; }

taskset -c 0 "$bench" "$work/registry" 3 > "$work/bench.out"
value() { awk -F': ' -v key="$1" '$1 == key { print $2 }' "$work/bench.out"; }
per_second=$(value "verifications per cpu second")
floor=$(value "ed25519 floor per cpu second")

(cd "$work/registry" && "$registry" index > /dev/null)
read -r command_user command_sys command_wall < <(cd "$work/registry" && cpu_seconds "$registry" review verify)
start=$(date +%s.%N)
count=$("$root/Benchmarks/harness/verify_with_ssh_keygen.sh" "$work/registry")
ssh_seconds=$(awk -v start="$start" -v end="$(date +%s.%N)" 'BEGIN { printf "%.2f", end - start }')
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

cat <<TABLE
| measurement ($statements statements, $(nproc) cores) | result | baseline | ratio | target |
|---|---|---|---|---|
| verification on one core (\`verify-benchmark\`, 3 rounds) | $per_second / CPU s | swift-crypto ed25519 alone: $floor / CPU s | $(calc %.2f "$per_second / $floor")× of the floor | ≥ 20,000 / s: $( [ "$per_second" -ge 20000 ] && echo met || echo '**missed**') |
| \`registry review verify\` (whole command, index up to date) | $(calc %.2f "$command_wall") s wall, $(calc %.2f "$command_user + $command_sys") CPU s | ssh-keygen -Y verify × $count: $ssh_seconds s | $(calc %.3f "$command_wall / $ssh_seconds")× | - |
TABLE
