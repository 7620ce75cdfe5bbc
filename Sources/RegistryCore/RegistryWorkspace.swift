import Foundation
import GitStore
import ProductModel
import RegistryIndex
import RegistrySupport
import Sandbox

/// An opened registry: its git repository, configuration and index, and every use case on them.
///
/// Not `Sendable`: it owns a libgit2 repository, which stays on the task that opened it. Work that
/// runs in parallel (sandboxed checks) receives plain values prepared here.
public final class RegistryWorkspace {
    let repository: GitRepository
    /// The repository's working directory.
    public let root: URL
    let configuration: RegistryConfiguration
    let index: RegistryDatabase
    /// Who is acting, for the audit trail (git identity, else the login name).
    let actor: String
    /// One sentence for stderr when this opening found the index damaged and rebuilt it.
    public private(set) var indexRecovery: String?

    init(repository: GitRepository, root: URL, configuration: RegistryConfiguration, index: RegistryDatabase, actor: String) {
        self.repository = repository
        self.root = root
        self.configuration = configuration
        self.index = index
        self.actor = actor
    }

    /// The folder holding local state (index, remembered keyring version); git-ignored.
    static func stateDirectory(_ root: URL) -> URL { root.appendingPathComponent(".registry", isDirectory: true) }

    /// Opens the registry containing `start` (or at `start` when `explicit`) without bringing the
    /// index up to date: commands that read it call `refreshIndex()` next. `verifyingIndex` checks
    /// every page of the index file (for a rebuild) instead of only that it is a database.
    public static func open(from start: URL, explicit: Bool, verifyingIndex: Bool = false) throws -> RegistryWorkspace {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: start.path, isDirectory: &isDirectory) else {
            throw CoreError.fileProblem(path: start.path, detail: "no such folder; pass --repo the path of a registry repository")
        }
        guard isDirectory.boolValue else {
            throw CoreError.fileProblem(path: start.path, detail: "it is a file, not a folder; pass --repo the folder of a registry repository")
        }
        let repository = try GitRepository.discover(from: start)
        let root = repository.workingDirectory
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("Products").path) else {
            throw CoreError.notARegistry(path: root.path)
        }
        let configuration = try RegistryConfiguration.load(from: root)
        let index = try openIndex(in: root, verifyingIntegrity: verifyingIndex)
        HostProbes.current = HostProbes(file: stateDirectory(root).appendingPathComponent("host-probes.json"))
        let workspace = RegistryWorkspace(repository: repository, root: root, configuration: configuration,
                                          index: index.database, actor: repository.configuredIdentity() ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown")
        if let recovery = index.recovery {
            workspace.indexRecovery = recovery.note
            try workspace.audit("index-recover", "moved the damaged index to \(recovery.movedTo) and rebuilt it")
        }
        return workspace
    }

    /// Opens the registry and brings its index up to date. A damaged page met on the way is handled
    /// like a damaged file: the index is checked page by page, moved aside and rebuilt from git.
    public static func openUpToDate(from start: URL, explicit: Bool) async throws -> RegistryWorkspace {
        let workspace = try open(from: start, explicit: explicit)
        do {
            try await workspace.refreshIndex()
            return workspace
        } catch IndexError.corrupt {
            let recovered = try open(from: start, explicit: explicit, verifyingIndex: true)
            try await recovered.refreshIndex()
            return recovered
        }
    }

    /// Opens the index, moving a damaged file aside (never deleting it) and starting a new one.
    private static func openIndex(in root: URL, verifyingIntegrity: Bool) throws
        -> (database: RegistryDatabase, recovery: (movedTo: String, note: String)?) {
        let url = stateDirectory(root).appendingPathComponent("index.sqlite")
        do {
            return (try RegistryDatabase.open(at: url, verifyingIntegrity: verifyingIntegrity), nil)
        } catch let IndexError.corrupt(_, detail) {
            let stamp = Int(Date().timeIntervalSince1970)
            // A name of its own even when an index was moved aside in the same second.
            var aside = url.path + ".damaged-\(stamp)"
            var attempt = 1
            while FileManager.default.fileExists(atPath: aside) {
                attempt += 1
                aside = url.path + ".damaged-\(stamp)-\(attempt)"
            }
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: url.path + suffix) {
                try? FileManager.default.moveItem(atPath: url.path + suffix, toPath: aside + suffix)
            }
            let note = "The index '\(url.path)' was damaged (\(detail)); it was moved to '\(aside)' and rebuilt from git. The run history and check results it held cannot be rebuilt from git; they stay in the moved file."
            return (try RegistryDatabase.open(at: url), (aside, note))
        }
    }

    /// The repository-relative folder of a product.
    static func productPath(_ id: String) -> String { "Products/\(id)" }

    /// Validates a product id given on the command line.
    static func productID(_ text: String) throws -> ProductID {
        guard let id = ProductID(text) else { throw CoreError.invalidProductID(text) }
        return id
    }
}
