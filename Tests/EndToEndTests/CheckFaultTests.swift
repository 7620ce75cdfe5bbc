import Foundation
import Glibc
import Testing
import TestSupport

/// `registry check` killed with SIGKILL at random moments never leaves a sandboxed process alive,
/// the next check removes every folder and cgroup the killed ones left and reaches a clean run's
/// verdict, two checks at once both succeed, and runs stage below `TMPDIR`.
@Suite("Killed and concurrent checks leave nothing behind", .serialized)
struct CheckFaultTests {
    struct Verdict: Decodable, Equatable {
        struct Product: Decodable, Equatable {
            struct Finding: Decodable, Equatable { let rule: String; let severity: String; let message: String }
            let id: String
            let passed: Bool
            let findings: [Finding]
        }
        let passed: Bool
        let products: [Product]
    }

    /// A registry whose product sleeps a little before its real work, so a kill can land mid-run,
    /// and a private `TMPDIR` that other users can traverse (the product runs as its own uid).
    /// With `user`, the registry runs as that unprivileged user (no run uid, no cgroup).
    struct Fixture {
        let registry: FixtureRegistry
        /// The private `TMPDIR`.
        let temporary: URL
        let user: UInt32?
        var environment: [String: String] {
            // The unprivileged user cannot read root's home (libgit2 looks for its .gitconfig there).
            ["TMPDIR": temporary.path].merging(user == nil ? [:] : ["HOME": "/tmp"]) { $1 }
        }

        init(user: UInt32? = nil) throws {
            registry = try FixtureRegistry.withExampleProducts(["station-incident-hotspots"])
            let main = registry.url.appendingPathComponent("Products/station-incident-hotspots/main.py")
            let program = try String(contentsOf: main, encoding: .utf8)
            try Data(("import time\ntime.sleep(0.2)\n" + program).utf8).write(to: main)
            try registry.git("commit", "-q", "-am", "Sleep a little before working")
            temporary = try makeTemporaryDirectory("registry-fault-tmp").url
            chmod(temporary.path, 0o711)
            self.user = user
            if let user {
                _ = try copyRegistryExecutables(to: registry.url, name: ".registry-binary")
                chmod(registry.url.path, 0o755)
                try runProcess("/bin/chown", ["-R", "\(user):\(user)", registry.url.path, temporary.path])
            }
        }

        /// The program and arguments that run `registry arguments` as the fixture's user.
        func command(_ arguments: [String]) -> (executable: String, arguments: [String]) {
            guard let user else { return (registryExecutable.path, arguments) }
            return ("/usr/bin/setpriv", ["--reuid=\(user)", "--regid=\(user)", "--clear-groups", "--",
                                         registry.url.appendingPathComponent(".registry-binary").path] + arguments)
        }

        /// Runs a check to its end and returns its exit status and verdict.
        func check(in registry: FixtureRegistry? = nil) throws -> (status: Int32, verdict: Verdict?, stderr: String) {
            let command = command(["check", "--no-cache", "--json"])
            let result = try runProcess(command.executable, command.arguments, in: (registry ?? self.registry).url,
                                        environment: fixtureGitEnvironment.merging(environment) { $1 })
            return (result.status, try? JSONDecoder().decode(Verdict.self, from: Data(result.stdout.utf8)), result.stderr)
        }

        /// Starts a check without waiting for it; its report goes to `report` when given.
        func startCheck(in registry: FixtureRegistry? = nil, report: URL? = nil) throws -> Process {
            let process = Process()
            let command = command(["check", "--no-cache", "--json"])
            process.executableURL = URL(fileURLWithPath: command.executable)
            process.arguments = command.arguments
            process.currentDirectoryURL = (registry ?? self.registry).url
            process.environment = fixtureGitEnvironment.merging(environment) { $1 }
            process.standardInput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            if let report {
                _ = FileManager.default.createFile(atPath: report.path, contents: nil)
                process.standardOutput = try FileHandle(forWritingTo: report)
            } else {
                process.standardOutput = FileHandle.nullDevice
            }
            try process.run()
            return process
        }

        func remove() {
            // Whatever a failed expectation left is removed by one more check, then the folders go.
            _ = try? check()
            try? FileManager.default.removeItem(at: temporary)
            registry.remove()
        }
    }

