import Foundation
import RegistrySupport
import TestSupport
import Testing

/// Product environments through the built binary: locks refused line by line, environments built
/// outside the sandbox and mounted read-only inside it, run records naming what ran.
@Suite("Product environments", .serialized)
struct ProductEnvironmentTests {
    private static let product = "station-crowding"

    /// A clone of the example registry with a product scaffolded by `registry new --language python`
    /// (pandas, pinned), its entry point replaced by `entryPoint` and its lock by the fixture `lock`
    /// when given, committed. The clone's folder stays private (0700), as `mktemp -d` makes it.
    private func registry(lock: String?, entryPoint: String?) throws -> FixtureRegistry {
        let registry = try FixtureRegistry.cloneOfExamples()
        let created = try registry.registry("new", Self.product, "--language", "python")
        #expect(created.status == 0, "\(created.stderr)")
        if let entryPoint { try writeFile(entryPoint, to: "Products/\(Self.product)/main.py", in: registry.url) }
        if let lock {
            let text = try String(contentsOf: packageRoot.appendingPathComponent("Tests/Fixtures/environments/\(lock)"), encoding: .utf8)
            try writeFile(text, to: "Products/\(Self.product)/requirements.lock", in: registry.url)
        }
        let registered = try registry.registry("register", Self.product, "-m", "A product with a pinned environment")
        #expect(registered.status == 0, "\(registered.stderr)")
        return registry
    }

    /// Counts incidents with pandas, and says on stdout which pandas ran and whether a socket opened.
    private static let pandasEntryPoint = """
        #!/usr/bin/env python3
        import os, socket, sys
        import pandas
        try:
            socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            print("network socket opened")
        except OSError:
            print("network refused")
        print("pandas", pandas.__version__, "from", pandas.__file__, "python", sys.executable)
        frame = pandas.read_csv(os.path.join(os.environ["REGISTRY_INPUT"], "incidents.csv"))
        counts = frame.groupby(["station_id", "incident_week"]).size().reset_index(name="incident_count")
        counts = counts[counts["incident_count"] >= 11]
        counts.to_csv(os.path.join(os.environ["REGISTRY_OUTPUT"], "station_counts.csv"), index=False, lineterminator="\\n")

        """

    /// Writes the output with the standard library and names the tzdata version it can import.
    private static let tzdataEntryPoint = """
        #!/usr/bin/env python3
        import os
        from importlib.metadata import version
        print("tzdata", version("tzdata"))
        with open(os.path.join(os.environ["REGISTRY_OUTPUT"], "station_counts.csv"), "w") as out:
            out.write("station_id,incident_week,incident_count\\nSTN-014,2026-W14,14\\n")

        """

