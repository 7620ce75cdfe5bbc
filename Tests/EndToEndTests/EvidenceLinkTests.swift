import Foundation
import Testing
import TestSupport

/// `registry links` against a real HTTP server on this machine (`Tests/Fixtures/link-server`):
/// status after redirects, time-outs, addresses the public cannot reach, stored results with their
/// date, `check` warnings from the stored results alone, and the failures on product pages.
@Suite("Evidence links")
struct EvidenceLinkTests {
    struct Report: Decodable {
        struct Link: Decodable {
            let address: String
            let outcome: String
            let http_status: Int?
            let detail: String
            let checked_at: String
            let failing_since: String?
            let cited_by: [Citation]
        }
        struct Citation: Decodable, Equatable {
            let product: String
            let key_path: String
        }
        let passed: Bool
        let links: [Link]
        let stored_in: String
    }

    /// The fixture server, running until `stop()`.
    final class LinkServer {
        let process = Process()
        let port: Int

        init() throws {
            let output = Pipe()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = [packageRoot.appendingPathComponent("Tests/Fixtures/link-server/server.py").path]
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            var line = Data()
            while let byte = try output.fileHandleForReading.read(upToCount: 1), let first = byte.first, first != 0x0A {
                line.append(first)
            }
            guard let port = Int(String(decoding: line, as: UTF8.self)) else {
                process.terminate()
                throw FixtureError("the link server did not print its port")
            }
            self.port = port
        }

        func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

        /// Requests the server has answered, apart from these count requests.
        func requestCount() throws -> Int {
            let result = try runProcess("/usr/bin/python3", ["-c", "import urllib.request,sys; print(urllib.request.urlopen(sys.argv[1]).read().decode())", url("/count")])
            return Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }

        func stop() {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// The example registry (with its board, so a catalog builds) cut down to one product that
    /// cites every kind of link in its impact assessments and objection route, committed: no link
    /// leaves this machine.
    private func registry(citing server: LinkServer) throws -> FixtureRegistry {
        let registry = try FixtureRegistry.cloneOfExamples()
        let others = try FileManager.default.contentsOfDirectory(atPath: registry.url.appendingPathComponent("Products").path)
            .filter { $0 != "station-incident-hotspots" }
        for id in others { try registry.git("rm", "-q", "-r", "Products/\(id)") }
        let manifest = registry.url.appendingPathComponent("Products/station-incident-hotspots/product.yaml")
        var yaml = try String(contentsOf: manifest, encoding: .utf8)
        let assessments = ["/ok", "/moved", "/missing", "/broken", "/hang", "/loop"].enumerated().map { index, path in
            "  - title: Assessment \(index)\n    date: \"2026-02-18\"\n    link: \(server.url(path))\n"
        }.joined() + "  - title: Shared drive copy\n    date: \"2026-02-18\"\n    link: file:///srv/shared/eia.pdf\n"
            + "  - title: Intranet copy\n    date: \"2026-02-18\"\n    link: http://intranet/eia.pdf\n"
        let start = try #require(yaml.range(of: "impact_assessments:\n"))
        let end = try #require(yaml.range(of: "review_due:", range: start.upperBound..<yaml.endIndex))
        yaml.replaceSubrange(start.upperBound..<end.lowerBound, with: assessments)
        // An address in the objection route is checked too: the route is replaced by one citing the server.
        let route = try #require(yaml.range(of: "\nobjection_route: >-\n"))
        let routeEnd = try #require(yaml.range(of: "\nlegal_basis:", range: route.upperBound..<yaml.endIndex))
        yaml.replaceSubrange(route.upperBound..<routeEnd.lowerBound, with: "  Write to the owner, or appeal at \(server.url("/ok")).")
        try Data(yaml.utf8).write(to: manifest)
        try registry.git("commit", "-q", "-am", "Cite links of every kind")
        return registry
    }

    private func links(_ registry: FixtureRegistry, _ extra: String...) throws -> (Report, ProcessResult) {
        let result = try registry.registry(["links", "--json", "--timeout", "1"] + extra)
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        return (report, result)
    }

    @Test("each link gets its HTTP status after redirects or its time-out; file:, intranet and loopback addresses are reported without a request")
    func outcomes() throws {
        let server = try LinkServer()
        defer { server.stop() }
        let registry = try registry(citing: server)
        defer { registry.remove() }

        // Public mode: the loopback server is not a public address, so nothing is fetched.
        let (strict, strictRun) = try links(registry)
        #expect(strictRun.status == 1, "\(strictRun.stderr)")
        #expect(!strict.passed)
        #expect(strict.links.count == 8)
        #expect(strict.links.allSatisfy { $0.outcome == "not-public" }, "\(strict.links.map(\.outcome))")
        #expect(try server.requestCount() == 0)
        let loopback = try #require(strict.links.first { $0.address == server.url("/ok") })
        #expect(loopback.detail.contains("127.0.0.1") && loopback.detail.contains("loopback"), "\(loopback.detail)")

        // With loopback allowed (the test's own server), every path gets its real outcome.
        let started = Date()
        let (report, run) = try links(registry, "--allow-loopback")
        #expect(Date().timeIntervalSince(started) < 20, "the hanging link must time out, not hang the command")
        #expect(run.status == 1, "\(run.stderr)")
        func outcome(_ address: String) -> (String, Int?)? {
            report.links.first { $0.address == address }.map { ($0.outcome, $0.http_status) }
        }
        #expect(outcome(server.url("/ok"))! == ("ok", 200))
        #expect(report.links.first { $0.address == server.url("/ok") }?.cited_by.map(\.key_path)
                == ["impact_assessments[0].link", "objection_route"])
        #expect(outcome(server.url("/moved"))! == ("ok", 200))
        #expect(outcome(server.url("/missing"))! == ("http-error", 404))
        #expect(outcome(server.url("/broken"))! == ("http-error", 500))
        #expect(outcome(server.url("/hang"))?.0 == "timeout")
        #expect(outcome(server.url("/loop"))?.0 == "http-error")
        #expect(outcome("file:///srv/shared/eia.pdf")?.0 == "not-public")
        #expect(outcome("http://intranet/eia.pdf")?.0 == "not-public")
        #expect(report.links.first { $0.address == "file:///srv/shared/eia.pdf" }?.detail.contains("'file:'") == true)

        // The results are stored with their date; a failing link keeps the day it began failing.
        let stored = registry.url.appendingPathComponent(".registry/links.json")
        let text = try String(contentsOf: stored, encoding: .utf8)
        #expect(text.contains("\"failing_since\"") && text.contains(server.url("/missing")))
        let missing = try #require(report.links.first { $0.address == server.url("/missing") })
        #expect(missing.failing_since == strict.links.first { $0.address == server.url("/missing") }?.checked_at)
        #expect(report.links.first { $0.address == server.url("/ok") }?.failing_since == nil)

        // A plain-text run names the failures in sentences.
        let human = try registry.registry("links", "--timeout", "1", "--allow-loopback")
        #expect(human.status == 1)
        #expect(human.stdout.contains("2 of 8 links work"), "\(human.stdout)")
        #expect(human.stdout.contains("The server answered HTTP 404."), "\(human.stdout)")
    }

