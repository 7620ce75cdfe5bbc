import ProductModel
import Testing

/// A realistic manifest: fare inspection that declares an age band and is audited for disparity.
let fareInspectionFile = "Products/fare-inspection-priority/product.yaml"

let fareInspectionYAML = """
# yaml-language-server: $schema=../../Schemas/product.schema.json
format: analytics-registry-product/1
id: fare-inspection-priority
name: Fare Inspection Priority
version: 1.4.0
status: in-use
summary: Ranks train trips for fare inspection by expected fare evasion.
purpose: >-
  Directs the limited number of fare inspectors to trips where evasion is most likely, so that
  inspection follows evidence rather than inspectors' impressions of passengers.
decision_use: Inspection supervisors pick trips from the ranked list each morning.
human_oversight: A supervisor approves the daily plan and may override any trip.
non_law_enforcement_response: true
owner:
  team: Revenue Protection Analytics
  accountable_role: Director of Revenue Protection
  contact: revenue-analytics@example.org
  board_members: [dana]
objection_route: Riders write to revenue-analytics@example.org within 90 days; the Inspector General hears appeals.
vendor:
  name: Transit Data Co
  product: Ridership Forecaster
  contract: C-2024-117
legal_basis: Board Resolution 2025-14 on fare compliance.
risks:
  - risk: Trips used mostly by young riders could be over-selected.
    mitigation: The age band only separates concession fares and the plan is audited for disparity.
impact_assessments:
  - title: Equity impact assessment
    date: 2026-03-02
    link: https://example.org/assessments/fare-inspection-equity.pdf
review_due: 2027-03-31
data_sources:
  - id: fare-transactions
    name: Fare card transactions
    origin: internal
    steward: Revenue Systems
    fields: [trip_id, route, hour, taps, age_band]
  - id: passenger-counts
    name: Automatic passenger counts
    origin: external
    steward: Transit Data Co
    fields: [trip_id, boardings]
demographic_fields:
  - field: age_band
    source: fare-transactions
    justification: Youth and senior concession fares make evasion rates incomparable without it.
inputs:
  - name: taps.csv
    source: fare-transactions
    sample: samples/taps.csv
    columns: [trip_id, route, hour, taps, age_band]
  - name: boardings.csv
    source: passenger-counts
    sample: samples/boardings.csv
    columns: [trip_id, boardings]
outputs:
  - name: inspection_plan.csv
    format: csv
    level: record
    columns:
      - name: trip_id
        type: string
      - name: priority
        type: number
      - name: inspect
        type: boolean
    directs_deployment: true
  - name: route_summary.csv
    format: csv
    level: aggregate
    columns:
      - name: route
        type: string
      - name: trips
        type: integer
    count_column: trips
    directs_deployment: false
    public: true
run:
  command: [python3, ./rank.py]
  time_limit_seconds: 120
  memory_limit_mb: 512
audit:
  file: audit/riders.csv
  key: trip_id
  attributes: [majority_race_ethnicity, low_income_share_band]
  label_column: evasion_found
  output: inspection_plan.csv
  decision_column: inspect
  selected_value: "true"
  selection_is: adverse
public:
  withheld:
    - field: vendor
      reason: Contract terms forbid publishing the vendor's product name.
      salt: 3f6c1b0e9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29180f7e6d5c4b3a291807
translations:
  es:
    name: Prioridad de inspección de tarifas
    summary: Clasifica los viajes para la inspección de tarifas.

"""

/// The product folder the fare inspection manifest refers to.
let fareInspectionFiles = ProductFileList([
    "product.yaml": .regularFile(executable: false),
    "rank.py": .regularFile(executable: false),
    "samples/taps.csv": .regularFile(executable: false),
    "samples/boardings.csv": .regularFile(executable: false),
    "audit/riders.csv": .regularFile(executable: false),
])

/// A smaller manifest with no demographic fields: incident hotspots per station.
let hotspotsFile = "Products/station-incident-hotspots/product.yaml"

let hotspotsYAML = """
id: station-incident-hotspots
name: Station Incident Hotspots
version: 2.0.1
status: development
summary: Weekly incident counts per station and hour band.
purpose: Shows where incidents concentrate so that outreach and maintenance can be planned.
decision_use: Station managers read the counts when planning patrols and cleaning.
human_oversight: A duty manager signs off every change to patrol plans.
non_law_enforcement_response: true
owner:
  team: Station Operations Analytics
  accountable_role: Head of Station Operations
  contact: station-analytics@example.org
legal_basis: Board Resolution 2024-03.
risks: []
impact_assessments: []
review_due: 2027-01-15
data_sources:
  - id: incident-reports
    name: Station incident reports
    origin: internal
    steward: Transit Security Records Unit
    fields: [station_id, incident_week, hour_band]
demographic_fields: []
inputs:
  - name: incidents.csv
    source: incident-reports
    sample: samples/incidents.csv
    columns: [station_id, incident_week, hour_band]
outputs:
  - name: hotspots.csv
    format: csv
    level: aggregate
    columns:
      - name: station_id
        type: string
      - name: incidents
        type: integer
    count_column: incidents
    directs_deployment: true
run:
  command: [./hotspots.sh]

"""

let hotspotsFiles = ProductFileList([
    "hotspots.sh": .regularFile(executable: true),
    "samples/incidents.csv": .regularFile(executable: false),
])

/// The fixture with one piece of text replaced; records a test issue if the text is not there,
/// so an edit that silently does nothing cannot make a case pass.
func edited(_ text: String, _ old: String, _ new: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> String {
    guard text.contains(old) else {
        Issue.record("the fixture does not contain \(old.debugDescription)", sourceLocation: sourceLocation)
        return text
    }
    return text.replacing(old, with: new, maxReplacements: 1)
}

/// The one-based line on which the `occurrence`-th appearance of `needle` starts.
func line(of needle: String, in text: String, occurrence: Int = 1) -> Int? {
    var found = 0
    var searchStart = text.startIndex
    while let range = text.range(of: needle, range: searchStart..<text.endIndex) {
        found += 1
        if found == occurrence { return text[..<range.lowerBound].filter { $0 == "\n" }.count + 1 }
        searchStart = range.upperBound
    }
    return nil
}

func decode(_ text: String, file: String = fareInspectionFile) throws(ManifestError) -> DecodedManifest {
    try ManifestDecoder.decodeDocument(Array(text.utf8), file: file)
}
