import Foundation
import ProductModel
import RegistrySupport
import Testing
import Yams

/// A malformed manifest and exactly where and how the decoder must point at it.
struct MalformedManifest: CustomTestStringConvertible, Sendable {
    let name: String
    let text: String
    var file: String = fareInspectionFile
    /// The line the first problem names, or nil for whole-file problems.
    let line: Int?
    /// The key path the first problem names, or nil for whole-file problems.
    let keyPath: String?
    /// Text that must appear in the message: the value quoted, and what to do.
    let mentions: [String]

    var testDescription: String { name }
}

private let base = fareInspectionYAML

let malformedManifests: [MalformedManifest] = [
    {
        let text = edited(base, "summary: Ranks", "sumary: Ranks")
        return MalformedManifest(name: "misspelt top-level key", text: text, line: line(of: "sumary:", in: text),
                                 keyPath: "sumary", mentions: ["unknown key 'sumary'", "rename it to 'summary'"])
    }(),
    {
        let text = edited(base, "      - name: route\n        type: string", "      - name: route\n        typ: string")
        return MalformedManifest(name: "misspelt key inside a list of columns", text: text, line: line(of: "typ: string", in: text),
                                 keyPath: "outputs[1].columns[0].typ", mentions: ["unknown key 'typ'", "rename it to 'type'"])
    }(),
    {
        let text = edited(base, "  contact: revenue-analytics@example.org", "  contact: revenue-analytics@example.org\n  slack_channel: \"#fares\"")
        return MalformedManifest(name: "unknown key with no near match", text: text, line: line(of: "slack_channel", in: text),
                                 keyPath: "owner.slack_channel", mentions: ["unknown key 'slack_channel'", "remove it", "board_members"])
    }(),
    {
        let text = edited(base, "status: in-use\n", "status: in-use\nname: Fare Inspection\n")
        return MalformedManifest(name: "duplicate top-level key", text: text, line: line(of: "name: Fare Inspection\n", in: text),
                                 keyPath: "name", mentions: ["'name' appears again", "first on line 4", "keep one"])
    }(),
    {
        let text = edited(base, "  team: Revenue Protection Analytics\n", "  team: Revenue Protection Analytics\n  team: Fares\n")
        return MalformedManifest(name: "duplicate key inside owner", text: text, line: line(of: "  team: Fares", in: text),
                                 keyPath: "owner.team", mentions: ["'team' appears again", "keep one"])
    }(),
    {
        let text = edited(base, "non_law_enforcement_response: true", "non_law_enforcement_response: yes")
        return MalformedManifest(name: "yes as a boolean", text: text, line: line(of: "non_law_enforcement_response", in: text),
                                 keyPath: "non_law_enforcement_response", mentions: ["'yes' is not a boolean", "write true or false"])
    }(),
    {
        let text = edited(base, "    directs_deployment: true", "    directs_deployment: True")
        return MalformedManifest(name: "capitalised True", text: text, line: line(of: "directs_deployment: True", in: text),
                                 keyPath: "outputs[0].directs_deployment", mentions: ["'True' is not a boolean", "lower-case"])
    }(),
    {
        let text = edited(base, "    public: true", "    public: \"true\"")
        return MalformedManifest(name: "quoted true", text: text, line: line(of: "    public: \"true\"", in: text),
                                 keyPath: "outputs[1].public", mentions: ["'\"true\"' is not a boolean", "without quotes"])
    }(),
    {
        let text = edited(base, "    directs_deployment: false", "    directs_deployment: off")
        return MalformedManifest(name: "off as a boolean", text: text, line: line(of: "directs_deployment: off", in: text),
                                 keyPath: "outputs[1].directs_deployment", mentions: ["'off' is not a boolean", "write true or false"])
    }(),
    {
        let text = edited(base, "    columns: [trip_id, boardings]", "    columns: trip_id, boardings")
        return MalformedManifest(name: "text where a list belongs", text: text, line: line(of: "columns: trip_id, boardings", in: text),
                                 keyPath: "inputs[1].columns", mentions: ["expected a list", "'trip_id, boardings'", "'- '"])
    }(),
    {
        let text = edited(base, "owner:\n  team: Revenue Protection Analytics\n  accountable_role: Director of Revenue Protection\n  contact: revenue-analytics@example.org\n  board_members: [dana]\n",
                          "owner: Revenue Protection Analytics\n")
        return MalformedManifest(name: "text where a mapping belongs", text: text, line: line(of: "owner:", in: text),
                                 keyPath: "owner", mentions: ["expected a mapping", "'Revenue Protection Analytics'", "one 'key: value' per line"])
    }(),
    {
        let text = edited(base, "time_limit_seconds: 120", "time_limit_seconds: \"120\"")
        return MalformedManifest(name: "quoted number", text: text, line: line(of: "time_limit_seconds", in: text),
                                 keyPath: "run.time_limit_seconds", mentions: ["'120' is not a whole number", "without quotes"])
    }(),
    {
        let text = edited(base, "memory_limit_mb: 512", "memory_limit_mb: 1.5")
        return MalformedManifest(name: "fraction where a whole number belongs", text: text, line: line(of: "memory_limit_mb", in: text),
                                 keyPath: "run.memory_limit_mb", mentions: ["'1.5' is not a whole number", "digits only"])
    }(),
    {
        let text = edited(base, "legal_basis: Board Resolution 2025-14 on fare compliance.\n", "")
        return MalformedManifest(name: "missing required top-level key", text: text, line: line(of: "format: ", in: text),
                                 keyPath: "legal_basis", mentions: ["required key 'legal_basis' is missing", "add 'legal_basis:'"])
    }(),
    {
        let text = edited(base, "    steward: Transit Data Co\n", "")
        return MalformedManifest(name: "missing required key in a list element", text: text, line: line(of: "- id: passenger-counts", in: text),
                                 keyPath: "data_sources[1].steward", mentions: ["required key 'steward' is missing", "'data_sources[1]'"])
    }(),
    {
        let text = edited(base, "summary: Ranks train trips for fare inspection by expected fare evasion.", "summary: \"  \"")
        return MalformedManifest(name: "blank required text", text: text, line: line(of: "summary:", in: text),
                                 keyPath: "summary", mentions: ["the value is empty", "write the text"])
    }(),
    {
        let text = edited(base, "human_oversight: A supervisor approves the daily plan and may override any trip.", "human_oversight:")
        return MalformedManifest(name: "required text left empty", text: text, line: line(of: "human_oversight:", in: text),
                                 keyPath: "human_oversight", mentions: ["the value is empty"])
    }(),
    {
        let text = edited(base, "status: in-use", "status: active")
        return MalformedManifest(name: "status outside its enum", text: text, line: line(of: "status: active", in: text),
                                 keyPath: "status", mentions: ["'active' is not allowed", "proposed, development, in-use, retired"])
    }(),
    {
        let text = edited(base, "      - name: priority\n        type: number", "      - name: priority\n        type: float")
        return MalformedManifest(name: "column type outside its enum", text: text, line: line(of: "type: float", in: text),
                                 keyPath: "outputs[0].columns[1].type", mentions: ["'float' is not allowed", "string, integer, number, boolean, date"])
    }(),
    {
        let text = edited(base, "review_due: 2027-03-31", "review_due: 2027-02-30")
        return MalformedManifest(name: "impossible date", text: text, line: line(of: "review_due", in: text),
                                 keyPath: "review_due", mentions: ["'2027-02-30' is not a calendar date", "YYYY-MM-DD"])
    }(),
    {
        let text = edited(base, "    date: 2026-03-02", "    date: 02/03/2026")
        return MalformedManifest(name: "date in a local format", text: text, line: line(of: "date: 02/03/2026", in: text),
                                 keyPath: "impact_assessments[0].date", mentions: ["'02/03/2026' is not a calendar date"])
    }(),
    {
        let text = edited(base, "id: fare-inspection-priority", "id: fare-inspection")
        return MalformedManifest(name: "id differs from the folder", text: text, line: line(of: "id: fare-inspection", in: text),
                                 keyPath: "id", mentions: ["'fare-inspection' differs from the product folder name 'fare-inspection-priority'", "rename the folder"])
    }(),
    {
        let text = edited(base, "id: fare-inspection-priority", "id: Fare_Inspection")
        return MalformedManifest(name: "malformed id", text: text, file: "Products/Fare_Inspection/product.yaml",
                                 line: line(of: "id: Fare_Inspection", in: text), keyPath: "id",
                                 mentions: ["'Fare_Inspection' is not a valid product id", "lower-case letters, digits and hyphens"])
    }(),
    {
        let text = edited(base, "id: fare-inspection-priority", "id: board")
        return MalformedManifest(name: "reserved id", text: text, file: "Products/board/product.yaml",
                                 line: line(of: "id: board", in: text), keyPath: "id", mentions: ["'board' is reserved", "choose another id"])
    }(),
    {
        var text = edited(base, "owner:\n  team:", "owner: &team\n  team:")
        text = edited(text, "vendor:\n  name: Transit Data Co\n  product: Ridership Forecaster\n  contract: C-2024-117\n", "vendor: *team\n")
        return MalformedManifest(name: "anchor and alias", text: text, line: line(of: "owner: &team", in: text),
                                 keyPath: "owner", mentions: ["anchor '&team'", "write the value out in full"])
    }(),
    {
        let text = edited(base, "    name: Prioridad de inspección de tarifas", "    name: [[[[[[[deep]]]]]]]")
        return MalformedManifest(name: "nesting beyond the limit", text: text, line: line(of: "[[[[", in: text),
                                 keyPath: "translations.es.name[0][0][0][0][0]", mentions: ["nested more than 8 levels", "flatten it"])
    }(),
    {
        let text = edited(base, "time_limit_seconds: 120", "time_limit_seconds: !!int \"120\"")
        return MalformedManifest(name: "explicit YAML tag", text: text, line: line(of: "!!int", in: text),
                                 keyPath: "run.time_limit_seconds", mentions: ["tag '!!int' is not allowed", "remove the tag"])
    }(),
    {
        let text = edited(base, "version: 1.4.0", "version: 1.4")
        return MalformedManifest(name: "number where text belongs", text: text, line: line(of: "version: 1.4", in: text),
                                 keyPath: "version", mentions: ["'1.4' would be read as a number", "put it in quotes: \"1.4\""])
    }(),
    {
        // Longer than any boolean word: only the number check applies, past a sign.
        let text = edited(base, "name: Fare Inspection Priority", "name: -1.5e+10")
        return MalformedManifest(name: "long signed number where text belongs", text: text, line: line(of: "name: -1.5e+10", in: text),
                                 keyPath: "name", mentions: ["'-1.5e+10' would be read as a number"])
    }(),
    {
        let text = edited(base, "name: Fare Inspection Priority", "name: .123456")
        return MalformedManifest(name: "long number starting with a dot where text belongs", text: text, line: line(of: "name: .123456", in: text),
                                 keyPath: "name", mentions: ["'.123456' would be read as a number"])
    }(),
    {
        let text = edited(base, "  selected_value: \"true\"", "  selected_value: yes")
        return MalformedManifest(name: "boolean-looking text", text: text, line: line(of: "selected_value", in: text),
                                 keyPath: "audit.selected_value", mentions: ["'yes' would be read as a number or boolean", "\"yes\""])
    }(),
    {
        let text = edited(base, "risks:\n  - risk: Trips used mostly by young riders could be over-selected.\n    mitigation: The age band only separates concession fares and the plan is audited for disparity.\n",
                          "risks:\n  - Trips used mostly by young riders could be over-selected.\n")
        return MalformedManifest(name: "text where a list element should be a mapping", text: text,
                                 line: line(of: "  - Trips used", in: text), keyPath: "risks[0]", mentions: ["expected a mapping of keys (risk, mitigation)"])
    }(),
    {
        let text = edited(base, "  accountable_role: Director of Revenue Protection", "  accountable_role: Director: Revenue Protection")
        return MalformedManifest(name: "YAML syntax error", text: text, line: line(of: "Director: Revenue", in: text),
                                 keyPath: nil, mentions: ["the YAML is malformed", "fix the indentation or quoting"])
    }(),
    MalformedManifest(name: "a list instead of a mapping", text: "- id: fare-inspection-priority\n- name: Fare Inspection Priority\n",
                      line: 1, keyPath: nil, mentions: ["expected a mapping of keys (id, name,", "at the top level"]),
    {
        let text = base + "---\nid: second\n"
        return MalformedManifest(name: "two documents", text: text, line: line(of: "id: second", in: text), keyPath: nil,
                                 mentions: ["more than one YAML document", "remove every '---'"])
    }(),
    MalformedManifest(name: "empty file", text: "# nothing yet\n", line: 1, keyPath: nil,
                      mentions: ["holds no YAML document", "registry new"]),
    {
        let text = edited(base, "id: fare-inspection-priority", "id: fare-inspection-priority\n\(String(repeating: "# padding padding padding\n", count: 11_000))")
        return MalformedManifest(name: "oversized file", text: text, line: nil, keyPath: nil,
                                 mentions: ["more than the 262144 bytes", "README"])
    }(),
    {
        let text = edited(base, "name: Fare Inspection Priority", #"name: "Fare\u0001Inspection""#)
        return MalformedManifest(name: "control character escaped in the name", text: text, line: line(of: "name: \"Fare", in: text),
                                 keyPath: "name", mentions: ["control character U+0001", "one line of printable text"])
    }(),
    {
        let text = edited(base, "summary: Ranks train trips for fare inspection by expected fare evasion.", #"summary: "Ranks\0 trips""#)
        return MalformedManifest(name: "NUL in prose", text: text, line: line(of: "summary:", in: text),
                                 keyPath: "summary", mentions: ["control character U+0000", "line breaks and tabs but no other"])
    }(),
    {
        let text = edited(base, "      - name: route\n", "      - name: \"\\e[2Jroute\"\n")
        return MalformedManifest(name: "ESC escape in a column name", text: text, line: line(of: "[2Jroute", in: text),
                                 keyPath: "outputs[1].columns[0].name", mentions: ["control character U+001B"])
    }(),
    {
        let text = edited(base, "name: Fare Inspection Priority", #"name: "Fare\x9bInspection""#)
        return MalformedManifest(name: "C1 control character (CSI) in the name", text: text, line: line(of: "name: \"Fare", in: text),
                                 keyPath: "name", mentions: ["control character U+009B"])
    }(),
    {
        let text = edited(base, "name: Fare Inspection Priority", #"name: "Fare\tInspection""#)
        return MalformedManifest(name: "tab in a one-line value", text: text, line: line(of: "name: \"Fare", in: text),
                                 keyPath: "name", mentions: ["control character U+0009"])
    }(),
    {
        let text = edited(base, "name: Fare Inspection Priority", "name: Fare Inspection Priority \u{7F}")
        return MalformedManifest(name: "raw DEL byte", text: text, line: line(of: "name: Fare", in: text),
                                 keyPath: nil, mentions: ["the file holds the control character U+007F"])
    }(),
]

@Suite("Manifest decoding")
struct ManifestDecoderTests {
    @Test("a malformed manifest is refused with its file, line, key and a fix", arguments: malformedManifests)
    func malformed(_ example: MalformedManifest) throws {
        let error = try #require(throws: ManifestError.self) {
            try ManifestDecoder.decode(Array(example.text.utf8), file: example.file)
        }
        let first = try #require(error.problems.first)
        #expect(error.message == first.message)
        #expect(error.category == .invalidContent)
        #expect(first.location.file == example.file)
        #expect(first.location.line == example.line)
        #expect(first.location.keyPath == example.keyPath)
        var prefix = example.file
        if let line = example.line { prefix += ":\(line)" }
        #expect(first.message.hasPrefix(prefix))
        if let keyPath = example.keyPath { #expect(first.message.contains("(key '\(keyPath)')")) }
        for fragment in example.mentions {
            #expect(first.message.contains(fragment), "\(first.message) should mention \(fragment)")
        }
        #expect(first.message.hasSuffix("."))
        #expect(first.message.contains(";"), "the message should say what to do after the problem")
    }

    @Test("there are at least 25 malformed cases")
    func enoughCases() {
        #expect(malformedManifests.count >= 25)
    }

    @Test("prose keeps its line breaks and tabs")
    func proseMayHoldLineBreaksAndTabs() throws {
        let text = edited(base, "summary: Ranks", "summary: |\n  First line\n  \tindented second line\nx_summary: Ranks")
            .replacingOccurrences(of: "x_summary: Ranks", with: "# Ranks")
        let manifest = try ManifestDecoder.decode(Array(text.utf8), file: fareInspectionFile)
        #expect(manifest.summary.hasPrefix("First line\n\tindented second line"))
    }

    @Test("bytes that are not UTF-8 are refused with their line")
    func invalidUTF8() throws {
        var bytes = Array("id: fare-inspection-priority\nname: Fare\nsummary: caf".utf8)
        bytes += [0xE9, 0x0A]
        let error = try #require(throws: ManifestError.self) { try ManifestDecoder.decode(bytes, file: fareInspectionFile) }
        #expect(error.location.line == 3)
        #expect(error.message.contains("not valid UTF-8"))
        #expect(error.message.contains("save it as UTF-8"))
    }

    @Test("every problem in a file is reported, in file order")
    func allProblems() throws {
        var text = edited(fareInspectionYAML, "status: in-use", "status: live")
        text = edited(text, "    directs_deployment: true", "    directs_deployment: yes")
        text = edited(text, "review_due: 2027-03-31", "review_due: soon")
        let error = try #require(throws: ManifestError.self) { try decode(text) }
        #expect(error.problems.map(\.location.keyPath) == ["status", "review_due", "outputs[0].directs_deployment"])
        #expect(error.message.contains("'live'"))
    }

    @Test("several duplicate keys are all named")
    func severalDuplicates() throws {
        var text = edited(fareInspectionYAML, "status: in-use\n", "status: in-use\nstatus: retired\n")
        text = edited(text, "    origin: external\n", "    origin: external\n    origin: internal\n")
        let error = try #require(throws: ManifestError.self) { try decode(text) }
        #expect(error.problems.compactMap(\.location.keyPath) == ["status", "data_sources[1].origin"])
        #expect(error.problems.map(\.location.line).contains(line(of: "origin: internal", in: text, occurrence: 2)))
    }

    @Test("an alias bomb is refused at its first anchor")
    func aliasBomb() throws {
        var text = fareInspectionYAML + "x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1..<10 {
            text += "x\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]\n"
        }
        let error = try #require(throws: ManifestError.self) { try decode(text) }
        #expect(error.problems.first?.location.keyPath == "x0")
        #expect(error.message.contains("anchor '&a0'"))
    }

    @Test("an alias bomb used as a mapping key is refused before it is expanded")
    func aliasBombAsKey() throws {
        var text = "x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1..<10 {
            text += "x\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]\n"
        }
        text += "lookup:\n  *a9 : boom\n"
        let clock = ContinuousClock()
        let started = clock.now
        let error = try #require(throws: ManifestError.self) { try decode(text) }
        #expect(clock.now - started < .seconds(10))
        #expect(error.location.line == 12)
        #expect(error.message.contains("used as a mapping key"))
    }

    @Test("text that merely contains & and * is not mistaken for anchors")
    func ampersandsInText() throws {
        let text = edited(fareInspectionYAML, "legal_basis: Board Resolution 2025-14 on fare compliance.",
                          "legal_basis: \"Board Resolution 2025-14 (R&D budget, see &sect;4) applies to *all* stations: north and south\"")
        #expect(try decode(text).manifest.legalBasis.contains("&sect;4"))
    }

    @Test("nesting far beyond the limit fails cleanly instead of exhausting the stack")
    func pathologicalNesting() throws {
        let text = "id: x\nname: " + String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000) + "\n"
        let error = try #require(throws: ManifestError.self) { try decode(text) }
        #expect(error.location.line == 2)
        #expect(error.message.contains("nested far more than 8 levels deep"))
    }

    @Test("the valid examples decode to what they say")
    func validExamples() throws {
        let fares = try decode(fareInspectionYAML).manifest
        #expect(fares.id.rawValue == "fare-inspection-priority")
        #expect(fares.status == .inUse)
        #expect(fares.purpose.hasPrefix("Directs the limited number"))
        #expect(fares.demographicFieldNames == ["age_band"])
        #expect(fares.outputs.map(\.name) == ["inspection_plan.csv", "route_summary.csv"])
        #expect(fares.outputs[1].published && !fares.outputs[0].published)
        #expect(fares.audit?.selectedValue == "true")
        #expect(fares.audit?.selectionIs == .adverse)
        #expect(fares.translations["es"]?.purpose == nil)
        #expect(fares.reviewDue == CalendarDate(year: 2027, month: 3, day: 31))
        #expect(fares.heldBackPaths == ["samples/taps.csv", "samples/boardings.csv", "audit/riders.csv"])

        let hotspots = try decode(hotspotsYAML, file: hotspotsFile).manifest
        #expect(hotspots.run.timeLimitSeconds == 60 && hotspots.run.memoryLimitMB == 512)
        #expect(hotspots.vendor == nil && hotspots.audit == nil && hotspots.owner.boardMembers.isEmpty)
        #expect(hotspots.publication.withheld.isEmpty)
    }

    @Test("the decoder remembers the line of each value")
    func lines() throws {
        let document = try decode(fareInspectionYAML)
        #expect(document.lines["outputs[1].count_column"] == line(of: "count_column: trips", in: fareInspectionYAML))
        #expect(document.location("outputs[1].columns[9]").line == line(of: "      - name: route", in: fareInspectionYAML))
    }

    @Test("a manifest written back out as YAML or JSON decodes to the same value", arguments: [
        (fareInspectionFile, fareInspectionYAML), (hotspotsFile, hotspotsYAML),
    ])
    func roundTrip(_ file: String, _ text: String) throws {
        let manifest = try decode(text, file: file).manifest
        let yaml = try YAMLEncoder().encode(manifest)
        #expect(try ManifestDecoder.decode(Array(yaml.utf8), file: file) == manifest)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = try encoder.encode(manifest)
        #expect(try ManifestDecoder.decode(Array(json), file: file) == manifest)
    }

    @Test("a path that is not <folder>/product.yaml skips the folder check")
    func looseFile() throws {
        let manifest = try ManifestDecoder.decode(Array(hotspotsYAML.utf8), file: "fixtures/any-name.yaml")
        #expect(manifest.id.rawValue == "station-incident-hotspots")
    }
}

@Suite("Version label read without decoding")
struct ManifestVersionLabelTests {
    @Test("the label is read the same with LF and CRLF line endings, quotes, comments and spaces", arguments: [
        ("id: a\nversion: \"1.2.3\"\nname: A\n", "1.2.3"),
        ("id: a\r\nversion: \"1.2.3\"\r\nname: A\r\n", "1.2.3"),
        ("id: a\r\nversion: '2.0.0-rc.1'  # next release\r\n", "2.0.0-rc.1"),
        ("version:\t1.0.0 \r\n", "1.0.0"),
        ("id: a\n  version: \"9.9.9\"\nversion: 1.0.0", "1.0.0"),
        ("id: a\r\nname: A\r\n", nil),
        ("version: \"\"\r\n", nil),
    ] as [(String, String?)])
    func label(text: String, expected: String?) {
        #expect(ManifestDecoder.versionLabel(in: Array(text.utf8)) == expected)
    }

    @Test("a file that is not UTF-8 has no label")
    func notUTF8() {
        #expect(ManifestDecoder.versionLabel(in: Array("version: 1.0.0\n".utf8) + [0xFF]) == nil)
    }
}
