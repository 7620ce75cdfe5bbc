import Foundation
import Testing
import TestSupport

/// `catalog build` under faults: killed at random moments, racing another build, handed hostile
/// state files and unsuitable output folders. After each, the published folder holds a whole site
/// (the previous one or the new one) and the next build's output equals a clean build byte for byte.
@Suite("Catalog build faults", .serialized)
struct CatalogFaultTests {
    struct Report: Decodable {
        let products: Int
        let product_pages_written: Int
        let files_written: Int
        let files_unchanged: Int
    }

    /// The two inputs builds alternate between: with and without the allegations report.
    enum Input: CaseIterable {
        case withAllegations, withoutAllegations

        var arguments: [String] {
            switch self {
            case .withAllegations: ["--allegations", "Data/allegations-demo.csv"]
            case .withoutAllegations: []
            }
        }
    }

    private static func arguments(_ input: Input, into folder: String) -> [String] {
        ["catalog", "build", "--out", folder, "--as-of", "2026-11-25", "--json"] + input.arguments
    }

    @discardableResult
    private func build(_ registry: FixtureRegistry, _ input: Input, into folder: URL,
                       _ comment: Comment? = nil) throws -> Report {
        let result = try registry.registry(Self.arguments(input, into: folder.path))
        #expect(result.status == 0, "\(result.stderr) \(comment?.rawValue ?? "")")
        return try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
    }

    /// A clean build of each input in a fresh folder, to compare every other build with.
    private func cleanSites(_ registry: FixtureRegistry) throws -> [Input: [String: Data]] {
        var sites: [Input: [String: Data]] = [:]
        for input in Input.allCases {
            let clean = try makeTemporaryDirectory("catalog-clean")
            defer { clean.remove() }
            let site = clean.url.appendingPathComponent("site")
            try build(registry, input, into: site)
            sites[input] = try siteFiles(site)
        }
        #expect(sites[.withAllegations] != sites[.withoutAllegations], "the two inputs must give different sites")
        return sites
    }

    /// The paths whose bytes differ between two sites, or that only one holds.
    private func differences(_ site: [String: Data], _ expected: [String: Data]) -> [String] {
        Set(site.keys).union(expected.keys).filter { site[$0] != expected[$0] }.sorted()
    }

    /// Entries beside `site` that a build leaves only while it runs or when killed (the spare,
    /// the previous site kept for the next build to reuse, is not one).
    private func buildLeftovers(beside site: URL) throws -> [String] {
        let name = site.lastPathComponent
        return try FileManager.default.contentsOfDirectory(atPath: site.deletingLastPathComponent().path)
            .filter { $0.hasPrefix(".\(name).catalog-") && $0 != ".\(name).catalog-spare" }
    }

    @Test("killed at random moments, a build leaves the previous or the new site whole, and the next build equals a clean one")
    func killLoop() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let clean = try cleanSites(registry)
        let folder = try makeTemporaryDirectory("catalog-kill")
        defer { folder.remove() }
        let site = folder.url.appendingPathComponent("site")

