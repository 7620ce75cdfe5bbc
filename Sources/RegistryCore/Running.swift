import Foundation
import GitStore
import ProductModel
import RegistryIndex
import RegistrySupport
import Sandbox

/// The evidence of one sandboxed run, as stored in the index and shown by `registry run --json`.
public struct ProductRunRecord: Codable, Sendable {
    public var product: String
    public var tree: String
    public var contentDigest: String
    /// `commit <id>` or `working-tree`.
    public var source: String
    public var inputs: [String: String]
    public var outputs: [String: String]
    public var rejectedOutputs: [String: String]
    public var missingOutputs: [String]
    public var exitStatus: Int32?
    public var signal: Int32?
    public var stopReason: String
    public var explanation: String
    public var durationSeconds: Double
    public var cpuSeconds: Double
    public var peakMemoryBytes: UInt64
    public var isolation: IsolationReport
    public var registryVersion: String
    /// The interpreter, its version, the environment's digest and its distributions ("system interpreter" without a lock).
    public var environment: RunEnvironment
    public var succeeded: Bool

    enum CodingKeys: String, CodingKey {
        case product, tree, source, inputs, outputs, signal, explanation, isolation, succeeded, environment
        case contentDigest = "content_sha256"
        case rejectedOutputs = "rejected_outputs"
        case missingOutputs = "missing_outputs"
        case exitStatus = "exit_status"
        case stopReason = "stop_reason"
        case durationSeconds = "duration_seconds"
        case cpuSeconds = "cpu_seconds"
        case peakMemoryBytes = "peak_memory_bytes"
        case registryVersion = "registry_version"
    }

    init(prepared: PreparedRun, source: String, run: SandboxRun) {
        product = prepared.id.rawValue
        tree = prepared.treeID
        contentDigest = prepared.contentDigest
        self.source = source
        inputs = prepared.inputDigests
        outputs = Dictionary(uniqueKeysWithValues: run.outputs.map { ($0.name, $0.sha256) })
        rejectedOutputs = Dictionary(run.rejectedOutputs.map { ($0.name, $0.reason) }, uniquingKeysWith: { first, _ in first })
        missingOutputs = run.missingOutputs
        exitStatus = run.exitStatus
        signal = run.terminatingSignal
        stopReason = run.stopReason.rawValue
        explanation = run.explanation
        durationSeconds = run.durationSeconds
        cpuSeconds = run.cpuSeconds
        peakMemoryBytes = run.peakMemoryBytes
        isolation = run.isolation
        registryVersion = RegistryVersion.current
        environment = prepared.environment.record
        succeeded = run.succeeded
    }
}

/// What `registry run` shows.
public struct RunReport: Codable, Sendable {
    public var id: String
    public var record: ProductRunRecord
    public var stdout: String
    public var stderr: String
    /// Where the outputs were kept, if asked.
    public var keptOutputs: String?

    public var succeeded: Bool { record.succeeded }

    enum CodingKeys: String, CodingKey {
        case id, record, stdout, stderr
        case keptOutputs = "kept_outputs"
    }

    /// The human summary: the product's own output, then what the sandbox saw.
    public var text: String {
        var lines: [String] = []
        if !stdout.isEmpty { lines.append("--- stdout ---\n" + stdout.trimmingCharacters(in: .newlines)) }
        if !stderr.isEmpty { lines.append("--- stderr ---\n" + stderr.trimmingCharacters(in: .newlines)) }
        lines.append("--- \(record.product) (\(record.source)) ---")
        lines.append(record.succeeded ? "Run succeeded: \(record.explanation)" : "Run failed: \(record.explanation)")
        for (name, digest) in record.outputs.sorted(by: { $0.key < $1.key }) {
            lines.append("  output \(name)  sha256 \(digest.prefix(16))…")
        }
        for (name, reason) in record.rejectedOutputs.sorted(by: { $0.key < $1.key }) {
            lines.append("  rejected \(name): \(reason)")
        }
        for name in record.missingOutputs { lines.append("  missing \(name): declared but not written") }
        lines.append(String(format: "  %.2f s wall, %.2f s CPU, %.1f MB peak memory", record.durationSeconds,
                            record.cpuSeconds, Double(record.peakMemoryBytes) / 1_048_576))
        let isolation = record.isolation
        let environment = record.environment
        if let digest = environment.digest {
            lines.append("  environment \(digest.prefix(16))…: \(environment.interpreter) \(environment.interpreterVersion ?? ""), "
                         + environment.distributions.map { "\($0.name) \($0.version)" }.joined(separator: ", "))
        } else {
            lines.append("  environment: \(environment.interpreter)\(environment.interpreterVersion.map { " (python3 \($0))" } ?? "")")
        }
        lines.append("  isolation: bwrap \(isolation.bubblewrapVersion), user namespace \(isolation.userNamespace ? "yes" : "no"), cgroup \(isolation.cgroupBackend.rawValue), seccomp \(isolation.seccompArchitecture ?? "off"), uid \(isolation.uid)")
        if let keptOutputs { lines.append("  outputs kept in \(keptOutputs)") }
        return lines.joined(separator: "\n")
    }
}

