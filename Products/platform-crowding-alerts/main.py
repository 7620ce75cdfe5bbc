"""Platform crowding alerts: flags platforms approaching unsafe crowding.

Reads `$REGISTRY_INPUT/platform_counts.csv` (people counted per platform every 15 minutes) and
`platform_capacity.csv`; writes `$REGISTRY_OUTPUT/crowding_alerts.csv` with the load factor and
a crowding level per platform and interval. Alerts go to station operations and the rail
control centre (extra station agents, holding trains, metering entry), never to police.
"""
import csv
import os
import pathlib

MINIMUM_CELL = 11
# Load factor thresholds, from the station evacuation plans: (lowest load factor, level).
LEVELS = [(0.9, "critical"), (0.75, "crowded"), (0.5, "busy"), (0.0, "normal")]


def read(folder, name):
    with (folder / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def level(load):
    return next(name for threshold, name in LEVELS if load >= threshold)


def main():
    source = pathlib.Path(os.environ["REGISTRY_INPUT"])
    target = pathlib.Path(os.environ["REGISTRY_OUTPUT"])
    capacity = {(row["station"], row["platform"]): int(row["design_capacity"])
                for row in read(source, "platform_capacity.csv")}
    rows = []
    for row in read(source, "platform_counts.csv"):
        platform = (row["station"], row["platform"])
        if platform not in capacity:
            continue
        occupancy = int(row["occupancy"])
        load = occupancy / capacity[platform]
        shown = "" if 0 < occupancy < MINIMUM_CELL else occupancy
        rows.append([*platform, row["interval_start"], shown, f"{load:.2f}", level(load)])
    with (target / "crowding_alerts.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["station", "platform", "interval_start", "occupancy", "load_factor", "crowding_level"])
        writer.writerows(sorted(rows))


if __name__ == "__main__":
    main()
