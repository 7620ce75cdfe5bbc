#!/usr/bin/env python3
"""Writes the synthetic fairness dataset and the golden metrics the registry's tests compare with.

Usage: python3 Scripts/fairness-golden/generate.py        (needs: pip install fairlearn aequitas statsmodels)

Outputs, beside this script:
  decisions.csv  the product's decision output: rider_id, inspect (1 = selected for fare inspection)
  audit.csv      the held-back audit file: rider_id, race, sex, fare_evaded (the true outcome)
  golden.json    per-group and intersectional metrics from Fairlearn and Aequitas, Wilson
                 intervals from statsmodels, and the disparities over groups of at least
                 MINIMUM_GROUP_SIZE rows

The data are seeded, so running this again gives the same bytes. By design the dataset has a group
below the minimum size ("Pacific Islander", 12 rows) in which nobody has a positive outcome and
nobody is selected, so its true-positive rate, false-negative rate and precision have empty
denominators. Fairlearn reports 0.0 there (scikit-learn's zero_division); Aequitas reports NaN. The
registry reports "undefined", so the golden file records null there, and this script asserts that
Fairlearn's value is 0.0 and Aequitas' is NaN at exactly those places.
"""
import json
import math
import random
from pathlib import Path

import numpy as np
import pandas as pd
from aequitas.bias import Bias
from aequitas.group import Group
from fairlearn.metrics import (MetricFrame, count, demographic_parity_difference, demographic_parity_ratio,
                               equalized_odds_difference, false_negative_rate, false_positive_rate,
                               selection_rate, true_negative_rate, true_positive_rate)
from sklearn.metrics import precision_score
from statsmodels.stats.proportion import proportion_confint

HERE = Path(__file__).resolve().parent
MINIMUM_GROUP_SIZE = 30
SEED = 20261125

# (race, share of riders, base rate of fare evasion, inspection rate for evaders, for non-evaders)
RACES = [("White", 0.40, 0.10, 0.55, 0.10), ("Black", 0.25, 0.12, 0.70, 0.22),
         ("Hispanic", 0.20, 0.11, 0.62, 0.16), ("Asian", 0.15, 0.09, 0.50, 0.08)]
SMALL_GROUP = "Pacific Islander"
ROWS = 3000


def make_data():
    rng = random.Random(SEED)
    rows = []
    for index in range(ROWS):
        draw = rng.random()
        cumulative = 0.0
        for race, share, base, hit, false_alarm in RACES:
            cumulative += share
            if draw < cumulative:
                break
        sex = "Female" if rng.random() < 0.48 else "Male"
        evaded = 1 if rng.random() < base * (1.2 if sex == "Male" else 0.8) else 0
        inspect = 1 if rng.random() < (hit if evaded else false_alarm) * (1.1 if sex == "Male" else 0.9) else 0
        rows.append((f"r{index:05d}", race, sex, evaded, inspect))
    for index in range(12):
        rows.append((f"p{index:05d}", SMALL_GROUP, "Female" if index % 2 else "Male", 0, 0))
    rng.shuffle(rows)
    return pd.DataFrame(rows, columns=["rider_id", "race", "sex", "fare_evaded", "inspect"])


