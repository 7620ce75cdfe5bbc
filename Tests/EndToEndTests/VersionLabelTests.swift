import Foundation
import Testing
import TestSupport

/// A version label names one content: `register` demands a higher label for changed content,
/// `diff` refuses a label that old history gave to several contents, and `review template` never
/// overwrites a statement about other content.
@Suite("Version labels")
struct VersionLabelTests {
    static let product = "station-incident-hotspots"
    static let manifest = "Products/station-incident-hotspots/product.yaml"

    /// Sets the manifest's version label.
    private func setVersion(_ version: String, in registry: FixtureRegistry) throws {
        let url = registry.url.appendingPathComponent(Self.manifest)
        let text = try String(contentsOf: url, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("version:") ? "version: \"\(version)\"" : String(line)
        }
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    @Test("register refuses changed content under the same or a lower version, and accepts a higher one")
    func registerNeedsHigherVersion() throws {
        let registry = try FixtureRegistry.withExampleProducts([Self.product])
        defer { registry.remove() }
        try writeFile("Operating notes.\n", to: "Products/\(Self.product)/NOTES.md", in: registry.url)
        let head = try registry.git("rev-parse", "HEAD")
        let committed = try registry.versionLabel(of: Self.product)

        let same = try registry.registry("register", Self.product, "-m", "Notes")
        #expect(same.status == 1)
        #expect(same.stderr.contains("'\(committed)' is not higher than \(committed)") && same.stderr.contains("version: \"\(nextPatch(of: committed))\""), "\(same.stderr)")
        #expect(same.stderr.split(separator: "\n").count == 1, "one sentence")

        try setVersion("1.0.9", in: registry)
        let lower = try registry.registry("register", Self.product, "-m", "Notes")
        #expect(lower.status == 1)
        #expect(lower.stderr.contains("'1.0.9' is not higher than \(committed)"), "\(lower.stderr)")
        #expect(try registry.git("rev-parse", "HEAD") == head, "nothing was committed")

        try setVersion("1.2.0-rc.1", in: registry)
        let higher = try registry.registry("register", Self.product, "-m", "Notes", "--json")
        #expect(higher.status == 0, "\(higher.stderr)")
        #expect(try registry.git("rev-parse", "HEAD") != head)
        // A pre-release sorts before its release, so 1.2.0 is higher still.
        try writeFile("More notes.\n", to: "Products/\(Self.product)/NOTES.md", in: registry.url)
        let release = try registry.registry("register", Self.product, "-m", "Release")
        #expect(release.status == 1)
        #expect(release.stderr.contains("version: \"1.2.0\""), "\(release.stderr)")
    }

    @Test("a manifest with CRLF line endings keeps its label: history shows it and register still demands a higher one")
    func crlfManifestKeepsItsLabel() throws {
        let registry = try FixtureRegistry.withExampleProducts([Self.product])
        defer { registry.remove() }
        let committed = try registry.versionLabel(of: Self.product)
        let url = registry.url.appendingPathComponent(Self.manifest)
        let text = try String(contentsOf: url, encoding: .utf8)
        try text.replacingOccurrences(of: "\n", with: "\r\n").write(to: url, atomically: true, encoding: .utf8)
        let head = try registry.git("rev-parse", "HEAD")

        let same = try registry.registry("register", Self.product, "-m", "CRLF line endings")
        #expect(same.status == 1, "changed content under the same label must be refused: \(same.stdout)")
        #expect(same.stderr.contains("'\(committed)' is not higher than \(committed)"), "\(same.stderr)")
        #expect(try registry.git("rev-parse", "HEAD") == head, "nothing was committed")

        let raised = nextPatch(of: committed)
        try text.replacingOccurrences(of: "version: \"\(committed)\"", with: "version: \"\(raised)\"")
            .replacingOccurrences(of: "\n", with: "\r\n").write(to: url, atomically: true, encoding: .utf8)
        let higher = try registry.registry("register", Self.product, "-m", "CRLF line endings")
        #expect(higher.status == 0, "\(higher.stderr)")
        let history = try registry.registry("history", Self.product)
        let newest = history.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(newest.contains("  \(raised)  "), "history shows the CRLF version's label: \(history.stdout)")
    }

    @Test("an index that holds no label for a CRLF version, as indexes built before labels were read on bytes do, is rebuilt once and shows it")
    func indexFromBeforeCRLFLabels() throws {
        let registry = try FixtureRegistry.withExampleProducts([Self.product])
        defer { registry.remove() }
        let raised = nextPatch(of: try registry.versionLabel(of: Self.product))
        try setVersion(raised, in: registry)
        let url = registry.url.appendingPathComponent(Self.manifest)
        try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "\n", with: "\r\n")
            .write(to: url, atomically: true, encoding: .utf8)
        #expect(try registry.registry("register", Self.product, "-m", "CRLF line endings").status == 0)
        // What the last release that read labels as text left: no label for the CRLF version, and
        // the manifest model it wrote (the same keys as now).
        let forget = try runProcess("/usr/bin/python3", ["-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("UPDATE product_version SET version_label = NULL WHERE product_id = ? AND version_label = ?", (sys.argv[2], sys.argv[3]))
            db.commit()
            """, registry.url.appendingPathComponent(".registry/index.sqlite").path, Self.product, raised])
        #expect(forget.status == 0, "\(forget.stderr)")
        try writeFile("c5cc97492615b1ade300eed3e6474a1e219ce68c77ec13cdeb14310b74e28f16\n",
                      to: ".registry/index-manifest-model", in: registry.url)
        let history = try registry.registry("history", Self.product)
        let newest = history.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(newest.contains("  \(raised)  "), "the rebuilt index has the CRLF version's label: \(history.stdout)")
    }

    @Test("diff names the commits of a label old history gave to two contents; review template keeps the earlier statement")
    func ambiguousLabel() throws {
        // The example registry holds alice's signed approval of the version at HEAD.
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let first = try registry.git("log", "-1", "--format=%H", "--", "Products/\(Self.product)")
        let label = try registry.versionLabel(of: Self.product)
        let statement = registry.url.appendingPathComponent("Reviews/\(Self.product)/\(label)/alice.approval")
        let earlier = try Data(contentsOf: statement)

        // History made before register enforced new labels: other content under the same label.
        try writeFile("Operating notes.\n", to: "Products/\(Self.product)/NOTES.md", in: registry.url)
        try registry.git("add", "Products")
        try registry.git("commit", "--quiet", "-m", "Notes under the same label")
        let second = try registry.git("rev-parse", "HEAD")

        let diff = try registry.registry("diff", Self.product, label, label)
        #expect(diff.status == 2)
        #expect(diff.stderr.contains("names 2 different contents"), "\(diff.stderr)")
        #expect(diff.stderr.contains(String(first.prefix(12))) && diff.stderr.contains(String(second.prefix(12))), "\(diff.stderr)")
        #expect(!diff.stdout.contains("No manifest changes"))
        #expect(try registry.registry("diff", Self.product, first, second).status == 0, "commit ids still compare")

        let overwrite = try registry.registry("review", "template", Self.product, "--reviewer", "alice")
        #expect(overwrite.status == 2)
        #expect(overwrite.stderr.contains("already holds a statement about tree"), "\(overwrite.stderr)")
        #expect(try Data(contentsOf: statement) == earlier, "the earlier statement is untouched")
    }
}
