import Foundation
import Testing
import TestSupport

/// The audit trail in git (`refs/registry/audit`), `register` under kills and stale locks, and a
/// damaged index, through the built binary and stock git.
@Suite("Audit trail and register faults")
struct AuditTrailTests {
    static let product = "station-incident-hotspots"
    static let reference = "refs/registry/audit"

    struct Verdict: Decodable {
        let state: String
        let intact: Bool
        let passed: Bool
        let entry_count: Int
        let problems: [String]
        let repaired: [String]
    }

    /// A fixture registry whose audit trail was started (by `registry index`), with one registered change.
    private func registryWithOneRegistration() throws -> FixtureRegistry {
        let registry = try FixtureRegistry.withExampleProducts([Self.product])
        #expect(try registry.registry("index").status == 0)
        try edit(registry, "First note")
        let registered = try registry.registry("register", Self.product, "-m", "First note")
        #expect(registered.status == 0, "\(registered.stderr)")
        return registry
    }

    /// Changes the product and raises its patch version, as register requires for new content.
    private func edit(_ registry: FixtureRegistry, _ text: String) throws {
        try writeFile(text + "\n", to: "Products/\(Self.product)/NOTES.md", in: registry.url)
        let manifest = registry.url.appendingPathComponent("Products/\(Self.product)/product.yaml")
        let yaml = try String(contentsOf: manifest, encoding: .utf8)
        let version = try #require(yaml.firstMatch(of: /\nversion: "([0-9]+)\.([0-9]+)\.([0-9]+)"/))
        let raised = "\nversion: \"\(version.1).\(version.2).\(Int(version.3)! + 1)\""
        try Data(yaml.replacingCharacters(in: version.range, with: raised).utf8).write(to: manifest)
    }

    private func verify(_ registry: FixtureRegistry) throws -> (result: ProcessResult, verdict: Verdict?) {
        try verify(at: registry.url)
    }

    private func verify(at url: URL) throws -> (result: ProcessResult, verdict: Verdict?) {
        let result = try runRegistry(["audit", "verify", "--json"], in: url)
        return (result, try? JSONDecoder().decode(Verdict.self, from: Data(result.stdout.utf8)))
    }

    /// Commits on the branch that carry register's trailer, read with stock git.
    private func registeredCommits(_ registry: FixtureRegistry) throws -> [String] {
        try registry.git("log", "--format=%H %(trailers:key=Registry-Command,valueonly,separator=%x2C)")
            .split(separator: "\n").compactMap { line in
                let parts = line.split(separator: " ", maxSplits: 1)
                return parts.count == 2 ? String(parts[0]) : nil
            }
    }

    /// How many `register` entries of the trail name each commit, read with stock git.
    private func registerEntries(_ registry: FixtureRegistry) throws -> [String: Int] {
        let messages = try registry.git("log", "--first-parent", "--format=%B%x00", Self.reference)
        var counts: [String: Int] = [:]
        for message in messages.split(separator: "\0") where message.contains("\nCommand: register\n") {
            if let line = message.split(separator: "\n").first(where: { $0.hasPrefix("Commit: ") }) {
                counts[String(line.dropFirst("Commit: ".count)), default: 0] += 1
            }
        }
        return counts
    }