def undefined_or(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def breakdown(df, attributes):
    key = df[attributes].astype(str).agg("|".join, axis=1)
    y_true, y_pred = df["fare_evaded"].to_numpy(), df["inspect"].to_numpy()
    metrics = {"count": count, "selection_rate": selection_rate, "true_positive_rate": true_positive_rate,
               "false_positive_rate": false_positive_rate, "true_negative_rate": true_negative_rate,
               "false_negative_rate": false_negative_rate,
               "precision": lambda t, p: precision_score(t, p, zero_division=0.0)}
    frame = MetricFrame(metrics=metrics, y_true=y_true, y_pred=y_pred, sensitive_features=key.rename("group"))
    by_group = frame.by_group

    # Aequitas on one combined column, so an intersection is a single attribute to it.
    aq = pd.DataFrame({"score": y_pred, "label_value": y_true, "group": key})
    crosstab, _ = Group().get_crosstabs(aq)
    bias = Bias().get_disparity_major_group(crosstab, original_df=aq)
    bias = bias.set_index("attribute_value")

    groups = {}
    for group, row in by_group.iterrows():
        members = df[key == group]
        n = len(members)
        selected = int(members["inspect"].sum())
        positives = int(members["fare_evaded"].sum())
        negatives = n - positives
        tp = int(((members["inspect"] == 1) & (members["fare_evaded"] == 1)).sum())
        denominators = {"selection_rate": n, "base_rate": n, "true_positive_rate": positives,
                        "false_positive_rate": negatives, "true_negative_rate": negatives,
                        "false_negative_rate": positives, "precision": selected}
        aequitas_names = {"selection_rate": "pprev", "base_rate": "prev", "true_positive_rate": "tpr",
                          "false_positive_rate": "fpr", "true_negative_rate": "tnr",
                          "false_negative_rate": "fnr", "precision": "precision"}
        a_row = crosstab.set_index("attribute_value").loc[group]
        record = {"count": int(row["count"]), "selected": selected, "positives": positives, "eligible": n >= MINIMUM_GROUP_SIZE}
        for name, denominator in denominators.items():
            fairlearn_value = float(row[name]) if name in row.index else None
            aequitas_value = float(a_row[aequitas_names[name]])
            if denominator == 0:
                assert fairlearn_value in (None, 0.0), (group, name, fairlearn_value)
                assert math.isnan(aequitas_value), (group, name, aequitas_value)
                record[name] = None
                record[name + "_wilson95"] = None
                continue
            value = aequitas_value
            if fairlearn_value is not None:
                assert abs(fairlearn_value - aequitas_value) < 1e-12, (group, name, fairlearn_value, aequitas_value)
                value = fairlearn_value
            numerator = round(value * denominator)
            low, high = proportion_confint(numerator, denominator, alpha=0.05, method="wilson")
            record[name] = value
            record[name + "_wilson95"] = [float(low), float(high)]
        ratios = {}
        for name, column in [("selection_rate", "pprev_disparity"), ("true_positive_rate", "tpr_disparity"),
                             ("false_positive_rate", "fpr_disparity"), ("true_negative_rate", "tnr_disparity"),
                             ("false_negative_rate", "fnr_disparity"), ("precision", "precision_disparity")]:
            ratios[name] = undefined_or(float(bias.loc[group, column]))
        record["ratios_to_reference"] = ratios
        groups[group] = record

    reference = crosstab.loc[crosstab["group_size"].idxmax(), "attribute_value"]

    eligible = df[key.map(lambda g: groups[g]["eligible"])]
    eligible_key = key[eligible.index]
    t, p = eligible["fare_evaded"].to_numpy(), eligible["inspect"].to_numpy()
    sr = eligible.groupby(eligible_key)["inspect"].mean()
    # Selection is adverse here (being inspected), so the favourable outcome is not being selected.
    favourable = 1 - sr
    disparities = {
        "eligible_groups": int(eligible_key.nunique()),
        "demographic_parity_difference": float(demographic_parity_difference(t, p, sensitive_features=eligible_key)),
        "demographic_parity_ratio": float(demographic_parity_ratio(t, p, sensitive_features=eligible_key)),
        "equalized_odds_difference": float(equalized_odds_difference(t, p, sensitive_features=eligible_key)),
        "favourable_rate_ratio": float(favourable.min() / favourable.max()),
        "least_favoured_group": str(favourable.idxmin()),
    }
    return {"attributes": attributes, "reference_group": reference, "groups": groups, "disparities": disparities}


def main():
    df = make_data()
    df[["rider_id", "inspect"]].to_csv(HERE / "decisions.csv", index=False, lineterminator="\n")
    df[["rider_id", "race", "sex", "fare_evaded"]].to_csv(HERE / "audit.csv", index=False, lineterminator="\n")
    golden = {
        "tools": {"fairlearn": __import__("fairlearn").__version__, "aequitas": __import__("aequitas").__version__},
        "minimum_group_size": MINIMUM_GROUP_SIZE,
        "selection_is": "adverse",
        "breakdowns": [breakdown(df, ["race"]), breakdown(df, ["sex"]), breakdown(df, ["race", "sex"])],
    }
    (HERE / "golden.json").write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
