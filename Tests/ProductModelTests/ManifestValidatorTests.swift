import ProductModel
import RegistrySupport
import Testing

/// A manifest that decodes but fails a semantic check, and what the validator must say.
struct InconsistentManifest: CustomTestStringConvertible, Sendable {
    let name: String
    let text: String
    var files: ProductFileList = fareInspectionFiles
    let keyPath: String
    /// The text whose line the problem must name.
    let lineOf: String
    let mentions: [String]

    var testDescription: String { name }
}

private let base = fareInspectionYAML

let inconsistentManifests: [InconsistentManifest] = [
    InconsistentManifest(name: "input from an undeclared source",
                         text: edited(base, "    source: passenger-counts", "    source: passenger-count"),
                         keyPath: "inputs[1].source", lineOf: "    source: passenger-count\n",
                         mentions: ["'passenger-count' is not declared", "use one of: fare-transactions, passenger-counts"]),
    InconsistentManifest(name: "input column the source does not list",
                         text: edited(base, "    columns: [trip_id, boardings]", "    columns: [trip_id, boardings, stop_name]"),
                         keyPath: "inputs[1].columns[2]", lineOf: "stop_name",
                         mentions: ["'stop_name' is not among the fields of data source 'passenger-counts'"]),
    InconsistentManifest(name: "demographic field the source does not list",
                         text: edited(base, "  - field: age_band", "  - field: gender"),
                         keyPath: "demographic_fields[0].field", lineOf: "field: gender",
                         mentions: ["'gender' is not among the fields of data source 'fare-transactions'", "add 'gender'"]),
    InconsistentManifest(name: "demographic field from an undeclared source",
                         text: edited(base, "    source: fare-transactions\n    justification", "    source: census\n    justification"),
                         keyPath: "demographic_fields[0].source", lineOf: "source: census",
                         mentions: ["'census' is not declared"]),
    InconsistentManifest(name: "two outputs with one name",
                         text: edited(base, "  - name: route_summary.csv", "  - name: inspection_plan.csv"),
                         keyPath: "outputs[1].name", lineOf: "  - name: inspection_plan.csv\n    format: csv\n    level: aggregate",
                         mentions: ["'inspection_plan.csv' is listed more than once"]),
    InconsistentManifest(name: "output name that is a path",
                         text: edited(base, "  - name: route_summary.csv", "  - name: reports/route_summary.csv"),
                         keyPath: "outputs[1].name", lineOf: "reports/route_summary.csv",
                         mentions: ["'reports/route_summary.csv' is not a plain file name"]),
    InconsistentManifest(name: "count column that is not a column",
                         text: edited(base, "    count_column: trips", "    count_column: trip_count"),
                         keyPath: "outputs[1].count_column", lineOf: "count_column: trip_count",
                         mentions: ["'trip_count' is not one of the columns", "use one of: route, trips"]),
    InconsistentManifest(name: "audit output that is not declared",
                         text: edited(base, "  output: inspection_plan.csv", "  output: plan.csv"),
                         keyPath: "audit.output", lineOf: "output: plan.csv",
                         mentions: ["'plan.csv' is not a declared output", "inspection_plan.csv, route_summary.csv"]),
    InconsistentManifest(name: "decision column missing from the audited output",
                         text: edited(base, "  decision_column: inspect", "  decision_column: selected"),
                         keyPath: "audit.decision_column", lineOf: "decision_column: selected",
                         mentions: ["'selected' is not one of the columns of output 'inspection_plan.csv'"]),
    InconsistentManifest(name: "empty command",
                         text: edited(base, "  command: [python3, ./rank.py]", "  command: []"),
                         keyPath: "run.command", lineOf: "command: []", mentions: ["the command is empty"]),
    InconsistentManifest(name: "time limit beyond the bound",
                         text: edited(base, "time_limit_seconds: 120", "time_limit_seconds: 86400"),
                         keyPath: "run.time_limit_seconds", lineOf: "time_limit_seconds", mentions: ["86400", "1 to 3600 seconds"]),
    InconsistentManifest(name: "withheld key that does not exist",
                         text: edited(base, "    - field: vendor", "    - field: vendors"),
                         keyPath: "public.withheld[0].field", lineOf: "field: vendors",
                         mentions: ["'vendors' is not a top-level manifest key", "write 'vendor' instead"]),
    InconsistentManifest(name: "withholding the demographic fields",
                         text: edited(base, "    - field: vendor", "    - field: demographic_fields"),
                         keyPath: "public.withheld[0].field", lineOf: "field: demographic_fields",
                         mentions: ["'demographic_fields' cannot be withheld"]),
    InconsistentManifest(name: "withheld field without a salt",
                         text: edited(base, "      salt: 3f6c1b0e9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29180f7e6d5c4b3a291807\n", ""),
                         keyPath: "public.withheld[0].salt", lineOf: "- field: vendor",
                         mentions: ["'vendor' has no salt", "could be guessed", "openssl rand -hex 32"]),
    InconsistentManifest(name: "withheld salt that is too short",
                         text: edited(base, "salt: 3f6c1b0e9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29180f7e6d5c4b3a291807", "salt: 3f6c1b0e"),
                         keyPath: "public.withheld[0].salt", lineOf: "salt: 3f6c1b0e",
                         mentions: ["'3f6c1b0e' is not 64 lowercase hex characters", "openssl rand -hex 32"]),
    InconsistentManifest(name: "sample outside the folder",
                         text: edited(base, "sample: samples/taps.csv", "sample: ../shared/taps.csv"),
                         keyPath: "inputs[0].sample", lineOf: "../shared/taps.csv",
                         mentions: ["leaves the product folder through '..'", "relative to that folder"]),
    InconsistentManifest(name: "absolute audit file",
                         text: edited(base, "  file: audit/riders.csv", "  file: /srv/audit/riders.csv"),
                         keyPath: "audit.file", lineOf: "/srv/audit/riders.csv", mentions: ["is an absolute path"]),
    InconsistentManifest(name: "sample that does not exist",
                         text: edited(base, "sample: samples/boardings.csv", "sample: samples/boarding.csv"),
                         keyPath: "inputs[1].sample", lineOf: "samples/boarding.csv",
                         mentions: ["'samples/boarding.csv' does not exist", "add the file or correct the path"]),
    InconsistentManifest(name: "sample through a symbolic link leaving the folder",
                         text: base,
                         files: ProductFileList(fareInspectionFiles.entries.merging(
                            ["samples/taps.csv": .symlink(target: "../../other-product/samples/taps.csv")]) { $1 }),
                         keyPath: "inputs[0].sample", lineOf: "sample: samples/taps.csv",
                         mentions: ["symbolic link 'samples/taps.csv'", "outside the product folder", "replace the link"]),
    InconsistentManifest(name: "program that is not executable",
                         text: edited(base, "  command: [python3, ./rank.py]", "  command: [./rank.py]"),
                         keyPath: "run.command[0]", lineOf: "command: [./rank.py]",
                         mentions: ["'./rank.py' is not executable", "chmod +x"]),
    InconsistentManifest(name: "version that is not SemVer",
                         text: edited(base, "version: 1.4.0", "version: v1.4"),
                         keyPath: "version", lineOf: "version: v1.4", mentions: ["'v1.4' is not a semantic version", "1.2.0"]),
    InconsistentManifest(name: "a manifest format this registry does not read",
                         text: edited(base, "format: analytics-registry-product/1", "format: analytics-registry-product/2"),
                         keyPath: "format", lineOf: "format: analytics-registry-product/2",
                         mentions: ["the format 'analytics-registry-product/2' is not one this registry reads",
                                    "write 'format: analytics-registry-product/1'"]),
    InconsistentManifest(name: "in use and directing deployment without a route for objection or appeal",
                         text: edited(base, "objection_route: Riders write to revenue-analytics@example.org within 90 days; the Inspector General hears appeals.\n", ""),
                         keyPath: "objection_route", lineOf: "format: analytics-registry-product/1",
                         mentions: ["in use and directs deployment but says no route for objection or appeal", "add objection_route"]),
    InconsistentManifest(name: "translated risks that do not match the risks",
                         text: edited(base, "    summary: Clasifica los viajes para la inspección de tarifas.\n",
                                      "    summary: Clasifica los viajes para la inspección de tarifas.\n    risks: []\n"),
                         keyPath: "translations.es.risks", lineOf: "    risks: []",
                         mentions: ["0 translated risks for 1 in risks", "same order as risks"]),
    InconsistentManifest(name: "a translated name for a data source the manifest does not declare",
                         text: edited(base, "    summary: Clasifica los viajes para la inspección de tarifas.\n",
                                      "    summary: Clasifica los viajes para la inspección de tarifas.\n    data_sources:\n      census: Censo\n"),
                         keyPath: "translations.es.data_sources.census", lineOf: "      census: Censo",
                         mentions: ["'census' is not a data source id of this manifest", "use one of: fare-transactions, passenger-counts"]),
]

