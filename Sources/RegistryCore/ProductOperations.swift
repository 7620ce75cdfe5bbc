import Foundation
import GitStore
import ProductModel
import RegistryIndex
import RegistrySupport

/// One product's manifest validation result.
public struct ProductValidation: Codable, Sendable {
    public var id: String
    public var valid: Bool
    public var problems: [String]
    /// What does not make the manifest invalid but is worth fixing: no format key, untranslated text.
    public var notes: [String]
}

/// What `registry validate` found.
public struct ValidationReport: Codable, Sendable {
    public var passed: Bool
    public var products: [ProductValidation]
}

/// One row of `registry list`.
public struct ProductSummary: Codable, Sendable {
    public var id: String
    public var name: String?
    public var version: String?
    public var status: String?
    public var tree: String
    public var contentDigest: String
    /// Why the manifest does not decode, when it does not.
    public var problem: String?

    enum CodingKeys: String, CodingKey {
        case id, name, version, status, tree, problem
        case contentDigest = "content_sha256"
    }
}

/// What `registry list` shows.
public struct ProductListReport: Codable, Sendable {
    public var head: String
    public var products: [ProductSummary]
}

/// One version in a product's history.
public struct ProductVersionSummary: Codable, Sendable {
    public var commit: String
    public var tree: String
    public var contentDigest: String
    public var version: String?
    public var author: String
    public var date: String
    public var message: String
    public var subject: String { message.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? "" }

    enum CodingKeys: String, CodingKey {
        case commit, tree, version, author, date, message
        case contentDigest = "content_sha256"
    }
}

/// What `registry history` shows.
public struct HistoryReport: Codable, Sendable {
    public var id: String
    public var versions: [ProductVersionSummary]
}

/// The two ends of a `registry diff`.
public struct DiffEnd: Codable, Sendable {
    public var commit: String
    public var version: String
}

/// One manifest field that changed.
public struct FieldChangeSummary: Codable, Sendable {
    public var keyPath: String
    public var before: String?
    public var after: String?

    enum CodingKeys: String, CodingKey {
        case before, after
        case keyPath = "key_path"
    }
}

/// What `registry diff` shows.
public struct DiffReport: Codable, Sendable {
    public var id: String
    public var from: DiffEnd
    public var to: DiffEnd
    public var changes: [FieldChangeSummary]
}

/// What `registry register` did.
public struct RegisterReport: Codable, Sendable {
    public var id: String
    public var version: String
    public var commit: String
    public var tree: String
    public var contentDigest: String

    enum CodingKeys: String, CodingKey {
        case id, version, commit, tree
        case contentDigest = "content_sha256"
    }
}

/// What `registry new` created.
public struct ScaffoldReport: Codable, Sendable {
    public var id: String
    public var files: [String]
}

/// What `registry init` created.
public struct InitReport: Codable, Sendable {
    public var path: String
    public var created: [String]
}

