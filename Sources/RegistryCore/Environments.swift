import Foundation
import GitStore
import ProductModel
import RegistrySupport
import Sandbox

/// One installed distribution of a product environment.
public struct InstalledDistribution: Codable, Sendable, Equatable {
    /// The distribution's name as its `METADATA` gives it.
    public var name: String
    /// Its installed version.
    public var version: String
}

/// The manifest a built environment keeps beside its files (`environment.json`): what it was built
/// from and what it holds. Read from the built folder at every run, so a run record names exactly
/// what was mounted.
public struct EnvironmentManifest: Codable, Sendable, Equatable {
    /// The environment's digest: its folder name under `.registry/envs/`.
    public var digest: String
    /// The language of the lock it was built from.
    public var language: DependencyLock.Language
    /// SHA-256 of the lock file it was built from.
    public var lockDigest: String
    /// The base interpreter, as the sandbox sees it.
    public var interpreter: String
    /// That interpreter's version (`3.11.2`).
    public var interpreterVersion: String
    /// The interpreter's platform tag (`linux-x86_64`).
    public var platform: String
    /// Every distribution installed, read from its `*.dist-info/METADATA`, sorted by name.
    public var distributions: [InstalledDistribution]

    enum CodingKeys: String, CodingKey {
        case digest, language, interpreter, platform, distributions
        case lockDigest = "lock_sha256"
        case interpreterVersion = "interpreter_version"
    }

    /// The file name inside an environment folder.
    static let fileName = "environment.json"
}

/// What a run ran with, as its record names it.
public struct RunEnvironment: Codable, Sendable, Equatable {
    /// `system interpreter`, or the environment's interpreter as the sandbox sees it (`/env/bin/python3`).
    public var interpreter: String
    /// The interpreter's version, when one is known (the system's python3 for products without a lock).
    public var interpreterVersion: String?
    /// The environment's digest; `nil` for the system interpreter.
    public var digest: String?
    /// SHA-256 of the lock the environment was built from; `nil` for the system interpreter.
    public var lockDigest: String?
    /// The installed distributions with versions; empty for the system interpreter.
    public var distributions: [InstalledDistribution]

    enum CodingKeys: String, CodingKey {
        case interpreter, digest, distributions
        case interpreterVersion = "interpreter_version"
        case lockDigest = "lock_sha256"
    }

    /// The words a record uses for a product without a lock.
    public static let systemInterpreter = "system interpreter"
}

/// What a product needs to run: nothing beyond the system, or the environment its lock declares.
enum EnvironmentNeed: Sendable {
    /// No lock: the system interpreter, as before environments existed.
    case system
    /// A lock whose environment is built and can be mounted.
    case ready(folder: URL, manifest: EnvironmentManifest)
    /// A lock whose environment cannot be mounted; the sentence says why and what to do.
    case unavailable(reason: String)

    /// What the run record says about it.
    var record: RunEnvironment {
        switch self {
        case .system, .unavailable:
            return RunEnvironment(interpreter: RunEnvironment.systemInterpreter,
                                  interpreterVersion: PythonInterpreter.system?.version, digest: nil, lockDigest: nil,
                                  distributions: [])
        case let .ready(_, manifest):
            return RunEnvironment(interpreter: SandboxProfile.environmentMountPoint + "/bin/python3",
                                  interpreterVersion: manifest.interpreterVersion,
                                  digest: manifest.digest, lockDigest: manifest.lockDigest,
                                  distributions: manifest.distributions)
        }
    }

    /// What goes into a check's cache key: building the environment must not return the old failure.
    var cacheToken: String {
        switch self {
        case .system: "system"
        case let .ready(_, manifest): "environment \(manifest.digest)"
        case let .unavailable(reason): "unavailable \(reason)"
        }
    }

    /// The rule id of the finding `check` reports for an environment it cannot mount.
    static let findingRule = "environment"
}

/// The Python the sandbox sees (`/usr/bin/python3`), probed once per process.
struct PythonInterpreter: Sendable {
    static let path = "/usr/bin/python3"
    let version: String
    let platform: String

