#!/usr/bin/env python3
"""Times the registry's disparity check against Polars, pandas and Fairlearn on 1,000,000 decisions.

Usage:
  python3 Benchmarks/disparity/benchmark.py [--rows 1000000] [--rounds 3] [--registry .build/release/registry]
                                            [--keep DIR] [--registry-command "CMD ARGS"] [--skip-fairlearn]

Needs: pip install polars pandas fairlearn (numpy comes with them), and a release build of the
registry (`swift build -c release`). The script writes, in a temporary folder (or --keep DIR):

  decisions.csv  rider_id,inspect              one row per rider, shuffled
  audit.csv      rider_id,race,sex,fare_evaded  the held-back attributes and true outcome

and then runs each contender in its own process, recording wall time and peak resident memory
(from wait4), all computing the same numbers for race, sex and race x sex: count, selected count,
selection rate, base rate, TPR, FPR, TNR, FNR, precision, demographic parity difference and ratio,
and equalized-odds difference.

  polars     read_csv both files, join on rider_id, group_by, compute the rates by hand (what a data
             engineer would pick today; multi-threaded)
  pandas     read_csv both files, merge on rider_id, groupby, compute the rates by hand
  fairlearn  read_csv, merge, then fairlearn.metrics.MetricFrame over the same metrics
  registry   registry fairness --output decisions.csv --audit audit.csv --key rider_id
             --attributes race,sex --label fare_evaded --decision-column inspect
             --selected-value 1 --selection-is adverse --json

The contenders run interleaved (polars, pandas, registry, polars, pandas, registry, ...) for
--rounds rounds, so a shared machine's changing load falls on all alike; Fairlearn, which takes
minutes, runs in the first round only. Each prints its numbers, and the script stops unless every
contender's per-group rates and disparities equal the registry's to 1e-9.

Target: the registry at least 2x faster than Polars in wall time (medians), with peak memory at
most 100 MB.
"""
import argparse
import json
import os
import shutil
import statistics
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


RATES = ["selection_rate", "base_rate", "tpr", "fpr", "tnr", "fnr", "precision"]


def label(attributes: list, values) -> str:
    """A group's name as the registry writes it: `race=Black × sex=Male`."""
    values = values if isinstance(values, tuple) else (values,)
    return " \u00d7 ".join(f"{name}={value}" for name, value in zip(attributes, values))


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
        result["|".join(attributes)] = disparities(g) | {
            "groups": {label(attributes, key): {"count": int(row["count"])} | {rate: float(row[rate]) for rate in RATES}
                       for key, row in g.iterrows()}}
    return result


def run_polars(folder: Path) -> dict:
    import polars as pl

    decisions = pl.read_csv(folder / "decisions.csv", schema_overrides={"rider_id": pl.Utf8, "inspect": pl.Int8})
    audit = pl.read_csv(folder / "audit.csv",
                        schema_overrides={"rider_id": pl.Utf8, "race": pl.Utf8, "sex": pl.Utf8, "fare_evaded": pl.Int8})
    df = decisions.join(audit, on="rider_id", how="inner").with_columns(
        (pl.col("inspect") & pl.col("fare_evaded")).alias("tp"))
    result = {}
    for attributes in BREAKDOWNS:
        g = df.group_by(attributes).agg(
            pl.len().alias("count"), pl.col("inspect").cast(pl.Int64).sum().alias("selected"),
            pl.col("fare_evaded").cast(pl.Int64).sum().alias("positives"), pl.col("tp").cast(pl.Int64).sum().alias("tp"),
        ).with_columns(
            (pl.col("count") - pl.col("positives")).alias("negatives"), (pl.col("selected") - pl.col("tp")).alias("fp"),
        ).with_columns(
            (pl.col("selected") / pl.col("count")).alias("selection_rate"),
            (pl.col("positives") / pl.col("count")).alias("base_rate"),
            (pl.col("tp") / pl.col("positives")).alias("tpr"),
            ((pl.col("positives") - pl.col("tp")) / pl.col("positives")).alias("fnr"),
            (pl.col("fp") / pl.col("negatives")).alias("fpr"),
            ((pl.col("negatives") - pl.col("fp")) / pl.col("negatives")).alias("tnr"),
            (pl.col("tp") / pl.col("selected")).alias("precision"),
        )
        rows = g.to_dicts()
        eligible = [row for row in rows if row["count"] >= 30]
        rates = {name: [row[name] for row in eligible] for name in ("selection_rate", "tpr", "fpr")}
        result["|".join(attributes)] = {
            "dp_difference": max(rates["selection_rate"]) - min(rates["selection_rate"]),
            "dp_ratio": min(rates["selection_rate"]) / max(rates["selection_rate"]),
            "eo_difference": max(max(rates["tpr"]) - min(rates["tpr"]), max(rates["fpr"]) - min(rates["fpr"])),
            "groups": {label(attributes, tuple(row[a] for a in attributes)): {"count": row["count"]} | {r: row[r] for r in RATES}
                       for row in rows},
        }
    return result


def registry_numbers(report: dict) -> dict:
    """The registry's `fairness --json` report in the contenders' shape."""
    names = {"selection_rate": "selection_rate", "base_rate": "base_rate", "tpr": "true_positive_rate",
             "fpr": "false_positive_rate", "tnr": "true_negative_rate", "fnr": "false_negative_rate",
             "precision": "precision"}
    result = {}
    for breakdown in report["breakdowns"]:
        numbers = breakdown["disparities"]
        result["|".join(breakdown["attributes"])] = {
            "dp_difference": numbers["demographic_parity_difference"], "dp_ratio": numbers["demographic_parity_ratio"],
            "eo_difference": numbers["equalized_odds_difference"],
            "groups": {group["label"]: {"count": group["count"]} | {rate: group[field]["value"] for rate, field in names.items()}
                       for group in breakdown["groups"]},
        }
    return result