    @Test("kill -9 at random moments leaves no process, and the next check cleans up and agrees with a clean run")
    func killLoop() throws {
        try killLoop(Fixture(), kills: 24, seconds: 45)
    }

    @Test("the same as an unprivileged user, whose runs have no run uid or cgroup",
          .enabled(if: getuid() == 0, "needs root to switch users"))
    func unprivilegedKillLoop() throws {
        try killLoop(Fixture(user: 65534), kills: 9, seconds: 20)
    }

    private func killLoop(_ fixture: Fixture, kills limit: Int, seconds: Int64) throws {
        defer { fixture.remove() }
        let clock = ContinuousClock()
        let cleanStart = clock.now
        let clean = try fixture.check()
        let cleanMicroseconds = max(Int64((clock.now - cleanStart) / .microseconds(1)), 1)
        try #require(clean.verdict != nil, "a clean check reports a verdict: \(clean.status) \(clean.stderr)")

        var kills = 0
        var killedWhileSandboxed = 0
        var killsLeavingFolders = 0
        var killed: [Owner] = []
        var generator = SystemRandomNumberGenerator()
        let loopStart = clock.now
        while kills < limit && clock.now - loopStart < .seconds(seconds) {
            let process = try fixture.startCheck()
            let owner = Owner(pid: process.processIdentifier, marker: fixture.temporary.lastPathComponent)
            switch kills % 3 {
            case 0:
                // The launcher setting up, before or after it wrote the seccomp filter.
                _ = waitUntil(.seconds(5), pause: 0) { !Owner.children(of: owner.pid).isEmpty }
                usleep(UInt32.random(in: 0..<20_000, using: &generator))
            case 1:
                // bubblewrap setting up the sandbox, before it lets its child go on.
                _ = waitUntil(.seconds(5), pause: 0) { Owner.bubblewrapBelow(owner.pid) }
                usleep(UInt32.random(in: 0..<5_000, using: &generator))
            default:
                // Anywhere: preparing, running, collecting outputs, recording the result.
                usleep(UInt32(clamping: Int64.random(in: 0..<cleanMicroseconds, using: &generator)))
            }
            // Only the registry's children are read before the kill, which must not wait for a full scan.
            let seen = Owner.children(of: owner.pid).compactMap(Owner.RunProcess.init(pid:))
            kill(process.processIdentifier, SIGKILL)
            if !seen.isEmpty { killedWhileSandboxed += 1 }
            process.waitUntilExit()
            kills += 1
            killed.append(owner)

            // A launcher started just before the kill may still be loading on a loaded machine; it
            // then ends its run itself, so allow a few seconds (a leaked process stays for minutes).
            let gone = waitUntil(.seconds(8)) { owner.runProcesses(including: seen).isEmpty }
            #expect(gone, "kill \(kills): processes of the killed run still alive: \(owner.runProcesses(including: seen).map(\.diagnosis))")
            if !owner.leftovers(in: fixture.temporary).isEmpty { killsLeavingFolders += 1 }

            // Every second kill, a check to the end: it removes what the killed ones left and agrees with a clean run.
            if kills % 2 == 0 {
                let next = try fixture.check()
                #expect(next.status == clean.status && next.verdict == clean.verdict,
                        "kill \(kills): the next check differs from a clean one: \(next.stderr)")
                for owner in killed {
                    #expect(owner.leftovers(in: fixture.temporary).isEmpty,
                            "kill \(kills): left behind after the next check: \(owner.leftovers(in: fixture.temporary))")
                }
                killed = []
            }
        }
        print("check fault loop\(fixture.user.map { " as uid \($0)" } ?? ""): \(kills) kills, \(killedWhileSandboxed) while a launcher or sandbox ran, \(killsLeavingFolders) left folders or cgroups for the next check, \(Int((clock.now - loopStart).components.seconds)) s")
        #expect(kills >= limit / 2, "the loop ran only \(kills) kills")
        #expect(killedWhileSandboxed > 0, "no kill landed while a launcher or sandbox ran")
        #expect(killsLeavingFolders > 0, "no kill left anything for the next check to remove")
        let last = try fixture.check()
        #expect(last.verdict == clean.verdict)
        #expect(Owner.entries(in: fixture.temporary, prefix: "registry-").isEmpty)
    }

    @Test("two checks at once both succeed, and a check removes only dead registries' leftovers")
    func concurrentChecks() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let clean = try fixture.check()
        let second = try FixtureRegistry.withExampleProducts(["station-incident-hotspots"])
        defer { second.remove() }
        let secondMain = second.url.appendingPathComponent("Products/station-incident-hotspots/main.py")
        try FileManager.default.removeItem(at: secondMain)
        try FileManager.default.copyItem(at: fixture.registry.url.appendingPathComponent("Products/station-incident-hotspots/main.py"),
                                         to: secondMain)
        try second.git("commit", "-q", "-am", "Sleep a little before working")

        // A stage of a registry that is gone, and one of a live process that is not a registry (not
        // this test process: the sandbox suites stage runs from it while this test runs).
        let dead = try Owner.exited()
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["600"]
        try sleeper.run()
        // SIGKILL: the child inherits this process's signal mask, which blocks SIGTERM.
        defer { kill(sleeper.processIdentifier, SIGKILL); sleeper.waitUntilExit() }
        let live = Owner(pid: sleeper.processIdentifier)
        for owner in [dead, live] {
            try FileManager.default.createDirectory(at: fixture.temporary.appendingPathComponent("registry-sandbox-\(owner.token)-planted/output"),
                                                    withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: fixture.temporary.appendingPathComponent("registry-run-\(owner.token)-planted"),
                                                    withIntermediateDirectories: true)
        }

        var overlapping = 0
        for round in 1...3 {
            let reports = [1, 2].map { fixture.temporary.appendingPathComponent("report-\($0).json") }
            let processes = [try fixture.startCheck(report: reports[0]), try fixture.startCheck(in: second, report: reports[1])]
            let owners = processes.map { Owner(pid: $0.processIdentifier) }
            // Both runs are staged at the same moment at least once, or the round proves nothing.
            if waitUntil(.seconds(10), {
                owners.allSatisfy { !Owner.entries(in: fixture.temporary, prefix: "registry-sandbox-\($0.token)-").isEmpty }
            }) { overlapping += 1 }
            for (process, report) in zip(processes, reports) {
                process.waitUntilExit()
                let verdict = try? JSONDecoder().decode(Verdict.self, from: Data(contentsOf: report))
                #expect(process.terminationStatus == clean.status && verdict == clean.verdict,
                        "round \(round): a check run next to another differs from a clean one (exit \(process.terminationStatus))")
                try FileManager.default.removeItem(at: report)
            }
        }
        print("concurrent checks: \(overlapping) of 3 rounds had both runs staged at once")
        #expect(overlapping > 0, "the two checks never ran at the same time")
        #expect(dead.leftovers(in: fixture.temporary).isEmpty, "a dead registry's folders are removed")
        #expect(live.leftovers(in: fixture.temporary).count == 2, "a live process's folders are kept")
        for name in live.leftovers(in: fixture.temporary) {
            try FileManager.default.removeItem(at: fixture.temporary.appendingPathComponent(name))
        }
    }

    @Test("runs stage below TMPDIR, and a TMPDIR closed to the run's uid is refused in one sentence")
    func temporaryFolder() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let process = try fixture.startCheck()
        let owner = Owner(pid: process.processIdentifier)
        let staged = waitUntil(.seconds(10)) {
            Owner.entries(in: fixture.temporary, prefix: "registry-sandbox-\(owner.token)").count == 1
        }
        process.waitUntilExit()
        #expect(staged, "the run's stage was created below TMPDIR")
        #expect(Owner.entries(in: URL(fileURLWithPath: "/tmp"), prefix: "registry-sandbox-\(owner.token)").isEmpty)
        #expect(Owner.entries(in: URL(fileURLWithPath: "/tmp"), prefix: "registry-run-\(owner.token)").isEmpty)
        #expect(owner.leftovers(in: fixture.temporary).isEmpty, "a finished check removes its own folders")

        if getuid() == 0 {
            chmod(fixture.temporary.path, 0o700)
            defer { chmod(fixture.temporary.path, 0o711) }
            let closed = try fixture.check()
            #expect(closed.status == 2)
            #expect(closed.stderr.contains("TMPDIR") && closed.stderr.contains(fixture.temporary.path), "\(closed.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.temporary.path).isEmpty, "a refused check left its scratch folders")
        }

        // A TMPDIR that does not exist is named, not created (private to the registry's user, as
        // it would be, the run's uid could not reach it).
        let missing = fixture.temporary.appendingPathComponent("missing/tmp")
        let result = try fixture.registry.registry(["check", "--no-cache", "station-incident-hotspots"], environment: ["TMPDIR": missing.path])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("registry: Could not write '\(missing.path)/registry-run-"), "\(result.stderr)")
        #expect(result.stderr.contains("TMPDIR") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: missing.deletingLastPathComponent().path), "the registry created the missing TMPDIR")
    }

    @Test("with TMPDIR unset, runs stage in /dev/shm when it is a memory file system with room, else in /tmp")
    func runFolderWithoutTemporaryDirectory() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        // The rule as `stat` and `df` see it: a tmpfs, world-writable and sticky, with 1 GiB free.
        let type = try runProcess("/usr/bin/stat", ["-f", "-c", "%T", "/dev/shm"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let mode = try runProcess("/usr/bin/stat", ["-c", "%a", "/dev/shm"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let free = try runProcess("/usr/bin/df", ["--output=avail", "-B1", "/dev/shm"]).stdout
            .split(separator: "\n").last.flatMap { UInt64($0.trimmingCharacters(in: .whitespaces)) } ?? 0
        let expected = type == "tmpfs" && mode == "1777" && free >= 1 << 30 ? "/dev/shm" : "/tmp"
        let other = expected == "/tmp" ? "/dev/shm" : "/tmp"

        let process = Process()
        process.executableURL = registryExecutable
        process.arguments = ["check", "--no-cache", "--json"]
        process.currentDirectoryURL = fixture.registry.url
        process.environment = fixtureGitEnvironment.filter { $0.key != "TMPDIR" }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let owner = Owner(pid: process.processIdentifier)
        var seenElsewhere = false
        let staged = waitUntil(.seconds(10)) {
            seenElsewhere = seenElsewhere || !Owner.entries(in: URL(fileURLWithPath: other), prefix: "registry-sandbox-\(owner.token)").isEmpty
            return Owner.entries(in: URL(fileURLWithPath: expected), prefix: "registry-sandbox-\(owner.token)").count == 1
                && Owner.entries(in: URL(fileURLWithPath: expected), prefix: "registry-run-\(owner.token)").count == 1
        }
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(staged, "the run's scratch and stage were created below \(expected)")
        #expect(!seenElsewhere, "nothing of the run was staged below \(other)")
        #expect(owner.leftovers(in: URL(fileURLWithPath: expected)).isEmpty, "a finished check removes its own folders")
    }
}

/// A registry process seen from the outside, by the owner token its folders and cgroups carry.
struct Owner {
    /// One process of a run, with its start time so a reused pid is not taken for it.
    struct RunProcess: Hashable, CustomStringConvertible {
        let pid: String
        let startTime: String
        let command: String
        var description: String { "\(pid) \(command.prefix(100))" }

        /// The process with what it is doing, for a failure message.
        var diagnosis: String {
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            let lines = status.split(separator: "\n").filter { line in
                ["State:", "PPid:", "Uid:", "SigPnd:", "ShdPnd:", "NSpid:"].contains { line.hasPrefix($0) }
            }
            let wchan = (try? String(contentsOfFile: "/proc/\(pid)/wchan", encoding: .utf8)) ?? ""
            return "\(description) [\(lines.joined(separator: "; ")); wchan \(wchan)]"
        }

        init(pid: String, startTime: String, command: String) {
            self.pid = pid
            self.startTime = startTime
            self.command = command
        }

        /// The process as it is now, if it runs.
        init?(pid: pid_t) {
            guard let fields = Owner.stat(of: String(pid)), fields.count > 19 else { return nil }
            self.init(pid: String(pid), startTime: String(fields[19]), command: Owner.command(of: String(pid)))
        }
    }

    let pid: pid_t
    let token: String
    /// A name on the command line of every launcher and bubblewrap process of the registry's runs.
    let marker: String

    init(pid: pid_t, marker: String = "") {
        self.pid = pid
        token = "\(pid).\(Self.stat(of: String(pid)).map { $0.count > 19 ? String($0[19]) : "?" } ?? "?")"
        self.marker = marker
    }

    /// A process that has already ended, so its token names a dead owner.
    static func exited() throws -> Owner {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sleep")
        process.arguments = ["0.2"]
        try process.run()
        let owner = Owner(pid: process.processIdentifier)
        process.waitUntilExit()
        return owner
    }

    /// Live processes of this registry's runs, plus those of `earlier` still alive: a command
    /// line naming the marker, a stage or the owner, a cgroup named after the owner (as root,
    /// every process of a run, product included), or a descendant of any of those or of the registry.
    func runProcesses(including earlier: [RunProcess] = []) -> [RunProcess] {
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { Int32($0) != nil }
        var markers = ["registry-sandbox-\(token)"] + (marker.isEmpty ? [] : [marker])
        // Stage names on the earlier processes' command lines find their orphans too.
        for process in earlier {
            var rest = Substring(process.command)
            while let found = rest.range(of: "registry-sandbox-") {
                let name = rest[found.lowerBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }
                markers.append(String(name))
                rest = rest[found.upperBound...]
            }
        }
        var parents: [String: String] = [:]
        var live: [String: RunProcess] = [:]
        var matched = Set<String>()
        for pid in entries where Int32(pid) != getpid() {
            guard let fields = Self.stat(of: pid), fields.count > 19, fields[0] != "Z" else { continue }
            let command = Self.command(of: pid)
            let groups = (try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)) ?? ""
            parents[pid] = String(fields[1])
            live[pid] = RunProcess(pid: pid, startTime: String(fields[19]), command: command)
            if markers.contains(where: { command.contains($0) || groups.contains($0) }) { matched.insert(pid) }
        }
        for process in earlier where live[process.pid]?.startTime == process.startTime { matched.insert(process.pid) }
        // Descendants of the registry and of every matched process.
        var roots = matched.union([String(pid)])
        var grew = true
        while grew {
            grew = false
            for (child, parent) in parents where roots.contains(parent) && !roots.contains(child) {
                roots.insert(child)
                matched.insert(child)
                grew = true
            }
        }
        return matched.compactMap { live[$0] }.sorted { $0.pid < $1.pid }
    }

    /// Stage and scratch folders below `folder` and cgroups this owner's runs left.
    func leftovers(in folder: URL) -> [String] {
        var found = Self.entries(in: folder, prefix: "registry-sandbox-\(token)-")
            + Self.entries(in: folder, prefix: "registry-run-\(token)-")
        let groups = ((try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? "").split(separator: "\n")
        for controller in ["memory", "pids", "cpuacct"] {
            let own = groups.first { $0.split(separator: ":", maxSplits: 2).dropFirst().first?.split(separator: ",").contains(Substring(controller)) ?? false }
            let path = own.map { String($0.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).last ?? "") } ?? ""
            for parent in Set(["/sys/fs/cgroup/\(controller)", "/sys/fs/cgroup/\(controller)\(path)"]) {
                found += Self.entries(in: URL(fileURLWithPath: parent), prefix: "registry-sandbox-\(token)-").map { "\(parent)/\($0)" }
            }
        }
        return found
    }

    static func entries(in folder: URL, prefix: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasPrefix(prefix) }
    }

    /// The children of a process, read from its threads' `children` files (fast enough to aim a kill).
    static func children(of pid: pid_t) -> [pid_t] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.flatMap { task in
            ((try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? "")
                .split(separator: " ").compactMap { pid_t($0) }
        }
    }

    /// Whether bubblewrap runs among the registry's children or grandchildren.
    static func bubblewrapBelow(_ pid: pid_t) -> Bool {
        let launchers = children(of: pid)
        return (launchers + launchers.flatMap(children(of:))).contains { child in
            FileManager.default.contents(atPath: "/proc/\(child)/cmdline")?.starts(with: Data("/usr/bin/bwrap".utf8)) ?? false
        }
    }

    static func command(of pid: String) -> String {
        String(decoding: FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data(), as: UTF8.self)
            .replacingOccurrences(of: "\u{0}", with: " ")
    }

    /// The fields of `/proc/PID/stat` after the command name: [0] is the state, [1] the parent, [19] the start time.
    static func stat(of pid: String) -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }
}

/// Polls `condition` every `pause` microseconds until it holds or `limit` passes; returns whether it held.
func waitUntil(_ limit: Duration, pause: UInt32 = 10_000, _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock().now + limit
    while ContinuousClock().now < deadline {
        if condition() { return true }
        usleep(pause)
    }
    return condition()
}
