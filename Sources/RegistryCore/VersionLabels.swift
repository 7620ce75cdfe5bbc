import Foundation
import ProductModel
import Reviews

/// One version label names one content: reviews are filed under `Reviews/<id>/<version>/` and
/// `diff` resolves labels, so a label reused for other content would make both ambiguous.
extension RegistryWorkspace {
    /// Refuses to register changed content of a product whose manifest does not carry a SemVer
    /// version higher than every version registered before.
    func requireRaisedVersionLabel(of id: ProductID) async throws {
        let path = Self.productPath(id.rawValue)
        guard try !repository.workingTreeChanges(under: path).isEmpty,
              let bytes = FileManager.default.contents(atPath: root.appendingPathComponent(path + "/product.yaml").path),
              let label = ManifestDecoder.versionLabel(in: Array(bytes)), let proposed = SemanticVersion(label) else { return }
        try await refreshIndex()
        let registered = try index.versions(of: id.rawValue).compactMap(\.versionLabel).compactMap(SemanticVersion.init)
        if let last = registered.max(), proposed <= last {
            throw CoreError.invalidManifest(id: id.rawValue, problems: [
                "its content changed but its version '\(label)' is not higher than \(last), the last version registered; set version: \"\(last.nextPatch)\" (or a higher SemVer version) in \(path)/product.yaml and register again",
            ])
        }
        // Versions before the shallow boundary are unknown, and one of them may carry this label.
        try requireCompleteHistory(toTell: "whether \(id.rawValue) was registered as \(label) before")
    }

    /// Refuses to replace a statement file written for other content under the same label, so a
    /// template never silently overwrites a statement about an earlier content.
    func requireNoStatementOfOtherContent(_ statement: ReviewStatement) throws {
        guard let existing = FileManager.default.contents(atPath: root.appendingPathComponent(statement.path).path) else { return }
        let earlier = try? ReviewStatement(parsing: Array(existing))
        guard earlier?.tree != statement.tree || earlier?.contentDigest != statement.contentDigest else { return }
        throw CoreError.invalidArgument("\(statement.path) already holds a statement about \(earlier.map { "tree \($0.tree)" } ?? "content this registry cannot read"), not the committed tree \(statement.tree); the label \(statement.version) names other content now, so register the product under a new version before reviewing it.")
    }
}

/// How far a SemVer label moved, and how far a change calls for it to move, so a reviewer sees
/// whether the label an analyst chose tells readers of the catalog what kind of change it was.
public enum VersionRaise: String, Codable, Sendable, Comparable {
    /// The last number moved: fixes and descriptive changes.
    case patch
    /// The middle number moved: what the product reads, writes or is audited on changed.
    case minor
    /// The first number moved: what the board weighs changed in kind.
    case major

    /// The raise from `old` to `new`; nil when `new` is not higher (then it is no raise at all).
    public init?(from old: SemanticVersion, to new: SemanticVersion) {
        guard old < new else { return nil }
        if new.core[0] != old.core[0] {
            self = .major
        } else if new.core[1] != old.core[1] {
            self = .minor
        } else {
            self = .patch
        }
    }

    /// The smallest raise a change between two manifests calls for, with the reason in plain words.
    ///
    /// Major: what the board weighs changed in kind (a demographic field or a data source added or
    /// removed, an output removed, or whether an output directs deployment). Minor: what the
    /// product reads, writes or is audited on changed otherwise. Patch: anything else, including
    /// code and samples with an unchanged manifest.
    public static func expected(from old: ProductManifest, to new: ProductManifest,
                                changes: [FieldChange]) -> (raise: VersionRaise, reason: String) {
        if old.demographicFieldNames != new.demographicFieldNames {
            return (.major, "a demographic field was added or removed")
        }
        if Set(old.dataSources.map(\.id)) != Set(new.dataSources.map(\.id)) {
            return (.major, "a data source was added or removed")
        }
        if !Set(old.outputs.map(\.name)).isSubset(of: new.outputs.map(\.name)) {
            return (.major, "an output was removed")
        }
        if changes.contains(where: { $0.keyPath.hasSuffix(".directs_deployment") }) {
            return (.major, "whether an output directs deployment changed")
        }
        let behaviour = ["data_sources[", "inputs[", "outputs[", "audit.", "run.command["]
        if let change = changes.first(where: { change in behaviour.contains { change.keyPath.hasPrefix($0) } }) {
            return (.minor, "what the product reads, writes or is audited on changed (\(change.keyPath))")
        }
        return (.patch, changes.isEmpty ? "only code or sample files changed"
                                        : "no field about its data, demographic use, outputs, audit or command changed")
    }

    public static func < (lhs: VersionRaise, rhs: VersionRaise) -> Bool { lhs.rank < rhs.rank }

    private var rank: Int {
        switch self {
        case .patch: 0
        case .minor: 1
        case .major: 2
        }
    }
}
