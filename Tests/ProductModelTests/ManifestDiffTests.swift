import ProductModel
import Testing

@Suite("Manifest differences")
struct ManifestDiffTests {
    private func fares(_ edits: [(String, String)] = []) throws -> ProductManifest {
        var text = fareInspectionYAML
        for (old, new) in edits { text = edited(text, old, new) }
        return try decode(text).manifest
    }

    @Test("the same manifest has no changes")
    func identical() throws {
        #expect(ManifestDiff.between(try fares(), try fares()).isEmpty)
    }

    @Test("a changed value is one change with both values")
    func changedValue() throws {
        let changes = ManifestDiff.between(try fares(), try fares([("version: 1.4.0", "version: 1.5.0"),
                                                                   ("time_limit_seconds: 120", "time_limit_seconds: 90")]))
        #expect(changes == [FieldChange(keyPath: "version", before: "1.4.0", after: "1.5.0"),
                            FieldChange(keyPath: "run.time_limit_seconds", before: "120", after: "90")])
    }

    @Test("list elements are matched by their natural id, so reordering is not a change")
    func reordered() throws {
        let old = try fares()
        var new = old
        new.dataSources.reverse()
        new.outputs.reverse()
        new.outputs[0].columns.reverse()
        #expect(ManifestDiff.between(old, new).isEmpty)
    }

    @Test("adding a column and a field names exactly those")
    func added() throws {
        let new = try fares([
            ("      - name: trips\n        type: integer", "      - name: trips\n        type: integer\n      - name: stations\n        type: integer"),
            ("fields: [trip_id, boardings]", "fields: [trip_id, boardings, stop_id]"),
        ])
        #expect(ManifestDiff.between(try fares(), new) == [
            FieldChange(keyPath: "data_sources[passenger-counts].fields[stop_id]", before: nil, after: "stop_id"),
            FieldChange(keyPath: "outputs[route_summary.csv].columns[stations].type", before: nil, after: "integer"),
        ])
    }

    @Test("removing the demographic field and the vendor shows each removed value")
    func removed() throws {
        let old = try fares()
        var new = old
        new.demographicFields = []
        new.vendor = nil
        let changes = ManifestDiff.between(old, new)
        #expect(changes.map(\.keyPath) == ["vendor.name", "vendor.product", "vendor.contract",
                                           "demographic_fields[age_band].source", "demographic_fields[age_band].justification"])
        #expect(changes.allSatisfy { $0.after == nil && $0.before != nil })
        #expect(changes[0].description == "vendor.name: removed 'Transit Data Co'")
    }

    @Test("a boolean flip and a reordered command are changes")
    func flips() throws {
        let new = try fares([("    directs_deployment: true", "    directs_deployment: false"),
                             ("command: [python3, ./rank.py]", "command: [./rank.py, python3]")])
        #expect(ManifestDiff.between(try fares(), new).map(\.keyPath) == [
            "outputs[inspection_plan.csv].directs_deployment", "run.command[0]", "run.command[1]",
        ])
    }
}
