"""Writes the synthetic platform occupancy and capacity samples for platform-crowding-alerts.

The sensor feed reports people counted on each platform every 15 minutes; it holds no images
and no per-person data. Counts, sensor serials and firmware labels here are invented from fixed
weights with a fixed seed. Run with `python3 data/generate.py`.
"""
import csv
import math
import pathlib
import random

SEED = 20261103
# Design capacity (people) of each platform, from the station design drawings.
PLATFORMS = {("Central", "1"): 900, ("Central", "2"): 900, ("Union Square", "1"): 650,
             ("Union Square", "2"): 650, ("Civic Center", "A"): 500, ("North Terminal", "A"): 700,
             ("North Terminal", "B"): 700, ("Harbor Point", "1"): 400}
# Peak share of capacity reached around 08:15 on a weekday.
PEAK_LOAD = {"Central": 0.95, "Union Square": 0.9, "Civic Center": 0.7, "North Terminal": 0.8, "Harbor Point": 0.5}

HERE = pathlib.Path(__file__).resolve().parent


def main():
    rng = random.Random(SEED)
    counts = []
    for (station, platform), capacity in PLATFORMS.items():
        serial = f"PF-{rng.randrange(10000, 99999)}"
        for slot in range(16):
            minutes = 6 * 60 + 15 * slot
            peak = math.exp(-((minutes - 8 * 60 - 15) / 45) ** 2)
            load = 0.02 + PEAK_LOAD[station] * peak * (0.85 + 0.3 * rng.random())
            counts.append([station, platform, f"{minutes // 60:02d}:{minutes % 60:02d}", round(capacity * load),
                           serial, "fw-4.2.1"])
    with (HERE / "platform_counts.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["station", "platform", "interval_start", "occupancy", "sensor_serial", "firmware"])
        writer.writerows(counts)
    with (HERE / "platform_capacity.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["station", "platform", "design_capacity"])
        writer.writerows([station, platform, capacity] for (station, platform), capacity in PLATFORMS.items())


if __name__ == "__main__":
    main()