    @Test("check warns from the stored results alone once a link has failed longer than the policy allows; the catalog shows the failure in both languages")
    func staleFailuresWarnAndShow() throws {
        let server = try LinkServer()
        defer { server.stop() }
        let registry = try registry(citing: server)
        defer { registry.remove() }
        _ = try links(registry, "--allow-loopback")
        server.stop()

        // Failures that began today are within the policy's 30 days: no warning.
        let fresh = try registry.registry("check", "station-incident-hotspots", "--json")
        #expect(!fresh.stdout.contains("evidence-links"), "\(fresh.stdout)")

        // The stored file says the 404 began failing 45 days ago (as an earlier run would have).
        let stored = registry.url.appendingPathComponent(".registry/links.json")
        var records = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: stored)) as? [String: Any])
        var entries = try #require(records["links"] as? [[String: Any]])
        let old = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-45 * 86_400)).prefix(19) + "Z"
        for index in entries.indices where entries[index]["address"] as? String == server.url("/missing") {
            entries[index]["failing_since"] = String(old)
        }
        records["links"] = entries
        try JSONSerialization.data(withJSONObject: records).write(to: stored)

        // The server is gone: check must not need it.
        let stale = try registry.registry("check", "station-incident-hotspots", "--json")
        #expect(stale.status == 0, "a link warning does not fail the check: \(stale.stderr)")
        #expect(stale.stdout.contains("\"evidence-links\""), "\(stale.stdout)")
        #expect(stale.stdout.contains("has failed since \(old.prefix(10))"), "\(stale.stdout)")
        #expect(stale.stdout.contains("\"warning\""))

        let site = try makeTemporaryDirectory("links-site")
        defer { site.remove() }
        let build = try registry.registry("catalog", "build", "--out", site.url.path, "--as-of", "2026-11-25")
        #expect(build.status == 0, "\(build.stderr)")
        let english = try String(contentsOf: site.url.appendingPathComponent("products/station-incident-hotspots.html"), encoding: .utf8)
        let spanish = try String(contentsOf: site.url.appendingPathComponent("es/products/station-incident-hotspots.html"), encoding: .utf8)
        let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
        #expect(english.contains("link failed on \(today) (HTTP 404), failing since \(old.prefix(10))"), "\(english)")
        #expect(english.contains("link failed on \(today) (no response in time)"))
        #expect(spanish.contains("el enlace falló el \(today) (HTTP 404), falla desde el \(old.prefix(10))"))
        let catalog = try String(contentsOf: site.url.appendingPathComponent("catalog.json"), encoding: .utf8)
        #expect(catalog.contains("\"link_failures\""))
    }
}
