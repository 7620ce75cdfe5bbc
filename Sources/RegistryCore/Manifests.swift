import Catalog
import Foundation
import GitStore
import ProductModel
import RegistrySupport

extension RegistryWorkspace {
    /// Decodes and validates the manifest of a product as committed, against the committed files.
    func loadManifest(id: String, at commit: CommitID) throws -> ProductManifest {
        let path = Self.productPath(id) + "/product.yaml"
        guard let data = try repository.readFile(path, at: commit) else {
            throw CoreError.invalidManifest(id: id, problems: ["\(path) is missing at commit \(commit.short); every product folder needs a product.yaml"])
        }
        let document = try ManifestDecoder.decodeDocument(Array(data), file: path)
        return try validated(document, against: repository.productTree(id, at: commit))
    }

    /// A decoded committed manifest once it is valid against the files of its product tree.
    func validated(_ document: DecodedManifest, against tree: ProductTree?) throws -> ProductManifest {
        let listing = try tree.map { try GitTreeListing($0, repository: repository) }
        try ManifestValidator(files: listing).validate(document)
        return document.manifest
    }

    /// Decodes and validates the manifest of a product as it is in the working tree.
    func loadWorkingManifest(id: String) throws -> ProductManifest {
        try loadWorkingDocument(id: id).manifest
    }

    /// The decoded, valid working-tree manifest document, with its line numbers for notes.
    private func loadWorkingDocument(id: String) throws -> DecodedManifest {
        let path = Self.productPath(id) + "/product.yaml"
        // Git stores a symbolic link as its target, so only a regular file is the manifest that would
        // be committed; following a link here would read (and quote) any file on the machine.
        let type = try? FileManager.default.attributesOfItem(atPath: root.appendingPathComponent(path).path)[.type] as? FileAttributeType
        if let type, type != .typeRegular {
            throw CoreError.invalidManifest(id: id, problems: ["\(path) is \(type == .typeSymbolicLink ? "a symbolic link" : "not a regular file"); replace it with the manifest file itself"])
        }
        guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(path).path) else {
            throw CoreError.invalidManifest(id: id, problems: ["\(path) is missing; every product folder needs a product.yaml (run 'registry new' for a template)"])
        }
        let document = try ManifestDecoder.decodeDocument(Array(data), file: path)
        try ManifestValidator(files: WorkingTreeListing(folder: root.appendingPathComponent(Self.productPath(id))))
            .validate(document)
        return document
    }

    /// Every problem with a working-tree product's manifest, as sentences; empty when valid.
    func workingTreeManifestProblems(id: String) -> [String] {
        workingTreeManifestCheck(id: id).problems
    }

    /// Every problem with a working-tree product's manifest and, when it is valid, the notes that
    /// do not make it invalid (no format key, text not translated into a catalog language).
    func workingTreeManifestCheck(id: String) -> (problems: [String], notes: [String]) {
        do {
            let document = try loadWorkingDocument(id: id)
            // The lock is checked here too, so an unpinned line is refused before it is registered.
            let folder = root.appendingPathComponent(Self.productPath(id))
            _ = try Self.dependencyLock(id: id) { name in FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) }
            let languages = CatalogLanguages.translated(adding: try workingTreeInterfaceLanguages())
            let notes = ManifestValidator().notes(in: document, languages: languages)
            return ([], notes.map(\.message))
        } catch let error as DependencyLockError {
            return ([error.message], [])
        } catch let error as ManifestError {
            return (error.problems.map(\.message), [])
        } catch let error as RegistryDiagnostic {
            return ([error.message], [])
        } catch {
            return (["Products/\(id)/product.yaml cannot be read: \(error.localizedDescription)."], [])
        }
    }
}

/// The files of a committed product folder, as the manifest validator sees them.
struct GitTreeListing: ProductFileListing {
    let entries: ProductFileList

    init(_ tree: ProductTree, repository: GitRepository) throws {
        var entries: [String: ProductFileEntry] = [:]
        for entry in tree.entries {
            switch entry.mode {
            case .symlink:
                entries[entry.path] = .symlink(target: String(decoding: try repository.readBlob(entry.blob), as: UTF8.self))
            case .executable:
                entries[entry.path] = .regularFile(executable: true)
            default:
                entries[entry.path] = .regularFile(executable: false)
            }
        }
        self.entries = ProductFileList(entries)
    }

    func entry(at relativePath: String) -> ProductFileEntry? { entries.entry(at: relativePath) }
}

/// The files of a working-tree product folder, as the manifest validator sees them.
struct WorkingTreeListing: ProductFileListing {
    let folder: URL

    func entry(at relativePath: String) -> ProductFileEntry? {
        let path = folder.appendingPathComponent(relativePath).path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        switch attributes[.type] as? FileAttributeType {
        case .typeDirectory?:
            return FileManager.default.fileExists(atPath: path + "/.git") ? .submodule : .directory
        case .typeSymbolicLink?:
            return .symlink(target: (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "")
        default:
            let mode = (attributes[.posixPermissions] as? NSNumber)?.uint16Value ?? 0
            return .regularFile(executable: mode & 0o111 != 0)
        }
    }
}
