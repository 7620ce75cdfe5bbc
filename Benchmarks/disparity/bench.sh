#!/usr/bin/env bash
# The harness's disparity row: `registry fairness` on 1,000,000 decisions against hand-written
# Polars and pandas group-bys and Fairlearn's MetricFrame computing the same numbers, interleaved,
# with the numbers asserted equal to 1e-9 (see benchmark.py).
# Usage: Benchmarks/disparity/bench.sh [rows] [benchmark.py options, e.g. --rounds 5 --skip-fairlearn]
# Environment: REGISTRY_BIN (default: the release build in .build-release). Polars, pandas and
# Fairlearn come from the system's Python when it has them, else from PyPI into .build/disparity-venv.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
registry="${REGISTRY_BIN:-$root/.build-release/release/registry}"
[ -x "$registry" ] || { echo "build first: swift build -c release --product registry --scratch-path .build-release" >&2; exit 2; }
python=python3
if ! python3 -c "import polars, pandas, fairlearn" 2> /dev/null; then
    venv="$root/.build/disparity-venv"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet polars pandas fairlearn
    python="$venv/bin/python"
fi
"$python" "$root/Benchmarks/disparity/benchmark.py" --registry "$registry" --rows "${1:-1000000}" "${@:2}"
