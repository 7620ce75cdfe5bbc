import Foundation
import RegistrySupport

/// The outcome of running a program in a test.
public struct ProcessResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    /// True when the process ended by a signal (a crash), not by exit.
    public let crashed: Bool
}

/// Runs a program to completion, capturing its output. Test-only: the registry never shells out.
@discardableResult
public func runProcess(_ executable: String, _ arguments: [String], in directory: URL? = nil,
                       environment: [String: String]? = nil, stdin: String? = nil) throws -> ProcessResult {
    // A program may exit before reading all its input (ssh-keygen does on a bad signature); the
    // write must then fail with EPIPE rather than kill the test process.
    signal(SIGPIPE, SIG_IGN)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    if let environment { process.environment = environment }
    let outURL = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)")
    let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("err-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
    }
    let outHandle = try FileHandle(forWritingTo: outURL)
    let errHandle = try FileHandle(forWritingTo: errURL)
    process.standardOutput = outHandle
    process.standardError = errHandle
    if let stdin {
        let pipe = Pipe()
        process.standardInput = pipe
        try process.run()
        try? pipe.fileHandleForWriting.write(contentsOf: Data(stdin.utf8))
        try? pipe.fileHandleForWriting.close()
    } else {
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }
    process.waitUntilExit()
    try outHandle.close()
    try errHandle.close()
    return ProcessResult(status: process.terminationStatus,
                         stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                         stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self),
                         crashed: process.terminationReason == .uncaughtSignal)
}

/// Runs `git` for building fixtures (tests may use stock git; the registry itself uses libgit2).
@discardableResult
public func git(_ arguments: [String], in directory: URL) throws -> String {
    let result = try runProcess("/usr/bin/git", arguments, in: directory, environment: fixtureGitEnvironment)
    guard result.status == 0 else {
        throw FixtureError("git \(arguments.joined(separator: " ")) failed: \(result.stderr)")
    }
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// A fixed identity and clock for fixture commits, so fixtures are reproducible.
public let fixtureGitEnvironment: [String: String] = {
    var env = ProcessInfo.processInfo.environment
    env["GIT_AUTHOR_NAME"] = "Fixture Author"
    env["GIT_AUTHOR_EMAIL"] = "fixture@example.org"
    env["GIT_COMMITTER_NAME"] = "Fixture Author"
    env["GIT_COMMITTER_EMAIL"] = "fixture@example.org"
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    return env
}()

/// A failure while building a test fixture.
public struct FixtureError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A temporary directory that lives for one test; call `remove()` in a `defer`.
public func makeTemporaryDirectory(_ name: String = "registry-test") throws -> TemporaryDirectory {
    try TemporaryDirectory(prefix: name)
}

/// Writes text to a path below a directory, creating folders as needed.
public func writeFile(_ text: String, to relativePath: String, in directory: URL) throws {
    let url = directory.appendingPathComponent(relativePath)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
}

/// Reads every file below a folder (a built catalog site), keyed by relative path.
public func siteFiles(_ root: URL) throws -> [String: Data] {
    var files: [String: Data] = [:]
    let base = root.standardizedFileURL.path + "/"
    guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return files }
    for case let url as URL in enumerator where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
        files[String(url.standardizedFileURL.path.dropFirst(base.count))] = try Data(contentsOf: url)
    }
    return files
}

/// The package root (the folder holding Package.swift), found from this source file's location.
public let packageRoot: URL = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}()

/// The built `registry` executable next to the test bundle.
public let registryExecutable: URL = {
    var url = Bundle.main.bundleURL
    for candidate in [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()] {
        var dir = candidate
        for _ in 0..<4 {
            let exe = dir.appendingPathComponent("registry")
            if FileManager.default.isExecutableFile(atPath: exe.path) { return exe }
            dir = dir.deletingLastPathComponent()
        }
        url = candidate
    }
    return url.appendingPathComponent("registry")
}()

/// The built `registry-launcher` executable, which the registry finds beside itself.
public let launcherExecutable: URL = registryExecutable.deletingLastPathComponent().appendingPathComponent("registry-launcher")

/// Copies the built registry into `folder` as `name`, with the launcher beside it as the registry
/// expects, and returns the copy (for tests that run it as another user, who cannot reach `.build`).
public func copyRegistryExecutables(to folder: URL, name: String) throws -> URL {
    let copy = folder.appendingPathComponent(name)
    try FileManager.default.copyItem(at: registryExecutable, to: copy)
    try FileManager.default.copyItem(at: launcherExecutable, to: folder.appendingPathComponent(launcherExecutable.lastPathComponent))
    return copy
}

