import RegistrySupport

/// One field that differs between two versions of a manifest.
public struct FieldChange: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Where the field is; list elements are named by their natural id where they have one
    /// (`outputs[hotspots.csv].columns[incident_count].type`) and by position otherwise (`risks[0].risk`).
    public var keyPath: String
    /// The old value as text, `nil` when the field was added.
    public var before: String?
    /// The new value as text, `nil` when the field was removed.
    public var after: String?

    /// A change from `before` to `after` at `keyPath`.
    public init(keyPath: String, before: String?, after: String?) {
        self.keyPath = keyPath; self.before = before; self.after = after
    }

    public var description: String {
        switch (before, after) {
        case (nil, let after?): "\(keyPath): added '\(after)'"
        case (let before?, nil): "\(keyPath): removed '\(before)'"
        default: "\(keyPath): '\(before ?? "")' → '\(after ?? "")'"
        }
    }
}

/// Field-level differences between two manifests, for `registry diff` and the catalog's history.
public enum ManifestDiff {
    /// Every leaf value that was added, removed or changed, in manifest order.
    ///
    /// Lists whose elements have a natural id (data sources, outputs, columns, demographic fields…)
    /// are matched by that id, so reordering them is not a change and renaming shows as a removal
    /// plus an addition. Lists of plain names (fields, columns, attributes) are matched by value;
    /// only `run.command` and risks are compared by position, since their order is their meaning.
    public static func between(_ old: ProductManifest, _ new: ProductManifest) -> [FieldChange] {
        between(ManifestLeaves(old), ManifestLeaves(new))
    }

    /// Every leaf value that was added, removed or changed between two manifests flattened before.
    public static func between(_ old: ManifestLeaves, _ new: ManifestLeaves) -> [FieldChange] {
        let before = old.items, after = new.items
        let oldValues = old.values, newValues = new.values
        var order = after.map(\.0)
        var placed = Set(order)
        var previous: String?
        for (key, _) in before {
            if !placed.contains(key) {
                let index = previous.flatMap { order.firstIndex(of: $0) }.map { $0 + 1 } ?? 0
                order.insert(key, at: index)
                placed.insert(key)
            }
            previous = key
        }
        return order.compactMap { key in
            let was = oldValues[key], now = newValues[key]
            return was == now ? nil : FieldChange(keyPath: key, before: was, after: now)
        }
    }

