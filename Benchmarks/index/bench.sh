#!/usr/bin/env bash
# `registry index --rebuild` and the incremental `index` against `git log --name-only` over the same
# history, interleaved (A B A B …) in one run; see bench.py for what each round does.
# Usage: Benchmarks/index/bench.sh [rounds] (default 5). REGISTRY (or REGISTRY_BIN, as the harness
# sets) picks the binary (default: the release build, .build/release/registry); INDEX_BENCH_REGISTRY
# picks the registry to clone (the harness passes its largest one), otherwise 1,000 products x 10
# versions are generated with Scripts/generate_registry.py first (about two minutes).
set -euo pipefail

rounds="${1:-5}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
registry="${REGISTRY:-${REGISTRY_BIN:-$root/.build/release/registry}}"
[ -x "$registry" ] || { echo "build first: swift build -c release --product registry (no $registry)" >&2; exit 2; }
source_registry="${INDEX_BENCH_REGISTRY:-}"
if [ -z "$source_registry" ]; then
  stage="$(mktemp -d "${TMPDIR:-/tmp}/registry-index-bench-XXXXXX")"
  trap 'rm -rf "$stage"' EXIT
  source_registry="$stage/registry"
  python3 "$root/Scripts/generate_registry.py" "$source_registry" --products 1000 --versions 10 --seed 1 >&2
fi
exec python3 "$root/Benchmarks/index/bench.py" "$(realpath "$registry")" "$source_registry" "$rounds"
