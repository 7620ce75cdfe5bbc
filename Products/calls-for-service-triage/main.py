"""Calls-for-service triage: recommends who should respond to each call to the security centre.

Reads `$REGISTRY_INPUT/calls.csv`; writes `triage_decisions.jsonl` (one recommendation per
call) and `route_summary.csv` (calls per responder, small counts suppressed) to
`$REGISTRY_OUTPUT`. Transit police are recommended only where a weapon, violence in progress
or a robbery or harassment report is involved; thefts after the fact go to the civilian report
desk, and everything else to medical, crisis, outreach, maintenance, rail operations or station
staff.
"""
import csv
import json
import os
import pathlib

MINIMUM_CELL = 11

# call type -> (route, priority, reason) when no weapon, violence or injury is reported.
ROUTES_BY_TYPE = {
    "assault_in_progress": ("transit_police", 1, "violence_in_progress"),
    "weapon_seen": ("transit_police", 1, "weapon_reported"),
    "suspicious_package": ("transit_police", 1, "suspicious_package"),
    "robbery_report": ("transit_police", 2, "crime_report"),
    "theft_report": ("report_desk", 3, "property_crime_report"),
    "harassment": ("transit_police", 2, "crime_report"),
    "medical_emergency": ("medical", 1, "medical_need"),
    "person_in_crisis": ("crisis_team", 2, "behavioral_health"),
    "unsheltered_person": ("outreach", 3, "social_services"),
    "welfare_check": ("outreach", 2, "social_services"),
    "intoxicated_person": ("outreach", 2, "social_services"),
    "panhandling": ("outreach", 3, "social_services"),
    "hazard_spill": ("maintenance", 2, "facility_hazard"),
    "elevator_escalator_fault": ("maintenance", 2, "facility_hazard"),
    "broken_lighting": ("maintenance", 3, "facility_hazard"),
    "graffiti": ("maintenance", 3, "facility_hazard"),
    "person_on_tracks": ("rail_operations", 1, "track_safety"),
    "fight": ("station_agent", 2, "de_escalation"),
    "disorderly": ("station_agent", 3, "de_escalation"),
    "fare_dispute": ("station_agent", 3, "customer_service"),
    "noise_complaint": ("station_agent", 3, "customer_service"),
}
UNKNOWN_TYPE = ("station_agent", 3, "needs_dispatcher_review")


def recommend(call):
    if call["weapon_reported"] == "true":
        return "transit_police", 1, "weapon_reported"
    if call["violence_in_progress"] == "true":
        return "transit_police", 1, "violence_in_progress"
    if call["injury_reported"] == "true":
        return "medical", 1, "medical_need"
    return ROUTES_BY_TYPE.get(call["call_type"], UNKNOWN_TYPE)


def main():
    source = pathlib.Path(os.environ["REGISTRY_INPUT"]) / "calls.csv"
    target = pathlib.Path(os.environ["REGISTRY_OUTPUT"])
    with source.open(newline="", encoding="utf-8") as handle:
        calls = sorted(csv.DictReader(handle), key=lambda call: call["call_key"])
    per_route = {}
    with (target / "triage_decisions.jsonl").open("w", encoding="utf-8") as handle:
        for call in calls:
            route, priority, reason = recommend(call)
            per_route[route] = per_route.get(route, 0) + 1
            record = {"call_key": call["call_key"], "route": route, "priority": priority, "reason": reason,
                      "law_enforcement": route == "transit_police"}
            handle.write(json.dumps(record, separators=(",", ":")) + "\n")
    with (target / "route_summary.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["route", "calls"])
        for route in sorted(per_route):
            count = per_route[route]
            writer.writerow([route, "" if count < MINIMUM_CELL else count])


if __name__ == "__main__":
    main()
