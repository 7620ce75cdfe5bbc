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