    /// Starts `registry register` in the background, its output discarded.
    private func startRegister(in registry: FixtureRegistry, message: String) throws -> Process {
        let process = Process()
        process.executableURL = registryExecutable
        process.arguments = ["register", Self.product, "-m", message]
        process.currentDirectoryURL = registry.url
        process.environment = fixtureGitEnvironment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Git lock files a killed process can leave behind.
    private func staleLocks(_ registry: FixtureRegistry) -> [URL] {
        [".git/index.lock", ".git/refs/heads/main.lock", ".git/\(Self.reference).lock"]
            .map { registry.url.appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
    }

    @Test("register killed at random moments: every registered commit ends with exactly one audit entry, the staging area is never stale")
    func killLoop() throws {
        let registry = try registryWithOneRegistration()
        defer { registry.remove() }
        // When a register moves the branch and when it ends, measured here, so the kills land in it.
        try edit(registry, "Timing run")
        let timing = try startRegister(in: registry, message: "Timing run")
        let branch = registry.url.appendingPathComponent(".git/refs/heads/main")
        let before = try String(contentsOf: branch, encoding: .utf8)
        let started = Date()
        var branchMoved: TimeInterval?
        while timing.isRunning {
            if branchMoved == nil, (try? String(contentsOf: branch, encoding: .utf8)) != before {
                branchMoved = Date().timeIntervalSince(started)
            }
            usleep(500)
        }
        let duration = max(Date().timeIntervalSince(started), 0.05)
        var commitMoment = try #require(branchMoved)

        var kills = 0, repairedByVerify = 0, lockStops = 0, auditLocksCleared = 0
        var generator = SystemRandomNumberGenerator()
        let deadline = Date().addingTimeInterval(45)
        for round in 0..<24 where Date() < deadline {
            try edit(registry, "Round \(round)")
            let tipBefore = try String(contentsOf: branch, encoding: .utf8)
            let process = try startRegister(in: registry, message: "Round \(round)")
            // Odd rounds anywhere in the command, even rounds in the moments around the branch move,
            // where a commit can be left without its entry.
            let moment = round % 2 == 1 ? Double.random(in: 0...duration, using: &generator)
                : Double.random(in: max(0, commitMoment - 0.01)...(commitMoment + 0.02), using: &generator)
            usleep(UInt32(moment * 1_000_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            kills += 1
            if round % 2 == 0 {
                // The machine's load changes how long a register takes: follow the branch move.
                let moved = (try? String(contentsOf: branch, encoding: .utf8)) != tipBefore
                commitMoment = max(0.01, commitMoment + (moved ? -0.004 : 0.01))
            }

            let locks = staleLocks(registry)
            let auditLock = registry.url.appendingPathComponent(".git/\(Self.reference).lock")
            if !locks.isEmpty {
                try edit(registry, "Blocked \(round)")
                let blocked = try registry.registry("register", Self.product, "-m", "Blocked \(round)")
                if locks == [auditLock] {
                    // The trail's own lock, left by a killed registry: the next registry command clears it.
                    #expect(blocked.status == 0, "round \(round): \(blocked.stderr)")
                    #expect(!FileManager.default.fileExists(atPath: auditLock.path), "round \(round): the stale audit lock is cleared")
                    auditLocksCleared += 1
                } else {
                    // Killed while holding one of git's own locks: register stops with exit 2 and names the file.
                    #expect(blocked.status == 2, "round \(round): \(blocked.stdout)")
                    #expect(locks.contains { blocked.stderr.contains($0.lastPathComponent) }, "round \(round): \(blocked.stderr)")
                    lockStops += 1
                    for lock in locks where FileManager.default.fileExists(atPath: lock.path) { try FileManager.default.removeItem(at: lock) }
                }
            }

            // The next command, in turn: audit verify, another register, status.
            switch round % 3 {
            case 0:
                let (result, verdict) = try verify(registry)
                #expect(result.status == 0, "round \(round): \(result.stdout)\(result.stderr)")
                #expect(verdict?.intact == true, "round \(round): \(verdict?.problems ?? [])")
                repairedByVerify += verdict?.repaired.count ?? 0
            case 1:
                try edit(registry, "Follow-up \(round)")
                let result = try registry.registry("register", Self.product, "-m", "Follow-up \(round)")
                #expect(result.status == 0, "round \(round): \(result.stderr)")
            default:
                let result = try registry.registry("status")
                #expect(!result.stderr.contains("bug"), "round \(round): \(result.stderr)")
            }
        }

        // The clean end: one more register, then the trail against git.
        try edit(registry, "Final")
        let final = try registry.registry("register", Self.product, "-m", "Final")
        #expect(final.status == 0, "\(final.stderr)")
        let (result, verdict) = try verify(registry)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(verdict?.state == "intact")
        let registered = try registeredCommits(registry)
        let entries = try registerEntries(registry)
        #expect(registered.count >= 3)
        #expect(registered.allSatisfy { entries[$0] == 1 }, "\(registered.filter { entries[$0] != 1 })")
        #expect(Set(entries.keys) == Set(registered))
        #expect(try registry.git("status", "--porcelain", "--", "Products") == "")
        _ = try registry.git("fsck", "--strict")
        let late = try registry.git("log", "--first-parent", "--format=%s", Self.reference)
            .split(separator: "\n").filter { $0.contains("recorded later") }.count
        let killedAfterCommit = try registry.git("log", "--format=%s").split(separator: "\n").filter { $0.hasPrefix("Round ") }.count
        print("register kill loop: \(kills) kills (\(killedAfterCommit) after the branch moved), \(registered.count) registered commits, \(late) entries recorded after a kill (\(repairedByVerify) of them by audit verify), \(lockStops) stale git locks reported, \(auditLocksCleared) stale audit locks cleared")
        #expect(kills >= 20)
    }

    @Test("deleting .registry/ leaves the trail in git: audit verify reads it, never 'intact: 0 entries'")
    func deletedStateFolder() throws {
        let registry = try registryWithOneRegistration()
        defer { registry.remove() }
        let before = try #require(try verify(registry).verdict)
        #expect(before.intact && before.entry_count >= 2)
        try FileManager.default.removeItem(at: registry.url.appendingPathComponent(".registry"))
        let (result, after) = try verify(registry)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(after?.intact == true)
        #expect(after?.entry_count == before.entry_count)
        let text = try registry.registry("audit", "verify")
        #expect(text.stdout.contains("intact: \(before.entry_count) entries"))
    }

    @Test("a deleted audit ref is tampering where this machine saw it, and absent (exit 1) where it did not")
    func deletedReference() throws {
        let registry = try registryWithOneRegistration()
        defer { registry.remove() }
        #expect(try verify(registry).result.status == 0)
        try registry.git("update-ref", "-d", Self.reference)
        let (tampered, verdict) = try verify(registry)
        #expect(tampered.status == 1)
        #expect(verdict?.state == "tampered")
        #expect(verdict?.problems.first?.contains("deleted") == true)

        try FileManager.default.removeItem(at: registry.url.appendingPathComponent(".registry"))
        let (absent, absentVerdict) = try verify(registry)
        #expect(absent.status == 1)
        #expect(absentVerdict?.state == "absent")
        #expect(absentVerdict?.entry_count == 0)
        #expect(try registry.registry("audit", "verify").stdout.contains("absent"))
        #expect(try !registry.registry("audit", "verify").stdout.contains("intact"))
    }

    @Test("a clone without the trail reports it absent until the ref is fetched")
    func cloneWithoutTrail() throws {
        let registry = try registryWithOneRegistration()
        defer { registry.remove() }
        let clone = try makeTemporaryDirectory("registry-clone")
        defer { clone.remove() }
        try git(["clone", "--quiet", registry.url.path, clone.url.path], in: registry.url)
        let (absent, verdict) = try verify(at: clone.url)
        #expect(absent.status == 1)
        #expect(verdict?.state == "absent")
        #expect(verdict?.problems.first?.contains("git fetch origin \(Self.reference)") == true)
        try git(["fetch", "--quiet", "origin", "\(Self.reference):\(Self.reference)"], in: clone.url)
        let (fetched, intact) = try verify(at: clone.url)
        #expect(fetched.status == 0, "\(fetched.stdout)")
        #expect(intact?.intact == true)
    }

    @Test("an entry edited with stock git is reported (exit 1), with or without the local witness")
    func editedEntry() throws {
        let registry = try registryWithOneRegistration()
        defer { registry.remove() }
        let tip = try registry.git("rev-parse", Self.reference)
        let parents = try registry.git("rev-parse", "\(tip)^@").split(separator: "\n").flatMap { ["-p", String($0)] }
        let message = try registry.git("log", "-1", "--format=%B", tip)
            .replacingOccurrences(of: "Actor: Fixture Author", with: "Actor: Mallory")
        #expect(message.contains("Actor: Mallory"))
        let forged = try git(["commit-tree", try registry.git("rev-parse", "\(tip)^{tree}")] + parents + ["-m", message], in: registry.url)
        try registry.git("update-ref", Self.reference, forged)
        for pass in ["with witness", "without witness"] {
            if pass == "without witness" { try FileManager.default.removeItem(at: registry.url.appendingPathComponent(".registry")) }
            let (result, verdict) = try verify(registry)
            #expect(result.status == 1, "\(pass)")
            #expect(verdict?.state == "tampered", "\(pass)")
            #expect(verdict?.problems.contains { $0.contains("was edited") } == true, "\(pass): \(verdict?.problems ?? [])")
        }
    }

    @Test("register syncs what it writes into .git to disk, so a power loss cannot take back a commit the branch names",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/strace")))
    func registerSyncsGitFolder() throws {
        let registry = try registryWithOneRegistration()
        defer { registry.remove() }
        try edit(registry, "Second note")
        let traced = try runProcess("/usr/bin/strace", ["-f", "-y", "-e", "trace=fsync,fdatasync", registryExecutable.path,
                                                        "register", Self.product, "-m", "Second note"],
                                    in: registry.url, environment: fixtureGitEnvironment)
        #expect(traced.status == 0, "\(traced.stderr)")
        let synced = traced.stderr.split(separator: "\n").filter { $0.contains("sync(") && $0.contains("/.git/") }
        // The commit and tree objects, the branch ref and the audit trail's ref at least.
        #expect(synced.contains { $0.contains("/.git/objects/") }, "no object was synced: \(traced.stderr.suffix(2000))")
        #expect(synced.contains { $0.contains("/.git/refs/") }, "no ref was synced: \(traced.stderr.suffix(2000))")
    }

    @Test("a stale .git/index.lock stops register with exit 2 and the next step, committing nothing")
    func staleIndexLock() throws {
        let registry = try registryWithOneRegistration()
        defer { registry.remove() }
        let before = try registry.git("rev-parse", "HEAD")
        try edit(registry, "Under a lock")
        let lock = registry.url.appendingPathComponent(".git/index.lock")
        try Data().write(to: lock)
        let result = try registry.registry("register", Self.product, "-m", "Under a lock")
        #expect(result.status == 2)
        #expect(result.stderr.contains("another git process may be running; if none is, remove '"))
        #expect(result.stderr.contains(".git/index.lock"))
        #expect(try registry.git("rev-parse", "HEAD") == before)
        try FileManager.default.removeItem(at: lock)
        let again = try registry.registry("register", Self.product, "-m", "Under a lock")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try registry.git("status", "--porcelain") == "")
    }

    @Test("a damaged page in index.sqlite is recovered or names 'registry index --rebuild', never 'bug'")
    func damagedIndexPage() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        #expect(try registry.registry("list").status == 0)
        let index = registry.url.appendingPathComponent(".registry/index.sqlite")
        let checkpoint = try runProcess("/usr/bin/python3", ["-c", "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute('PRAGMA wal_checkpoint(TRUNCATE)')", index.path])
        #expect(checkpoint.status == 0, "\(checkpoint.stderr)")
        let handle = try FileHandle(forUpdating: index)
        let size = try handle.seekToEnd()
        #expect(size > 64_000)
        // The middle third: page headers and cells of whatever tables live there.
        try handle.seek(toOffset: size / 3)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: Int(size / 3)))
        try handle.close()

        var recovered = 0, named = 0, unaffected = 0
        let products = try FileManager.default.contentsOfDirectory(atPath: registry.url.appendingPathComponent("Products").path)
            .filter { !$0.hasPrefix(".") }.sorted()
        let commands = [["list", "--json"], ["status"], ["audit", "verify"]]
            + products.flatMap { [["history", $0], ["show", $0]] }
        for arguments in commands {
            let result = try registry.registry(arguments)
            #expect(!result.stderr.contains("bug") && !result.stderr.contains("SQLite error"), "\(arguments): \(result.stderr)")
            if result.stderr.contains("registry index --rebuild") {
                #expect(result.status == 2)
                named += 1
            } else {
                #expect(result.status != 2, "\(arguments): \(result.stderr)")
                if result.stderr.contains("cannot be rebuilt from git") { recovered += 1 } else { unaffected += 1 }
            }
        }
        #expect(recovered + named > 0, "the damage went unnoticed by every command")
        #expect(try registry.registry("index", "--rebuild").status == 0)
        let listed = try registry.registry("list", "--json")
        #expect(listed.status == 0 && listed.stdout.contains("fare-inspection-allocation"))
        print("damaged index pages: \(commands.count) commands, \(recovered) recovered the index, \(named) named index --rebuild, \(unaffected) did not meet the damage")
    }

    @Test("an index damaged again within the same second is moved aside again, beside the first")
    func damagedIndexTwice() throws {
        let registry = try FixtureRegistry.withExampleProducts([Self.product])
        defer { registry.remove() }
        let state = registry.url.appendingPathComponent(".registry")
        #expect(try registry.registry("list").status == 0)
        for round in 1...3 {
            try Data("not a database\n".utf8).write(to: state.appendingPathComponent("index.sqlite"))
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(at: state.appendingPathComponent("index.sqlite" + suffix)) }
            let result = try registry.registry("list")
            #expect(result.status == 0, "round \(round): \(result.stderr)")
            #expect(result.stderr.contains("was damaged (file is not a database); it was moved to"), "round \(round): \(result.stderr)")
        }
        let aside = try FileManager.default.contentsOfDirectory(atPath: state.path).filter { $0.hasPrefix("index.sqlite.damaged-") }
        #expect(aside.count == 3, "\(aside)")
    }

