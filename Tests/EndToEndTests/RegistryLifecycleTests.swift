import Foundation
import Testing
import TestSupport

/// The foundation through the built binary: history against git, registering, and the index.
@Suite("Registry lifecycle")
struct RegistryLifecycleTests {
    struct HistoryVersion: Decodable {
        let commit: String
        let tree: String
        let content_sha256: String
    }

    struct History: Decodable {
        let versions: [HistoryVersion]
    }

    @Test("history lists exactly git log's commits for every example product, with git's tree ids")
    func historyMatchesGit() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let products = try FileManager.default.contentsOfDirectory(atPath: registry.url.appendingPathComponent("Products").path)
            .filter { !$0.hasPrefix(".") }.sorted()
        #expect(products.count >= 6)
        for id in products {
            let result = try registry.registry("history", id, "--json")
            #expect(result.status == 0, "\(result.stderr)")
            let history = try JSONDecoder().decode(History.self, from: Data(result.stdout.utf8))
            let expected = try registry.git("log", "--format=%H", "--", "Products/\(id)").split(separator: "\n").map(String.init)
            #expect(history.versions.map(\.commit) == expected, "\(id)")
            for version in history.versions where !version.tree.isEmpty {
                #expect(version.tree == (try registry.git("rev-parse", "\(version.commit):Products/\(id)")))
                #expect(version.content_sha256 == (try shellDigest(of: id, at: version.commit, in: registry.url)))
            }
        }
    }

    /// The content digest with stock tools, as DESIGN section 2 gives it.
    private func shellDigest(of id: String, at commit: String, in directory: URL) throws -> String {
        let script = """
        set -e
        git ls-tree -r "$1:Products/$2" | while read -r mode type object path; do
          printf '%s %s %s\\n' "$mode" "$(git cat-file blob "$object" | sha256sum | cut -d' ' -f1)" "$path"
        done | LC_ALL=C sort -k3 | sha256sum | cut -d' ' -f1
        """
        let result = try runProcess("/bin/bash", ["-c", script, "digest", commit, id], in: directory,
                                    environment: fixtureGitEnvironment)
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("new, validate, register: the commit passes git fsck --strict and sweeps nothing else in")
    func scaffoldAndRegister() throws {
        let registry = try FixtureRegistry.withExampleProducts(["station-incident-hotspots"])
        defer { registry.remove() }
        // Shell: the Python template needs its pandas environment built first (ProductEnvironmentTests).
        let created = try registry.registry("new", "station-crowding", "--language", "shell")
        #expect(created.status == 0, "\(created.stderr)")
        #expect(try registry.registry("validate", "station-crowding").status == 0)
        let run = try registry.registry("run", "station-crowding", "--working-tree")
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")

        try writeFile("unrelated\n", to: "notes.txt", in: registry.url)
        try registry.git("add", "notes.txt")
        let registered = try registry.registry("register", "station-crowding", "-m", "First version of station crowding")
        #expect(registered.status == 0, "\(registered.stderr)")
        _ = try registry.git("fsck", "--strict")
        let files = try registry.git("show", "--name-only", "--format=", "HEAD").split(separator: "\n")
        #expect(files.allSatisfy { $0.hasPrefix("Products/station-crowding/") })
        #expect(try registry.git("diff", "--cached", "--name-only") == "notes.txt")
        let listed = try registry.registry("list", "--json")
        #expect(listed.stdout.contains("station-crowding"))
        let audit = try registry.registry("audit", "verify", "--json")
        #expect(audit.status == 0)
        #expect(audit.stdout.contains("\"intact\" : true"))
    }

    @Test("register refuses an invalid manifest with exit status 1 and commits nothing")
    func registerInvalid() throws {
        let registry = try FixtureRegistry.withExampleProducts(["station-incident-hotspots"])
        defer { registry.remove() }
        let before = try registry.git("rev-parse", "HEAD")
        let manifest = registry.url.appendingPathComponent("Products/station-incident-hotspots/product.yaml")
        let text = try String(contentsOf: manifest, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "status: in-use", with: "status: live").utf8).write(to: manifest)
        let result = try registry.registry("register", "station-incident-hotspots", "-m", "Try an invalid status")
        #expect(result.status == 1)
        #expect(result.stderr.contains("status"))
        #expect(try registry.git("rev-parse", "HEAD") == before)
    }

    @Test("two register processes started at the same moment for two products both land")
    func concurrentRegister() async throws {
        let registry = try FixtureRegistry.withExampleProducts(["station-incident-hotspots", "rider-safety-perception"])
        defer { registry.remove() }
        for id in ["station-incident-hotspots", "rider-safety-perception"] {
            let readme = registry.url.appendingPathComponent("Products/\(id)/README.md")
            try Data((try String(contentsOf: readme, encoding: .utf8) + "\nReviewed for the winter timetable.\n").utf8).write(to: readme)
            // Changed content needs a higher version: a patch release.
            let manifest = registry.url.appendingPathComponent("Products/\(id)/product.yaml")
            let text = try String(contentsOf: manifest, encoding: .utf8)
            let bumped = text.replacingOccurrences(of: #"version: "([0-9]+\.[0-9]+)\.[0-8]""#, with: "version: \"$1.9\"",
                                                   options: .regularExpression)
            #expect(bumped != text)
            try Data(bumped.utf8).write(to: manifest)
        }
        let url = registry.url
        async let first = runRegistry(["register", "station-incident-hotspots", "-m", "Note the winter review"], in: url)
        async let second = runRegistry(["register", "rider-safety-perception", "-m", "Note the winter review"], in: url)
        let results = try await [first, second]
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.stderr))")
        let subjects = try registry.git("log", "--format=%s", "-3").split(separator: "\n")
        #expect(subjects.filter { $0 == "Note the winter review" }.count == 2)
        _ = try registry.git("fsck", "--strict")
        #expect(try registry.git("status", "--porcelain", "--", "Products") == "")
    }

    @Test("a register killed part-way leaves a repository and index the next command uses")
    func killedRegister() throws {
        let registry = try FixtureRegistry.withExampleProducts(["station-incident-hotspots"])
        defer { registry.remove() }
        let readme = registry.url.appendingPathComponent("Products/station-incident-hotspots/README.md")
        let manifest = registry.url.appendingPathComponent("Products/station-incident-hotspots/product.yaml")
        // Changed content needs a higher version each time.
        func setVersion(_ version: String) throws {
            let text = try String(contentsOf: manifest, encoding: .utf8)
            try Data(text.replacingOccurrences(of: #"version: "[0-9.]+""#, with: "version: \"\(version)\"",
                                               options: .regularExpression).utf8).write(to: manifest)
        }
        for attempt in 0..<6 {
            try Data("Attempt \(attempt)\n".utf8).write(to: readme)
            try setVersion("1.1.\(attempt + 1)")
            try killRegistry(["register", "station-incident-hotspots", "-m", "Attempt \(attempt)"], in: registry.url,
                             after: UInt32(5_000 + attempt * 15_000))
        }
        _ = try registry.git("fsck", "--strict")
        let index = try registry.registry("index")
        #expect(index.status == 0, "\(index.stderr)")
        let history = try registry.registry("history", "station-incident-hotspots", "--json")
        let parsed = try JSONDecoder().decode(History.self, from: Data(history.stdout.utf8))
        let expected = try registry.git("log", "--format=%H", "--", "Products/station-incident-hotspots").split(separator: "\n").map(String.init)
        #expect(parsed.versions.map(\.commit) == expected)
        try Data("Final\n".utf8).write(to: readme)
        try setVersion("1.2.0")
        var final = try registry.registry("register", "station-incident-hotspots", "-m", "Final attempt")
        // Killed while holding one of git's lock files (the branch's or the staging index's): the
        // registry names the file, as git would, and registering works once it is removed.
        var locks = [".git/refs/heads/main.lock", ".git/index.lock"].map { registry.url.appendingPathComponent($0).path }
            .filter { FileManager.default.fileExists(atPath: $0) }
        while final.status == 2, let named = locks.firstIndex(where: { final.stderr.contains($0) }) {
            try FileManager.default.removeItem(atPath: locks.remove(at: named))
            final = try registry.registry("register", "station-incident-hotspots", "-m", "Final attempt")
        }
        #expect(final.status == 0, "\(final.stderr)")
    }

    @Test("index --rebuild gives the same versions as the incremental index")
    func rebuildEqualsIncremental() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let incremental = try registry.registry("history", "fare-inspection-allocation", "--json").stdout
        let rebuild = try registry.registry("index", "--rebuild")
        #expect(rebuild.status == 0)
        #expect(try registry.registry("history", "fare-inspection-allocation", "--json").stdout == incremental)
    }

    @Test("versions added commit by commit equal a rebuilt index, field changes included")
    func incrementalAppendEqualsRebuild() throws {
        let registry = try FixtureRegistry.withExampleProducts(["station-incident-hotspots", "rider-safety-perception"])
        defer { registry.remove() }
        #expect(try registry.registry("index").status == 0)
        let manifest = registry.url.appendingPathComponent("Products/station-incident-hotspots/product.yaml")
        let patch = nextPatch(of: try registry.versionLabel(of: "station-incident-hotspots")), minor = "1.2.0"
        for version in [patch, minor] {
            let text = try String(contentsOf: manifest, encoding: .utf8)
            let bumped = text.replacingOccurrences(of: #"version: "[0-9.]+""#, with: "version: \"\(version)\"", options: .regularExpression)
            try Data(bumped.utf8).write(to: manifest)
            #expect(try registry.registry("register", "station-incident-hotspots", "-m", "Release \(version)").status == 0)
        }
        let incremental = try registry.registry("history", "station-incident-hotspots", "--json").stdout
        #expect(incremental.contains(minor) && incremental.contains(patch))
        let incrementalRows = try indexedRows(of: registry)
        #expect(try registry.registry("index", "--rebuild").status == 0)
        #expect(try registry.registry("history", "station-incident-hotspots", "--json").stdout == incremental)
        #expect(try indexedRows(of: registry) == incrementalRows)
        let diff = try registry.registry("diff", "station-incident-hotspots", patch, minor, "--json")
        #expect(diff.stdout.contains("\"key_path\" : \"version\""))
    }

    @Test("on a generated registry, an index built step by step as commits arrive has the same rows as index --rebuild")
    func generatedRegistryRebuildEqualsIncremental() throws {
        let registry = try FixtureRegistry.generated(products: 12, versions: 4)
        defer { registry.remove() }
        let commits = try registry.git("rev-list", "--reverse", "HEAD").split(separator: "\n").map(String.init)
        #expect(commits.count == 12 * 4 + 2)
        // HEAD moves forward as a clone's would after each pull: by one commit, then by growing
        // strides, so both the one-commit path and longer stretches of new history are indexed.
        var position = 0
        var stride = 1
        var steps = 0
        while position < commits.count - 1 {
            position = min(position + stride, commits.count - 1)
            try registry.git("reset", "--quiet", "--hard", commits[position])
            let step = try registry.registry("index")
            #expect(step.status == 0, "\(step.stderr)")
            stride += 1
            steps += 1
        }
        let incremental = try indexedRows(of: registry)
        #expect(incremental.contains("'1.0.0'") && incremental.split(separator: "\n").count == 12 * 4 + 12)
        #expect(try registry.registry("index", "--rebuild").status == 0)
        let rebuilt = try indexedRows(of: registry)
        #expect(rebuilt == incremental, "after \(steps) incremental steps")
    }

    @Test("field changes stay right when versions share a manifest: a README-only change, then a revert")
    func sharedManifestsKeepTheirFieldChanges() throws {
        let registry = try FixtureRegistry.withExampleProducts(["station-incident-hotspots"])
        defer { registry.remove() }
        let product = registry.url.appendingPathComponent("Products/station-incident-hotspots")
        let manifest = product.appendingPathComponent("product.yaml")
        let original = try String(contentsOf: manifest, encoding: .utf8)
        let originalVersion = try #require(original.firstMatch(of: /\nversion: "?([0-9.]+)"?/)?.1)
        let bumped = original.replacingOccurrences(of: #"version: "[0-9.]+""#, with: "version: \"9.9.9\"", options: .regularExpression)
        #expect(bumped != original)
        try Data(bumped.utf8).write(to: manifest)
        #expect(try registry.registry("register", "station-incident-hotspots", "-m", "Release 9.9.9").status == 0)
        // History made before register demanded a new version for new content (or by stock git):
        // a README-only change under the same label, then a revert to the earlier label.
        try Data("Notes only.\n".utf8).write(to: product.appendingPathComponent("NOTES.md"))
        try registry.git("add", "Products")
        try registry.git("commit", "--quiet", "-m", "Add notes")
        try Data(original.utf8).write(to: manifest)
        try registry.git("add", "Products")
        try registry.git("commit", "--quiet", "-m", "Back to the released manifest")
        #expect(try registry.registry("index").status == 0)

        for pass in ["incremental", "rebuilt"] {
            if pass == "rebuilt" { #expect(try registry.registry("index", "--rebuild").status == 0) }
            let changes = try fieldChanges(of: registry, product: "station-incident-hotspots")
            #expect(changes.count == 4, "\(pass)")
            #expect(changes[0].contains("\"before\":\"9.9.9\"") && changes[0].contains("\"after\":\"\(originalVersion)\""), "\(pass): \(changes[0])")
            #expect(changes[1] == "[]", "\(pass): a README-only change has no field changes")
            #expect(changes[2].contains("\"after\":\"9.9.9\""), "\(pass): \(changes[2])")
            let shown = try registry.registry("show", "station-incident-hotspots", "--json").stdout
            #expect(shown.contains("\"version\" : \"\(originalVersion)\""), "\(pass)")
        }
    }

    @Test("after HEAD moves back (git reset), list, show and history describe the new HEAD")
    func headMovedBack() throws {
        let registry = try FixtureRegistry.withExampleProducts(["station-incident-hotspots"])
        defer { registry.remove() }
        let manifest = registry.url.appendingPathComponent("Products/station-incident-hotspots/product.yaml")
        let original = try String(contentsOf: manifest, encoding: .utf8)
        let bumped = original.replacingOccurrences(of: #"version: "[0-9.]+""#, with: "version: \"9.9.9\"", options: .regularExpression)
        try Data(bumped.utf8).write(to: manifest)
        #expect(try registry.registry("register", "station-incident-hotspots", "-m", "Release 9.9.9").status == 0)
        #expect(try registry.registry("show", "station-incident-hotspots", "--json").stdout.contains("\"9.9.9\""))
        let rowsBefore = try indexedRows(of: registry)

        try git(["reset", "--quiet", "--hard", "HEAD~1"], in: registry.url)
        #expect(try !registry.registry("show", "station-incident-hotspots", "--json").stdout.contains("\"9.9.9\""))
        #expect(try !registry.registry("list", "--json").stdout.contains("\"9.9.9\""))
        #expect(try !registry.registry("history", "station-incident-hotspots", "--json").stdout.contains("9.9.9"))
        let afterReset = try indexedRows(of: registry)
        #expect(afterReset != rowsBefore)
        #expect(try registry.registry("index", "--rebuild").status == 0)
        #expect(try indexedRows(of: registry) == afterReset)
    }

    /// Every indexed version and HEAD row, as text, except the commit a HEAD row was last written at.
    private func indexedRows(of registry: FixtureRegistry) throws -> String {
        try sqlite(registry, """
            for row in db.execute("SELECT * FROM product_version ORDER BY product_id, position"): print(row)
            for row in db.execute("SELECT product_id, tree_id, content_digest, manifest_json, manifest_error, name, status, version_label FROM product_head ORDER BY product_id"): print(row)
            """)
    }

    /// A product's field changes per version as stored in the index, newest first.
    private func fieldChanges(of registry: FixtureRegistry, product: String) throws -> [String] {
        try sqlite(registry, """
            for (changes,) in db.execute("SELECT coalesce(changes_json, 'none') FROM product_version WHERE product_id = '\(product)' ORDER BY position"): print(changes)
            """).split(separator: "\n").map(String.init)
    }

    private func sqlite(_ registry: FixtureRegistry, _ script: String) throws -> String {
        let database = registry.url.appendingPathComponent(".registry/index.sqlite").path
        let result = try runProcess("/usr/bin/python3", ["-c", "import sqlite3, sys\ndb = sqlite3.connect(sys.argv[1])\n" + script, database])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }
}
