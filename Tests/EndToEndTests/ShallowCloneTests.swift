import Foundation
import Testing
import TestSupport

/// A CI checkout (`git clone --depth 1`) runs every command that needs only HEAD; history commands
/// say the clone is shallow and how to deepen it.
@Suite("Shallow clones")
struct ShallowCloneTests {
    struct Status: Decodable {
        struct Product: Decodable { let id: String; let state: String }
        let products: [Product]
    }
    struct History: Decodable {
        struct Version: Decodable { let commit: String }
        let versions: [Version]
    }

    @Test("list, show, validate, status, check, run and review verify work; history, diff, register and catalog build name git fetch --unshallow")
    func shallowCheckout() throws {
        let source = try FixtureRegistry.cloneOfExamples()
        defer { source.remove() }
        let clone = try makeTemporaryDirectory("registry-shallow")
        defer { clone.remove() }
        try git(["clone", "--quiet", "--depth", "1", "file://\(source.url.path)", clone.url.path], in: source.url)
        #expect(FileManager.default.fileExists(atPath: clone.url.appendingPathComponent(".git/shallow").path))
        func registry(_ arguments: String...) throws -> ProcessResult { try runRegistry(arguments, in: clone.url) }

        let list = try registry("list", "--json")
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("station-incident-hotspots"))
        for command in [["show", "station-incident-hotspots"], ["validate"], ["check", "station-incident-hotspots"],
                        ["run", "station-incident-hotspots"]] {
            let result = try runRegistry(command, in: clone.url)
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }
        // The catalog's annual reports and removed products would silently start at the boundary.
        let site = clone.url.appendingPathComponent(".registry/site")
        let catalog = try registry("catalog", "build", "--out", site.path)
        #expect(catalog.status == 2)
        #expect(catalog.stderr.contains("shallow clone") && catalog.stderr.contains("annual use reports")
                    && catalog.stderr.contains("git fetch --unshallow"), "\(catalog.stderr)")
        #expect(!FileManager.default.fileExists(atPath: site.appendingPathComponent("reports").path))
        // The example registry fails the gate on purpose (exit 1); the states equal a full clone's.
        let status = try registry("status", "--json")
        #expect(status.status == 1, "\(status.stderr)")
        let full = try source.registry("status", "--json")
        let shallowStates = try JSONDecoder().decode(Status.self, from: Data(status.stdout.utf8)).products.map { "\($0.id) \($0.state)" }
        let fullStates = try JSONDecoder().decode(Status.self, from: Data(full.stdout.utf8)).products.map { "\($0.id) \($0.state)" }
        #expect(shallowStates == fullStates)
        #expect(try registry("review", "verify").status == 1, "statements that do not count are findings, as in a full clone")

        let label = try source.versionLabel(of: "station-incident-hotspots")
        for command in [["history", "station-incident-hotspots"], ["diff", "station-incident-hotspots", "1.0.0", "1.1.0"],
                        // The label at HEAD is in the shallow history, but older commits may give it other content.
                        ["diff", "station-incident-hotspots", label, label],
                        ["check", "--at", "HEAD~1"], ["status", "--at", "HEAD~1"]] {
            let result = try runRegistry(command, in: clone.url)
            #expect(result.status == 2, "\(command)")
            #expect(result.stderr.contains("shallow") && result.stderr.contains("git fetch --unshallow"), "\(command): \(result.stderr)")
            #expect(!result.stderr.contains("fsck"))
            #expect(!result.stdout.contains("No manifest changes"), "\(command)")
        }

        // register's version check needs every earlier label, so a changed product is refused.
        try writeFile("Operating notes.\n", to: "Products/station-incident-hotspots/NOTES.md", in: clone.url)
        let manifest = clone.url.appendingPathComponent("Products/station-incident-hotspots/product.yaml")
        let text = try String(contentsOf: manifest, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "version: \"\(label)\"", with: "version: \"1.2.0\"").utf8).write(to: manifest)
        let register = try registry("register", "station-incident-hotspots", "-m", "Notes")
        #expect(register.status == 2)
        #expect(register.stderr.contains("git fetch --unshallow"), "\(register.stderr)")
        try FileManager.default.removeItem(at: clone.url.appendingPathComponent("Products/station-incident-hotspots/NOTES.md"))
        try Data(text.utf8).write(to: manifest)

        // Deepened, the clone's index is rebuilt and its history equals the full clone's.
        try git(["fetch", "--quiet", "--unshallow"], in: clone.url)
        let deepened = try registry("history", "station-incident-hotspots", "--json")
        #expect(deepened.status == 0, "\(deepened.stderr)")
        let expected = try source.registry("history", "station-incident-hotspots", "--json")
        let versions = try JSONDecoder().decode(History.self, from: Data(deepened.stdout.utf8)).versions.map(\.commit)
        #expect(versions.count > 1)
        #expect(versions == (try JSONDecoder().decode(History.self, from: Data(expected.stdout.utf8))).versions.map(\.commit))
        #expect(try registry("diff", "station-incident-hotspots", "1.0.0", "1.1.0").status == 0)
        let deepenedCatalog = try registry("catalog", "build", "--out", site.path)
        #expect(deepenedCatalog.status == 0, "\(deepenedCatalog.stderr)")
        #expect(FileManager.default.fileExists(atPath: site.appendingPathComponent("reports").path))
    }
}
