"""Writes the synthetic outreach-contact and weather samples for homeless-outreach-demand.

The partner's export gives weekly counts of outreach contacts per station, never records
about people. Counts and weather here are invented from fixed weights with a fixed seed.
Run with `python3 data/generate.py`.
"""
import csv
import datetime
import math
import pathlib
import random

SEED = 20261109
FIRST_MONDAY = datetime.date(2026, 8, 3)
WEEKS = 16
# Typical weekly contacts per station at the start of the sample.
STATION_CONTACTS = {"Central": 48, "Union Square": 35, "Civic Center": 30, "North Terminal": 22,
                    "Harbor Point": 14, "Eastgate": 12, "Riverside": 9, "Westfield": 6,
                    "Lakeview": 4, "Millbrook": 3}
PARTNERS = ["Bridges Outreach Collective", "County Street Health"]

HERE = pathlib.Path(__file__).resolve().parent


def main():
    rng = random.Random(SEED)
    weeks = [FIRST_MONDAY + datetime.timedelta(weeks=week) for week in range(WEEKS)]
    weather = []
    for index, monday in enumerate(weeks):
        # Nights below 4 °C grow through autumn.
        cold = min(7, max(0, round(index / 2.2 - 1 + rng.uniform(-1, 1))))
        weather.append([monday.isoformat(), cold, rng.randrange(0, 5), round(18 - index * 0.8 + rng.uniform(-2, 2), 1)])
    contacts = []
    for index, monday in enumerate(weeks):
        cold = weather[index][1]
        for station, base in STATION_CONTACTS.items():
            mean = base * (1 + 0.012 * index) * (1 + 0.04 * cold)
            count = max(0, round(mean + rng.gauss(0, math.sqrt(mean))))
            referrals = sum(rng.random() < 0.3 for _ in range(count))
            contacts.append([station, monday.isoformat(), count, referrals, PARTNERS[len(station) % 2]])
    with (HERE / "outreach_contacts.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["station", "week_start", "contacts", "referrals_accepted", "partner_org"])
        writer.writerows(sorted(contacts, key=lambda row: (row[1], row[0])))
    with (HERE / "weather.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["week_start", "cold_nights", "rain_days", "mean_temperature_c"])
        writer.writerows(weather)


if __name__ == "__main__":
    main()