    /// `nil` when the machine has no `/usr/bin/python3`.
    ///
    /// `-I -S` (no environment variables, no user folder, no `site`): the answer is the same, and
    /// skipping `site` saves about a third of the interpreter's start-up, paid on every run.
    /// The answer is remembered between commands while `/usr/bin/python3` stays the same file
    /// (`HostProbes`): the interpreter's start-up cost every run about 10 ms of CPU.
    static let system: PythonInterpreter? = {
        let arguments = ["-I", "-S", "-c", "import sys, sysconfig; print(sys.version.split()[0]); print(sysconfig.get_platform())"]
        let probe = { () -> String? in
            guard let output = try? ExternalCommand.run(path, arguments), output.status == 0,
                  output.text.split(separator: "\n").count == 2 else { return nil }
            return output.text
        }
        guard let text = HostProbes.current.map({ $0.answer(program: path, arguments: arguments, probe: probe) }) ?? probe()
        else { return nil }
        let lines = text.split(separator: "\n").map(String.init)
        guard lines.count == 2 else { return nil }
        return PythonInterpreter(version: lines[0], platform: lines[1])
    }()

    /// Starts the probe on a thread of its own, so a caller that needs `system` later (a run's
    /// record, after the product ran) finds it done instead of waiting for python3's start-up then.
    static func probeInBackground() {
        Thread.detachNewThread { _ = system }
    }
}

/// Runs a program outside the sandbox (the interpreter probe and environment builds only).
enum ExternalCommand {
    struct Output {
        let status: Int32
        /// Standard output and standard error together, as a person would have seen them.
        let text: String
    }

    /// util-linux's `setpriv`, which can make a child die with the registry.
    private static let setpriv = "/usr/bin/setpriv"

    /// Runs `executable`; `temporaryFolder`, when given, is the child's TMPDIR, so the files it
    /// keeps there (pip's) stay where the registry can find them after a kill.
    static func run(_ executable: String, _ arguments: [String], temporaryFolder: URL? = nil) throws -> Output {
        let process = Process()
        if let temporaryFolder {
            process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": temporaryFolder.path]) { $1 }
        }
        // A registry killed mid-build must not leave pip writing into a folder the next build is
        // removing, so the child gets SIGKILL when the registry goes (where setpriv exists).
        if access(setpriv, X_OK) == 0 {
            process.executableURL = URL(fileURLWithPath: setpriv)
            process.arguments = ["--pdeathsig", "KILL", "--", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        // One pipe for both streams, so a chatty pip can never stall on a second, unread one.
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, text: String(decoding: data, as: UTF8.self))
    }
}

/// What `registry env build` did for one product.
public struct EnvironmentBuildResult: Codable, Sendable {
    /// The product id.
    public var id: String
    /// `built`, `cached` (already built) or `none` (the product has no lock).
    public var state: String
    /// The environment's digest; `nil` without a lock.
    public var digest: String?
    /// The environment's folder; `nil` without a lock.
    public var path: String?
    /// How long finding or building it took.
    public var durationSeconds: Double
    /// What it holds.
    public var distributions: [InstalledDistribution]

    enum CodingKeys: String, CodingKey {
        case id, state, digest, path, distributions
        case durationSeconds = "duration_seconds"
    }
}

/// What `registry env build` reports.
public struct EnvironmentBuildReport: Codable, Sendable {
    /// One result per product, in id order.
    public var products: [EnvironmentBuildResult]

    /// One line per product.
    public var text: String {
        products.map { result in
            switch result.state {
            case "none": return "\(result.id): no lock file; runs with the system interpreter"
            default:
                let seconds = (result.durationSeconds * 10).rounded() / 10
                return "\(result.id): \(result.state) \(result.digest?.prefix(16) ?? "")… (\(result.distributions.count) distributions, \(seconds) s) in \(result.path ?? "")"
            }
        }.joined(separator: "\n")
    }
}

extension RegistryWorkspace {
    /// Where built environments live, one folder per digest.
    var environmentsDirectory: URL { Self.stateDirectory(root).appendingPathComponent("envs", isDirectory: true) }

