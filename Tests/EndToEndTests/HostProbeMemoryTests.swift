import Foundation
import Testing
import TestSupport

/// `registry run` remembers what it learns by starting host programs (`bwrap --version`, the system
/// python3's version) in `.registry/host-probes.json`, and the run record says the same either way.
@Suite("Host probes remembered by registry run")
struct HostProbeMemoryTests {
    struct Record: Decodable {
        struct Environment: Decodable { let interpreter_version: String? }
        struct Isolation: Decodable { let bubblewrapVersion: String }
        let environment: Environment
        let isolation: Isolation
    }

    /// The parts of a run's JSON report that came from host probes.
    static func probed(_ run: ProcessResult) throws -> (bubblewrap: String, python: String?) {
        struct Report: Decodable { let record: Record }
        let report = try JSONDecoder().decode(Report.self, from: Data(run.stdout.utf8))
        return (report.record.isolation.bubblewrapVersion, report.record.environment.interpreter_version)
    }

    @Test("a second run reuses the probes; a corrupt or loosely permitted memory is ignored and rewritten")
    func remembered() throws {
        let registry = try FixtureRegistry.withExampleProducts(["station-incident-hotspots"])
        defer { registry.remove() }
        let memory = registry.url.appendingPathComponent(".registry/host-probes.json")

        let first = try registry.registry("run", "station-incident-hotspots", "--json")
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        let probed = try Self.probed(first)
        #expect(probed.bubblewrap.hasPrefix("bubblewrap "))
        let remembered = try String(contentsOf: memory, encoding: .utf8)
        #expect(remembered.contains("--version") && remembered.contains(probed.bubblewrap), "\(remembered)")
        if let python = probed.python { #expect(remembered.contains(python)) }

        let second = try registry.registry("run", "station-incident-hotspots", "--json")
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try Self.probed(second) == probed)

        for hostile in ["{\"truncated", "{\"/usr/bin/bwrap --version\": 7}"] {
            try Data(hostile.utf8).write(to: memory)
            let run = try registry.registry("run", "station-incident-hotspots", "--json")
            #expect(run.status == 0, "\(run.stderr)")
            #expect(try Self.probed(run) == probed)
            #expect(try String(contentsOf: memory, encoding: .utf8) == remembered, "rewritten from fresh probes")
        }

        // A forged answer in a file others may write is not believed.
        try Data(remembered.replacingOccurrences(of: probed.bubblewrap, with: "bubblewrap 9.9.9").utf8).write(to: memory)
        chmod(memory.path, 0o666)
        let run = try registry.registry("run", "station-incident-hotspots", "--json")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Self.probed(run) == probed)
    }
}
