"""Writes the synthetic calls-for-service sample and held-back audit attributes.

All calls are invented. `caller_callback` uses the 555-01xx range reserved for fiction and
`dispatcher_code` is a made-up roster code; neither is declared, so the registry removes
both before the product runs. The audit file gives each call the race/ethnicity and gender
of the person the call was about, and whether the after-action review found that a law
enforcement response was needed. Run with `python3 data/generate.py`.
"""
import csv
import pathlib
import random

SEED = 20261019
CALLS = 3000

CALL_TYPES = {
    "assault_in_progress": 4, "fight": 5, "robbery_report": 3, "theft_report": 10, "harassment": 8,
    "weapon_seen": 2, "suspicious_package": 2, "medical_emergency": 9, "person_in_crisis": 8,
    "unsheltered_person": 12, "welfare_check": 7, "intoxicated_person": 6, "panhandling": 4,
    "disorderly": 6, "fare_dispute": 5, "noise_complaint": 3, "hazard_spill": 4,
    "elevator_escalator_fault": 5, "broken_lighting": 2, "graffiti": 3, "person_on_tracks": 2,
}
STATIONS = {"Central": 0.22, "Union Square": 0.18, "Civic Center": 0.13, "North Terminal": 0.12,
            "Harbor Point": 0.10, "Eastgate": 0.08, "Riverside": 0.07, "Westfield": 0.05,
            "Lakeview": 0.03, "Millbrook": 0.02}
HOUR_WEIGHTS = [2, 1, 1, 1, 1, 2, 4, 7, 9, 6, 5, 5, 6, 6, 6, 7, 9, 10, 9, 8, 7, 7, 6, 4]

RACE_ETHNICITY = {"Asian": 0.14, "Black": 0.23, "Hispanic or Latino": 0.29, "White": 0.22,
                  "Multiracial or another race": 0.12}
GENDER = {"Female": 0.46, "Male": 0.43, "Nonbinary": 0.11}
STATION_LEAN = {"Central": {"White": 1.1}, "Eastgate": {"Black": 1.2}, "Riverside": {"Hispanic or Latino": 1.2},
                "Harbor Point": {"Asian": 1.2}}

HERE = pathlib.Path(__file__).resolve().parent


def yes_no(flag):
    return "true" if flag else "false"


def spread(items, weights_for):
    """Deals categories over `items` so every run of items keeps close to its weights' proportions."""
    credit = {}
    dealt = []
    for item in items:
        weights = weights_for(item)
        total = sum(weights.values())
        for key, weight in weights.items():
            credit[key] = credit.get(key, 0.0) + weight / total
        chosen = max(weights, key=lambda key: credit[key])
        credit[chosen] -= 1
        dealt.append((item, chosen))
    return dealt


def station_mix(call):
    lean = STATION_LEAN.get(call["station"], {})
    return {(race, gender): RACE_ETHNICITY[race] * lean.get(race, 1.0) * GENDER[gender]
            for race in RACE_ETHNICITY for gender in GENDER}


def law_enforcement_need(call_type, weapon, violence):
    """How often the after-action review finds that police were needed, for calls like this one."""
    if weapon or violence:
        return 0.85
    return {"robbery_report": 0.6, "theft_report": 0.45, "harassment": 0.45, "fight": 0.35,
            "suspicious_package": 0.5, "person_on_tracks": 0.15}.get(call_type, 0.04)


def main():
    rng = random.Random(SEED)
    calls = []
    for number in range(1, CALLS + 1):
        call_type = rng.choices(list(CALL_TYPES), weights=list(CALL_TYPES.values()))[0]
        violent_type = call_type in {"assault_in_progress", "fight", "weapon_seen"}
        weapon = call_type == "weapon_seen" or rng.random() < (0.15 if violent_type else 0.01)
        violence = call_type == "assault_in_progress" or (call_type == "fight" and rng.random() < 0.5)
        injury = call_type == "medical_emergency" or rng.random() < (0.3 if violent_type else 0.03)
        calls.append({
            "call_key": f"C{number:05d}",
            "received_hour": rng.choices(range(24), weights=HOUR_WEIGHTS)[0],
            "station": rng.choices(list(STATIONS), weights=list(STATIONS.values()))[0],
            "call_type": call_type, "weapon": weapon, "violence": violence, "injury": injury,
            "caller_callback": f"555-01{rng.randrange(100):02d}", "dispatcher_code": f"D{rng.randrange(10, 40)}",
        })

    # Audit attributes: the call's station mix, dealt along all calls with the police matters
    # first, so that police matters and other calls each carry close to the stations' mix.
    police_matters = {"assault_in_progress", "weapon_seen", "suspicious_package", "robbery_report",
                      "theft_report", "harassment"}
    order = calls[:]
    rng.shuffle(order)
    order.sort(key=lambda call: (not (call["weapon"] or call["violence"] or call["call_type"] in police_matters),
                                 call["call_type"]))
    attributes = [(group, call["call_type"], call["call_key"], call) for call, group in spread(order, station_mix)]

    audit = []
    credit = {}
    for group, _, key, call in sorted(attributes, key=lambda item: item[:3]):
        credit[group] = credit.get(group, 0.5) + law_enforcement_need(call["call_type"], call["weapon"], call["violence"])
        label = int(credit[group] >= 1)
        credit[group] -= label
        audit.append([key, *group, label])

    with (HERE / "calls.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["call_key", "received_hour", "station", "call_type", "weapon_reported",
                         "violence_in_progress", "injury_reported", "caller_callback", "dispatcher_code"])
        for call in calls:
            writer.writerow([call["call_key"], call["received_hour"], call["station"], call["call_type"],
                             yes_no(call["weapon"]), yes_no(call["violence"]), yes_no(call["injury"]),
                             call["caller_callback"], call["dispatcher_code"]])
    with (HERE.parent / "audit" / "call_outcomes.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["call_key", "race_ethnicity", "gender", "police_needed"])
        writer.writerows(sorted(audit))


if __name__ == "__main__":
    main()