    /// The lock of a product, read through `readFile` (a product-relative name to its bytes), if it has one.
    static func dependencyLock(id: String, readFile: (String) throws -> Data?) throws -> (lock: DependencyLock, digest: String)? {
        for name in [DependencyLock.pythonFileName, DependencyLock.rFileName] {
            guard let data = try readFile(name) else { continue }
            let lock = try DependencyLock.parse(data, fileName: name, displayPath: productPath(id) + "/" + name)
            return (lock, SHA256Hex.of(data))
        }
        return nil
    }

    /// The environment a product needs, and whether the one built here matches its lock. Never
    /// touches the network: a missing environment is reported, never built on the way.
    func environmentNeed(id: String, readFile: (String) throws -> Data?) throws -> EnvironmentNeed {
        guard let found = try Self.dependencyLock(id: id, readFile: readFile) else { return .system }
        let (lock, lockDigest) = found
        let lockFile = Self.productPath(id) + "/" + lock.fileName
        guard lock.language == .python else {
            return .unavailable(reason: "'\(lockFile)' declares an R environment, which this registry cannot build yet; remove the lock to run with the system's Rscript")
        }
        guard let python = PythonInterpreter.system else {
            return .unavailable(reason: "'\(lockFile)' declares a Python environment, but \(PythonInterpreter.path) is missing; install Debian's python3 and python3-venv")
        }
        let digest = Self.environmentDigest(lockDigest: lockDigest, python: python)
        let folder = environmentsDirectory.appendingPathComponent(digest, isDirectory: true)
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(EnvironmentManifest.fileName).path),
              let manifest = try? JSONDecoder().decode(EnvironmentManifest.self, from: data) else {
            return .unavailable(reason: "the environment '\(lockFile)' declares is not built on this machine; run 'registry env build \(id)' (it needs the package index), then check again")
        }
        // The folder's name says which lock it should hold; its manifest says which it was built from.
        guard manifest.digest == digest, manifest.lockDigest == lockDigest, manifest.interpreterVersion == python.version else {
            return .unavailable(reason: "the environment in '\(folder.path)' was built from lock \(manifest.lockDigest.prefix(12)) for Python \(manifest.interpreterVersion), not from '\(lockFile)' (\(lockDigest.prefix(12))) for Python \(python.version); remove that folder and run 'registry env build \(id)'")
        }
        return .ready(folder: folder, manifest: manifest)
    }

    /// The environment's identity: its lock's bytes, the interpreter's version and the platform.
    /// Another interpreter or platform needs other wheels, so it gets another environment.
    static func environmentDigest(lockDigest: String, python: PythonInterpreter) -> String {
        SHA256Hex.of("analytics-registry-environment/1\npython\n\(lockDigest)\n\(python.version)\n\(python.platform)\n")
    }

    /// Builds the environments of the given products (every product at HEAD when `all`), outside
    /// the sandbox and with the network, from `indexURL`, `python_index_url` in registry.json, or PyPI.
    public func buildEnvironments(ids: [String], all: Bool, indexURL: String?) throws -> EnvironmentBuildReport {
        guard all != !ids.isEmpty else {
            throw CoreError.invalidArgument("Name the products whose environments to build, or pass --all; not both.")
        }
        let commit = try targetCommit(nil)
        let available = try repository.productIDs(at: commit)
        for id in ids where !available.contains(id) { throw CoreError.unknownProduct(id, known: available) }
        let index = indexURL ?? configuration.pythonIndexURL ?? "https://pypi.org/simple"
        var results: [EnvironmentBuildResult] = []
        for id in all ? available : ids {
            let started = Date()
            let readFile = { (name: String) in try self.repository.readFile(Self.productPath(id) + "/" + name, at: commit) }
            guard let found = try Self.dependencyLock(id: id, readFile: readFile) else {
                results.append(EnvironmentBuildResult(id: id, state: "none", digest: nil, path: nil, durationSeconds: 0, distributions: []))
                continue
            }
            let (lock, lockDigest) = found
            guard lock.language == .python else {
                throw EnvironmentError.interpreterMissing("R", fix: "building R environments is not implemented (and Rscript is needed); remove Products/\(id)/renv.lock to run with the system's Rscript")
            }
            let lockText = try readFile(lock.fileName) ?? Data()
            let (manifest, built) = try buildEnvironment(lockDigest: lockDigest, lock: (lock.fileName, lockText), indexURL: index)
            results.append(EnvironmentBuildResult(id: id, state: built ? "built" : "cached", digest: manifest.digest,
                                                  path: environmentsDirectory.appendingPathComponent(manifest.digest).path,
                                                  durationSeconds: Date().timeIntervalSince(started),
                                                  distributions: manifest.distributions))
        }
        return EnvironmentBuildReport(products: results)
    }