extension RegistryWorkspace {
    /// The commit a command works on: `--at REV`, else HEAD.
    func targetCommit(_ revision: String?) throws -> CommitID {
        if let revision {
            do {
                return try repository.resolve(revision)
            } catch {
                // In a shallow clone an older commit is missing, not wrong: say how to fetch it.
                try requireCompleteHistory(toTell: "whether '\(revision)' names a commit")
                throw error
            }
        }
        guard let head = try repository.head() else { throw CoreError.noCommits }
        return head
    }

    /// Runs one product in the sandbox on its samples, records the run and returns what happened.
    public func runProduct(id text: String, at revision: String?, workingTree: Bool, keepOutput: URL?) async throws -> RunReport {
        _ = try SandboxHost.detect()
        Self.removeLeftoversOfDeadRuns()
        let id = try Self.productID(text)
        let source: ProductSource
        let sourceLabel: String
        if workingTree {
            guard FileManager.default.fileExists(atPath: root.appendingPathComponent(Self.productPath(id.rawValue)).path) else {
                throw CoreError.unknownProduct(id.rawValue, known: try workingTreeProductIDs())
            }
            source = .workingTree
            sourceLabel = "working-tree"
        } else {
            let commit = try targetCommit(revision)
            guard try repository.productTreeIDs(at: commit)[id.rawValue] != nil else {
                throw CoreError.unknownProduct(id.rawValue, known: try repository.productIDs(at: commit))
            }
            source = .commit(commit)
            sourceLabel = "commit \(commit.hex)"
        }
        // A destination that cannot be a folder is refused before the product runs, not after.
        if let keepOutput { try Self.makeKeepOutputFolder(keepOutput) }
        let prepared = try prepareRun(id: id, source: source)
        defer { prepared.scratch.remove() }
        if case let .unavailable(reason) = prepared.environment { throw EnvironmentError.unavailable(reason) }
        // The record names the system python3's version; probing it beside the product run keeps
        // the interpreter's start-up out of the command's wall time.
        if case .system = prepared.environment { PythonInterpreter.probeInBackground() }
        let run = try await Self.sandboxRun(prepared, collection: "collected")
        let record = ProductRunRecord(prepared: prepared, source: sourceLabel, run: run)
        _ = try index.insertRun(RunRecord(productID: id.rawValue, treeID: prepared.treeID,
                                          contentDigest: prepared.contentDigest, startedAt: Date(),
                                          succeeded: record.succeeded, recordJSON: try CanonicalJSON.string(record)))
        var kept: String?
        if let keepOutput {
            for output in run.outputs {
                do {
                    try AtomicFile.write(try Data(contentsOf: output.url), to: keepOutput.appendingPathComponent(output.name))
                } catch {
                    throw CoreError.invalidArgument("Cannot keep the output '\(output.name)' in '\(keepOutput.path)' (\(error)); pass --keep-output a folder you can write to.")
                }
            }
            kept = keepOutput.path
        }
        return RunReport(id: id.rawValue, record: record,
                         stdout: String(decoding: run.stdout, as: UTF8.self),
                         stderr: String(decoding: run.stderr, as: UTF8.self), keptOutputs: kept)
    }

    /// Creates the `--keep-output` folder, or says why it cannot be one.
    private static func makeKeepOutputFolder(_ folder: URL) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), !isFolder.boolValue {
            throw CoreError.invalidArgument("--keep-output '\(folder.path)' is a file, not a folder; pass a new or existing folder.")
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw CoreError.invalidArgument("--keep-output '\(folder.path)' cannot be created (\((error as NSError).localizedDescription)); pass a folder you can write to.")
        }
    }

    /// One sandboxed execution of a prepared product, collecting outputs into `scratch/<collection>`.
    static func sandboxRun(_ prepared: PreparedRun, collection: String) async throws -> SandboxRun {
        let collectionDirectory = prepared.scratch.url.appendingPathComponent(collection, isDirectory: true)
        try FileManager.default.createDirectory(at: collectionDirectory, withIntermediateDirectories: true)
        let manifest = prepared.manifest
        var profile = SandboxProfile(productDirectory: prepared.productDirectory,
                                     inputDirectory: prepared.inputDirectory,
                                     collectionDirectory: collectionDirectory,
                                     command: manifest.run.command,
                                     declaredOutputs: manifest.outputs.map(\.name),
                                     timeLimitSeconds: Double(manifest.run.timeLimitSeconds),
                                     memoryLimitBytes: UInt64(manifest.run.memoryLimitMB) << 20,
                                     // Beside the scratch copy, so the stage can hard-link its files.
                                     workRoot: prepared.scratch.url.deletingLastPathComponent())
        if case let .ready(folder, _) = prepared.environment { profile.environmentDirectory = folder }
        return try await Sandbox.run(profile)
    }
}
