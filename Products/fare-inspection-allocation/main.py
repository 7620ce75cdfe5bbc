"""Fare inspection allocation: where and when this week's fare inspection shifts go.

Reads `$REGISTRY_INPUT/boardings.csv`, `evasion_observations.csv` and `ridership_by_age.csv`;
writes `inspection_shifts.csv`, `boarding_decisions.csv` and `age_band_check.csv` to
`$REGISTRY_OUTPUT`. Shifts follow expected fare evasion (last quarter's random compliance
checks times current boardings) and never depend on who the riders are. Age bands are used
only afterwards, to show whether riders of any age band are disproportionately on inspected trips.
"""
import csv
import os
import pathlib

WEEKLY_SHIFTS = 8
MAXIMUM_SHIFTS_PER_CELL = 2
MINIMUM_CELL = 11


def read(folder, name):
    with (folder / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write(folder, name, header, rows):
    with (folder / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def is_small(count):
    return 0 < count < MINIMUM_CELL


def allocate(expected):
    """Highest-averages allocation of the week's shifts, capped per line and time band."""
    shifts = dict.fromkeys(expected, 0)
    for _ in range(WEEKLY_SHIFTS):
        open_cells = [cell for cell in expected if shifts[cell] < MAXIMUM_SHIFTS_PER_CELL]
        best = max(open_cells, key=lambda cell: (expected[cell] / (shifts[cell] + 1), cell))
        shifts[best] += 1
    return shifts


def main():
    source = pathlib.Path(os.environ["REGISTRY_INPUT"])
    target = pathlib.Path(os.environ["REGISTRY_OUTPUT"])
    boardings = read(source, "boardings.csv")
    volume = {}
    for row in boardings:
        cell = (row["line"], row["time_band"])
        volume[cell] = volume.get(cell, 0) + 1
    rate = {(row["line"], row["time_band"]): int(row["without_valid_fare"]) / int(row["checked"])
            for row in read(source, "evasion_observations.csv") if int(row["checked"]) > 0}
    expected = {cell: volume[cell] * rate.get(cell, 0.0) for cell in volume}
    shifts = allocate(expected)

    write(target, "inspection_shifts.csv", ["line", "time_band", "evasion_rate", "shifts"],
          [[line, band, f"{rate.get((line, band), 0.0):.3f}", shifts[(line, band)]]
           for line, band in sorted(shifts)])
    write(target, "boarding_decisions.csv", ["boarding_key", "line", "time_band", "selected"],
          sorted([row["boarding_key"], row["line"], row["time_band"],
                  1 if shifts[(row["line"], row["time_band"])] else 0] for row in boardings))

    respondents, inspected = {}, {}
    for row in read(source, "ridership_by_age.csv"):
        group = row["age_band"]
        count = int(row["respondents"])
        respondents[group] = respondents.get(group, 0) + count
        if shifts.get((row["line"], row["time_band"])):
            inspected[group] = inspected.get(group, 0) + count
    rows = []
    for group in sorted(respondents):
        count = respondents[group]
        on_inspected = inspected.get(group, 0)
        # The share times the respondents gives both parts of the split, so each must be large enough too.
        if is_small(count) or is_small(on_inspected) or is_small(count - on_inspected):
            rows.append([group, "", ""])
        else:
            share = on_inspected / count if count else 0.0
            rows.append([group, count, f"{share:.3f}"])
    write(target, "age_band_check.csv", ["age_band", "respondents", "share_in_inspected_cells"], rows)


if __name__ == "__main__":
    main()
