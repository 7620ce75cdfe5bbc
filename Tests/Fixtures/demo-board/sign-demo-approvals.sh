#!/usr/bin/env bash
# Writes and signs the example registry's demonstration reviews with the demo board keys (which
# prove nothing: see README.md). Run from the repository root after building the registry.
# Usage: Tests/Fixtures/demo-board/sign-demo-approvals.sh [path/to/registry]
set -euo pipefail
registry="${1:-.build/debug/registry}"
keys="Tests/Fixtures/demo-board"

review() { # product member decision comment
    local path
    path=$("$registry" review template "$1" --reviewer "$2" --decision "$3" --comment "$4" \
        --expires 2027-05-31 | sed -n 's/^Wrote \([^ ]*\)\. .*/\1/p')
    "$registry" review sign "$path" --key "$keys/$2" >/dev/null
    echo "signed $path"
}

review station-incident-hotspots alice approval "Hour bands keep counts of 11 or more; no totals published"
review station-incident-hotspots bob approval "Crimes against people and property only"
review calls-for-service-triage bob approval "Civilian routing for after-the-fact thefts reviewed"
review calls-for-service-triage dave approval "Disparity by race and gender within policy thresholds"
review fare-inspection-allocation alice approval "Age band justified for youth fare programme monitoring"
review fare-inspection-allocation bob approval "Age band only used after allocation; suppression at 11"
review fare-inspection-allocation dave approval "Four-fifths ratio met for every group"
review fare-inspection-allocation carol approval "Owner's own approval, recorded but not counted"
review rider-safety-perception alice approval "Race and gender used only to measure equity of service"
review rider-safety-perception dave approval "Tables are never crossed; small cells suppressed"
review rider-safety-perception frank approval "Survey weighting documented"
review platform-crowding-alerts alice approval "Vendor sensor counts only; no personal data"
review platform-crowding-alerts frank approval "Alerts route to station staff first"
review homeless-outreach-demand dave approval "Outreach routing only; awaiting a second reviewer"
review station-incident-weekly alice approval "Counts of 11 or more only; pandas pinned with hashes"
review station-incident-weekly bob approval "No personal data; environment reviewed"