    /// The manifest as ordered (key path, value) leaves.
    static func flatten(_ manifest: ProductManifest) -> [(String, String)] {
        var leaves = Leaves()
        leaves.add("id", manifest.id.rawValue)
        leaves.add("name", manifest.name)
        leaves.add("version", manifest.version)
        leaves.add("status", manifest.status.rawValue)
        leaves.add("summary", manifest.summary)
        leaves.add("purpose", manifest.purpose)
        leaves.add("decision_use", manifest.decisionUse)
        leaves.add("human_oversight", manifest.humanOversight)
        leaves.add("non_law_enforcement_response", manifest.nonLawEnforcementResponse)
        leaves.add("owner.team", manifest.owner.team)
        leaves.add("owner.accountable_role", manifest.owner.accountableRole)
        leaves.add("owner.contact", manifest.owner.contact)
        leaves.names("owner.board_members", manifest.owner.boardMembers)
        if let vendor = manifest.vendor {
            leaves.add("vendor.name", vendor.name)
            leaves.add("vendor.product", vendor.product)
            leaves.add("vendor.contract", vendor.contract)
        }
        leaves.add("legal_basis", manifest.legalBasis)
        for (index, risk) in manifest.risks.enumerated() {
            leaves.add("risks[\(index)].risk", risk.risk)
            leaves.add("risks[\(index)].mitigation", risk.mitigation)
        }
        for assessment in manifest.impactAssessments {
            let path = "impact_assessments[\(assessment.title)]"
            leaves.add("\(path).date", assessment.date.description)
            leaves.add("\(path).link", assessment.link)
        }
        leaves.add("review_due", manifest.reviewDue.description)
        for source in manifest.dataSources {
            let path = "data_sources[\(source.id)]"
            leaves.add("\(path).name", source.name)
            leaves.add("\(path).origin", source.origin.rawValue)
            leaves.add("\(path).steward", source.steward)
            leaves.names("\(path).fields", source.fields)
        }
        for demographic in manifest.demographicFields {
            let path = "demographic_fields[\(demographic.field)]"
            leaves.add("\(path).source", demographic.source)
            leaves.add("\(path).justification", demographic.justification)
        }
        for input in manifest.inputs {
            let path = "inputs[\(input.name)]"
            leaves.add("\(path).source", input.source)
            leaves.add("\(path).sample", input.sample)
            leaves.names("\(path).columns", input.columns)
        }
        for output in manifest.outputs {
            let path = "outputs[\(output.name)]"
            leaves.add("\(path).format", output.format.rawValue)
            leaves.add("\(path).level", output.level.rawValue)
            for column in output.columns {
                leaves.add("\(path).columns[\(column.name)].type", column.type.rawValue)
            }
            leaves.add("\(path).count_column", output.countColumn)
            leaves.add("\(path).directs_deployment", output.directsDeployment)
            leaves.add("\(path).public", output.published)
        }
        for (index, argument) in manifest.run.command.enumerated() {
            leaves.add("run.command[\(index)]", argument)
        }
        leaves.add("run.time_limit_seconds", String(manifest.run.timeLimitSeconds))
        leaves.add("run.memory_limit_mb", String(manifest.run.memoryLimitMB))
        if let audit = manifest.audit {
            leaves.add("audit.file", audit.file)
            leaves.add("audit.key", audit.key)
            leaves.names("audit.attributes", audit.attributes)
            leaves.add("audit.label_column", audit.labelColumn)
            leaves.add("audit.output", audit.output)
            leaves.add("audit.decision_column", audit.decisionColumn)
            leaves.add("audit.selected_value", audit.selectedValue)
            leaves.add("audit.selection_is", audit.selectionIs.rawValue)
        }
        for withheld in manifest.publication.withheld {
            leaves.add("public.withheld[\(withheld.field)].reason", withheld.reason)
        }
        for language in manifest.translations.keys.sorted() {
            let translation = manifest.translations[language]
            leaves.add("translations.\(language).name", translation?.name)
            leaves.add("translations.\(language).summary", translation?.summary)
            leaves.add("translations.\(language).purpose", translation?.purpose)
        }
        return leaves.items
    }

    private struct Leaves {
        var items: [(String, String)] = []

        mutating func add(_ path: String, _ value: String?) {
            if let value { items.append((path, value)) }
        }

        mutating func add(_ path: String, _ value: Bool) {
            items.append((path, value ? "true" : "false"))
        }

        /// A list of names, each its own leaf so that adding one field reads as exactly that.
        mutating func names(_ path: String, _ values: [String]) {
            for value in values { items.append(("\(path)[\(value)]", value)) }
        }
    }
}

extension FieldChange {
    /// `changes` as the canonical JSON `CanonicalJSON.string` gives for them (keys sorted, a nil
    /// value left out), written directly: an index rebuild stores one such list per version.
    public static func canonicalJSON(_ changes: [FieldChange]) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        for (index, change) in changes.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "{"))
            if let after = change.after {
                bytes.append(contentsOf: #""after":"#.utf8)
                CanonicalJSON.appendString(after, to: &bytes)
                bytes.append(UInt8(ascii: ","))
            }
            if let before = change.before {
                bytes.append(contentsOf: #""before":"#.utf8)
                CanonicalJSON.appendString(before, to: &bytes)
                bytes.append(UInt8(ascii: ","))
            }
            bytes.append(contentsOf: #""keyPath":"#.utf8)
            CanonicalJSON.appendString(change.keyPath, to: &bytes)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: "]"))
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A manifest flattened into ordered (key path, value) leaves once, so that each version of a
/// history is compared with the versions on both sides of it without being flattened twice.
public struct ManifestLeaves: Sendable {
    let items: [(String, String)]
    let values: [String: String]

    /// The leaves of `manifest`.
    public init(_ manifest: ProductManifest) {
        items = ManifestDiff.flatten(manifest)
        values = Dictionary(items, uniquingKeysWith: { first, _ in first })
    }
}
