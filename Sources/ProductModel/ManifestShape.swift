/// The mappings a manifest may contain: for each, the keys allowed and the keys required.
///
/// This is the single list the decoder checks keys against; the JSON Schema test walks it too, so
/// the published schema and the decoder cannot drift apart.
enum ManifestShape: CaseIterable {
    case manifest, owner, vendor, risk, impactAssessment, dataSource, demographicField, input, output
    case outputColumn, run, audit, publication, withheldField, translation, translatedRisk

    /// Where the mapping sits, with `[]` for any list element and `{}` for any mapping value
    /// (`outputs[].columns[]`, `translations{}`).
    var pattern: String {
        switch self {
        case .manifest: ""
        case .owner: "owner"
        case .vendor: "vendor"
        case .risk: "risks[]"
        case .impactAssessment: "impact_assessments[]"
        case .dataSource: "data_sources[]"
        case .demographicField: "demographic_fields[]"
        case .input: "inputs[]"
        case .output: "outputs[]"
        case .outputColumn: "outputs[].columns[]"
        case .run: "run"
        case .audit: "audit"
        case .publication: "public"
        case .withheldField: "public.withheld[]"
        case .translation: "translations{}"
        case .translatedRisk: "translations{}.risks[]"
        }
    }

    /// Every key allowed, in the order the types declare them.
    var keys: [String] {
        switch self {
        case .manifest: ProductManifest.CodingKeys.allCases.map(\.rawValue)
        case .owner: ProductOwner.CodingKeys.allCases.map(\.rawValue)
        case .vendor: Vendor.CodingKeys.allCases.map(\.rawValue)
        case .risk: Risk.CodingKeys.allCases.map(\.rawValue)
        case .impactAssessment: ImpactAssessment.CodingKeys.allCases.map(\.rawValue)
        case .dataSource: DataSource.CodingKeys.allCases.map(\.rawValue)
        case .demographicField: DemographicField.CodingKeys.allCases.map(\.rawValue)
        case .input: ProductInput.CodingKeys.allCases.map(\.rawValue)
        case .output: ProductOutput.CodingKeys.allCases.map(\.rawValue)
        case .outputColumn: OutputColumn.CodingKeys.allCases.map(\.rawValue)
        case .run: RunSpec.CodingKeys.allCases.map(\.rawValue)
        case .audit: AuditSpec.CodingKeys.allCases.map(\.rawValue)
        case .publication: PublicationSpec.CodingKeys.allCases.map(\.rawValue)
        case .withheldField: WithheldField.CodingKeys.allCases.map(\.rawValue)
        case .translation: Translation.CodingKeys.allCases.map(\.rawValue)
        case .translatedRisk: Risk.CodingKeys.allCases.map(\.rawValue)
        }
    }

    /// The keys that may be left out; every other key is required.
    var optionalKeys: Set<String> {
        switch self {
        // A missing format is a validation note, not a decoding error, so versions committed before
        // the key existed still read; the objection route is required only for some products.
        case .manifest: ["format", "objection_route", "vendor", "audit", "public", "translations"]
        case .owner: ["board_members"]
        case .vendor: ["product", "contract"]
        case .output: ["count_column", "public"]
        case .run: ["time_limit_seconds", "memory_limit_mb"]
        case .audit: ["label_column"]
        // Required by the validator and the JSON Schema; optional here so versions committed
        // before salts existed still read in history.
        case .withheldField: ["salt"]
        case .translation: Set(Translation.CodingKeys.allCases.map(\.rawValue))
        case .risk, .translatedRisk, .impactAssessment, .dataSource, .demographicField, .input, .outputColumn,
             .publication: []
        }
    }

    /// The keys that must be present.
    var requiredKeys: [String] { keys.filter { !optionalKeys.contains($0) } }
}

/// A shape's keys worked out once: the reader checks every key of every mapping of every manifest
/// version an index rebuild decodes, and building the lists again each time was a visible part of it.
struct ManifestShapeKeys {
    /// Every key allowed, in declaration order (for messages).
    let keys: [String]
    /// The same keys, for membership tests.
    let allowed: Set<String>
    /// The keys that must be present, in declaration order.
    let required: [String]

    private init(_ shape: ManifestShape) {
        keys = shape.keys
        allowed = Set(keys)
        required = shape.requiredKeys
    }

    private static let all: [ManifestShape: ManifestShapeKeys] =
        Dictionary(uniqueKeysWithValues: ManifestShape.allCases.map { ($0, ManifestShapeKeys($0)) })

    /// The keys of one shape.
    static func of(_ shape: ManifestShape) -> ManifestShapeKeys {
        // Every shape is in the table, built from allCases.
        all[shape] ?? ManifestShapeKeys(shape)
    }
}

extension ProductManifest {
    /// Every key the decoder reads, and where, with the reading revision: it changes whenever a
    /// registry release reads more (or less) of a manifest, or reads the same text differently, so
    /// manifests stored decoded (the index) know to be read again.
    public static var modelSignature: String {
        "reading revision \(readingRevision)\n"
            + ManifestShape.allCases.map { "\($0.pattern): \($0.keys.joined(separator: ","))" }.joined(separator: "\n")
    }

    /// Raised when a release reads the same keys from the same text differently. 2: version labels
    /// are read on bytes, so manifests with CRLF line endings have one (indexes built before hold
    /// none for them).
    static let readingRevision = 2
}