/// Runs the built `registry` binary with arguments in a directory.
@discardableResult
public func runRegistry(_ arguments: [String], in directory: URL,
                        environment: [String: String] = [:]) throws -> ProcessResult {
    var env = fixtureGitEnvironment
    env["NO_COLOR"] = "1"
    for (key, value) in environment { env[key] = value }
    return try runProcess(registryExecutable.path, arguments, in: directory, environment: env)
}

/// Starts the built `registry` binary, sends it SIGKILL after `microseconds`, and waits for it;
/// true when the kill ended it (false when it had already exited). For kill loops.
@discardableResult
public func killRegistry(_ arguments: [String], in directory: URL, after microseconds: UInt32,
                         environment: [String: String] = [:]) throws -> Bool {
    let process = Process()
    process.executableURL = registryExecutable
    process.arguments = arguments
    process.currentDirectoryURL = directory
    process.environment = fixtureGitEnvironment.merging(environment) { $1 }
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    usleep(microseconds)
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    return process.terminationReason == .uncaughtSignal
}

/// `label` (a release version such as "1.1.0") with its patch number raised by one: "1.1.1".
public func nextPatch(of label: String) -> String {
    var numbers = label.split(separator: ".").map { Int($0) ?? 0 }
    numbers[numbers.count - 1] += 1
    return numbers.map(String.init).joined(separator: ".")
}

/// A throwaway registry repository for end-to-end tests.
public struct FixtureRegistry {
    /// The temporary folder holding the repository; remove it with `remove()`.
    public let directory: TemporaryDirectory
    public var url: URL { directory.url }

    /// A clone of this repository's own example registry (products, reviews, data and history).
    public static func cloneOfExamples() throws -> FixtureRegistry {
        try cloneOf(packageRoot)
    }

    /// A clone of a registry repository (its current branch, whole history).
    public static func cloneOf(_ source: URL) throws -> FixtureRegistry {
        let directory = try makeTemporaryDirectory("registry-clone")
        try TestSupport.git(["clone", "--quiet", "--no-hardlinks", source.path, directory.url.path], in: source)
        return FixtureRegistry(directory: directory)
    }

    /// A synthetic registry from `Scripts/generate_registry.py` (the benchmarks' generator, seed 1):
    /// `products` products with `versions` commits each, signed with the public bench-board keys.
    public static func generated(products: Int, versions: Int) throws -> FixtureRegistry {
        let directory = try makeTemporaryDirectory("registry-generated")
        let result = try runProcess("/usr/bin/python3", [packageRoot.appendingPathComponent("Scripts/generate_registry.py").path,
                                                         directory.url.path, "--products", "\(products)",
                                                         "--versions", "\(versions)", "--seed", "1", "--jobs", "1"])
        guard result.status == 0 else { throw FixtureError("generate_registry.py failed: \(result.stderr)") }
        return FixtureRegistry(directory: directory)
    }

