import Foundation
import GitStore
import ProductModel
import RegistrySupport
import Sandbox

/// Which content of a product to run: a commit, or the analyst's working tree.
enum ProductSource {
    case commit(CommitID)
    case workingTree
}

/// Everything a sandboxed run needs, prepared on the host as plain files and values.
///
/// The product folder is a copy without its samples and audit files (the product must never read
/// them); each declared input is a projection of its sample to the declared columns only.
struct PreparedRun: Sendable {
    let id: ProductID
    let manifest: ProductManifest
    /// Tree id and content digest of the version being run ("" for an uncommitted working tree).
    let treeID: String
    let contentDigest: String
    let scratch: TemporaryDirectory
    let productDirectory: URL
    let inputDirectory: URL
    /// Raw sample files by input name, for the input rules (never mounted in the sandbox).
    let samples: [String: URL]
    /// The held-back audit file, if the manifest has one.
    let auditFile: URL?
    /// SHA-256 of each projected input, by input name.
    let inputDigests: [String: String]
    /// SHA-256 of each raw sample file, by sample path (part of the check cache key).
    let sampleDigests: [String: String]
    /// The interpreter environment the product runs with.
    let environment: EnvironmentNeed
}

extension RegistryWorkspace {
    /// How every run's scratch folder (below the run folder, `RunFolder`) is named; the owner token comes next, so a
    /// later registry can tell which registry a leftover folder belonged to.
    static let scratchPrefix = "registry-run-"

    /// Removes what runs of registries that no longer exist left behind when they were killed:
    /// processes still running, cgroups, staging folders and scratch folders. Runs of registries
    /// that are still running (another `check` at the same time) are never touched.
    static func removeLeftoversOfDeadRuns() {
        for folder in RunFolder.everyCandidate {
            RunLeftovers.removeDeadRuns(workRoot: folder)
            RunLeftovers.removeFolders(in: folder, prefix: scratchPrefix)
        }
    }

    /// A new scratch folder for one run of `id`, in the folder runs stage below (`RunFolder`).
    static func runScratch(for id: String) throws -> TemporaryDirectory {
        try TemporaryDirectory(prefix: scratchPrefix + RunOwner.current.token + "-" + id, in: RunFolder.current,
                               folderNote: "runs are staged below TMPDIR, or /dev/shm or /tmp when it is unset")
    }

    /// Copies a product out of git (or the working tree) and builds its inputs.
    func prepareRun(id: ProductID, source: ProductSource) throws -> PreparedRun {
        let scratch = try Self.runScratch(for: id.rawValue)
        do {
            return try prepareRun(id: id, source: source, scratch: scratch)
        } catch {
            scratch.remove()
            throw error
        }
    }

    private func prepareRun(id: ProductID, source: ProductSource, scratch: TemporaryDirectory) throws -> PreparedRun {
        let manifest: ProductManifest
        var treeID = ""
        var contentDigest = ""
        let productDirectory = scratch.url.appendingPathComponent("product", isDirectory: true)
        let heldBack: Set<String>
        switch source {
        case let .commit(commit):
            manifest = try loadManifest(id: id.rawValue, at: commit)
            heldBack = Set(manifest.heldBackPaths)
            guard let tree = try repository.productTree(id.rawValue, at: commit) else {
                throw CoreError.unknownProduct(id.rawValue, known: try repository.productIDs(at: commit))
            }
            treeID = tree.tree.hex
            contentDigest = tree.contentDigest
            try repository.materializeProduct(id.rawValue, at: commit, into: productDirectory, excluding: heldBack)
        case .workingTree:
            manifest = try loadWorkingManifest(id: id.rawValue)
            heldBack = Set(manifest.heldBackPaths)
            try WorkingTreeCopy.copyProduct(from: root.appendingPathComponent(Self.productPath(id.rawValue)),
                                            to: productDirectory, excluding: heldBack)
        }

        let heldBackDirectory = scratch.url.appendingPathComponent("held-back", isDirectory: true)
        func fetch(_ relative: String) throws -> URL {
            let target = heldBackDirectory.appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            let path = Self.productPath(id.rawValue) + "/" + relative
            switch source {
            case let .commit(commit):
                guard let data = try repository.readFile(path, at: commit) else {
                    throw CoreError.fileProblem(path: path, detail: "the file is not committed; add it or fix the path in product.yaml")
                }
                try ScratchFile.write(data, to: target, permissions: 0o644)
            case .workingTree:
                let data: Data
                do {
                    data = try WorkingTreeCopy.readRegularFile(root.appendingPathComponent(path))
                } catch {
                    throw CoreError.fileProblem(path: path, detail: "\(error); fix the path in product.yaml")
                }
                try ScratchFile.write(data, to: target, permissions: 0o644)
            }
            return target
        }

        let inputDirectory = scratch.url.appendingPathComponent("input", isDirectory: true)
        try FileManager.default.createDirectory(at: inputDirectory, withIntermediateDirectories: true)
        var samples: [String: URL] = [:]
        var inputDigests: [String: String] = [:]
        var sampleDigests: [String: String] = [:]
        for input in manifest.inputs {
            let sample = try fetch(input.sample)
            samples[input.name] = sample
            sampleDigests[input.sample] = try SHA256Hex.ofFile(at: sample)
            let projected = inputDirectory.appendingPathComponent(input.name)
            try InputProjection.project(sample: sample, displayName: Self.productPath(id.rawValue) + "/" + input.sample,
                                        columns: input.columns, to: projected)
            inputDigests[input.name] = try SHA256Hex.ofFile(at: projected)
        }
        var auditFile: URL?
        if let audit = manifest.audit {
            let url = try fetch(audit.file)
            sampleDigests[audit.file] = try SHA256Hex.ofFile(at: url)
            auditFile = url
        }
        let environment = try environmentNeed(id: id.rawValue) { name in
            FileManager.default.contents(atPath: productDirectory.appendingPathComponent(name).path)
        }
        try makeFilesReadOnly(productDirectory)
        try makeFilesReadOnly(inputDirectory)
        return PreparedRun(id: id, manifest: manifest, treeID: treeID, contentDigest: contentDigest, scratch: scratch,
                           productDirectory: productDirectory, inputDirectory: inputDirectory, samples: samples,
                           auditFile: auditFile, inputDigests: inputDigests, sampleDigests: sampleDigests,
                           environment: environment)
    }

