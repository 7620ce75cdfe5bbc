"""Writes the synthetic samples and held-back audit attributes for fare-inspection-allocation.

Nothing here describes a real rider. The boarding sample, the compliance-check counts and
the survey counts are drawn from fixed weights with a fixed seed; the audit attributes are
assigned so that each line's rider mix matches the weights below, which lean somewhat by
line the way the agency's on-board survey does. Run with `python3 data/generate.py`.
"""
import csv
import pathlib
import random

SEED = 20261002
BOARDINGS = 4000
SURVEY_RESPONDENTS = 1100

LINES = {"Red": 0.30, "Blue": 0.25, "Green": 0.20, "Orange": 0.15, "Silver": 0.10}
TIME_BANDS = {"am_peak": 0.28, "midday": 0.20, "pm_peak": 0.27, "evening": 0.15, "overnight": 0.10}

# Share of checked riders without a valid fare, by line, scaled by time band.
LINE_EVASION = {"Red": 0.08, "Blue": 0.12, "Green": 0.09, "Orange": 0.15, "Silver": 0.11}
BAND_EVASION = {"am_peak": 0.8, "midday": 1.0, "pm_peak": 0.9, "evening": 1.3, "overnight": 1.5}

RACE_ETHNICITY = {"Asian": 0.14, "Black": 0.23, "Hispanic or Latino": 0.29, "White": 0.22,
                  "Multiracial or another race": 0.12}
GENDER = {"Female": 0.46, "Male": 0.43, "Nonbinary": 0.11}
# How much each line's rider mix leans from the system-wide mix.
LINE_LEAN = {
    "Red": {"White": 1.15, "Asian": 1.1},
    "Blue": {},
    "Green": {"Asian": 1.15},
    "Orange": {"Black": 1.15, "Hispanic or Latino": 1.1},
    "Silver": {"Hispanic or Latino": 1.15},
}

AGE_BANDS = {"under 18": 0.07, "18-24": 0.18, "25-44": 0.40, "45-64": 0.25, "65 and over": 0.10}
BAND_AGE_LEAN = {"evening": {"65 and over": 0.5, "under 18": 0.6},
                 "overnight": {"65 and over": 0.35, "under 18": 0.25}, "midday": {"65 and over": 1.6}}

HERE = pathlib.Path(__file__).resolve().parent


def apportion(total, weights):
    """Largest-remainder split of `total` in proportion to `weights`, in key order."""
    exact = {key: total * weight / sum(weights.values()) for key, weight in weights.items()}
    counts = {key: int(value) for key, value in exact.items()}
    for key in sorted(exact, key=lambda key: counts[key] - exact[key])[: total - sum(counts.values())]:
        counts[key] += 1
    return counts


def spread(items, weights):
    """Deals categories over `items` so every prefix keeps the proportions in `weights`."""
    credit = dict.fromkeys(weights, 0.0)
    total = sum(weights.values())
    dealt = []
    for item in items:
        for key, weight in weights.items():
            credit[key] += weight / total
        chosen = max(credit, key=lambda key: credit[key])
        credit[chosen] -= 1
        dealt.append((item, chosen))
    return dealt


def write(path, header, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main():
    rng = random.Random(SEED)
    cells = {(line, band): LINES[line] * TIME_BANDS[band] for line in LINES for band in TIME_BANDS}
    per_cell = apportion(BOARDINGS, cells)

    keys = [f"B{number:05d}" for number in range(1, BOARDINGS + 1)]
    rng.shuffle(keys)
    boardings, attributes = [], []
    cursor = 0
    for (line, band), count in per_cell.items():
        cell_keys = sorted(keys[cursor:cursor + count])
        cursor += count
        for key in cell_keys:
            boardings.append([key, line, band, f"S{rng.randrange(100, 400)}", f"{rng.randrange(1000, 1400)}"])
        # Audit attributes: this line's mix, dealt evenly over the cell's boardings in random order.
        mix = {(race, gender): RACE_ETHNICITY[race] * LINE_LEAN[line].get(race, 1.0) * GENDER[gender]
               for race in RACE_ETHNICITY for gender in GENDER}
        order = cell_keys[:]
        rng.shuffle(order)
        attributes += [(group, (line, band), key) for key, group in spread(order, mix)]

    # True fare status: within each group, the cells' evasion rates accumulate along the group's
    # boardings, so every group's evaders fall across cells in proportion to the cells' rates.
    audit = []
    credit = {}
    for group, (line, band), key in sorted(attributes):
        credit[group] = credit.get(group, 0.5) + LINE_EVASION[line] * BAND_EVASION[band]
        label = int(credit[group] >= 1)
        credit[group] -= label
        audit.append([key, *group, label])

    checks = []
    for line, band in cells:
        checked = rng.randrange(120, 400)
        rate = LINE_EVASION[line] * BAND_EVASION[band] * (0.85 + 0.3 * rng.random())
        checks.append([line, band, checked, round(checked * rate), "2026-Q3"])

    survey = []
    for (line, band), count in apportion(SURVEY_RESPONDENTS, cells).items():
        ages = {age: weight * BAND_AGE_LEAN.get(band, {}).get(age, 1.0) for age, weight in AGE_BANDS.items()}
        jitter = {age: weight * (0.8 + 0.4 * rng.random()) for age, weight in ages.items()}
        for age, respondents in apportion(count, jitter).items():
            survey.append([line, band, age, respondents])

    write(HERE / "boardings.csv", ["boarding_key", "line", "time_band", "stop_code", "vehicle_number"],
          sorted(boardings))
    write(HERE / "evasion_observations.csv", ["line", "time_band", "checked", "without_valid_fare", "quarter"], checks)
    write(HERE / "ridership_by_age.csv", ["line", "time_band", "age_band", "respondents"], survey)
    write(HERE.parent / "audit" / "boarding_attributes.csv",
          ["boarding_key", "race_ethnicity", "gender", "without_valid_fare"], sorted(audit))


if __name__ == "__main__":
    main()