    /// Builds one environment unless it exists, under a lock per digest; returns it and whether it was built now.
    ///
    /// The environment is built in a hidden sibling folder and renamed into place only once
    /// complete and synced, so a build killed at any point leaves no folder a run would mount; the
    /// next build for the digest removes what the killed one left.
    private func buildEnvironment(lockDigest: String, lock: (fileName: String, text: Data),
                                  indexURL: String) throws -> (EnvironmentManifest, Bool) {
        guard let python = PythonInterpreter.system else {
            throw EnvironmentError.interpreterMissing("Python", fix: "install Debian's python3 and python3-venv (apt-get install python3 python3-venv)")
        }
        let digest = Self.environmentDigest(lockDigest: lockDigest, python: python)
        // Every run's uid reads the environment, so venv and pip must create it open to all
        // whatever the caller's mask (root's is often 077, which would leave 0700 folders and
        // scripts only root may run). `env build` does nothing else meanwhile, so the
        // process-wide mask is set for the build's length and inherited by venv and pip.
        let callerMask = umask(0o022)
        defer { umask(callerMask) }
        let envs = environmentsDirectory
        do {
            try FileManager.default.createDirectory(at: envs, withIntermediateDirectories: true)
        } catch {
            throw CoreError.fileProblem(path: envs.path, detail: "the environments folder cannot be created (\(error.localizedDescription))")
        }
        let serial = try FileLock(envs.appendingPathComponent(".\(digest).lock").path)
        defer { serial.release() }
        let final = envs.appendingPathComponent(digest, isDirectory: true)
        if let data = FileManager.default.contents(atPath: final.appendingPathComponent(EnvironmentManifest.fileName).path),
           let manifest = try? JSONDecoder().decode(EnvironmentManifest.self, from: data) {
            return (manifest, false)
        }
        let prefix = ".building-\(digest)-"
        // Holding the digest's lock, every folder of this prefix was left by a killed build.
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: envs.path)) ?? [] where entry.hasPrefix(prefix) {
            try? FileManager.default.removeItem(at: envs.appendingPathComponent(entry))
        }
        // A folder without a manifest cannot have been renamed into place by a build; it is not ours.
        if FileManager.default.fileExists(atPath: final.path) {
            throw CoreError.fileProblem(path: final.path, detail: "it is not a complete environment (no \(EnvironmentManifest.fileName)); remove it and build again")
        }
        let building = envs.appendingPathComponent(prefix + "\(getpid())", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: building) }
        // The lock pip reads and pip's own temporary files go beside the build, under the same
        // prefix, so what a killed build leaves is removed by the next one, not left in /tmp.
        let scratch = envs.appendingPathComponent(prefix + "\(getpid())-scratch", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: false)
        } catch {
            throw CoreError.fileProblem(path: scratch.path, detail: "the build's scratch folder cannot be created (\(error.localizedDescription))")
        }
        let lockFile = scratch.appendingPathComponent(lock.fileName)
        try ScratchFile.write(lock.text, to: lockFile, permissions: 0o644)
        let venv = try ExternalCommand.run(PythonInterpreter.path, ["-m", "venv", "--without-pip", building.path],
                                           temporaryFolder: scratch)
        guard venv.status == 0 else {
            throw EnvironmentError.buildFailed(step: "python3 -m venv", detail: venv.text, fix: "install Debian's python3-venv")
        }
        // No --no-deps: with --require-hashes pip then refuses a lock that misses a dependency,
        // so a lock is proven complete; nothing outside the lock can be installed either way.
        // --target into the venv's site-packages rather than `pip --python`, which re-executes pip
        // as a grandchild that would outlive a killed registry and keep writing.
        let sitePackages = building.appendingPathComponent("lib/python\(python.version.split(separator: ".").prefix(2).joined(separator: "."))/site-packages")
        let pip = try ExternalCommand.run(PythonInterpreter.path, [
            "-m", "pip", "install", "--target", sitePackages.path,
            "--require-hashes", "--only-binary=:all:", "--no-input", "--disable-pip-version-check",
            "--index-url", indexURL, "-r", lockFile.path,
        ], temporaryFolder: scratch)
        guard pip.status == 0 else {
            throw EnvironmentError.buildFailed(step: "pip install", detail: pip.text,
                                               fix: "check that every line of the lock has wheels for Python \(python.version) on \(python.platform) at \(indexURL)")
        }
        let manifest = EnvironmentManifest(digest: digest, language: .python, lockDigest: lockDigest,
                                           interpreter: PythonInterpreter.path, interpreterVersion: python.version,
                                           platform: python.platform, distributions: try Self.installedDistributions(in: building))
        try Self.openToEveryone(building)
        try AtomicFile.write(try JSONEncoder.pretty.encode(manifest) + Data([0x0A]),
                             to: building.appendingPathComponent(EnvironmentManifest.fileName))
        // pip does not sync what it writes; one syncfs makes the whole tree durable before the rename publishes it.
        AtomicFolder.flushFileSystem(of: building.path)
        guard rename(building.path, final.path) == 0 else {
            throw CoreError.fileProblem(path: final.path, detail: "the built environment could not be moved into place (\(String(cString: strerror(errno))))")
        }
        AtomicFile.syncFolder(envs.path)
        return (manifest, true)
    }

    /// Name and version of every `*.dist-info` in the environment's site-packages, sorted by name.
    static func installedDistributions(in environment: URL) throws -> [InstalledDistribution] {
        let lib = environment.appendingPathComponent("lib")
        var found: [InstalledDistribution] = []
        for python in (try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? [] {
            let site = lib.appendingPathComponent(python).appendingPathComponent("site-packages")
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: site.path)) ?? [] where entry.hasSuffix(".dist-info") {
                guard let metadata = try? String(contentsOf: site.appendingPathComponent(entry).appendingPathComponent("METADATA"), encoding: .utf8) else { continue }
                var name: String?, version: String?
                // The headers end at the first blank line; the description follows.
                for line in metadata.split(separator: "\n", omittingEmptySubsequences: false) {
                    if line.isEmpty { break }
                    if line.hasPrefix("Name: ") { name = String(line.dropFirst(6)) }
                    if line.hasPrefix("Version: ") { version = String(line.dropFirst(9)) }
                }
                if let name, let version { found.append(InstalledDistribution(name: name, version: version)) }
            }
        }
        return found.sorted { $0.name.lowercased() < $1.name.lowercased() }
    }

    /// Lets the product's own uid read the environment: folders 0755, files readable by all.
    private static func openToEveryone(_ folder: URL) throws {
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return }
        chmod(folder.path, 0o755)
        for case let relative as String in walker {
            let path = folder.path + "/" + relative
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT != S_IFLNK else { continue }
            chmod(path, info.st_mode & S_IFMT == S_IFDIR ? 0o755 : (info.st_mode & 0o777) | 0o444)
        }
    }
}

/// Why an environment cannot be built or used.
public enum EnvironmentError: RegistryDiagnostic {
    /// The lock's language has no interpreter or builder here.
    case interpreterMissing(String, fix: String)
    /// `python3 -m venv` or `pip install` failed; `detail` is its output.
    case buildFailed(step: String, detail: String, fix: String)
    /// `run` of a product whose environment cannot be mounted, with the reason.
    case unavailable(String)
    /// The sentence shown to the user.
    public var message: String {
        switch self {
        case let .interpreterMissing(language, fix):
            return "The product declares a \(language) lock, but \(language) environments cannot be built on this machine; \(fix)."
        case let .unavailable(reason):
            return "The product cannot run: \(reason.prefix(1).uppercased() + reason.dropFirst())."
        case let .buildFailed(step, detail, fix):
            let lastLines = detail.split(separator: "\n").suffix(3).joined(separator: " ")
            return "Building the environment failed at '\(step)' (\(lastLines.count > 400 ? "…" + lastLines.suffix(400) : lastLines)); \(fix), then run 'registry env build' again."
        }
    }

    /// The machine cannot prepare the environment: exit status 2.
    public var category: DiagnosticCategory { .environment }
}
