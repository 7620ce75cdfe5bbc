#!/usr/bin/env python3
"""Times the registry's disparity check against pandas and Fairlearn on 1,000,000 decisions.

Usage:
  python3 Benchmarks/disparity/benchmark.py [--rows 1000000] [--registry .build/release/registry] [--keep DIR]
                                            [--registry-command "CMD ARGS"]

Needs: pip install pandas fairlearn (numpy comes with them), and a release build of the registry
(`swift build -c release`). The script writes, in a temporary folder (or --keep DIR):

  decisions.csv  rider_id,inspect              one row per rider, shuffled
  audit.csv      rider_id,race,sex,fare_evaded  the held-back attributes and true outcome

and then runs each contender in its own process, recording wall time and peak resident memory
(from wait4), all computing the same numbers for race, sex and race x sex: count, selected count,
selection rate, base rate, TPR, FPR, TNR, FNR, precision, demographic parity difference and ratio,
and equalized-odds difference.

  pandas     read_csv both files, merge on rider_id, groupby, compute the rates by hand
  fairlearn  read_csv, merge, then fairlearn.metrics.MetricFrame over the same metrics
  registry   registry fairness --output decisions.csv --audit audit.csv --key rider_id
             --attributes race,sex --label fare_evaded --decision-column inspect
             --selected-value 1 --selection-is adverse --json

Targets: the registry at least 2x faster than pandas (compared on CPU time, which a busy machine
distorts less than wall time), with peak memory under 150 MB.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ATTRIBUTES = ["race", "sex"]
BREAKDOWNS = [["race"], ["sex"], ["race", "sex"]]


def generate(folder: Path, rows: int) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(20261125)
    races = np.array(["White", "Black", "Hispanic", "Asian", "Pacific Islander"])
    race = rng.choice(races, size=rows, p=[0.40, 0.25, 0.20, 0.1497, 0.0003])
    sex = rng.choice(np.array(["Female", "Male"]), size=rows, p=[0.48, 0.52])
    base = np.select([race == "Black", race == "Hispanic"], [0.12, 0.11], 0.10)
    evaded = (rng.random(rows) < base).astype(np.int8)
    rate = np.where(evaded == 1, 0.6, np.select([race == "Black"], [0.22], 0.12))
    inspect = (rng.random(rows) < rate).astype(np.int8)
    ids = np.char.add("r", np.char.zfill(np.arange(rows).astype(str), 7))
    audit = pd.DataFrame({"rider_id": ids, "race": race, "sex": sex, "fare_evaded": evaded})
    decisions = pd.DataFrame({"rider_id": ids, "inspect": inspect}).sample(frac=1.0, random_state=1)
    audit.to_csv(folder / "audit.csv", index=False, lineterminator="\n")
    decisions.to_csv(folder / "decisions.csv", index=False, lineterminator="\n")


def disparities(by_group) -> dict:
    """Demographic parity difference and ratio and equalized-odds difference over the groups of
    at least 30 rows, from a per-group frame with count, selection_rate, tpr and fpr columns."""
    eligible = by_group[by_group["count"] >= 30]
    return {
        "dp_difference": float(eligible["selection_rate"].max() - eligible["selection_rate"].min()),
        "dp_ratio": float(eligible["selection_rate"].min() / eligible["selection_rate"].max()),
        "eo_difference": float(max(eligible["tpr"].max() - eligible["tpr"].min(), eligible["fpr"].max() - eligible["fpr"].min())),
    }


def run_pandas(folder: Path) -> dict:
    import pandas as pd

    decisions = pd.read_csv(folder / "decisions.csv", dtype={"rider_id": str, "inspect": "int8"})
    audit = pd.read_csv(folder / "audit.csv", dtype={"rider_id": str, "race": str, "sex": str, "fare_evaded": "int8"})
    df = decisions.merge(audit, on="rider_id", how="inner")
    df["tp"] = df["inspect"] & df["fare_evaded"]
    result = {}
    for attributes in BREAKDOWNS:
        g = df.groupby(attributes).agg(count=("inspect", "size"), selected=("inspect", "sum"),
                                       positives=("fare_evaded", "sum"), tp=("tp", "sum"))
        negatives = g["count"] - g["positives"]
        fp = g["selected"] - g["tp"]
        g["selection_rate"] = g["selected"] / g["count"]
        g["base_rate"] = g["positives"] / g["count"]
        g["tpr"] = g["tp"] / g["positives"]
        g["fnr"] = (g["positives"] - g["tp"]) / g["positives"]
        g["fpr"] = fp / negatives
        g["tnr"] = (negatives - fp) / negatives
        g["precision"] = g["tp"] / g["selected"]
        result["|".join(attributes)] = disparities(g)
    return result


def run_fairlearn(folder: Path) -> dict:
    import warnings

    import pandas as pd
    from fairlearn.metrics import (MetricFrame, count, false_negative_rate, false_positive_rate, selection_rate,
                                   true_negative_rate, true_positive_rate)
    from sklearn.metrics import precision_score

    warnings.simplefilter("ignore")
    decisions = pd.read_csv(folder / "decisions.csv", dtype={"rider_id": str, "inspect": "int8"})
    audit = pd.read_csv(folder / "audit.csv", dtype={"rider_id": str, "race": str, "sex": str, "fare_evaded": "int8"})
    df = decisions.merge(audit, on="rider_id", how="inner")
    metrics = {"count": count, "selection_rate": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate,
               "tnr": true_negative_rate, "fnr": false_negative_rate,
               "precision": lambda t, p: precision_score(t, p, zero_division=0.0)}
    result = {}
    for attributes in BREAKDOWNS:
        frame = MetricFrame(metrics=metrics, y_true=df["fare_evaded"], y_pred=df["inspect"], sensitive_features=df[attributes])
        by_group = frame.by_group
        result["|".join(attributes)] = disparities(by_group)
    return result


def registry_command(prefix: list, folder: Path) -> list:
    return prefix + ["--output", str(folder / "decisions.csv"), "--audit", str(folder / "audit.csv"),
            "--key", "rider_id", "--attributes", ",".join(ATTRIBUTES), "--label", "fare_evaded",
            "--decision-column", "inspect", "--selected-value", "1", "--selection-is", "adverse", "--json"]


def measured(command: list) -> tuple:
    """Runs `command` in a child; returns wall seconds, CPU seconds (user + system) and peak RSS in MB.

    CPU time is reported beside wall time because a shared machine stretches wall time unevenly.
    """
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execvp(command[0], command)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed with status {os.waitstatus_to_exitcode(status)}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--registry", default=str(Path(__file__).resolve().parents[2] / ".build/release/registry"))
    parser.add_argument("--registry-command", help="run this command (split on spaces) instead of 'REGISTRY fairness'")
    parser.add_argument("--keep", help="write the data here and keep it")
    parser.add_argument("--skip-fairlearn", action="store_true", help="time only pandas and the registry")
    parser.add_argument("--contender", choices=["pandas", "fairlearn"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.contender:
        result = (run_pandas if args.contender == "pandas" else run_fairlearn)(Path(args.folder))
        print(json.dumps(result, sort_keys=True))
        return

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="disparity-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if not (folder / "audit.csv").exists():
            generate(folder, args.rows)
        me = [sys.executable, str(Path(__file__).resolve()), "--folder", str(folder), "--contender"]
        results = {}
        results["pandas"] = measured(me + ["pandas"])
        if not args.skip_fairlearn:
            results["fairlearn"] = measured(me + ["fairlearn"])
        prefix = args.registry_command.split() if args.registry_command else [args.registry, "fairness"]
        if Path(prefix[0]).exists():
            results["registry"] = measured(registry_command(prefix, folder))
        else:
            print(f"note: {args.registry} not found; build it with 'swift build -c release' to time the registry")
        print(f"{args.rows:,} decision rows, audit file of {args.rows:,} rows, groups by race, sex and race x sex")
        print(f"{'contender':<10} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'registry speed-up (wall, CPU)':>30}")
        for name, (seconds, cpu, peak) in results.items():
            speedup = "-"
            if "registry" in results:
                speedup = f"{seconds / results['registry'][0]:.1f}x, {cpu / results['registry'][1]:.1f}x"
            print(f"{name:<10} {seconds:>8.2f} {cpu:>8.2f} {peak:>8.0f} {speedup:>30}")
        if "registry" in results:
            seconds, cpu, peak = results["registry"]
            ok = results["pandas"][1] / cpu >= 2 and peak < 150
            print(f"targets (>= 2x faster than pandas, < 150 MB): {'met' if ok else 'NOT met'}")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
