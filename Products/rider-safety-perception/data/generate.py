"""Writes the synthetic rider safety survey sample for rider-safety-perception.

Every response is invented from fixed weights and a fixed seed; no respondent exists. The
survey export also carries the survey mode and an interviewer code, which the product does
not declare and the registry drops. Run with `python3 data/generate.py`.
"""
import csv
import pathlib
import random

SEED = 20261015
# Respondents per group, chosen to resemble the autumn 2026 wave's sample sizes.
RACE_ETHNICITY = {"American Indian or Alaska Native": 7, "Asian": 118, "Black": 196,
                  "Hispanic or Latino": 241, "Multiracial": 48, "Native Hawaiian or Pacific Islander": 9,
                  "White": 214, "Prefer not to say": 37}
GENDER = {"Female": 0.49, "Male": 0.44, "Nonbinary": 0.04, "Prefer not to say": 0.03}
# Shift in the 1-5 night-time safety rating, by group: the gaps the survey is meant to watch.
NIGHT_GAP = {"Female": -0.6, "Nonbinary": -0.8, "Black": -0.2, "Hispanic or Latino": -0.1, "Asian": -0.3}

HERE = pathlib.Path(__file__).resolve().parent


def rating(rng, centre):
    return min(5, max(1, round(rng.gauss(centre, 1.0))))


def main():
    rng = random.Random(SEED)
    rows = []
    for race, count in RACE_ETHNICITY.items():
        for _ in range(count):
            gender = rng.choices(list(GENDER), weights=list(GENDER.values()))[0]
            night = 3.6 + NIGHT_GAP.get(gender, 0.0) + NIGHT_GAP.get(race, 0.0)
            rows.append([race, gender, rating(rng, 3.9), rating(rng, night),
                         "yes" if rng.random() < 0.35 else "no",
                         rng.choice(["intercept", "online", "online", "phone"]), f"INT{rng.randrange(1, 25):02d}"])
    rng.shuffle(rows)
    with (HERE / "survey_responses.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["race_ethnicity", "gender", "feels_safe_daytime", "feels_safe_night", "saw_staff",
                         "survey_mode", "interviewer_code"])
        writer.writerows(rows)


if __name__ == "__main__":
    main()