    @Test("entries an earlier release kept only in index.sqlite move unchanged into the git trail")
    func localLogMovesIntoGit() throws {
        let registry = try FixtureRegistry.withExampleProducts([Self.product])
        defer { registry.remove() }
        #expect(try registry.registry("list").status == 0)
        let database = registry.url.appendingPathComponent(".registry/index.sqlite").path
        // Two entries chained the way earlier releases wrote them into the audit_entry table.
        let insert = try runProcess("/usr/bin/python3", ["-c", """
            import hashlib, sqlite3, sys
            db = sqlite3.connect(sys.argv[1]); previous = "0" * 64
            for sequence, command in ((1, "index-rebuild"), (2, "check")):
                fields = [previous, str(sequence), "2026-11-0%dT10:00:00Z" % sequence, "Ana <ana@example.org>", command, "old entry", ""]
                digest = hashlib.sha256(("\\n".join(fields) + "\\n").encode()).hexdigest()
                db.execute("INSERT INTO audit_entry VALUES (?, ?, ?, ?, ?, NULL, ?, ?)", (sequence, fields[2], fields[3], command, "old entry", previous, digest))
                previous = digest
            db.execute("INSERT INTO meta VALUES ('audit_head', ?)", ("2 " + previous,)); db.commit()
            """, database])
        #expect(insert.status == 0, "\(insert.stderr)")
        #expect(try registry.registry("index", "--rebuild").status == 0)
        let (result, verdict) = try verify(registry)
        #expect(result.status == 0, "\(result.stdout)")
        #expect(verdict?.entry_count == 3)
        let subjects = try registry.git("log", "--first-parent", "--reverse", "--format=%s", Self.reference).split(separator: "\n")
        #expect(subjects == ["registry ledger root", "registry index-rebuild: old entry", "registry check: old entry",
                             "registry index-rebuild: 1 commits, 1 products"])
        let left = try runProcess("/usr/bin/python3", ["-c", "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM audit_entry').fetchone()[0])", database])
        #expect(left.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    @Test("init starts the trail; its files and new's scaffold are complete files")
    func initStartsTrail() throws {
        let directory = try makeTemporaryDirectory("registry-init")
        defer { directory.remove() }
        let initialised = try runRegistry(["init", "--title", "Test registry"], in: directory.url)
        #expect(initialised.status == 0, "\(initialised.stderr)")
        let (result, verdict) = try verify(at: directory.url)
        #expect(result.status == 0)
        #expect(verdict?.entry_count == 1)
        #expect(try git(["log", "--format=%B", Self.reference], in: directory.url).contains("Command: init"))
        #expect(try runRegistry(["new", "station-crowding", "--language", "python"], in: directory.url).status == 0)
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: directory.url.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
        #expect(try String(contentsOf: directory.url.appendingPathComponent("registry.json"), encoding: .utf8).contains("Test registry"))
    }
}