@Suite("Manifest validation")
struct ManifestValidatorTests {
    @Test("the examples are valid")
    func validExamples() throws {
        let fares = try decode(fareInspectionYAML)
        #expect(ManifestValidator(files: fareInspectionFiles).problems(in: fares).isEmpty)
        let hotspots = try ManifestValidator(files: hotspotsFiles).decodeAndValidate(Array(hotspotsYAML.utf8), file: hotspotsFile)
        #expect(hotspots.manifest.outputs.first?.countColumn == "incidents")
        #expect(throws: ManifestError.self) {
            try ManifestValidator(files: ProductFileList([:])).decodeAndValidate(Array(hotspotsYAML.utf8), file: hotspotsFile)
        }
    }

    @Test("an inconsistent manifest is refused with its line, key and a fix", arguments: inconsistentManifests)
    func inconsistent(_ example: InconsistentManifest) throws {
        let document = try decode(example.text)
        let error = try #require(throws: ManifestError.self) {
            try ManifestValidator(files: example.files).validate(document)
        }
        let first = error.problems[0]
        #expect(error.problems.count == 1, "unexpected extra problems: \(error.problems)")
        #expect(first.location.keyPath == example.keyPath)
        #expect(first.location.line == line(of: example.lineOf, in: example.text))
        #expect(first.location.file == fareInspectionFile)
        for fragment in example.mentions {
            #expect(first.message.contains(fragment), "\(first.message) should mention \(fragment)")
        }
    }

    @Test("without a file listing only the paths themselves are checked")
    func withoutListing() throws {
        var text = edited(fareInspectionYAML, "sample: samples/boardings.csv", "sample: samples/missing.csv")
        #expect(ManifestValidator().problems(in: try decode(text)).isEmpty)
        text = edited(text, "sample: samples/taps.csv", "sample: /tmp/taps.csv")
        #expect(ManifestValidator().problems(in: try decode(text)).map(\.location.keyPath) == ["inputs[0].sample"])
    }

    @Test("symbolic links inside the folder are followed")
    func symlinkInside() throws {
        let files = ProductFileList(fareInspectionFiles.entries.merging([
            "samples": .symlink(target: "data/current"),
            "data/current/taps.csv": .regularFile(executable: false),
            "data/current/boardings.csv": .symlink(target: "../archive/boardings-2026.csv"),
            "data/archive/boardings-2026.csv": .regularFile(executable: false),
        ]) { $1 }.filter { !$0.key.hasPrefix("samples/") })
        #expect(ManifestValidator(files: files).problems(in: try decode(fareInspectionYAML)).isEmpty)
    }

    @Test("a sample that is a folder, a submodule or a link loop is refused")
    func notAFile() throws {
        for (entry, fragment) in [(ProductFileEntry.directory, "not a regular file"), (.submodule, "not a regular file"),
                                  (.symlink(target: "taps.csv"), "loops")] {
            var entries = fareInspectionFiles.entries
            entries["samples/taps.csv"] = entry
            let problems = ManifestValidator(files: ProductFileList(entries)).problems(in: try decode(fareInspectionYAML))
            #expect(problems.count == 1)
            #expect(problems.first?.message.contains(fragment) == true, "\(problems)")
        }
    }

    @Test("a manifest in development needs no objection route")
    func objectionRouteOnlyForDeployment() throws {
        let text = edited(edited(fareInspectionYAML, "objection_route: Riders write to revenue-analytics@example.org within 90 days; the Inspector General hears appeals.\n", ""),
                          "status: in-use", "status: development")
        #expect(ManifestValidator(files: fareInspectionFiles).problems(in: try decode(text)).isEmpty)
    }

    @Test("a manifest written before the format key needs no objection route yet: validate notes both")
    func legacyManifestWithoutObjectionRoute() throws {
        let text = edited(edited(fareInspectionYAML, "objection_route: Riders write to revenue-analytics@example.org within 90 days; the Inspector General hears appeals.\n", ""),
                          "format: analytics-registry-product/1\n", "")
        let document = try decode(text)
        #expect(ManifestValidator(files: fareInspectionFiles).problems(in: document).isEmpty)
        let notes = ManifestValidator().notes(in: document, languages: []).map(\.message)
        #expect(notes.count == 2, "\(notes)")
        #expect(notes.last?.contains("says no route for objection or appeal; add objection_route when you next register it") == true, "\(notes)")
    }

    @Test("notes name a missing format and every untranslated text, without making the manifest invalid")
    func notes() throws {
        let document = try decode(edited(fareInspectionYAML, "format: analytics-registry-product/1\n", ""))
        let validator = ManifestValidator(files: fareInspectionFiles)
        #expect(validator.problems(in: document).isEmpty)
        let notes = validator.notes(in: document, languages: ["es", "fr"]).map(\.message)
        #expect(notes.count == 3, "\(notes)")
        #expect(notes.first?.contains("the manifest does not say its format; add 'format: analytics-registry-product/1'") == true, "\(notes)")
        // Spanish has the name and summary; the vendor is withheld, so its text needs no translation.
        let spanish = try #require(notes.first { $0.contains("'es'") })
        #expect(spanish.contains("not translated into 'es' (purpose, decision_use, human_oversight, objection_route, legal_basis, risks[0], data_sources.fare-transactions.name"), "\(spanish)")
        #expect(spanish.contains("public.withheld.vendor.reason"))
        #expect(!spanish.contains("summary,") && !spanish.contains("(name"))
        let french = try #require(notes.first { $0.contains("'fr'") })
        #expect(french.contains("(name, summary, purpose"), "\(french)")
    }

    @Test("SemVer labels", arguments: [("1.0.0", true), ("0.1.0-rc.1+build.7", true), ("10.20.30", true),
                                       ("1.02.0", false), ("1.0", false), ("v1.0.0", false), ("1.0.0-", false),
                                       ("1.0.0-01", false)])
    func semver(_ example: (String, Bool)) throws {
        let text = edited(fareInspectionYAML, "version: 1.4.0", "version: \"\(example.0)\"")
        let problems = ManifestValidator(files: fareInspectionFiles).problems(in: try decode(text))
        #expect(problems.isEmpty == example.1, "\(example.0): \(problems)")
    }
}