    /// A new registry holding copies of some example products in one commit.
    public static func withExampleProducts(_ ids: [String]) throws -> FixtureRegistry {
        let directory = try makeTemporaryDirectory("registry-fixture")
        try TestSupport.git(["init", "--quiet", "--initial-branch=main"], in: directory.url)
        try FileManager.default.createDirectory(at: directory.url.appendingPathComponent("Products"),
                                                withIntermediateDirectories: true)
        for id in ids {
            try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("Products/\(id)"),
                                             to: directory.url.appendingPathComponent("Products/\(id)"))
        }
        try writeFile(".registry/\n", to: ".gitignore", in: directory.url)
        try TestSupport.git(["add", "-A"], in: directory.url)
        try TestSupport.git(["commit", "--quiet", "-m", "Fixture registry"], in: directory.url)
        return FixtureRegistry(directory: directory)
    }

    /// A registry started the way an agency starts one: `registry init` with `initArguments` (such as
    /// `--ci github`) on branch `main`, its files committed; a board of demo members alice, bob and
    /// carol whose first keyring they all signed; then each product scaffolded with
    /// `registry new --language <language>` and committed with `registry register` (Python products
    /// need `registry env build` before they run; shell products run at once).
    public static func scaffolded(initArguments: [String] = [], products: [String], language: String = "python") throws -> FixtureRegistry {
        let fixture = FixtureRegistry(directory: try makeTemporaryDirectory("registry-scaffold"))
        func step(_ arguments: [String]) throws {
            let result = try fixture.registry(arguments)
            guard result.status == 0 else { throw FixtureError("registry \(arguments.joined(separator: " ")) failed: \(result.stderr)") }
        }
        try step(["init", "--title", "Scaffolded registry"] + initArguments)
        try fixture.git("symbolic-ref", "HEAD", "refs/heads/main")
        try fixture.git("add", "-A")
        try fixture.git("commit", "--quiet", "-m", "Start the registry")
        let members = ["alice", "bob", "carol"]
        try step(["board", "init"] + members.flatMap { member in
            let key = (try? String(contentsOf: packageRoot.appendingPathComponent("Tests/Fixtures/demo-board/\(member).pub"), encoding: .utf8)) ?? ""
            return ["--member", ([member] + key.split(separator: " ").prefix(2).map(String.init)).joined(separator: " ")]
        })
        for member in members {
            try step(["review", "sign", "Reviews/board/keyring.v0001", "--key", try fixture.demoKey(member).path])
        }
        try fixture.git("add", "-A")
        try fixture.git("commit", "--quiet", "-m", "Adopt the board's first keyring")
        for id in products {
            try step(["new", id, "--language", language])
            try step(["register", id, "-m", "First version of \(id)"])
        }
        return fixture
    }

    public func remove() { directory.remove() }

    /// Runs the built `registry` binary inside this registry.
    @discardableResult
    public func registry(_ arguments: String..., environment: [String: String] = [:]) throws -> ProcessResult {
        try runRegistry(arguments, in: url, environment: environment)
    }

    /// Runs the built `registry` binary inside this registry with an argument list.
    @discardableResult
    public func registry(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        try runRegistry(arguments, in: url, environment: environment)
    }

    /// The version label product `id` carries at this registry's HEAD (`registry show --json`), so
    /// tests follow the example products when they are registered under new versions.
    public func versionLabel(of id: String) throws -> String {
        struct Detail: Decodable { struct Manifest: Decodable { let version: String }; let manifest: Manifest }
        let show = try registry("show", id, "--json")
        guard show.status == 0 else { throw FixtureError("registry show \(id) failed: \(show.stderr)") }
        return try JSONDecoder().decode(Detail.self, from: Data(show.stdout.utf8)).manifest.version
    }

    /// The folder holding the reviews of product `id` at the version it carries at HEAD
    /// (`Reviews/<id>/<version>`), so tests follow the example products to new versions.
    public func reviewFolder(of id: String) throws -> String {
        "Reviews/\(id)/\(try versionLabel(of: id))"
    }

    /// Runs stock `git` inside this registry.
    @discardableResult
    public func git(_ arguments: String...) throws -> String {
        try TestSupport.git(arguments, in: url)
    }

    /// A private copy (mode 0600, as ssh-keygen requires) of a demo board member's key from
    /// `Tests/Fixtures/demo-board/`, in this registry's git-ignored `.registry/` folder.
    public func demoKey(_ member: String) throws -> URL {
        let key = url.appendingPathComponent(".registry/\(member)-key")
        guard !FileManager.default.fileExists(atPath: key.path) else { return key }
        try FileManager.default.createDirectory(at: key.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("Tests/Fixtures/demo-board/\(member)"), to: key)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key.path)
        return key
    }

    /// Writes demo member frank's approval of the example product `homeless-outreach-demand` with
    /// `registry review template`, signs it with stock `ssh-keygen -Y sign` and frank's demo key, and
    /// commits it; returns the statement's path. `issued` (`YYYY-MM-DDTHH:MM:SSZ`) replaces the
    /// template's issue time and `expires` (`YYYY-MM-DD`) its expiry, for statements dated on purpose.
    @discardableResult
    public func commitFranksApprovalSignedBySSHKeygen(message: String, issued: String? = nil, expires: String? = nil) throws -> String {
        let template = try registry(["review", "template", "homeless-outreach-demand", "--reviewer", "frank",
                                     "--comment", "Second reviewer"] + (expires.map { ["--expires", $0] } ?? []))
        guard template.status == 0 else { throw FixtureError("review template failed: \(template.stderr)") }
        let statement = "\(try reviewFolder(of: "homeless-outreach-demand"))/frank.approval"
        if let issued {
            let file = url.appendingPathComponent(statement)
            let lines = try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
            try Data(lines.map { $0.hasPrefix("issued: ") ? "issued: \(issued)" : $0 }.joined(separator: "\n").utf8).write(to: file)
        }
        let key = try demoKey("frank")
        let sign = try runProcess("/usr/bin/ssh-keygen", ["-Y", "sign", "-q", "-n", "review@analytics-registry", "-f", key.path, statement],
                                  in: url)
        guard sign.status == 0 else { throw FixtureError("ssh-keygen -Y sign failed: \(sign.stderr)") }
        try git("add", "Reviews")
        try git("commit", "-q", "-m", message)
        return statement
    }
}
