import Foundation
import Testing
import TestSupport

/// Hostile products through `registry run` and `registry check`: each is a finding (exit 1) with a
/// clear reason, the registry keeps working, and the host is untouched.
@Suite("Hostile products through the command line")
struct HostileProductCommandTests {
    struct Hostile: CustomTestStringConvertible, Sendable {
        let name: String
        let program: String
        let reason: String
        var testDescription: String { name }
    }

    static let canary = "/tmp/registry-e2e-canary-\(getpid())"

    static let products: [Hostile] = [
        Hostile(name: "sleeps forever", program: "import time\ntime.sleep(1000)\n", reason: "time limit"),
        Hostile(name: "fork bomb", program: "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
                reason: ""),
        Hostile(name: "writes outside /output", program: "open('\(canary)', 'w').write('pwned')\n", reason: ""),
        Hostile(name: "plants a symlink output",
                program: "import os\nos.symlink('/etc/passwd', os.environ['REGISTRY_OUTPUT'] + '/weekly_station_incidents.csv')\n",
                reason: "weekly_station_incidents.csv"),
        Hostile(name: "connects to the network",
                program: "import socket\nsocket.create_connection(('127.0.0.1', 22), timeout=2)\n", reason: ""),
        Hostile(name: "writes an undeclared file",
                program: "import os\nopen(os.environ['REGISTRY_OUTPUT'] + '/leak.txt', 'w').write('x')\n", reason: "leak.txt"),
    ]

    @Test("a hostile product is a finding with a reason, never a crash", arguments: products)
    func hostile(_ product: Hostile) throws {
        let registry = try FixtureRegistry.withExampleProducts(["station-incident-hotspots"])
        defer { registry.remove() }
        let manifest = registry.url.appendingPathComponent("Products/station-incident-hotspots/product.yaml")
        let text = try String(contentsOf: manifest, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "time_limit_seconds: 30", with: "time_limit_seconds: 2").utf8).write(to: manifest)
        try writeFile(product.program, to: "Products/station-incident-hotspots/main.py", in: registry.url)
        try registry.git("commit", "-q", "-am", "Hostile variant")

        let run = try registry.registry("run", "station-incident-hotspots")
        #expect(run.status == 1, "\(product.name): exit \(run.status) \(run.stdout) \(run.stderr)")
        #expect(!run.crashed)
        #expect(run.stdout.contains("Run failed:"), "\(run.stdout)")
        if !product.reason.isEmpty { #expect(run.stdout.contains(product.reason), "\(run.stdout)") }
        #expect(!FileManager.default.fileExists(atPath: Self.canary))

        let check = try registry.registry("check", "station-incident-hotspots", "--json")
        #expect(check.status == 1)
        #expect(check.stdout.contains("\"passed\" : false"))
        #expect(check.stdout.contains("\"rule\" : \"run-outcome\"") || check.stdout.contains("\"rule\" : \"declared-outputs\""),
                "\(check.stdout.prefix(2000))")
        #expect(try registry.registry("list").status == 0, "the registry keeps working")
    }
}

/// The same containment when the registry itself runs as an unprivileged user (no run uid, no cgroup).
@Suite("Hostile products run by an unprivileged user")
struct UnprivilegedHostileTests {
    static let nobody: UInt32 = 65534

    static let products: [(name: String, program: String)] = [
        ("fork bomb", "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"),
        ("daemon left behind", "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(300)\nraise SystemExit(3)\n"),
        ("sleeps forever", "import time\ntime.sleep(1000)\n"),
    ]

    @Test("no process of the unprivileged user outlives a hostile run", .enabled(if: getuid() == 0, "needs root to switch users"))
    func unprivileged() throws {
        let registry = try FixtureRegistry.withExampleProducts(["station-incident-hotspots"])
        defer { registry.remove() }
        let manifest = registry.url.appendingPathComponent("Products/station-incident-hotspots/product.yaml")
        let text = try String(contentsOf: manifest, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "time_limit_seconds: 30", with: "time_limit_seconds: 2").utf8).write(to: manifest)
        let binary = try copyRegistryExecutables(to: registry.url, name: "registry-binary")
        try runProcess("/bin/chmod", ["755", registry.url.path])
        for product in Self.products {
            try writeFile(product.program, to: "Products/station-incident-hotspots/main.py", in: registry.url)
            try runProcess("/bin/chown", ["-R", "\(Self.nobody):\(Self.nobody)", registry.url.path])
            let result = try runProcess("/usr/bin/setpriv", [
                "--reuid=\(Self.nobody)", "--regid=\(Self.nobody)", "--clear-groups", "--",
                binary.path, "run", "station-incident-hotspots", "--working-tree",
            ], in: registry.url, environment: ["HOME": "/tmp", "PATH": "/usr/bin:/bin", "NO_COLOR": "1"])
            #expect(result.status == 1, "\(product.name): exit \(result.status): \(result.stdout) \(result.stderr)")
            #expect(result.stdout.contains("Run failed:"), "\(product.name): \(result.stdout)")
            #expect(result.stdout.contains("uid \(Self.nobody)"), "the run records that it ran unprivileged")
            usleep(300_000)
            #expect(Self.runningProcesses(of: Self.nobody).isEmpty, "\(product.name) left processes behind")
        }
    }

    /// Live (non-zombie) processes of a uid.
    static func runningProcesses(of uid: UInt32) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { Int32($0) != nil }.compactMap { pid in
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                  let uidLine = status.split(separator: "\n").first(where: { $0.hasPrefix("Uid:") }),
                  uidLine.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().first == Substring(String(uid)),
                  let state = status.split(separator: "\n").first(where: { $0.hasPrefix("State:") }),
                  !state.contains("Z") else { return nil }
            return pid
        }
    }
}