    @Test("an unpinned, unhashed or URL line is refused by validate and env build, naming the file and line")
    func badLockLines() throws {
        let registry = try self.registry(lock: nil, entryPoint: Self.tzdataEntryPoint)
        defer { registry.remove() }
        let hash = "--hash=sha256:" + String(repeating: "a", count: 64)
        let cases: [(lock: String, line: Int, words: String)] = [
            ("# pinned\npandas>=2.0 \(hash)\n", 2, "is not pinned to one version"),
            ("tzdata==2026.6 \(hash)\nnumpy==2.4.6\n", 2, "has no hash"),
            ("--index-url https://example.org/simple\n", 1, "is not allowed in a lock"),
            ("tzdata==2026.6 \\\n    \(hash)\ntzdata @ https://example.org/tzdata.whl \(hash)\n", 3, "is a URL or path"),
            ("-e ./local\n", 1, "is not allowed in a lock"),
        ]
        for item in cases {
            try writeFile(item.lock, to: "Products/\(Self.product)/requirements.lock", in: registry.url)
            let validated = try registry.registry("validate", Self.product)
            #expect(validated.status == 1)
            #expect((validated.stdout + validated.stderr).contains("Products/\(Self.product)/requirements.lock:\(item.line): "),
                    "\(validated.stdout)\(validated.stderr)")
            #expect((validated.stdout + validated.stderr).contains(item.words), "\(validated.stdout)")
            _ = try registry.git("add", "-A")
            _ = try registry.git("commit", "--quiet", "-m", "A bad lock")
            let built = try registry.registry("env", "build", Self.product)
            #expect(built.status == 1, "\(built.stderr)")
            #expect(built.stderr.contains("requirements.lock:\(item.line): "), "\(built.stderr)")
            #expect(built.stderr.split(separator: "\n").count == 1, "one sentence, no trace: \(built.stderr)")
        }
    }

    @Test("the lock is part of the content digest, so changing it voids an approval")
    func lockVoidsApproval() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let status = try registry.registry("status", "--json")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let products = try #require(document["products"] as? [[String: Any]])
        let approved = try #require(products.first { $0["state"] as? String == "approved" })
        let id = try #require(approved["id"] as? String)
        let before = try #require(approved["content_sha256"] as? String)
        try writeFile(try String(contentsOf: packageRoot.appendingPathComponent("Tests/Fixtures/environments/tzdata.lock"), encoding: .utf8),
                      to: "Products/\(id)/requirements.lock", in: registry.url)
        _ = try registry.git("add", "-A")
        _ = try registry.git("commit", "--quiet", "-m", "Pin tzdata")
        let after = try registry.registry("status", id, "--json")
        #expect(after.status == 1)
        #expect(after.stdout.contains("\"state\" : \"changed\""), "\(after.stdout)")
        #expect(!after.stdout.contains(before))
    }

    @Test("an environment that is not built fails check with a finding naming 'registry env build', and run exits 2")
    func notBuilt() throws {
        let registry = try self.registry(lock: "tzdata.lock", entryPoint: Self.tzdataEntryPoint)
        defer { registry.remove() }
        let checked = try registry.registry("check", Self.product, "--json")
        #expect(checked.status == 1, "\(checked.stderr)")
        #expect(checked.stdout.contains("\"rule\" : \"environment\""), "\(checked.stdout)")
        #expect(checked.stdout.contains("registry env build \(Self.product)"), "\(checked.stdout)")
        let run = try registry.registry("run", Self.product)
        #expect(run.status == 2)
        #expect(run.stderr.contains("registry env build \(Self.product)"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: registry.url.appendingPathComponent(".registry/envs").path),
                "check never builds (and so never reaches the network) itself")
    }

    @Test("env build installs the scaffolded pandas lock; run and check use it from /env with the network refused")
    func pandasInSandbox() throws {
        let registry = try self.registry(lock: nil, entryPoint: nil)
        defer { registry.remove() }
        let built = try registry.registry("env", "build", "--all", "--json")
        #expect(built.status == 0, "\(built.stderr)")
        #expect(built.stdout.contains("\"state\" : \"built\""), "\(built.stdout)")
        let again = try registry.registry("env", "build", Self.product)
        #expect(again.status == 0)
        #expect(again.stdout.contains("cached"), "\(again.stdout)")

        // The scaffolded pandas entry point, as committed.
        let kept = registry.url.appendingPathComponent("kept")
        let run = try registry.registry("run", Self.product, "--json", "--keep-output", kept.path)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(try String(contentsOf: kept.appendingPathComponent("station_counts.csv"), encoding: .utf8) == """
            station_id,incident_week,incident_count
            STN-014,2026-W14,14
            STN-014,2026-W15,12
            STN-022,2026-W15,11
            STN-031,2026-W15,16

            """)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let record = try #require(report["record"] as? [String: Any])
        let environment = try #require(record["environment"] as? [String: Any])
        #expect(environment["interpreter"] as? String == "/env/bin/python3")
        #expect((environment["interpreter_version"] as? String)?.hasPrefix("3.11") == true)
        #expect((environment["digest"] as? String)?.count == 64)
        let distributions = try #require(environment["distributions"] as? [[String: String]])
        #expect(distributions.contains(["name": "pandas", "version": "2.2.3"]))
        #expect(distributions.contains(["name": "numpy", "version": "2.4.6"]))

        // Which pandas runs, and whether the network is there, with the same lock (so the same environment).
        try writeFile(Self.pandasEntryPoint, to: "Products/\(Self.product)/main.py", in: registry.url)
        let probe = try registry.registry("run", Self.product, "--working-tree", "--json")
        #expect(probe.status == 0, "\(probe.stdout)\(probe.stderr)")
        let probeReport = try #require(try JSONSerialization.jsonObject(with: Data(probe.stdout.utf8)) as? [String: Any])
        let stdout = try #require(probeReport["stdout"] as? String)
        #expect(stdout.contains("network refused"), "\(stdout)")
        #expect(stdout.contains("pandas 2.2.3 from /env/lib/python3.11/site-packages/pandas/__init__.py python /env/bin/python3"), "\(stdout)")

        let checked = try registry.registry("check", Self.product, "--json")
        #expect(checked.status == 0, "\(checked.stdout)")
        #expect(checked.stdout.contains("\"interpreter\" : \"\\/env\\/bin\\/python3\"") || checked.stdout.contains("\"interpreter\" : \"/env/bin/python3\""), "\(checked.stdout)")
        #expect(!checked.stdout.contains("\"rule\" : \"environment\""))
        #expect(checked.stdout.contains("\"rule\" : \"reproducible\"") == false, "both runs used the same environment and agree")

        let site = registry.url.appendingPathComponent("site")
        let catalog = try registry.registry("catalog", "build", "--out", site.path)
        #expect(catalog.status == 0, "\(catalog.stderr)")
        let page = try String(contentsOf: site.appendingPathComponent("products/\(Self.product).html"), encoding: .utf8)
        #expect(page.contains("pandas 2.2.3"), "the product page lists the installed distributions")
        #expect(page.contains("numpy 2.4.6"))
        #expect(page.contains("/env/bin/python3"))
    }

    @Test("a clone in a 0700 folder, its environment built under umask 077, checks the pandas product as root and as its unprivileged owner")
    func closedCloneFolder() throws {
        let registry = try self.registry(lock: nil, entryPoint: nil)
        defer { registry.remove() }
        #expect(try FileManager.default.attributesOfItem(atPath: registry.url.path)[.posixPermissions] as? Int == 0o700)
        let built = try runProcess("/bin/sh", ["-c", "umask 077 && exec \"$0\" \"$@\"", registryExecutable.path, "env", "build", "--all"],
                                   in: registry.url)
        #expect(built.status == 0, "\(built.stdout)\(built.stderr)")

        // Built with the mask 022, not the caller's 077: from `.registry/envs` down, every folder
        // enterable, every file readable and every program runnable by the product's own uid.
        let envs = registry.url.appendingPathComponent(".registry/envs")
        let environment = try #require(try FileManager.default.contentsOfDirectory(atPath: envs.path).first { !$0.hasPrefix(".") })
        let root = envs.path
        var closed: [String] = []
        for relative in ["", environment] + (FileManager.default.subpaths(atPath: root + "/" + environment) ?? []).map({ environment + "/" + $0 }) {
            var info = stat()
            guard lstat(root + "/" + relative, &info) == 0, info.st_mode & S_IFMT != S_IFLNK else { continue }
            let needed: mode_t = info.st_mode & S_IFMT == S_IFDIR || info.st_mode & 0o100 != 0 ? 0o005 : 0o004
            if info.st_mode & needed != needed { closed.append(relative) }
        }
        #expect(closed.isEmpty, "not open to the run's uid: \(closed.prefix(5))")

        let checked = try registry.registry("check", Self.product, "--json")
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        #expect(checked.stdout.contains("\"interpreter\" : \"\\/env\\/bin\\/python3\"") || checked.stdout.contains("\"interpreter\" : \"/env/bin/python3\""),
                "\(checked.stdout)")
        #expect(!checked.stdout.contains("\"rule\" : \"environment\""), "\(checked.stdout)")

        // Killed at random moments while the environment is bound: the bind lives only in the
        // run's mount namespace, so the host never holds it, and the next run agrees with a clean one.
        let outputLine = { (text: String) in text.split(separator: "\n").first { $0.contains("station_counts.csv") }.map(String.init) }
        let clean = try registry.registry("run", Self.product)
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        var landed = 0
        for _ in 0..<8 where try killRegistry(["run", Self.product], in: registry.url, after: UInt32.random(in: 50_000..<1_200_000)) {
            landed += 1
        }
        print("closed clone kill loop: \(landed) of 8 kills landed during a run")
        let mounts = String(decoding: FileManager.default.contents(atPath: "/proc/self/mountinfo") ?? Data(), as: UTF8.self)
        #expect(mounts.contains(" / ") && !mounts.contains("registry-sandbox-"), "a run's bind reached the host")
        let after = try registry.registry("run", Self.product)
        #expect(after.status == 0, "\(after.stdout)\(after.stderr)")
        #expect(outputLine(after.stdout) != nil && outputLine(after.stdout) == outputLine(clean.stdout), "\(after.stdout)")

        // The same clone owned and checked by an unprivileged user: no run uid, so bubblewrap
        // mounts the environment straight from the clone, which its owner can always reach.
        guard getuid() == 0 else { return }
        let nobody: UInt32 = 65534
        let binary = try copyRegistryExecutables(to: registry.url, name: ".registry-binary")
        try runProcess("/bin/chown", ["-R", "\(nobody):\(nobody)", registry.url.path])
        let unprivileged = try runProcess("/usr/bin/setpriv", [
            "--reuid=\(nobody)", "--regid=\(nobody)", "--clear-groups", "--", binary.path, "check", Self.product, "--json", "--no-cache",
        ], in: registry.url, environment: ["HOME": "/tmp", "PATH": "/usr/bin:/bin", "NO_COLOR": "1"])
        #expect(unprivileged.status == 0, "\(unprivileged.stdout)\(unprivileged.stderr)")
        #expect(!unprivileged.stdout.contains("\"rule\" : \"environment\""), "\(unprivileged.stdout)")
    }

    @Test("an environment whose manifest names another lock than the product declares fails check")
    func otherEnvironment() throws {
        let registry = try self.registry(lock: "tzdata.lock", entryPoint: Self.tzdataEntryPoint)
        defer { registry.remove() }
        let built = try registry.registry("env", "build", Self.product, "--json")
        #expect(built.status == 0, "\(built.stderr)")
        #expect(try registry.registry("check", Self.product).status == 0)
        let envs = registry.url.appendingPathComponent(".registry/envs")
        let folder = try #require(try FileManager.default.contentsOfDirectory(atPath: envs.path).first { !$0.hasPrefix(".") })
        let manifest = envs.appendingPathComponent("\(folder)/environment.json")
        let text = try String(contentsOf: manifest, encoding: .utf8)
        let swapped = text.replacingOccurrences(of: #""lock_sha256" : "[0-9a-f]{64}""#, with: "\"lock_sha256\" : \"\(String(repeating: "b", count: 64))\"",
                                                options: .regularExpression)
        #expect(swapped != text)
        try Data(swapped.utf8).write(to: manifest)
        let checked = try registry.registry("check", Self.product, "--json")
        #expect(checked.status == 1, "\(checked.stdout)")
        #expect(checked.stdout.contains("\"rule\" : \"environment\""), "\(checked.stdout)")
        #expect(checked.stdout.contains("was built from lock bbbbbbbbbbbb"), "\(checked.stdout)")
    }

    @Test("a product without a lock runs with the system interpreter and its record says so")
    func systemInterpreter() throws {
        let registry = try FixtureRegistry.withExampleProducts(["station-incident-hotspots"])
        defer { registry.remove() }
        let run = try registry.registry("run", "station-incident-hotspots", "--json")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\"interpreter\" : \"system interpreter\""), "\(run.stdout)")
        #expect(run.stdout.contains("\"digest\"") == false)
        // The version is probed beside the product run; the record must still carry it, and the system's own.
        let python = try runProcess("/usr/bin/python3", ["-c", "import sys; print(sys.version.split()[0])"])
        let version = python.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!version.isEmpty)
        #expect(run.stdout.contains("\"interpreter_version\" : \"\(version)\""), "\(run.stdout)")
    }

    @Test("env build killed with SIGKILL at random moments never leaves an environment a run would use")
    func killedBuilds() throws {
        let registry = try self.registry(lock: "tzdata.lock", entryPoint: Self.tzdataEntryPoint)
        defer { registry.remove() }
        let envs = registry.url.appendingPathComponent(".registry/envs")
        // The killed builds get a temporary folder of their own, which must stay empty: a kill skips
        // every clean-up, so whatever a build keeps outside its registry would stay behind.
        let temporary = try makeTemporaryDirectory("registry-env-kill-tmp")
        defer { temporary.remove() }
        var killedBeforeFinishing = 0
        var rounds = 0
        let started = Date()
        for round in 0..<8 {
            rounds += 1
            if try killRegistry(["env", "build", Self.product], in: registry.url, after: UInt32(200_000 + round * 600_000),
                                environment: ["TMPDIR": temporary.url.path]) {
                killedBeforeFinishing += 1
            }
            // Whatever the kill left, a run either finds no environment or a whole one.
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: envs.path)) ?? []
            for entry in entries where !entry.hasPrefix(".") {
                #expect(FileManager.default.fileExists(atPath: envs.appendingPathComponent("\(entry)/environment.json").path),
                        "round \(round): '\(entry)' is in place without its manifest")
            }
            let run = try registry.registry("run", Self.product)
            if entries.contains(where: { !$0.hasPrefix(".") }) {
                #expect(run.status == 0, "round \(round): \(run.stdout)\(run.stderr)")
            } else {
                #expect(run.status == 2 && run.stderr.contains("registry env build"), "round \(round): \(run.stderr)")
            }
            // Once a build finished, the rest of the loop only shows that a cached environment survives kills.
            if entries.contains(where: { !$0.hasPrefix(".") }) && round >= 4 { break }
        }
        let finished = try registry.registry("env", "build", Self.product)
        #expect(finished.status == 0, "\(finished.stderr)")
        let run = try registry.registry("run", Self.product)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("tzdata 2026.6"), "\(run.stdout)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: envs.path).filter { $0.hasPrefix(".building-") }
        #expect(leftovers.isEmpty, "the finished build removed what killed builds left: \(leftovers)")
        let outside = try FileManager.default.contentsOfDirectory(atPath: temporary.url.path)
        #expect(outside.isEmpty, "killed builds left files in their temporary folder: \(outside)")
        print("env build kill loop: \(killedBeforeFinishing) of \(rounds) builds killed before finishing, \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        #expect(killedBeforeFinishing > 0)
    }
}
