import Foundation
import Glibc
import RegistrySupport
@testable import Sandbox
import SandboxLaunch
import TestSupport

/// A throw-away product: its folder, an input folder, and where collected outputs land.
struct ProductFixture {
    let scratch: TemporaryDirectory
    let product: URL
    let input: URL
    let collection: URL

    /// Writes `files` (path → text) into a new product folder; `executable` files get mode 0755.
    init(_ files: [String: String], inputs: [String: String] = [:], executable: Set<String> = []) throws {
        scratch = try makeTemporaryDirectory("sandbox-test")
        product = scratch.url.appendingPathComponent("product", isDirectory: true)
        input = scratch.url.appendingPathComponent("input", isDirectory: true)
        collection = scratch.url.appendingPathComponent("collected", isDirectory: true)
        try FileManager.default.createDirectory(at: product, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        for (path, text) in files {
            try writeFile(text, to: path, in: product)
            if executable.contains(path) {
                chmod(product.appendingPathComponent(path).path, 0o755)
            }
        }
        for (path, text) in inputs { try writeFile(text, to: path, in: input) }
    }

    /// A shell product: `main.sh` run with `/bin/sh`.
    static func shell(_ script: String) throws -> ProductFixture {
        try ProductFixture(["main.sh": script])
    }

    /// A Python product: `main.py` run with the system `python3`.
    static func python(_ script: String, inputs: [String: String] = [:]) throws -> ProductFixture {
        try ProductFixture(["main.py": script], inputs: inputs)
    }

    /// Small limits so a hostile product is stopped quickly.
    static let smallLimits = SandboxLimits(stdoutBytes: 64 << 10, stderrBytes: 64 << 10, outputBytes: 4 << 20,
                                           outputFiles: 32, tmpBytes: 8 << 20, processes: 32, openFiles: 64)

    /// Runs the product's entry point through the built launcher, with `environment` mounted at `/env`.
    func run(_ command: [String]? = nil, arguments: [String] = [], outputs: [String] = [],
             seconds: Double = 2, memory: UInt64 = 128 << 20, limits: SandboxLimits = smallLimits,
             workRoot: URL = URL(fileURLWithPath: "/tmp", isDirectory: true),
             environment: URL? = nil) async throws -> SandboxRun {
        let entry = FileManager.default.fileExists(atPath: product.appendingPathComponent("main.py").path)
            ? ["python3", "main.py"] : ["/bin/sh", "main.sh"]
        let profile = SandboxProfile(launcherExecutable: launcherExecutable,
                                     productDirectory: product,
                                     inputDirectory: input,
                                     collectionDirectory: collection,
                                     command: (command ?? entry) + arguments,
                                     declaredOutputs: outputs,
                                     timeLimitSeconds: seconds,
                                     memoryLimitBytes: memory,
                                     limits: limits,
                                     workRoot: workRoot,
                                     environmentDirectory: environment)
        return try await Sandbox.run(profile)
    }

    /// Every file below the product folder with its contents, to prove nothing changed.
    func productSnapshot() throws -> [String: Data] {
        try snapshot(of: product)
    }

    func remove() { scratch.remove() }
}

/// Every regular file below a folder, by relative path.
func snapshot(of directory: URL) throws -> [String: Data] {
    var files: [String: Data] = [:]
    guard let enumerator = FileManager.default.enumerator(atPath: directory.path) else { return files }
    for case let relative as String in enumerator {
        let url = directory.appendingPathComponent(relative)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            files[relative] = try Data(contentsOf: url)
        }
    }
    return files
}

extension SandboxRun {
    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    /// Everything the product could have smuggled out: streams and collected outputs.
    var everythingEmitted: String {
        let outputs = self.outputs.compactMap { try? String(contentsOf: $0.url, encoding: .utf8) }
        return ([stdoutText, stderrText] + outputs).joined(separator: "\n")
    }
    /// Processes still running (not zombies) as the run's uid on the host.
    /// Processes of the run's uid still running, other than this test process (which shares the
    /// uid when the tests run unprivileged, without a per-run uid).
    var survivingProcesses: [pid_t] {
        RunProcesses.owned(by: isolation.uid).filter { $0 != getpid() && RunProcesses.isRunning($0) }
    }
}

/// A TCP listener on 127.0.0.1 the host opens to prove the product cannot reach it.
struct LoopbackListener {
    let descriptor: Int32
    let port: UInt16

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        self.descriptor = descriptor
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else { throw FixtureError("could not listen on loopback") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
    }

    /// Whether any connection is waiting to be accepted.
    var receivedConnection: Bool {
        let client = accept(descriptor, nil, nil)
        if client >= 0 { Glibc.close(client) }
        return client >= 0
    }

    func close() { Glibc.close(descriptor) }
}

/// An abstract-namespace Unix socket listener on the host.
struct AbstractSocketListener {
    let descriptor: Int32
    let name: String

    init() throws {
        name = "registry-sandbox-test-\(UUID().uuidString)"
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = [UInt8(0)] + Array(name.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else { throw FixtureError("could not listen on abstract socket") }
        self.descriptor = descriptor
    }

    var receivedConnection: Bool {
        let client = accept(descriptor, nil, nil)
        if client >= 0 { Glibc.close(client) }
        return client >= 0
    }

    func close() { Glibc.close(descriptor) }
}
