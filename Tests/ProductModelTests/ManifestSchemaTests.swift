import Foundation
@testable import ProductModel
import TestSupport
import Testing

/// The published JSON Schema and the decoder must describe the same document.
@Suite("Manifest JSON Schema")
struct ManifestSchemaTests {
    /// One object in the schema: where it sits (same pattern as `ManifestShape`), its keys and required keys.
    struct SchemaObject: Equatable {
        var keys: Set<String>
        var required: Set<String>
    }

    private let schema: [String: Any]

    init() throws {
        let data = try Data(contentsOf: packageRoot.appendingPathComponent("Schemas/product.schema.json"))
        schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private func resolve(_ node: [String: Any]) -> [String: Any] {
        guard let reference = node["$ref"] as? String, reference.hasPrefix("#/$defs/"),
              let defs = schema["$defs"] as? [String: Any],
              let target = defs[String(reference.dropFirst("#/$defs/".count))] as? [String: Any] else { return node }
        return resolve(target).merging(node.filter { $0.key != "$ref" }) { $1 }
    }

    /// Walks every object the schema describes, keyed by the decoder's path patterns.
    private func objects(_ node: [String: Any], at pattern: String, into result: inout [String: SchemaObject]) {
        let node = resolve(node)
        if let properties = node["properties"] as? [String: Any] {
            #expect(node["additionalProperties"] as? Bool == false, "'\(pattern)' must forbid unknown keys")
            result[pattern] = SchemaObject(keys: Set(properties.keys), required: Set(node["required"] as? [String] ?? []))
            for (key, value) in properties {
                if let child = value as? [String: Any] { objects(child, at: KeyPath.child(pattern, key), into: &result) }
            }
        }
        if let items = node["items"] as? [String: Any] { objects(items, at: pattern + "[]", into: &result) }
        if let values = node["additionalProperties"] as? [String: Any] { objects(values, at: pattern + "{}", into: &result) }
    }

    @Test("every key the decoder knows is in the schema, and every key in the schema is known to the decoder")
    func sameKeys() {
        var fromSchema: [String: SchemaObject] = [:]
        objects(schema, at: "", into: &fromSchema)
        let fromDecoder = Dictionary(uniqueKeysWithValues: ManifestShape.allCases.map {
            // A withheld entry's salt is decoded as optional (older versions lack it) but the
            // validator requires it, and so does the schema that editors check against.
            ($0.pattern, SchemaObject(keys: Set($0.keys), required: Set($0.requiredKeys).union($0 == .withheldField ? ["salt"] : [])))
        })
        #expect(Set(fromSchema.keys) == Set(fromDecoder.keys))
        for (pattern, expected) in fromDecoder {
            #expect(fromSchema[pattern] == expected, "schema and decoder disagree at '\(pattern)'")
        }
    }

    private func enumeration(_ path: [String]) -> Set<String>? {
        var node: [String: Any]? = schema
        for step in path {
            guard let current = node.map(resolve) else { return nil }
            node = step == "[]" ? current["items"] as? [String: Any] : (current["properties"] as? [String: Any])?[step] as? [String: Any]
        }
        return (node.map(resolve)?["enum"] as? [String]).map(Set.init)
    }

    @Test("the schema's enumerations are the model's")
    func enumerations() {
        #expect(enumeration(["status"]) == Set(ProductStatus.allCases.map(\.rawValue)))
        #expect(enumeration(["data_sources", "[]", "origin"]) == Set(DataOrigin.allCases.map(\.rawValue)))
        #expect(enumeration(["outputs", "[]", "format"]) == Set(OutputFormat.allCases.map(\.rawValue)))
        #expect(enumeration(["outputs", "[]", "level"]) == Set(OutputLevel.allCases.map(\.rawValue)))
        #expect(enumeration(["outputs", "[]", "columns", "[]", "type"]) == Set(ColumnType.allCases.map(\.rawValue)))
        #expect(enumeration(["audit", "selection_is"]) == Set(OutcomePolarity.allCases.map(\.rawValue)))
        let withholdable = Set(ProductManifest.CodingKeys.allCases.map(\.rawValue)).subtracting(ManifestValidator.neverWithheld)
        #expect(enumeration(["public", "withheld", "[]", "field"]) == withholdable)
    }

    @Test("the run limits in the schema are the validator's")
    func limits() throws {
        let run = try #require((schema["properties"] as? [String: Any])?["run"] as? [String: Any])
        let properties = try #require(run["properties"] as? [String: [String: Any]])
        #expect(properties["time_limit_seconds"]?["minimum"] as? Int == ManifestValidator.timeLimitRange.lowerBound)
        #expect(properties["time_limit_seconds"]?["maximum"] as? Int == ManifestValidator.timeLimitRange.upperBound)
        #expect(properties["memory_limit_mb"]?["minimum"] as? Int == ManifestValidator.memoryLimitRange.lowerBound)
        #expect(properties["memory_limit_mb"]?["maximum"] as? Int == ManifestValidator.memoryLimitRange.upperBound)
        #expect(properties["time_limit_seconds"]?["default"] as? Int == RunSpec(command: []).timeLimitSeconds)
        #expect(properties["memory_limit_mb"]?["default"] as? Int == RunSpec(command: []).memoryLimitMB)
    }
}
