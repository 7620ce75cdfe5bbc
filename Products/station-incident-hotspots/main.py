"""Station incident hotspots: weekly counts of reported incidents per station.

Reads `$REGISTRY_INPUT/incidents.csv` and writes `$REGISTRY_OUTPUT/weekly_station_incidents.csv`.
Only crimes against people and property are counted; quality-of-life reports (sleeping,
loitering, panhandling, fare evasion, trespass) are left out so that they never draw patrols.
"""
import csv
import datetime
import os
import pathlib

COUNTED_TYPES = {"assault", "robbery", "harassment", "theft", "vandalism", "weapons_offense"}
MINIMUM_CELL = 11


def week_start(day):
    return day - datetime.timedelta(days=day.weekday())


def published(count):
    """Counts from 1 to MINIMUM_CELL - 1 become an empty cell."""
    return "" if 0 < count < MINIMUM_CELL else str(count)


def main():
    source = pathlib.Path(os.environ["REGISTRY_INPUT"]) / "incidents.csv"
    target = pathlib.Path(os.environ["REGISTRY_OUTPUT"]) / "weekly_station_incidents.csv"
    counts = {}
    stations = set()
    weeks = set()
    with source.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            week = week_start(datetime.date.fromisoformat(row["occurred_date"]))
            stations.add(row["station"])
            weeks.add(week)
            if row["incident_type"] in COUNTED_TYPES:
                key = (week, row["station"])
                counts[key] = counts.get(key, 0) + 1
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["week_start", "station", "incidents"])
        for week in sorted(weeks):
            for station in sorted(stations):
                writer.writerow([week.isoformat(), station, published(counts.get((week, station), 0))])


if __name__ == "__main__":
    main()