def without_base_rate(result: dict) -> dict:
    """`result` without the groups' base rates, which Fairlearn's MetricFrame has no metric for."""
    return {key: value | {"groups": {name: {k: v for k, v in rates.items() if k != "base_rate"}
                                     for name, rates in value["groups"].items()}}
            for key, value in result.items()}


def differences(expected: dict, actual: dict, path: str = "") -> list:
    """Where two results differ by more than 1e-9 (or in their keys); empty when they agree. A rate
    with a zero denominator is undefined on both sides: null in the registry's JSON, NaN in the others."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        if expected.keys() != actual.keys():
            return [f"{path or 'result'}: keys {sorted(expected)} against {sorted(actual)}"]
        return [found for key in expected for found in differences(expected[key], actual[key], f"{path}/{key}")]
    undefined = [value is None or value != value for value in (expected, actual)]  # the registry's null, NaN
    if undefined[0] and undefined[1]:
        return []
    if any(undefined) or abs(float(expected) - float(actual)) > 1e-9:
        return [f"{path}: {expected} against {actual}"]
    return []


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
        result["|".join(attributes)] = disparities(by_group) | {
            "groups": {label(attributes, key): {"count": int(row["count"])} | {r: float(row[r]) for r in RATES if r != "base_rate"}
                       for key, row in by_group.iterrows()}}
    return result


def registry_command(prefix: list, folder: Path) -> list:
    return prefix + ["--output", str(folder / "decisions.csv"), "--audit", str(folder / "audit.csv"),
            "--key", "rider_id", "--attributes", ",".join(ATTRIBUTES), "--label", "fare_evaded",
            "--decision-column", "inspect", "--selected-value", "1", "--selection-is", "adverse", "--json"]


def measured(command: list, output: Path) -> tuple:
    """Runs `command` in a child with its standard output in `output`; returns wall seconds, CPU
    seconds (user + system) and peak RSS in MB.

    CPU time is reported beside wall time because a shared machine stretches wall time unevenly.
    """
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.dup2(os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 1)
        os.execvp(command[0], command)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed with status {os.waitstatus_to_exitcode(status)}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def spread(values: list) -> str:
    """The median of `values` and, with more than one, their range."""
    text = f"{statistics.median(values):.2f}"
    return text + (f" ({min(values):.2f}-{max(values):.2f})" if len(values) > 1 else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of every contender but Fairlearn")
    parser.add_argument("--registry", default=str(Path(__file__).resolve().parents[2] / ".build/release/registry"))
    parser.add_argument("--registry-command", help="run this command (split on spaces) instead of 'REGISTRY fairness'")
    parser.add_argument("--keep", help="write the data here and keep it")
    parser.add_argument("--skip-fairlearn", action="store_true", help="leave out Fairlearn, which takes minutes")
    parser.add_argument("--contender", choices=["polars", "pandas", "fairlearn"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.contender:
        run = {"polars": run_polars, "pandas": run_pandas, "fairlearn": run_fairlearn}[args.contender]
        print(json.dumps(run(Path(args.folder)), sort_keys=True))
        return

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="disparity-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if not (folder / "audit.csv").exists():
            generate(folder, args.rows)
        me = [sys.executable, str(Path(__file__).resolve()), "--folder", str(folder), "--contender"]
        prefix = args.registry_command.split() if args.registry_command else [args.registry, "fairness"]
        if not Path(prefix[0]).exists():
            sys.exit(f"{prefix[0]} not found; build it with 'swift build -c release'")
        commands = {"polars": me + ["polars"], "pandas": me + ["pandas"], "registry": registry_command(prefix, folder)}
        if not args.skip_fairlearn:
            commands["fairlearn"] = me + ["fairlearn"]
        times = {name: [] for name in commands}
        answers = {}
        for round in range(args.rounds):
            for name, command in commands.items():
                if name == "fairlearn" and round > 0:
                    continue
                output = folder / f"{name}.json"
                times[name].append(measured(command, output))
                answers[name] = json.loads(output.read_text())
        expected = registry_numbers(answers.pop("registry"))
        for name, answer in answers.items():
            found = differences(without_base_rate(expected) if name == "fairlearn" else expected, answer)
            if found:
                sys.exit(f"{name} and the registry disagree:\n  " + "\n  ".join(found[:10]))
        print(f"{args.rows:,} decision rows, audit file of {args.rows:,} rows, groups by race, sex and race x sex;")
        print(f"{args.rounds} interleaved rounds, medians (range); every contender's numbers equal the registry's to 1e-9")
        print(f"{'contender':<10} {'wall s':>18} {'CPU s':>18} {'peak MB':>10} {'registry speed-up (wall, CPU)':>30}")
        median = {name: [statistics.median(column) for column in zip(*runs)] for name, runs in times.items()}
        for name, runs in times.items():
            wall, cpu, peak = (list(column) for column in zip(*runs))
            speedup = f"{median[name][0] / median['registry'][0]:.2f}x, {median[name][1] / median['registry'][1]:.2f}x"
            print(f"{name:<10} {spread(wall):>18} {spread(cpu):>18} {max(peak):>10.0f} {speedup:>30}")
        wall_ratio = median["polars"][0] / median["registry"][0]
        peak = max(run[2] for run in times["registry"])
        met = wall_ratio >= 2 and peak <= 100
        print(f"target (>= 2x faster than Polars in wall time, peak <= 100 MB): {'met' if met else 'NOT met'}"
              f" ({wall_ratio:.2f}x, {peak:.0f} MB)")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
