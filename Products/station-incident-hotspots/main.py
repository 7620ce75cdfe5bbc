"""Station incident hotspots: weekly counts of reported incidents per station and hour band.

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
# Hour bands used by the deployment roster: (first hour, band); the overnight band wraps midnight.
HOUR_BANDS = [(0, "overnight"), (6, "am_peak"), (10, "midday"), (15, "pm_peak"), (19, "evening"), (23, "overnight")]
BAND_ORDER = ["am_peak", "midday", "pm_peak", "evening", "overnight"]


def week_start(day):
    return day - datetime.timedelta(days=day.weekday())


def hour_band(hour):
    return [band for first, band in HOUR_BANDS if hour >= first][-1]


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
                key = (week, row["station"], hour_band(int(row["occurred_hour"])))
                counts[key] = counts.get(key, 0) + 1
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["week_start", "station", "hour_band", "incidents"])
        for week in sorted(weeks):
            for station in sorted(stations):
                for band in BAND_ORDER:
                    count = counts.get((week, station, band), 0)
                    writer.writerow([week.isoformat(), station, band, published(count)])


if __name__ == "__main__":
    main()
