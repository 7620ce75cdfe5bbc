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
            let final_address: String?
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
        let scheme: String
        let host: String

        /// Serves http on 127.0.0.1, or https for `host` with `tls` (certificate and key files).
        init(host: String = "127.0.0.1", tls: (certificate: URL, key: URL)? = nil) throws {
            let output = Pipe()
            self.scheme = tls == nil ? "http" : "https"
            self.host = host
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = [packageRoot.appendingPathComponent("Tests/Fixtures/link-server/server.py").path]
                + (tls.map { ["--tls", $0.certificate.path, $0.key.path] } ?? [])
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

        func url(_ path: String) -> String { "\(scheme)://\(host):\(port)\(path)" }

        /// Requests the server has answered, apart from these count requests.
        func requestCount() throws -> Int {
            Int(try ask("/count")) ?? -1
        }

        /// Each request the server has answered, as "HOST PATH" (with " sni=NAME" over https).
        func requests() throws -> [String] {
            try JSONDecoder().decode([String].self, from: Data(try ask("/requests").utf8))
        }

        /// One of the server's own reports, fetched past certificate checks (it is the test's server).
        private func ask(_ path: String) throws -> String {
            let script = "import ssl,sys,urllib.request; print(urllib.request.urlopen(sys.argv[1], context=ssl._create_unverified_context()).read().decode())"
            let result = try runProcess("/usr/bin/python3", ["-c", script, "\(scheme)://127.0.0.1:\(port)\(path)"])
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
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
        try registry(citing: ["/ok", "/moved", "/missing", "/broken", "/hang", "/loop"].map(server.url)
                     + ["file:///srv/shared/eia.pdf", "http://intranet/eia.pdf"],
                     objectionRoute: "Write to the owner, or appeal at \(server.url("/ok")).")
    }

    /// The example registry cut down to one product whose impact assessments link to `addresses`.
    private func registry(citing addresses: [String], objectionRoute: String) throws -> FixtureRegistry {
        let registry = try FixtureRegistry.cloneOfExamples()
        let others = try FileManager.default.contentsOfDirectory(atPath: registry.url.appendingPathComponent("Products").path)
            .filter { $0 != "station-incident-hotspots" }
        for id in others { try registry.git("rm", "-q", "-r", "Products/\(id)") }
        let manifest = registry.url.appendingPathComponent("Products/station-incident-hotspots/product.yaml")
        var yaml = try String(contentsOf: manifest, encoding: .utf8)
        let assessments = addresses.enumerated().map { index, address in
            "  - title: Assessment \(index)\n    date: \"2026-02-18\"\n    link: \(address)\n"
        }.joined()
        let start = try #require(yaml.range(of: "impact_assessments:\n"))
        let end = try #require(yaml.range(of: "review_due:", range: start.upperBound..<yaml.endIndex))
        yaml.replaceSubrange(start.upperBound..<end.lowerBound, with: assessments)
        // An address in the objection route is checked too: the route is replaced by one citing the server.
        let route = try #require(yaml.range(of: "\nobjection_route: >-\n"))
        let routeEnd = try #require(yaml.range(of: "\nlegal_basis:", range: route.upperBound..<yaml.endIndex))
        yaml.replaceSubrange(route.upperBound..<routeEnd.lowerBound, with: "  \(objectionRoute)")
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

    /// Runs `registry links` with `arguments` in `registry`, inside fresh network and mount namespaces
    /// (`Tests/Fixtures/link-server/rebinding_namespace.sh`) where `rules` (`NAME=ADDRESS,ADDRESS…`)
    /// make host names answer one address to the first lookup and another to the next, and a link
    /// server listens on port 8080 of every address, 10.55.0.1 (private) included. Returns the
    /// report, the requests the server received and the DNS answers given.
    private func linksWhereNamesRebind(_ registry: FixtureRegistry, rules: [String], _ arguments: String...) throws
        -> (report: Report, requests: [String], answers: [String]) {
        let work = try makeTemporaryDirectory("links-rebinding")
        defer { work.remove() }
        let script = packageRoot.appendingPathComponent("Tests/Fixtures/link-server/rebinding_namespace.sh").path
        let run = try runProcess("/usr/bin/unshare", ["-rnm", "/bin/bash", script, work.url.path] + rules
                                 + ["--", registryExecutable.path, "links", "--json", "--timeout", "5"] + arguments,
                                 in: registry.url, environment: fixtureGitEnvironment)
        #expect(run.status == 1, "a refused link fails the run: \(run.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(run.stdout.utf8))
        let requests = try JSONDecoder().decode([String].self, from: Data(contentsOf: work.url.appendingPathComponent("requests.json")))
        let answers = try String(contentsOf: work.url.appendingPathComponent("dns.log"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        return (report, requests, answers)
    }

    @Test("a host name that resolves to a public address for the check and to a private or loopback one when connecting (DNS rebinding) never receives a request, on the first hop or after a redirect")
    func rebindingNamesGetNoRequest() throws {
        let steady = "http://steady.example:8080/ok"
        let rebinding = "http://rebind.example:8080/ok"
        let redirected = "http://127.0.0.1:8080/redirect?to=http://rebind-hop.example:8080/ok"
        let registry = try registry(citing: [steady, rebinding, redirected], objectionRoute: "Write to the owner.")
        defer { registry.remove() }

        // Loopback allowed (the server's own address): a name that keeps answering 127.0.0.1 is
        // fetched, which shows the namespace's DNS and server work; the names that rebind to the
        // private 10.55.0.1 are refused when connecting, directly and as a redirect's target.
        let allowed = try linksWhereNamesRebind(
            registry,
            rules: ["steady.example=127.0.0.1", "rebind.example=203.0.113.7,10.55.0.1", "rebind-hop.example=203.0.113.7,10.55.0.1"],
            "--allow-loopback")
        #expect(allowed.answers.contains("rebind.example 203.0.113.7") && allowed.answers.contains("rebind.example 10.55.0.1"),
                "the name must have rebound between the check and the connection: \(allowed.answers)")
        #expect(allowed.answers.contains("rebind-hop.example 10.55.0.1"), "\(allowed.answers)")
        #expect(allowed.requests.sorted() == ["127.0.0.1:8080 /redirect?to=http://rebind-hop.example:8080/ok", "steady.example:8080 /ok"],
                "\(allowed.requests)")
        let outcomes = Dictionary(uniqueKeysWithValues: allowed.report.links.map { ($0.address, $0) })
        #expect(outcomes[steady]?.outcome == "ok")
        let direct = try #require(outcomes[rebinding])
        #expect(direct.outcome == "not-public")
        #expect(direct.detail.contains("10.55.0.1") && direct.detail.contains("private-network") && direct.detail.contains("when the registry connected"),
                "\(direct.detail)")
        let hop = try #require(outcomes[redirected])
        #expect(hop.outcome == "not-public")
        #expect(hop.final_address == "http://rebind-hop.example:8080/ok")
        #expect(hop.detail.contains("10.55.0.1"), "\(hop.detail)")

        // Loopback not allowed: a name that rebinds to 127.0.0.1 is refused the same way, and the
        // server hears nothing at all.
        let strict = try linksWhereNamesRebind(registry, rules: ["steady.example=127.0.0.1", "rebind.example=203.0.113.7,127.0.0.1"])
        #expect(strict.answers.contains("rebind.example 127.0.0.1"), "\(strict.answers)")
        #expect(strict.requests.isEmpty, "\(strict.requests)")
        let loopback = try #require(strict.report.links.first { $0.address == rebinding })
        #expect(loopback.outcome == "not-public")
        #expect(loopback.detail.contains("127.0.0.1") && loopback.detail.contains("loopback"), "\(loopback.detail)")
    }

    @Test("https links are fetched with the certificate checked against the host name, which is also the name sent as SNI and Host")
    func httpsChecksTheCertificateAgainstTheHostName() throws {
        let keys = try makeTemporaryDirectory("links-tls")
        defer { keys.remove() }
        let certificate = keys.url.appendingPathComponent("localhost.pem")
        let key = keys.url.appendingPathComponent("localhost.key")
        let made = try runProcess("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                                       "-nodes", "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                                                       "-keyout", key.path, "-out", certificate.path])
        try #require(made.status == 0, "\(made.stderr)")
        let server = try LinkServer(host: "localhost", tls: (certificate, key))
        defer { server.stop() }
        let byAddress = "https://127.0.0.1:\(server.port)/ok"
        let registry = try registry(citing: [server.url("/ok"), server.url("/moved"), server.url("/missing"), byAddress],
                                    objectionRoute: "Write to the owner.")
        defer { registry.remove() }

        let (trusted, _) = try links(registry, "--allow-loopback", "--test-ca-file", certificate.path)
        let outcomes = Dictionary(uniqueKeysWithValues: trusted.links.map { ($0.address, $0) })
        #expect(outcomes[server.url("/ok")]?.outcome == "ok")
        #expect(outcomes[server.url("/ok")]?.http_status == 200)
        #expect(outcomes[server.url("/moved")]?.outcome == "ok")
        #expect(outcomes[server.url("/missing")]?.http_status == 404)
        // The certificate names localhost, not 127.0.0.1: the same server by address fails verification.
        let mismatch = try #require(outcomes[byAddress])
        #expect(mismatch.outcome == "unreachable")
        #expect(mismatch.detail.contains("127.0.0.1") && mismatch.detail.contains("certificate"), "\(mismatch.detail)")
        let served = try server.requests()
        #expect(served.contains("localhost:\(server.port) /ok sni=localhost"), "\(served)")
        #expect(!served.contains { $0.hasPrefix("127.0.0.1") }, "nothing is sent over a connection whose certificate failed: \(served)")

        // Without the test's authority the self-signed certificate is not trusted, and nothing is sent.
        let before = try server.requestCount()
        let (untrusted, _) = try links(registry, "--allow-loopback")
        #expect(untrusted.links.allSatisfy { $0.outcome == "unreachable" }, "\(untrusted.links.map(\.detail))")
        #expect(untrusted.links.first { $0.address == server.url("/ok") }?.detail.contains("certificate") == true)
        #expect(try server.requestCount() == before)
    }

    @Test("the binary does not link libcurl, which it loads only for 'registry links': without it, links exits 2 with one sentence naming the package and stores nothing, doctor warns with the same package, and other commands run as before")
    func libcurlIsLoadedOnlyForLinks() throws {
        // Linked, libcurl and the libraries it needs would be loaded at every command's start-up.
        let dynamic = try runProcess("/usr/bin/readelf", ["-d", registryExecutable.path])
        try #require(dynamic.status == 0 && dynamic.stdout.contains("(NEEDED)"), "readelf lists what the binary loads: \(dynamic.stderr)")
        #expect(!dynamic.stdout.contains("libcurl"), "\(dynamic.stdout)")

        // A machine without libcurl, made real: in a mount namespace of its own the file the loader
        // finds for libcurl.so.4 reads as empty (/dev/null mounted over it).
        let cache = try runProcess("/sbin/ldconfig", ["-p"])
        let listed = try #require(cache.stdout.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("libcurl.so.4 ") },
                                  "this machine has libcurl (the other link tests need it)")
        let library = URL(fileURLWithPath: String(try #require(listed.split(separator: " ").last))).resolvingSymlinksInPath().path
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        func withoutLibcurl(_ arguments: String...) throws -> ProcessResult {
            var environment = fixtureGitEnvironment
            environment["NO_COLOR"] = "1"
            return try runProcess("/usr/bin/unshare", ["-rm", "/bin/sh", "-c", #"mount --bind /dev/null "$0" && exec "$@""#,
                                                       library, registryExecutable.path] + arguments,
                                  in: registry.url, environment: environment)
        }

        let links = try withoutLibcurl("links", "--timeout", "1")
        #expect(links.status == 2, "\(links.stdout)\(links.stderr)")
        #expect(!links.crashed)
        let message = links.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!message.contains("\n"), "one sentence: \(message)")
        #expect(message.contains("libcurl") && message.contains("apt-get install libcurl4"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: registry.url.appendingPathComponent(".registry/links.json").path))

        let version = try withoutLibcurl("--version")
        #expect(version.status == 0 && version.stdout.hasPrefix("registry "), "\(version.stderr)")
        let list = try withoutLibcurl("list", "--json")
        #expect(list.status == 0 && list.stdout.contains("station-incident-hotspots"), "\(list.stderr)")
        let show = try withoutLibcurl("show", "station-incident-hotspots")
        #expect(show.status == 0, "\(show.stderr)")
        // doctor's exit status here depends on sandboxing inside this namespace; its libcurl line does not.
        struct Doctor: Decodable { struct Check: Decodable { let id: String; let status: String; let fix: String? }; let checks: [Check] }
        let doctor = try JSONDecoder().decode(Doctor.self, from: Data(try withoutLibcurl("doctor", "--json").stdout.utf8))
        let check = try #require(doctor.checks.first { $0.id == "libcurl" })
        #expect(check.status == "warning" && check.fix?.contains("apt-get install libcurl4") == true, "\(check)")
    }
}
