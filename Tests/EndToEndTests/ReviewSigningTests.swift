import Foundation
import Testing
import TestSupport

/// `review template`, `review sign`, statement bounds, `registry.json` and file errors, through the
/// built binary on the example registry.
@Suite("Review signing")
struct ReviewSigningTests {
    struct Status: Decodable {
        struct Product: Decodable {
            struct NotCounted: Decodable { let path: String; let reason: String }
            let state: String
            let not_counted: [NotCounted]
        }
        let products: [Product]
    }

    static let product = "homeless-outreach-demand"

    @Test("template warns on stderr when the reviewer is not a current member, and stays quiet for a member")
    func templateWarning() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let gina = try registry.registry("review", "template", Self.product, "--reviewer", "gina", "--stdout")
        #expect(gina.status == 0)
        #expect(gina.stderr.hasPrefix("registry: warning: 'gina' is not a member of keyring v2"), "\(gina.stderr)")
        #expect(gina.stderr.contains("alice, bob, carol, dave, frank"))
        #expect(gina.stdout.contains("reviewer: gina"))
        let frank = try registry.registry("review", "template", Self.product, "--reviewer", "frank", "--stdout")
        #expect(frank.status == 0)
        #expect(frank.stderr.isEmpty, "\(frank.stderr)")
    }

    @Test("sign refuses a key that is not the named reviewer's, and signs with the reviewer's own key")
    func signRefusesWrongKey() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        #expect(try registry.registry("review", "template", Self.product, "--reviewer", "frank").status == 0)
        let statement = "\(try registry.reviewFolder(of: Self.product))/frank.approval"
        // erin was removed in keyring v2; alice is a member, but not the reviewer.
        for (signer, whose) in [("erin", "no member of keyring v2 holds it"), ("alice", "it is the key of 'alice'")] {
            let sign = try registry.registry("review", "sign", statement, "--key", try registry.demoKey(signer).path)
            #expect(sign.status == 2, "\(signer)")
            #expect(sign.stderr.hasPrefix("registry: Not signing '\(statement)': the statement names reviewer 'frank'"), "\(sign.stderr)")
            #expect(sign.stderr.contains(whose), "\(sign.stderr)")
            #expect(sign.stderr.split(separator: "\n").count == 1)
            #expect(!FileManager.default.fileExists(atPath: registry.url.appendingPathComponent(statement + ".sig").path))
        }
        // A wrong namespace would make a signature that never counts.
        let namespace = try registry.registry("review", "sign", statement, "--key", try registry.demoKey("frank").path,
                                              "--namespace", "keyring@analytics-registry")
        #expect(namespace.status == 2)
        #expect(namespace.stderr.contains("--namespace 'keyring@analytics-registry' would make a signature that never counts"))
        let frank = try registry.registry("review", "sign", statement, "--key", try registry.demoKey("frank").path)
        #expect(frank.status == 0, "\(frank.stderr)")
        try registry.git("add", "Reviews")
        try registry.git("commit", "-q", "-m", "frank approves")
        let status = try JSONDecoder().decode(Status.self, from: Data(try registry.registry("status", Self.product, "--json").stdout.utf8))
        #expect(status.products.first?.state == "approved")
        // Board statements: only members of the current or of the signed keyring may sign.
        let keyring = try registry.registry("review", "sign", "Reviews/board/keyring.v0002", "--key", try registry.demoKey("erin").path)
        #expect(keyring.status == 0, "erin is a member of v1, the keyring v2 rotated from: \(keyring.stderr)")
        let gina = try registry.registry("review", "sign", "Reviews/board/keyring.v0002", "--key", try registry.demoKey("frank").path,
                                         "--signature", ".registry/frank.sig")
        #expect(gina.status == 0, "frank is a member of v2: \(gina.stderr)")
    }

    @Test("sign refuses what is not a statement: 60 MB of NULs, plain text, a statement issued in year 0")
    func signRefusesNonStatements() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let key = try registry.demoKey("frank").path
        let nuls = registry.url.appendingPathComponent(".registry/zeros")
        #expect(FileManager.default.createFile(atPath: nuls.path, contents: Data(count: 60 * 1024 * 1024)))
        let cases: [(file: String, text: String?, message: String)] = [
            (nuls.path, nil, "the file is 62914560 bytes but statements are at most 65536 bytes"),
            (".registry/hello", "hello\n", "it is not a valid statement (line 1: expected 'key: value' but found 'hello')"),
            (".registry/nul", "format: analytics-registry/1\n\0\u{1B}[2J\n", "it is not a valid statement (line 2: expected 'key: value' but found 'U+0000U+001B[2J')"),
        ]
        for (file, text, message) in cases {
            if let text { try writeFile(text, to: file, in: registry.url) }
            let sign = try registry.registry("review", "sign", file, "--key", key)
            #expect(sign.status == 2, "\(file)")
            #expect(sign.stderr.hasPrefix("registry: Not signing '\(file)': \(message)"), "\(sign.stderr)")
            #expect(!FileManager.default.fileExists(atPath: registry.url.appendingPathComponent(file + ".sig").path)
                    && !FileManager.default.fileExists(atPath: file + ".sig"))
        }
        let template = try registry.registry("review", "template", Self.product, "--reviewer", "frank", "--stdout").stdout
        let ancient = try replacingLine("issued", with: "issued: 0000-01-01T00:00:00Z", in: template)
        try writeFile(ancient, to: ".registry/ancient", in: registry.url)
        let sign = try registry.registry("review", "sign", ".registry/ancient", "--key", key)
        #expect(sign.status == 2)
        #expect(sign.stderr.contains("'issued' is 0000-01-01T00:00:00Z, before 2000-01-01T00:00:00Z"), "\(sign.stderr)")
    }

    @Test("statements issued before 2000 or larger than 64 KiB, signed with stock ssh-keygen, are not counted")
    func oversizedAndAncientNotCounted() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let template = try registry.registry("review", "template", Self.product, "--reviewer", "frank", "--stdout").stdout
        let statement = "\(try registry.reviewFolder(of: Self.product))/frank.approval"
        let cases = [
            ("issued", "issued: 0000-01-01T00:00:00Z", "'issued' is 0000-01-01T00:00:00Z, before 2000-01-01T00:00:00Z"),
            ("comment", "comment: " + String(repeating: "x", count: 70_000), "statements are at most 65536 bytes (64 KiB)"),
        ]
        for (key, line, reason) in cases {
            try writeFile(try replacingLine(key, with: line, in: template), to: statement, in: registry.url)
            let sign = try runProcess("/usr/bin/ssh-keygen", ["-Y", "sign", "-q", "-n", "review@analytics-registry",
                                                              "-f", try registry.demoKey("frank").path, statement], in: registry.url)
            #expect(sign.status == 0, "\(sign.stderr)")
            try registry.git("add", "Reviews")
            try registry.git("commit", "-q", "-m", "frank's \(key)")
            let result = try registry.registry("status", Self.product, "--json")
            let product = try #require(try JSONDecoder().decode(Status.self, from: Data(result.stdout.utf8)).products.first)
            #expect(product.state == "pending", "\(key)")
            let notCounted = product.not_counted.first { $0.path == statement }
            #expect(notCounted?.reason.contains(reason) == true, "\(String(describing: notCounted?.reason.prefix(200)))")
            try FileManager.default.removeItem(at: registry.url.appendingPathComponent(statement + ".sig"))
        }
    }

    @Test("registry.json must be one object of known string keys, each once", arguments: [
        ("null", "it holds null but must hold one JSON object"),
        ("[]", "it holds an array but must hold one JSON object"),
        ("\"title\"", "it holds a string but must hold one JSON object"),
        (#"{"title": "a", "agency": "b", "contact": "c", "title": "d"}"#, "the key 'title' appears twice"),
        (#"{"title": "a", "agency": "b", "contact": "c", "titel": "d"}"#, "the key 'titel' is not known"),
        (#"{"title": 5, "agency": "b", "contact": "c"}"#, "the key 'title' holds a number but must hold a string"),
        (#"{"title": "a", "agency": null, "contact": "c"}"#, "the key 'agency' holds null but must hold a string"),
        (#"{"title": "a", "agency": "b", "contact": true}"#, "the key 'contact' holds a boolean but must hold a string"),
        (#"{"title": "a", "agency": "b"}"#, "the key 'contact' is missing"),
        (#"{"title": "Metro\u001b[2J", "agency": "b", "contact": "c"}"#, "the key 'title' holds the control character U+001B; remove it"),
        (#"{"title": "a", "agency": "b", "contact": "c", "trust_anchor": "abc"}"#, "the key 'trust_anchor' is 'abc' but must be the 64 lowercase hex digits"),
        (#"{"title": "a", "agency": "b", "contact": "c""#, "it is not valid JSON"),
    ])
    func strictConfiguration(document: String, message: String) throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        try writeFile(document, to: "registry.json", in: registry.url)
        let result = try registry.registry("board", "verify")
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("registry: The registry configuration 'registry.json' is invalid: \(message)"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test("a folder or a file where a path is expected is one sentence naming it, never 'this is a bug'")
    func fileMistakes() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        #expect(try registry.registry("review", "template", Self.product, "--reviewer", "frank").status == 0)
        let statement = "\(try registry.reviewFolder(of: Self.product))/frank.approval"
        let folder = registry.url.appendingPathComponent(".registry/folder")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cases: [(arguments: [String], message: String)] = [
            (["review", "sign", statement, "--key", try registry.demoKey("frank").path, "--signature", folder.path],
             "registry: Cannot use '\(folder.path)': it is a folder; name a file to write instead"),
            (["review", "sign", folder.path, "--key", try registry.demoKey("frank").path],
             "registry: Cannot use '\(folder.path)': it is a folder; pass the statement file itself"),
            (["board", "allowed-signers", "--out", folder.path],
             "registry: Cannot use '\(folder.path)': it is a folder; name a file to write instead"),
            (["board", "allowed-signers", "--out", "registry.json/allowed_signers"],
             "registry.json': the folder cannot be created"),
            (["status", "--repo", registry.url.appendingPathComponent("registry.json").path],
             "registry: Cannot use '\(registry.url.appendingPathComponent("registry.json").path)': it is a file"),
        ]
        for (arguments, message) in cases {
            let result = try registry.registry(arguments)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stderr.hasPrefix(message) || (result.stderr.hasPrefix("registry: Cannot use '") && result.stderr.contains(message)),
                    "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("bug") && !result.stderr.contains("NSCocoaErrorDomain"), "\(result.stderr)")
        }
    }

    @Test("kill -9 during 'review sign' leaves the old or the new signature, never a broken one")
    func killDuringSign() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let statement = "\(try registry.reviewFolder(of: Self.product))/dave.approval"
        let signature = registry.url.appendingPathComponent(statement + ".sig")
        let key = try registry.demoKey("dave").path
        // The old signature uses sha256 and the registry signs with sha512, so the two differ.
        try FileManager.default.removeItem(at: signature)
        let old = try runProcess("/usr/bin/ssh-keygen", ["-Y", "sign", "-q", "-n", "review@analytics-registry", "-O", "hashalg=sha256",
                                                         "-f", key, statement], in: registry.url)
        #expect(old.status == 0, "\(old.stderr)")
        let oldBytes = try Data(contentsOf: signature)
        #expect(try registry.registry("board", "allowed-signers", "--out", ".registry/allowed_signers").status == 0)
        let clock = ContinuousClock()
        let cleanStart = clock.now
        #expect(try registry.registry("review", "sign", statement, "--key", key).status == 0)
        let clean = clock.now - cleanStart
        let newBytes = try Data(contentsOf: signature)
        #expect(newBytes != oldBytes)
        var window = max(Int(clean.components.attoseconds / 1_000_000_000_000) + Int(clean.components.seconds) * 1_000_000, 1000)

        var outcomes = (old: 0, new: 0, killed: 0)
        let started = clock.now
        let rounds = 30
        var newAtCycleStart = 0
        for round in 0..<rounds where clock.now - started < .seconds(50) {
            try oldBytes.write(to: signature)
            let process = Process()
            process.executableURL = registryExecutable
            process.arguments = ["review", "sign", statement, "--key", key]
            process.currentDirectoryURL = registry.url
            process.environment = fixtureGitEnvironment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Each cycle of ten spreads the kills from the start to one and a half clean runs; runs
            // beside other tests can be slower than the clean one, so a cycle in which no run
            // reached the write doubles the window for the next.
            if round > 0, round % 10 == 0, outcomes.new == newAtCycleStart { window *= 2 }
            if round % 10 == 0 { newAtCycleStart = outcomes.new }
            usleep(useconds_t(window * 3 * (round % 10) / 20))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { outcomes.killed += 1 }
            let now = try Data(contentsOf: signature)
            #expect(now == oldBytes || now == newBytes, "round \(round): \(now.count) bytes")
            if now == oldBytes { outcomes.old += 1 } else if now == newBytes { outcomes.new += 1 }
            let verify = try runProcess("/bin/sh", ["-c", "ssh-keygen -Y verify -f .registry/allowed_signers -I dave -n review@analytics-registry -s \"$1.sig\" < \"$1\"",
                                                    "verify", statement], in: registry.url)
            #expect(verify.status == 0, "round \(round): \(verify.stderr)")
        }
        print("kill loop during review sign: \(outcomes.old + outcomes.new) rounds, \(outcomes.killed) killed, old signature \(outcomes.old), new \(outcomes.new)")
        #expect(outcomes.old + outcomes.new >= 20)
        #expect(outcomes.killed >= 5)
        #expect(outcomes.new >= 1, "no run reached the signature write; the loop tested nothing after it")
    }

    @Test("review sign removes the temporary signature file a killed sign left beside the statement, and keeps a live writer's")
    func signRemovesKilledWritersFile() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let statement = "\(try registry.reviewFolder(of: Self.product))/dave.approval"
        let ended = try runProcess("/bin/sh", ["-c", "echo $$"], in: registry.url)
        let deadPID = try #require(Int32(ended.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let folder = registry.url.appendingPathComponent(try registry.reviewFolder(of: Self.product))
        let killed = folder.appendingPathComponent(".dave.approval.sig.tmp-\(deadPID)-17")
        let live = folder.appendingPathComponent(".dave.approval.sig.tmp-\(getpid())-18")
        for leftover in [killed, live] { try Data("-----BEGIN SSH SIG".utf8).write(to: leftover) }
        let sign = try registry.registry("review", "sign", statement, "--key", try registry.demoKey("dave").path)
        #expect(sign.status == 0, "\(sign.stderr)")
        #expect(!FileManager.default.fileExists(atPath: killed.path), "a killed sign's temporary file stayed for `git add` to pick up")
        #expect(FileManager.default.fileExists(atPath: live.path), "a running writer's temporary file was removed")
    }

    /// The template with the line of `key` replaced.
    func replacingLine(_ key: String, with line: String, in text: String) throws -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let index = try #require(lines.firstIndex { $0.hasPrefix("\(key):") })
        return (lines[..<index] + [Substring(line)] + lines[(index + 1)...]).joined(separator: "\n")
    }
}
