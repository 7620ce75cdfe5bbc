#!/usr/bin/env bash
# Measures a cold environment build (from PyPI, no pip cache), an already-built one, a warm run of the
# scaffolded pandas product, and the run time of one trivial entry point with and without a mounted
# environment. Usage: Benchmarks/environments/bench.sh [path of the registry binary, relative to the repository]
set -euo pipefail
registry="$(cd "$(dirname "$0")/../.." && pwd)/${1:-.build/debug/registry}"
# Open to other users: as root the product runs as its own uid, and the environment is mounted in place.
work=$(mktemp -d "${TMPDIR:-/tmp}/registry-env-bench-XXXX"); chmod 755 "$work"; cd "$work"
git init -q; mkdir Products
export GIT_AUTHOR_NAME=m GIT_AUTHOR_EMAIL=m@x GIT_COMMITTER_NAME=m GIT_COMMITTER_EMAIL=m@x
$registry new pandas-demo --language python >/dev/null
for id in trivial-env trivial-system; do
  $registry new $id --language python >/dev/null
  cat > Products/$id/main.py <<'PY'
#!/usr/bin/env python3
import os
with open(os.path.join(os.environ["REGISTRY_OUTPUT"], "station_counts.csv"), "w") as out:
    out.write("station_id,incident_week,incident_count\nSTN-014,2026-W14,14\n")
PY
done
rm Products/trivial-system/requirements.lock
git add -A; git commit -qm products
echo "cold env build (no pip cache, from PyPI):"
/usr/bin/time -f "%e s wall" env PIP_NO_CACHE_DIR=1 $registry env build pandas-demo
echo "warm env build (cached):"; /usr/bin/time -f "%e s wall" $registry env build --all >/dev/null
$registry run pandas-demo >/dev/null
echo "warm pandas run:"; for i in 1 2 3 4 5; do /usr/bin/time -f "%e" $registry run pandas-demo 2>&1 >/dev/null | tail -1; done | sort -n | sed -n 3p
for id in trivial-env trivial-system; do
  $registry run $id >/dev/null
  echo "$id runs (median of 9):"; for i in 1 2 3 4 5 6 7 8 9; do /usr/bin/time -f "%e" $registry run $id 2>&1 >/dev/null | tail -1; done | sort -n | sed -n 5p
done
cd /; rm -rf "$work"
