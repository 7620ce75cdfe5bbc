"""Homeless outreach demand: four-week forecast of outreach contacts per station.

Reads `$REGISTRY_INPUT/outreach_contacts.csv` and `weather.csv`; writes
`$REGISTRY_OUTPUT/outreach_forecast.csv`. Each station's weekly contacts are smoothed with a
damped trend (Holt's method, fixed parameters) and lifted for recent cold weather, then turned
into the number of outreach worker shifts to offer the partner agencies.
"""
import csv
import datetime
import math
import os
import pathlib

HORIZON_WEEKS = 4
LEVEL_SMOOTHING = 0.5
TREND_SMOOTHING = 0.2
TREND_DAMPING = 0.8
COLD_NIGHT_LIFT = 0.04
CONTACTS_PER_SHIFT = 12
MINIMUM_CELL = 11


def read(folder, name):
    with (folder / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def forecast(series):
    """Damped-trend forecasts for the next HORIZON_WEEKS weeks of a weekly series."""
    level, trend = series[0], 0.0
    for value in series[1:]:
        previous = level
        level = LEVEL_SMOOTHING * value + (1 - LEVEL_SMOOTHING) * (level + TREND_DAMPING * trend)
        trend = TREND_SMOOTHING * (level - previous) + (1 - TREND_SMOOTHING) * TREND_DAMPING * trend
    ahead, damping = [], 0.0
    for step in range(1, HORIZON_WEEKS + 1):
        damping += TREND_DAMPING ** step
        ahead.append(max(0.0, level + damping * trend))
    return ahead


def main():
    source = pathlib.Path(os.environ["REGISTRY_INPUT"])
    target = pathlib.Path(os.environ["REGISTRY_OUTPUT"])
    weekly = sorted(read(source, "outreach_contacts.csv"), key=lambda row: (row["week_start"], row["station"]))
    series = {}
    for row in weekly:
        series.setdefault(row["station"], []).append(int(row["contacts"]))
    weeks = sorted({row["week_start"] for row in weekly})
    cold = {row["week_start"]: int(row["cold_nights"]) for row in read(source, "weather.csv")}
    recent_cold = [cold.get(week, 0) for week in weeks[-4:]]
    lift = 1 + COLD_NIGHT_LIFT * sum(recent_cold) / len(recent_cold) if recent_cold else 1.0

    with (target / "outreach_forecast.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["station", "week_start", "forecast_contacts", "outreach_shifts"])
        for station in sorted(series):
            for step, value in enumerate(forecast(series[station]), start=1):
                expected = round(value * lift)
                shifts = max(1, math.ceil(expected / CONTACTS_PER_SHIFT))
                week = datetime.date.fromisoformat(weeks[-1]) + datetime.timedelta(weeks=step)
                writer.writerow([station, week.isoformat(), "" if 0 < expected < MINIMUM_CELL else expected, shifts])

if __name__ == "__main__":
    main()
