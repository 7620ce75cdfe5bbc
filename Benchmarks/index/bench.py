#!/usr/bin/env python3
"""Index rebuild and incremental index against git's own walk, interleaved on one registry.

    bench.py REGISTRY_BIN REPO ROUNDS

Works on a local clone of REPO (objects hard-linked, so the pack is the same) and, each round, runs
in turn: `git log --name-only --format=%H` over the whole history, `registry index --rebuild`, one
new commit (Benchmarks/harness/change_product.sh, not timed), `git log -1 --name-only` and the
incremental `registry index`. Each command's wall time and CPU time (user + system of the command
and its children, from wait4) and peak RSS are recorded; it prints medians with the range, and the
rebuild's ratio to git log per round (median and range), by wall and by CPU time.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def timed(command, cwd):
    """Wall seconds, CPU seconds and peak RSS (MB) of one run; a failure stops the benchmark."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    stderr = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"bench.py: {' '.join(command)} exited with {code}: {stderr.strip()[:300]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def spread(values, unit):
    scale, suffix = (1000, "ms") if unit == "ms" else (1, "s")
    fmt = "{:.1f}" if unit == "ms" else "{:.2f}"
    median = fmt.format(statistics.median(values) * scale)
    return f"{median} {suffix} ({fmt.format(min(values) * scale)}–{fmt.format(max(values) * scale)})"


def main():
    registry, source, rounds = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    work = Path(tempfile.mkdtemp(prefix="registry-index-bench-"))
    try:
        repo = work / "registry"
        subprocess.run(["git", "clone", "-q", str(source), str(repo)], check=True)
        products = sorted(p.name for p in (repo / "Products").iterdir())
        commits = subprocess.run(["git", "-C", str(repo), "rev-list", "--count", "HEAD"], check=True,
                                 capture_output=True, text=True).stdout.strip()
        cases = {
            "git log --name-only (all history)": ["git", "log", "--name-only", "--format=%H"],
            "index --rebuild": [registry, "index", "--rebuild"],
            "git log -1 --name-only": ["git", "log", "-1", "--name-only", "--format=%H"],
            "index after one new commit": [registry, "index"],
        }
        results = {name: [] for name in cases}
        timed(cases["index --rebuild"], repo)  # warm the page cache and create the index once
        for round_number in range(rounds):
            for name, command in cases.items():
                if name == "git log -1 --name-only":
                    subprocess.run([str(HERE.parent / "harness" / "change_product.sh"), str(repo),
                                    products[round_number % len(products)]], check=True)
                results[name].append(timed(command, repo))
        load = open("/proc/loadavg").read().split()[:3]
        print(f"{len(products)} products, {commits} commits; {rounds} interleaved rounds; "
              f"load average at the end {' '.join(load)}; registry {registry}")
        print()
        print("| measurement | wall, median (range) | CPU, median (range) | peak RSS |")
        print("|---|---|---|---|")
        for name, runs in results.items():
            unit = "s" if statistics.median(r[0] for r in runs) >= 1 else "ms"
            print(f"| {name} | {spread([r[0] for r in runs], unit)} | {spread([r[1] for r in runs], unit)} "
                  f"| {max(r[2] for r in runs):.0f} MB |")
        rebuild, log = results["index --rebuild"], results["git log --name-only (all history)"]
        for label, field in (("wall", 0), ("CPU", 1)):
            ratios = [r[field] / g[field] for r, g in zip(rebuild, log)]
            print(f"| `index --rebuild` ÷ `git log --name-only`, {label} time per round | "
                  f"{statistics.median(ratios):.2f}× ({min(ratios):.2f}–{max(ratios):.2f}) | target ≤ 3× | |")
        incremental = statistics.median(r[0] for r in results["index after one new commit"])
        print(f"| incremental `index`, wall median | {incremental * 1000:.1f} ms | target < 100 ms | |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