extension RegistryWorkspace {
    /// Sets up a registry in a folder: git repository, folders, configuration, ignore and attribute
    /// files, and the CI pipeline when `pipeline` is given (an existing pipeline file is kept).
    public static func initialize(at url: URL, title: String, contact: String, pipeline: CIPipeline? = nil) throws -> InitReport {
        // Refused before anything is created: registry.json refuses control characters on every read.
        for (option, value) in [("--title", title), ("--contact", contact)] {
            if let control = value.unicodeScalars.first(where: \.isControlCharacter) {
                throw CoreError.invalidArgument("\(option) holds the control character \(control.codePointName); remove it and run init again.")
            }
        }
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: url, withIntermediateDirectories: true)
        var created: [String] = []
        if (try? GitRepository.discover(from: url)) == nil {
            _ = try GitRepository.create(at: url)
            created.append(".git/")
        }
        for folder in ["Products", "Reviews/board"] {
            let folderURL = url.appendingPathComponent(folder)
            if !fileManager.fileExists(atPath: folderURL.path) {
                try fileManager.createDirectory(at: folderURL, withIntermediateDirectories: true)
                try AtomicFile.write(Data(), to: folderURL.appendingPathComponent(".gitkeep"))
                created.append(folder + "/")
            }
        }
        let additions: [(String, String)] = [(".gitignore", ".registry/\n"), (".gitattributes", "Reviews/** -text\n")]
        for (name, line) in additions {
            let fileURL = url.appendingPathComponent(name)
            let existing = (try? String(contentsOf: fileURL, encoding: .utf8)) ?? ""
            if !existing.split(separator: "\n").contains(Substring(line.trimmingCharacters(in: .newlines))) {
                try AtomicFile.write(Data(((existing.isEmpty || existing.hasSuffix("\n") ? existing : existing + "\n") + line).utf8),
                                     to: fileURL)
                created.append(name)
            }
        }
        if !fileManager.fileExists(atPath: url.appendingPathComponent(RegistryConfiguration.fileName).path) {
            try RegistryConfiguration(title: title, agency: "", contact: contact).write(to: url)
            created.append(RegistryConfiguration.fileName)
        }
        if let pipeline {
            let fileURL = url.appendingPathComponent(pipeline.platform.pipelinePath)
            if !fileManager.fileExists(atPath: fileURL.path) {
                try fileManager.createDirectory(at: fileURL.deletingLastPathComponent(), withIntermediateDirectories: true)
                try AtomicFile.write(Data(pipeline.text.utf8), to: fileURL)
                created.append(pipeline.platform.pipelinePath)
            }
        }
        // The audit trail starts with the registry, so a registration killed before its entry is
        // always recorded later (a missing trail is never rebuilt from commits).
        if let repository = try? GitRepository.discover(from: url),
           repository.workingDirectory.resolvingSymlinksInPath().path == url.resolvingSymlinksInPath().path,
           try repository.ledgerTip(auditReference) == nil {
            try open(from: url, explicit: true).audit("init", title)
        }
        return InitReport(path: url.path, created: created)
    }

    /// Creates `Products/<id>/` from a template.
    public func scaffold(id text: String, language: String) throws -> ScaffoldReport {
        let id = try Self.productID(text)
        guard let kind = ProductTemplate.Language(rawValue: language) else {
            throw CoreError.invalidArgument("The language '\(language)' has no template; use one of: \(ProductTemplate.Language.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        let folder = root.appendingPathComponent(Self.productPath(id.rawValue))
        guard !FileManager.default.fileExists(atPath: folder.path) else { throw CoreError.productExists(id.rawValue) }
        let files = ProductTemplate.files(for: id, language: kind, today: CalendarDate(Self.today()) ?? CalendarDate(year: 2026, month: 1, day: 1))
        for file in files {
            let url = folder.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try AtomicFile.write(Data(file.content.utf8), to: url, permissions: file.executable ? 0o755 : 0o644)
        }
        try audit("new", id.rawValue)
        return ScaffoldReport(id: id.rawValue, files: files.map(\.path).sorted())
    }

    /// Validates working-tree manifests strictly.
    public func validate(ids: [String]) throws -> ValidationReport {
        let targets = ids.isEmpty ? try workingTreeProductIDs() : ids
        var results: [ProductValidation] = []
        for id in targets {
            guard FileManager.default.fileExists(atPath: root.appendingPathComponent(Self.productPath(id)).path) else {
                if ids.isEmpty { continue }
                throw CoreError.unknownProduct(id, known: try workingTreeProductIDs())
            }
            let (problems, notes) = workingTreeManifestCheck(id: id)
            results.append(ProductValidation(id: id, valid: problems.isEmpty, problems: problems, notes: notes))
        }
        return ValidationReport(passed: results.allSatisfy(\.valid), products: results)
    }

    /// Folder names under `Products/` in the working tree.
    func workingTreeProductIDs() throws -> [String] {
        let folder = root.appendingPathComponent("Products")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { name in
            var isDirectory: ObjCBool = false
            return !name.hasPrefix(".")
                && FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }.sorted()
    }

    /// Products at HEAD, from the index.
    public func list() throws -> ProductListReport {
        let heads = try index.headSummaries()
        return ProductListReport(head: try index.indexedHead() ?? "", products: heads.map(Self.summary))
    }

    static func summary(_ record: ProductHeadSummary) -> ProductSummary {
        ProductSummary(id: record.productID, name: record.name, version: record.versionLabel, status: record.status,
                       tree: record.treeID, contentDigest: record.contentDigest, problem: record.manifestError)
    }

    /// A product's versions, newest first, from the index.
    public func history(id: String) throws -> HistoryReport {
        _ = try indexedHead(of: id)
        try requireCompleteHistory(toTell: "the history of '\(id)'")
        let versions = try index.versions(of: id).map(Self.versionSummary)
        return HistoryReport(id: id, versions: versions)
    }

    static func versionSummary(_ record: ProductVersionRecord) -> ProductVersionSummary {
        ProductVersionSummary(commit: record.commitID, tree: record.treeID, contentDigest: record.contentDigest,
                              version: record.versionLabel, author: "\(record.authorName) <\(record.authorEmail)>",
                              date: AuditChain.timestamp(record.authoredAt), message: record.message)
    }

    /// The indexed HEAD record of a product, or a clear error naming the known ones.
    func indexedHead(of id: String) throws -> ProductHeadRecord {
        if let record = try index.headProduct(id) { return record }
        throw CoreError.unknownProduct(id, known: try index.headProducts().map(\.productID))
    }

    /// Field-level manifest changes between two versions (labels) or revisions.
    public func diff(id: String, from: String, to: String) throws -> DiffReport {
        _ = try indexedHead(of: id)
        let versions = try index.versions(of: id)
        let old = try diffEnd(from, of: id, versions: versions)
        let new = try diffEnd(to, of: id, versions: versions)
        let before = try loadManifest(id: id, at: old)
        let after = try loadManifest(id: id, at: new)
        let changes = ManifestDiff.between(before, after).map {
            FieldChangeSummary(keyPath: $0.keyPath, before: $0.before, after: $0.after)
        }
        return DiffReport(id: id, from: DiffEnd(commit: old.hex, version: before.version),
                          to: DiffEnd(commit: new.hex, version: after.version), changes: changes)
    }

    /// Validates the working-tree product and commits exactly its folder.
    public func register(id text: String, message: String) async throws -> RegisterReport {
        let id = try Self.productID(text)
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent(Self.productPath(id.rawValue)).path) else {
            throw CoreError.unknownProduct(id.rawValue, known: try workingTreeProductIDs())
        }
        let problems = workingTreeManifestProblems(id: id.rawValue)
        guard problems.isEmpty else { throw CoreError.invalidManifest(id: id.rawValue, problems: problems) }
        try await requireRaisedVersionLabel(of: id)
        let commit = try repository.commitProduct(id.rawValue, message: message, command: "register \(id.rawValue)").commit
        // The commit's trailer lets the next command record it if this process stops before its entry.
        try recordRegistrations(upTo: commit, ownCommit: commit)
        guard let tree = try repository.productTree(id.rawValue, at: commit) else {
            throw CoreError.invalidArgument("Products/\(id.rawValue) is empty; add its files before registering it.")
        }
        let manifest = try loadManifest(id: id.rawValue, at: commit)
        try await refreshIndex()
        return RegisterReport(id: id.rawValue, version: manifest.version, commit: commit.hex,
                              tree: tree.tree.hex, contentDigest: tree.contentDigest)
    }
}
