#!/usr/bin/env python3
"""Counts incidents per station and week from the declared input, with pandas.

Reads $REGISTRY_INPUT/incidents.csv (holding only the columns product.yaml declares) and writes
$REGISTRY_OUTPUT/station_counts.csv. Counts below MINIMUM_CELL are left out so that no small
group can be singled out; the registry's small-cell check verifies this on every run. pandas
comes from the environment requirements.lock pins: build it with `registry env build <id>`.
"""
import os
import sys

import pandas

MINIMUM_CELL = 11


def main() -> int:
    input_dir = os.environ.get("REGISTRY_INPUT", "input")
    output_dir = os.environ.get("REGISTRY_OUTPUT", "output")
    incidents = pandas.read_csv(os.path.join(input_dir, "incidents.csv"), dtype=str)
    counts = (incidents.groupby(["station_id", "incident_week"]).size()
              .reset_index(name="incident_count")
              .sort_values(["station_id", "incident_week"]))
    counts = counts[counts["incident_count"] >= MINIMUM_CELL]
    counts.to_csv(os.path.join(output_dir, "station_counts.csv"), index=False, lineterminator="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
