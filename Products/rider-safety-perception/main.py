"""Rider safety perception: how safe riders of each race/ethnicity and gender feel on the system.

Reads `$REGISTRY_INPUT/survey_responses.csv`; writes `safety_by_race_ethnicity.csv` and
`safety_by_gender.csv` to `$REGISTRY_OUTPUT`: respondents and the share rating 4 or 5 ("safe"
or "very safe") by day and by night, and the share who saw agency staff on their trip.
Groups with fewer than MINIMUM_CELL respondents are suppressed together with enough other
groups that no suppressed count can be worked out from the other table's total.
"""
import csv
import os
import pathlib

MINIMUM_CELL = 11
TABLES = {"race_ethnicity": "safety_by_race_ethnicity.csv", "gender": "safety_by_gender.csv"}


def suppressed_groups(counts):
    """Small groups, plus the next smallest until at least two are hidden and they sum to MINIMUM_CELL."""
    hidden = {group for group, count in counts.items() if 0 < count < MINIMUM_CELL}
    if not hidden:
        return hidden
    for group in sorted(counts, key=lambda group: (counts[group], group)):
        if len(hidden) >= 2 and sum(counts[name] for name in hidden) >= MINIMUM_CELL:
            break
        hidden.add(group)
    return hidden


def share(responses, column, accepted):
    return f"{sum(response[column] in accepted for response in responses) / len(responses):.3f}"


def main():
    source = pathlib.Path(os.environ["REGISTRY_INPUT"]) / "survey_responses.csv"
    target = pathlib.Path(os.environ["REGISTRY_OUTPUT"])
    with source.open(newline="", encoding="utf-8") as handle:
        responses = list(csv.DictReader(handle))
    for field, name in TABLES.items():
        groups = {}
        for response in responses:
            groups.setdefault(response[field], []).append(response)
        hidden = suppressed_groups({group: len(members) for group, members in groups.items()})
        with (target / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow([field, "respondents", "share_safe_daytime", "share_safe_night", "share_saw_staff"])
            for group in sorted(groups):
                members = groups[group]
                if group in hidden:
                    writer.writerow([group, "", "", "", ""])
                else:
                    writer.writerow([group, len(members), share(members, "feels_safe_daytime", {"4", "5"}),
                                     share(members, "feels_safe_night", {"4", "5"}),
                                     share(members, "saw_staff", {"yes"})])


if __name__ == "__main__":
    main()
