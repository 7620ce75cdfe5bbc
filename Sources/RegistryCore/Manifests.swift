import Foundation
import GitStore
import ProductModel
import RegistrySupport

extension RegistryWorkspace {
    /// Decodes and validates the manifest of a product as committed.
    func loadManifest(id: String, at commit: CommitID) throws -> ProductManifest {
        let path = Self.productPath(id) + "/product.yaml"
        guard let data = try repository.readFile(path, at: commit) else {
            throw CoreError.invalidManifest(id: id, problems: ["\(path) is missing at \(commit.short); every product folder needs a product.yaml"])
        }
        return try ManifestDecoder.decode(data, path: path, folderName: id)
    }

    /// Decodes the manifest of a product as it is in the working tree.
    func loadWorkingManifest(id: String) throws -> ProductManifest {
        let path = Self.productPath(id) + "/product.yaml"
        let url = root.appendingPathComponent(path)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw CoreError.invalidManifest(id: id, problems: ["\(path) is missing; every product folder needs a product.yaml (run 'registry new' for a template)"])
        }
        return try ManifestDecoder.decode(data, path: path, folderName: id)
    }

    /// Every problem with a working-tree product's manifest, as sentences; empty when valid.
    func workingTreeManifestProblems(id: String) -> [String] {
        let manifest: ProductManifest
        do {
            manifest = try loadWorkingManifest(id: id)
        } catch let error as ManifestErrors {
            return error.errors.map(\.message)
        } catch let error as RegistryDiagnostic {
            return [error.message]
        } catch {
            return ["\(error)"]
        }
        let listing = WorkingTreeListing(folder: root.appendingPathComponent(Self.productPath(id)))
        return ManifestValidator.validate(manifest, path: Self.productPath(id) + "/product.yaml", files: listing).map(\.message)
    }
}

/// The files of a working-tree product folder, as the manifest validator sees them.
struct WorkingTreeListing: ProductFileListing {
    let folder: URL

    func entry(at relativePath: String) -> ProductFileEntry? {
        let url = folder.appendingPathComponent(relativePath)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path) else { return nil }
        switch attributes[.type] as? FileAttributeType {
        case .typeDirectory?:
            return .directory
        case .typeSymbolicLink?:
            return .symlink(target: (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) ?? "")
        case .typeRegular?:
            let mode = (attributes[.posixPermissions] as? NSNumber)?.uint16Value ?? 0
            return mode & 0o111 != 0 ? .executable : .regular
        default:
            return .other
        }
    }
}
