import Foundation
import Testing
import TestSupport

/// Approval state and signatures on the example registry, through the built binary and stock OpenSSH.
@Suite("Review status")
struct ReviewStatusTests {
    struct Status: Decodable {
        struct Product: Decodable {
            let id: String
            let state: String
            let status: String
            let counted: [Counted]
            let not_counted: [NotCounted]
        }
        struct Counted: Decodable { let member: String }
        struct NotCounted: Decodable { let path: String; let reason: String }
        let passed: Bool
        let products: [Product]
    }

    @Test("the example registry shows approved, pending and changed products, and the gate fails")
    func exampleStates() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let result = try registry.registry("status", "--json")
        #expect(result.status == 1, "a changed product in use must fail the gate")
        let status = try JSONDecoder().decode(Status.self, from: Data(result.stdout.utf8))
        let states = Dictionary(uniqueKeysWithValues: status.products.map { ($0.id, $0.state) })
        #expect(states["station-incident-hotspots"] == "approved")
        #expect(states["fare-inspection-allocation"] == "approved")
        #expect(states["homeless-outreach-demand"] == "pending")
        #expect(states["platform-crowding-alerts"] == "changed")
        #expect(!status.passed)
        let fare = try #require(status.products.first { $0.id == "fare-inspection-allocation" })
        #expect(Set(fare.counted.map(\.member)) == ["alice", "bob", "dave"])
        #expect(fare.not_counted.contains { $0.path.hasSuffix("carol.approval") && $0.reason.contains("owns") })
    }

    @Test("an uncommitted edit makes the product 'uncommitted'")
    func uncommitted() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        try writeFile("draft\n", to: "Products/station-incident-hotspots/NOTES.md", in: registry.url)
        let result = try registry.registry("status", "station-incident-hotspots", "--json")
        let status = try JSONDecoder().decode(Status.self, from: Data(result.stdout.utf8))
        #expect(status.products.first?.state == "uncommitted")
        #expect(result.status == 1)
        // The whole-registry status says the same of that product and nothing of the others.
        let all = try JSONDecoder().decode(Status.self, from: Data(try registry.registry("status", "--json").stdout.utf8))
        #expect(all.products.filter { $0.state == "uncommitted" }.map(\.id) == ["station-incident-hotspots"])
    }

    @Test("stock ssh-keygen verifies every committed statement with the exported allowed_signers")
    func sshKeygenAgrees() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let signers = registry.url.appendingPathComponent("allowed_signers")
        #expect(try registry.registry("board", "allowed-signers", "--out", signers.path).status == 0)
        let status = try JSONDecoder().decode(Status.self, from: Data(try registry.registry("status", "--json").stdout.utf8))
        var verified = 0
        for product in status.products {
            for approval in product.counted {
                let statement = "Reviews/\(product.id)/" + (try #require(
                    try FileManager.default.contentsOfDirectory(atPath: registry.url.appendingPathComponent("Reviews/\(product.id)").path).first))
                    + "/\(approval.member).approval"
                let check = try runProcess("/bin/sh", ["-c", "ssh-keygen -Y verify -f allowed_signers -I \"$1\" -n review@analytics-registry -s \"$2.sig\" < \"$2\"", "verify", approval.member, statement],
                                           in: registry.url)
                #expect(check.status == 0, "\(statement): \(check.stderr)")
                verified += 1
            }
        }
        #expect(verified >= 10)
    }

    @Test("a signature made by stock ssh-keygen is accepted, and a tampered statement is not counted")
    func sshKeygenSignature() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let path = try registry.commitFranksApprovalSignedBySSHKeygen(message: "Second approval")
        var status = try JSONDecoder().decode(Status.self, from: Data(try registry.registry("status", "homeless-outreach-demand", "--json").stdout.utf8))
        #expect(status.products.first?.state == "approved")

        let statement = registry.url.appendingPathComponent(path)
        let text = try String(contentsOf: statement, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "Second reviewer", with: "Second reviewer!").utf8).write(to: statement)
        try registry.git("commit", "-q", "-am", "Tamper with the comment")
        status = try JSONDecoder().decode(Status.self, from: Data(try registry.registry("status", "homeless-outreach-demand", "--json").stdout.utf8))
        #expect(status.products.first?.state == "pending")
        #expect(status.products.first?.not_counted.contains { $0.path == path } == true)
    }

    @Test("a wrong trust anchor refuses the whole chain")
    func wrongAnchor() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let result = try registry.registry("board", "verify", "--trust-anchor", String(repeating: "0", count: 64))
        #expect(result.status == 1)
        let status = try registry.registry("status", environment: ["REGISTRY_TRUST_ANCHOR": String(repeating: "1", count: 64)])
        #expect(status.status == 1)
        #expect(!status.stdout.contains("approved"))
    }
}
