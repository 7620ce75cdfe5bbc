"""Writes the synthetic incident-report sample for station-incident-hotspots.

Every row is invented: stations, dates and report numbers follow the shape of the
security incident export, but no report or person behind them exists. Run with
`python3 data/generate.py`; the fixed seed makes the output identical on every run.
"""
import csv
import datetime
import pathlib
import random

SEED = 20260907
FIRST_MONDAY = datetime.date(2026, 9, 7)
WEEKS = 6

# Mean reports per week; the busiest stations carry most of the system's incidents.
STATION_WEEKLY_REPORTS = {
    "Central": 140,
    "Union Square": 110,
    "Civic Center": 72,
    "North Terminal": 60,
    "Harbor Point": 44,
    "Eastgate": 34,
    "Riverside": 24,
    "Westfield": 17,
    "Lakeview": 11,
    "Millbrook": 7,
}

# Report types in the export; the last five are quality-of-life reports the product ignores.
INCIDENT_TYPES = {
    "assault": 12,
    "robbery": 5,
    "harassment": 14,
    "theft": 20,
    "vandalism": 13,
    "weapons_offense": 3,
    "trespass": 9,
    "fare_evasion": 10,
    "loitering": 6,
    "person_sleeping": 5,
    "panhandling": 3,
}

REPORTING_UNITS = {"transit_police": 5, "contract_security": 3, "station_agent": 2}

# Relative frequency of reports by hour of day: commute peaks and a late-evening rise.
HOUR_WEIGHTS = [2, 1, 1, 1, 1, 2, 4, 7, 9, 6, 5, 5, 6, 6, 6, 7, 9, 10, 9, 8, 7, 7, 6, 4]


def pick(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def main():
    rng = random.Random(SEED)
    rows = []
    for week in range(WEEKS):
        monday = FIRST_MONDAY + datetime.timedelta(weeks=week)
        week_factor = 0.9 + 0.2 * rng.random()
        for station, mean in STATION_WEEKLY_REPORTS.items():
            reports = max(0, round(rng.gauss(mean * week_factor, mean ** 0.5)))
            for _ in range(reports):
                day = monday + datetime.timedelta(days=rng.randrange(7))
                hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
                rows.append([station, day.isoformat(), hour, pick(rng, INCIDENT_TYPES), pick(rng, REPORTING_UNITS)])
    rows.sort(key=lambda row: (row[1], row[2], row[0], row[3]))
    target = pathlib.Path(__file__).resolve().parent / "incidents.csv"
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["report_number", "station", "occurred_date", "occurred_hour", "incident_type", "reporting_unit"])
        for number, row in enumerate(rows, start=4100):
            writer.writerow([f"IR-2026-{number:06d}"] + row)


if __name__ == "__main__":
    main()
