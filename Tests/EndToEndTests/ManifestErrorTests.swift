import Foundation
import Testing
import TestSupport

/// Malformed manifests and repositories, through the built binary: each gets exit status 1 or 2 and
/// one clear sentence naming the file and key, never a crash.
@Suite("Malformed manifests and repositories")
struct ManifestErrorTests {
    static let product = "station-incident-hotspots"
    static let manifest = "Products/station-incident-hotspots/product.yaml"

    /// One way of breaking a product, and what the message must mention.
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let mentions: [String]
        let breakIt: @Sendable (URL) throws -> Void
        var testDescription: String { name }
    }

    static func edit(_ transform: @escaping @Sendable (String) -> String) -> @Sendable (URL) throws -> Void {
        { root in
            let url = root.appendingPathComponent(manifest)
            let text = try String(contentsOf: url, encoding: .utf8)
            let changed = transform(text)
            precondition(changed != text, "the edit did not change the manifest")
            try Data(changed.utf8).write(to: url)
        }
    }

    static func replacing(_ old: String, _ new: String) -> @Sendable (URL) throws -> Void {
        edit { $0.replacingOccurrences(of: old, with: new) }
    }

    static let cases: [Case] = [
        Case(name: "unknown key", mentions: ["colour"], breakIt: replacing("status: in-use\n", "status: in-use\ncolour: blue\n")),
        Case(name: "duplicate key", mentions: ["name"], breakIt: replacing("status: in-use\n", "status: in-use\nname: Again\n")),
        Case(name: "yes as a boolean", mentions: ["non_law_enforcement_response"],
             breakIt: replacing("non_law_enforcement_response: false", "non_law_enforcement_response: no")),
        Case(name: "string where a boolean belongs", mentions: ["non_law_enforcement_response"],
             breakIt: replacing("non_law_enforcement_response: false", "non_law_enforcement_response: \"false\"")),
        Case(name: "list where text belongs", mentions: ["name"],
             breakIt: replacing("name: Station Incident Hotspots", "name: [Station, Hotspots]")),
        Case(name: "missing required field", mentions: ["legal_basis"], breakIt: edit { text in
            text.replacingOccurrences(of: "legal_basis: >-", with: "legal_basis_removed: >-")
        }),
        Case(name: "id differs from the folder", mentions: ["id"],
             breakIt: replacing("id: station-incident-hotspots", "id: station-hotspots")),
        Case(name: "unknown status", mentions: ["status", "in-use"], breakIt: replacing("status: in-use", "status: active")),
        Case(name: "impossible date", mentions: ["review_due"], breakIt: replacing("review_due: \"2027-05-31\"", "review_due: \"2027-13-01\"")),
        Case(name: "version that is not SemVer", mentions: ["version"], breakIt: edit { text in
            text.replacingOccurrences(of: #"(?m)^version: "[^"]*"$"#, with: "version: \"v1\"", options: .regularExpression)
        }),
        Case(name: "sample path leaving the folder", mentions: ["sample"],
             breakIt: replacing("sample: data/incidents.csv", "sample: ../fare-inspection-allocation/data/boardings.csv")),
        Case(name: "absolute sample path", mentions: ["sample"], breakIt: replacing("sample: data/incidents.csv", "sample: /etc/passwd")),
        Case(name: "missing sample file", mentions: ["sample"], breakIt: replacing("sample: data/incidents.csv", "sample: data/nothing.csv")),
        Case(name: "sample symlink pointing outside", mentions: ["sample"], breakIt: { root in
            let sample = root.appendingPathComponent("Products/\(product)/data/incidents.csv")
            try FileManager.default.removeItem(at: sample)
            try FileManager.default.createSymbolicLink(atPath: sample.path, withDestinationPath: "/etc/passwd")
        }),
        Case(name: "undeclared data source", mentions: ["source"],
             breakIt: replacing("    source: security-incident-reports\n", "    source: mystery-feed\n")),
        Case(name: "alias bomb", mentions: [], breakIt: edit { text in
            text + "x0: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\nx1: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nx2: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nx3: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        }),
        Case(name: "deep nesting", mentions: [], breakIt: edit { text in
            text + "deep: " + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "\n"
        }),
        Case(name: "oversized file", mentions: ["product.yaml"], breakIt: edit { text in
            text + "# " + String(repeating: "x", count: 400_000) + "\n"
        }),
        Case(name: "invalid UTF-8", mentions: ["UTF-8"], breakIt: { root in
            let url = root.appendingPathComponent(manifest)
            var data = try Data(contentsOf: url)
            data.append(contentsOf: [0x23, 0x20, 0xFF, 0xFE, 0x0A])
            try data.write(to: url)
        }),
        Case(name: "YAML syntax error", mentions: ["product.yaml"], breakIt: replacing("status: in-use\n", "status: in-use\n  : : [\n")),
        Case(name: "two documents", mentions: ["product.yaml"], breakIt: edit { $0 + "---\nid: again\n" }),
        Case(name: "empty file", mentions: ["product.yaml"], breakIt: edit { _ in "" }),
        Case(name: "a list instead of a mapping", mentions: ["product.yaml"], breakIt: edit { _ in "- id: station-incident-hotspots\n" }),
        Case(name: "count column not among the columns", mentions: ["count_column"],
             breakIt: replacing("count_column: incidents", "count_column: people")),
        Case(name: "empty run command", mentions: ["command"], breakIt: edit { text in
            text.replacingOccurrences(of: "  command:\n    - python3\n    - main.py\n", with: "  command: []\n")
        }),
        Case(name: "product folder without a manifest", mentions: ["product.yaml"], breakIt: { root in
            try FileManager.default.removeItem(at: root.appendingPathComponent(manifest))
        }),
    ]

    @Test("a malformed manifest gets exit status 1 and one sentence naming the file and key", arguments: cases)
    func malformedManifest(_ testCase: Case) throws {
        let registry = try FixtureRegistry.withExampleProducts([Self.product])
        defer { registry.remove() }
        try testCase.breakIt(registry.url)
        let result = try registry.registry("validate", Self.product)
        #expect(!result.crashed)
        #expect(result.status == 1, "\(testCase.name): exit \(result.status), stdout \(result.stdout), stderr \(result.stderr)")
        let output = result.stdout + result.stderr
        #expect(output.contains("Products/station-incident-hotspots/product.yaml"), "\(output)")
        for word in testCase.mentions {
            #expect(output.contains(word), "\(testCase.name): '\(word)' not in \(output)")
        }
        #expect(!output.contains("Fatal error"))
        #expect(!output.contains("Stack dump"))
        let problemLines = output.split(separator: "\n").filter { $0.contains("product.yaml") }
        #expect(problemLines.allSatisfy { $0.count < 600 }, "messages must be one readable sentence")
    }

    @Test("a folder that is not a repository is an environment error (exit 2)")
    func missingRepository() throws {
        let directory = try makeTemporaryDirectory()
        defer { directory.remove() }
        let result = try runRegistry(["list"], in: directory.url)
        #expect(result.status == 2)
        #expect(result.stderr.contains("No git repository contains"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test("a missing --repo folder is an environment error (exit 2)")
    func missingRepoFolder() throws {
        let result = try runRegistry(["--repo", "/nonexistent/registry", "list"], in: packageRoot)
        #expect(result.status == 2)
        #expect(result.stderr.contains("/nonexistent/registry"))
    }

    @Test("a corrupt index file is moved aside and rebuilt, not fatal")
    func corruptIndex() throws {
        let registry = try FixtureRegistry.withExampleProducts([Self.product])
        defer { registry.remove() }
        #expect(try registry.registry("list").status == 0)
        let index = registry.url.appendingPathComponent(".registry/index.sqlite")
        try Data(repeating: 0x5A, count: 65_536).write(to: index)
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: index.path + suffix) }
        let result = try registry.registry("list", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(Self.product))
        let aside = try FileManager.default.contentsOfDirectory(atPath: registry.url.appendingPathComponent(".registry").path)
        #expect(aside.contains { $0.hasPrefix("index.sqlite.damaged-") })
    }

    @Test("an unknown command or option is a usage error (exit 2)")
    func usageErrors() throws {
        let registry = try FixtureRegistry.withExampleProducts([Self.product])
        defer { registry.remove() }
        #expect(try registry.registry("frobnicate").status == 2)
        #expect(try registry.registry("check", "--jobs", "0").status == 2)
        #expect(try registry.registry("history", "no-such-product").status == 2)
        let help = try registry.registry("history", "--help")
        #expect(help.status == 0)
        #expect(help.stdout.contains("Example:"))
    }
}
