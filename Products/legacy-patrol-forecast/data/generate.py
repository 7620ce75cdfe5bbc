"""Writes the synthetic enforcement-activity sample for legacy-patrol-forecast.

Monthly counts of arrests and citations per station, invented from fixed weights with a fixed
seed; the records-system export also names the patrol beat, which the product does not declare.
Run with `python3 data/generate.py`.
"""
import csv
import pathlib
import random

SEED = 20190301
MONTHS = [f"2026-{month:02d}" for month in range(1, 10)]
# Mean monthly arrests and citations: they follow where officers were posted, not only harm.
STATION_ACTIVITY = {"Central": (22, 64), "Union Square": (17, 51), "Civic Center": (12, 40),
                    "North Terminal": (9, 30), "Harbor Point": (6, 19), "Eastgate": (7, 26),
                    "Riverside": (4, 15), "Westfield": (2, 9), "Lakeview": (1, 6), "Millbrook": (1, 4)}

HERE = pathlib.Path(__file__).resolve().parent


def main():
    rng = random.Random(SEED)
    rows = []
    for month in MONTHS:
        for beat, (station, (arrests, citations)) in enumerate(STATION_ACTIVITY.items(), start=1):
            rows.append([month, station, f"B{beat // 3 + 1}", max(0, round(rng.gauss(arrests, arrests ** 0.5))),
                         max(0, round(rng.gauss(citations, citations ** 0.5)))])
    with (HERE / "enforcement_activity.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["month", "station", "beat", "arrests", "citations"])
        writer.writerows(rows)


if __name__ == "__main__":
    main()