        // A build's length, to spread the kills over it.
        let started = Date()
        try build(registry, .withoutAllegations, into: site)
        let duration = Date().timeIntervalSince(started)
        var published: Input = .withoutAllegations
        // Builds killed at all, killed while their new folder existed, and killed after the switch.
        var interrupted = 0, whileWriting = 0, afterSwitch = 0
        let kills = 24
        var window = duration * 1.2
        for round in 0..<kills {
            let input: Input = round.isMultiple(of: 2) ? .withAllegations : .withoutAllegations
            let process = Process()
            process.executableURL = registryExecutable
            process.arguments = Self.arguments(input, into: site.path)
            process.currentDirectoryURL = registry.url
            process.environment = fixtureGitEnvironment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Spread over the whole build and a little beyond, so some builds also end on their own.
            // The window follows the builds as the machine's load changes: it shrinks after a build
            // that ended before its kill and grows back after one that was killed.
            usleep(UInt32.random(in: 0...UInt32(window * 1_000_000)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let killed = process.terminationReason == .uncaughtSignal
            window = killed ? min(window * 1.1, duration * 1.2) : window * 0.7
            if killed {
                interrupted += 1
                if try !buildLeftovers(beside: site).filter({ !$0.hasSuffix("-lock") }).isEmpty { whileWriting += 1 }
            }

            // What a web server would serve now: one whole site, never a mix or a temporary file.
            let served = try siteFiles(site)
            let whole = Input.allCases.filter { differences(served, clean[$0]!).isEmpty }
            #expect(!whole.isEmpty, "round \(round): the published folder mixes sites: \(differences(served, clean[published]!).prefix(5))")
            if killed, whole.first == input, whole.first != published { afterSwitch += 1 }
            #expect(!served.keys.contains { $0.contains("tmp") }, "round \(round): a temporary file is published")

            let repaired = try build(registry, input, into: site, "round \(round)")
            #expect(repaired.products == (try FileManager.default.contentsOfDirectory(atPath: registry.url.appendingPathComponent("Products").path).count))
            let rebuilt = try siteFiles(site)
            #expect(differences(rebuilt, clean[input]!).isEmpty,
                    "round \(round): differs from a clean build in \(differences(rebuilt, clean[input]!).prefix(5))")
            #expect(try buildLeftovers(beside: site).isEmpty, "round \(round): a killed build's folders remain")
            published = input
        }
        // The loop must actually interrupt builds while they write, or it tests nothing.
        #expect(interrupted >= kills / 3 && whileWriting >= 1,
                "only \(interrupted) of \(kills) builds were killed before they ended, \(whileWriting) while writing")
        print("catalog kill loop: \(kills) rounds, \(interrupted) builds killed, \(whileWriting) while writing their new folder, \(afterSwitch) after switching it into place")
    }

    @Test("a truncated page is written again, and a deleted product's removal is counted in the files written")
    func truncatedPageAndDeletedProduct() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let folder = try makeTemporaryDirectory("catalog-truncated")
        defer { folder.remove() }
        let site = folder.url.appendingPathComponent("site")
        try build(registry, .withAllegations, into: site)
        let first = try siteFiles(site)

        let page = site.appendingPathComponent("products/station-incident-hotspots.html")
        try Data().write(to: page)
        let repaired = try build(registry, .withAllegations, into: site)
        #expect(repaired.product_pages_written == 2)
        #expect(repaired.files_written >= 1)
        #expect(try siteFiles(site) == first, "the truncated page was not written again")

        let unchanged = try build(registry, .withAllegations, into: site)
        #expect(unchanged.files_written == 0 && unchanged.files_unchanged == first.count)

        let products = try FileManager.default.contentsOfDirectory(atPath: registry.url.appendingPathComponent("Products").path).count
        try registry.git("rm", "-q", "-r", "Products/rider-safety-perception")
        try registry.git("commit", "-q", "-m", "Remove rider safety perception")
        let removed = try build(registry, .withAllegations, into: site)
        #expect(removed.products == products - 1)
        #expect(removed.product_pages_written == 0)
        // index.html, es/index.html and catalog.json change at least.
        #expect(removed.files_written >= 3, "a deleted product changed the index and data, but \(removed.files_written) files were written")
        let after = try siteFiles(site)
        // Nothing disappears without a trace: the product page becomes the page of a removed product.
        let kept = String(decoding: try #require(after["products/rider-safety-perception.html"]), as: UTF8.self)
        #expect(kept.contains("Removed product") && kept.contains("Remove rider safety perception"))
        #expect(after["index.html"] != first["index.html"] && after["catalog.json"] != first["catalog.json"])
        let clean = try makeTemporaryDirectory("catalog-clean")
        defer { clean.remove() }
        try build(registry, .withAllegations, into: clean.url.appendingPathComponent("site"))
        #expect(differences(after, try siteFiles(clean.url.appendingPathComponent("site"))).isEmpty)
    }

    @Test("builds racing into one folder all succeed and leave one whole site")
    func concurrentBuilds() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let clean = try cleanSites(registry)
        let folder = try makeTemporaryDirectory("catalog-race")
        defer { folder.remove() }
        let site = folder.url.appendingPathComponent("site")
        let rounds = 4, builders = 3
        for round in 0..<rounds {
            let processes = try (0..<builders).map { builder in
                let process = Process()
                process.executableURL = registryExecutable
                process.arguments = Self.arguments(builder.isMultiple(of: 2) ? .withAllegations : .withoutAllegations, into: site.path)
                process.currentDirectoryURL = registry.url
                process.environment = fixtureGitEnvironment
                process.standardOutput = FileHandle.nullDevice
                let errors = Pipe()
                process.standardError = errors
                try process.run()
                return (process, errors)
            }
            for (process, errors) in processes {
                process.waitUntilExit()
                let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                #expect(process.terminationStatus == 0, "round \(round): \(message)")
            }
            let served = try siteFiles(site)
            #expect(Input.allCases.contains { differences(served, clean[$0]!).isEmpty }, "round \(round): the site is not one whole build")
            #expect(try buildLeftovers(beside: site).isEmpty)
        }
        print("catalog race: \(rounds) rounds of \(builders) concurrent builds")
    }

    @Test("state files naming paths outside the site, or not parsing, delete and read nothing there")
    func hostileStateFiles() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let clean = try cleanSites(registry)[.withAllegations]!
        let folder = try makeTemporaryDirectory("catalog-hostile")
        defer { folder.remove() }
        let site = folder.url.appendingPathComponent("site")
        let canary = folder.url.appendingPathComponent("precious.txt")
        try Data("keep me\n".utf8).write(to: canary)
        let digest = String(repeating: "a", count: 64)
        let states = [
            // The layout of builds before the marker: pages by path and hosted reviews, all pointing outside.
            #"{"pages":{"../precious.txt":"\#(digest)","products/../../precious.txt":"\#(digest)","\#(canary.path)":"\#(digest)"},"renderer":"catalog-renderer/2","reviews":["../precious.txt","reviews/../../precious.txt"]}"#,
            #"{"format":"catalog-state/2","pages":{"../precious.txt":{"content":"\#(digest)","input":"\#(digest)"}},"renderer":"catalog-renderer/2"}"#,
            #"{"format":"catalog-state/2","pages":{"products/station-incident-hotspots.html":{"content":"\#(digest)","input":"\#(digest)"}},"renderer":"catalog-renderer/2"}"#,
            "not json",
        ]
        for (number, state) in states.enumerated() {
            try build(registry, .withAllegations, into: site)
            try Data(state.utf8).write(to: site.appendingPathComponent(".catalog-state.json"))
            if number == 0 {
                // A catalog from before the marker holds only the state file: still accepted as the registry's.
                try FileManager.default.removeItem(at: site.appendingPathComponent(".registry-catalog"))
            }
            try build(registry, .withAllegations, into: site, "state \(number)")
            #expect(try String(contentsOf: canary, encoding: .utf8) == "keep me\n", "state \(number) deleted or changed a file outside the site")
            #expect(differences(try siteFiles(site), clean).isEmpty, "state \(number): the site differs from a clean build")
        }
    }

    @Test("a link planted for a folder of the site leads no later build outside it")
    func plantedFolderLink() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let clean = try cleanSites(registry)[.withAllegations]!
        let folder = try makeTemporaryDirectory("catalog-link")
        defer { folder.remove() }
        let site = folder.url.appendingPathComponent("site")
        let outside = folder.url.appendingPathComponent("outside")
        let page = "station-incident-hotspots.html"
        try writeFile("keep me\n", to: page, in: outside)
        try writeFile("keep me too\n", to: "notes.txt", in: outside)
        try build(registry, .withAllegations, into: site)
        // The published site becomes the spare, the working folder of the build after next.
        let products = site.appendingPathComponent("products")
        try FileManager.default.removeItem(at: products)
        try FileManager.default.createSymbolicLink(at: products, withDestinationURL: outside)
        for round in 1...2 {
            try build(registry, .withAllegations, into: site, "round \(round)")
            #expect(try String(contentsOf: outside.appendingPathComponent(page), encoding: .utf8) == "keep me\n", "round \(round) wrote outside the site")
            #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).sorted() == ["notes.txt", page], "round \(round)")
            #expect(differences(try siteFiles(site), clean).isEmpty, "round \(round): the site differs from a clean build")
        }
    }

    @Test("a working folder another user planted beside the site is never published", .enabled(if: getuid() == 0, "needs root to give a folder away"))
    func plantedWorkingFolder() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let clean = try cleanSites(registry)[.withAllegations]!
        let folder = try makeTemporaryDirectory("catalog-planted")
        defer { folder.remove() }
        let site = folder.url.appendingPathComponent("site")
        let planted = folder.url.appendingPathComponent(".site.catalog-spare")
        try writeFile("This folder is a public catalog\n", to: ".registry-catalog", in: planted)
        try runProcess("/bin/chown", ["-R", "65534:65534", planted.path])
        try build(registry, .withAllegations, into: site)
        var status = stat()
        #expect(lstat(site.path, &status) == 0 && status.st_uid == geteuid(), "the site was published from another user's folder, which they can still change")
        #expect(differences(try siteFiles(site), clean).isEmpty)
    }

    @Test("output folders the build must not replace are refused with exit 2 and one sentence, untouched")
    func refusedOutputFolders() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let folder = try makeTemporaryDirectory("catalog-refused")
        defer { folder.remove() }
        let foreign = folder.url.appendingPathComponent("website")
        try writeFile("<h1>Someone else's page</h1>\n", to: "index.html", in: foreign)
        let file = folder.url.appendingPathComponent("notes.txt")
        try Data("notes\n".utf8).write(to: file)
        try FileManager.default.createDirectory(at: registry.url.appendingPathComponent(".registry/catalog-cache"),
                                                withIntermediateDirectories: true)
        let before = try siteFiles(folder.url)
        let refused: [(String, String)] = [
            ("", "the folder name is empty"),
            ("/", "that is the file system's root"),
            (".", "that is the registry's repository"),
            (registry.url.path + "/", "that is the registry's repository"),
            ("..", "that folder holds the registry's repository"),
            ("Products", "it lies in Products/"),
            ("Products/station-incident-hotspots/site", "it lies in Products/"),
            ("Reviews", "it lies in Reviews/"),
            (".git", "it lies in .git/"),
            (".git/site", "it lies in .git/"),
            (".registry/catalog-cache", "it lies in the catalog cache"),
            (foreign.path, "the folder holds files but no .registry-catalog marker"),
            (file.path, "it is a file, not a folder"),
        ]
        for (out, reason) in refused {
            let result = try registry.registry("catalog", "build", "--out", out)
            #expect(result.status == 2, "--out '\(out)': \(result.stderr)")
            #expect(result.stderr.hasPrefix("registry: Refusing to build the catalog into '"), "--out '\(out)': \(result.stderr)")
            #expect(result.stderr.contains("': \(reason)"), "--out '\(out)': \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "--out '\(out)': \(result.stderr)")
        }
        #expect(try siteFiles(folder.url) == before, "a refused build changed a folder")
        #expect(try registry.git("status", "--porcelain").isEmpty, "a refused build changed the repository")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).sorted() == ["notes.txt", "website"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: registry.url.deletingLastPathComponent().path)
            .filter { $0.contains(".catalog-") && $0.contains(registry.url.lastPathComponent) }.isEmpty)
    }
}