    /// Removes write permission from every file below a folder (the sandbox also mounts it read-only).
    ///
    /// Folders keep theirs: the sandbox stages its own folders, so their modes never reach the
    /// product, and a read-only folder would stop an unprivileged registry removing its scratch copy.
    private func makeFilesReadOnly(_ directory: URL) throws {
        let fileManager = FileManager.default
        guard let walker = fileManager.enumerator(atPath: directory.path) else { return }
        for case let relative as String in walker {
            let path = directory.appendingPathComponent(relative).path
            let attributes = try fileManager.attributesOfItem(atPath: path)
            guard attributes[.type] as? FileAttributeType != .typeDirectory else { continue }
            let mode = (attributes[.posixPermissions] as? NSNumber)?.uint16Value ?? 0o644
            try fileManager.setAttributes([.posixPermissions: mode & ~0o222], ofItemAtPath: path)
        }
    }
}

/// Builds a product's input file from its sample: only the declared columns, in declared order.
enum InputProjection {
    static func project(sample: URL, displayName: String, columns: [String], to destination: URL) throws {
        let reader = try CSVReader(url: sample, displayName: displayName)
        var indexes: [Int] = []
        for column in columns {
            guard let index = reader.columnIndex(column) else {
                throw CSVError(file: displayName, line: 1,
                               reason: "the declared input column '\(column)' is not in the sample's header (\(reader.header.joined(separator: ", "))); add it to the sample or remove it from inputs[].columns")
            }
            indexes.append(index)
        }
        guard FileManager.default.createFile(atPath: destination.path, contents: nil) else {
            throw CoreError.fileProblem(path: destination.path, detail: "the run's input file cannot be created")
        }
        let handle = try FileHandle(forWritingTo: destination)
        defer { try? handle.close() }
        var writer = CSVWriter()
        writer.write(columns)
        while let record = try reader.next() {
            writer.write(indexes.map { $0 < record.count ? record[$0] : "" })
            if writer.bytes.count > 1 << 20 {
                try handle.write(contentsOf: writer.bytes)
                writer = CSVWriter()
            }
        }
        try handle.write(contentsOf: writer.bytes)
    }
}

/// Copies a working-tree product folder without following links out of it.
enum WorkingTreeCopy {
    struct CopyError: Error, CustomStringConvertible {
        let description: String
    }

    /// Copies regular files and folders; a symbolic link is refused, since the committed form is what gets approved.
    static func copyProduct(from source: URL, to destination: URL, excluding: Set<String>) throws {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: destination, withIntermediateDirectories: true)
        guard let walker = fileManager.enumerator(atPath: source.path) else {
            throw CoreError.fileProblem(path: source.path, detail: "the folder cannot be read")
        }
        for case let relative as String in walker {
            if relative.split(separator: "/").contains(where: { $0 == ".git" || $0 == "__pycache__" }) { continue }
            if excluding.contains(relative) { continue }
            let from = source.appendingPathComponent(relative)
            let to = destination.appendingPathComponent(relative)
            let attributes = try fileManager.attributesOfItem(atPath: from.path)
            switch attributes[.type] as? FileAttributeType {
            case .typeDirectory?:
                try fileManager.createDirectory(at: to, withIntermediateDirectories: true)
            case .typeRegular?:
                try fileManager.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
                let mode = (attributes[.posixPermissions] as? NSNumber)?.uint16Value ?? 0o644
                try ScratchFile.write(Data(contentsOf: from), to: to, permissions: mode & 0o111 != 0 ? 0o755 : 0o644)
            default:
                throw CoreError.fileProblem(path: "Products/\(source.lastPathComponent)/\(relative)",
                                            detail: "it is a link or special file, which a product may not contain in the working tree; replace it with a regular file")
            }
        }
    }

    /// Reads a file that must be a regular file (not a link).
    static func readRegularFile(_ url: URL) throws -> Data {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw CopyError(description: "it is not a regular file")
        }
        return try Data(contentsOf: url)
    }
}

/// Writes the files of a run's scratch folder.
enum ScratchFile {
    /// Creates `url` with exactly `permissions` and writes `data`, without the `fsync` that
    /// `Data.write(to:)` does on Linux: the scratch folder is deleted after the run, so waiting for
    /// the disk only costs time (1 to 7 ms per file, measured on a loaded 2-core machine).
    static func write(_ data: Data, to url: URL, permissions: mode_t) throws {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, permissions)
        guard descriptor >= 0, fchmod(descriptor, permissions) == 0 else {
            let reason = String(cString: strerror(errno))
            if descriptor >= 0 { close(descriptor) }
            throw CoreError.fileProblem(path: url.path, detail: "the scratch copy could not be created (\(reason)); check the temporary folder")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try handle.write(contentsOf: data)
        try handle.close()
    }
}
