import Foundation
import Testing
import TestSupport

/// Keyring proposals through the built binary: propose on the example registry, sign with the
/// registry and with stock ssh-keygen, adopt only once both quorums signed.
@Suite("Board proposals")
struct BoardProposalTests {
    struct Status: Decodable {
        struct Product: Decodable, Equatable {
            struct Counted: Decodable, Equatable { let member: String }
            let id: String
            let state: String
            let counted: [Counted]
        }
        struct Proposal: Decodable {
            let path: String
            let ready: Bool
            let previous_signers: [String]
            let own_signers: [String]
            let missing_previous_signers: [String]
        }
        let passed: Bool
        let keyring_version: Int
        let keyring_proposals: [Proposal]
        let products: [Product]
    }

    struct Board: Decodable {
        let valid: Bool
        let members: [String]
        let proposals: [Status.Proposal]
    }

    static let proposal = "Reviews/board/proposals/keyring.v0003"

    func status(_ registry: FixtureRegistry) throws -> Status {
        try JSONDecoder().decode(Status.self, from: Data(try registry.registry("status", "--json").stdout.utf8))
    }

    /// A fresh key for a member who is on no keyring yet, and its `<id> ssh-ed25519 <base64>` line.
    func newMemberKey(_ id: String, in registry: FixtureRegistry) throws -> (key: URL, line: String) {
        let key = registry.url.appendingPathComponent(".registry/\(id)-key")
        let made = try runProcess("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", id, "-f", key.path])
        #expect(made.status == 0, "\(made.stderr)")
        let parts = try String(contentsOf: key.appendingPathExtension("pub"), encoding: .utf8).split(separator: " ")
        return (key, "\(id) \(parts[0]) \(parts[1])")
    }

    @Test("propose, sign and adopt: an unsigned proposal changes nothing, adopt waits for both quorums")
    func lifecycle() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let before = try status(registry)
        #expect(before.keyring_version == 2)
        let gina = try newMemberKey("gina", in: registry)

        let propose = try registry.registry("board", "propose", "--add", gina.line, "--remove", "carol")
        #expect(propose.status == 0, "\(propose.stderr)")
        #expect(FileManager.default.fileExists(atPath: registry.url.appendingPathComponent(Self.proposal).path))
        try registry.git("add", "Reviews/board")
        try registry.git("commit", "-q", "-m", "Propose keyring v3")

        // Committed but unsigned: the chain, the members and every verdict are as before.
        let pending = try status(registry)
        #expect(pending.keyring_version == 2)
        #expect(pending.products == before.products)
        #expect(pending.passed == before.passed)
        #expect(pending.keyring_proposals.map(\.path) == [Self.proposal])
        #expect(pending.keyring_proposals.first?.ready == false)
        let verify = try registry.registry("board", "verify")
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("current members: alice, bob, carol, dave, frank"))
        #expect(verify.stdout.contains("proposal \(Self.proposal) (not in effect)"))

        // alice and gina sign with the registry, bob with stock ssh-keygen.
        for (member, key) in [("alice", try registry.demoKey("alice")), ("gina", gina.key)] {
            let sign = try registry.registry("review", "sign", Self.proposal, "--key", key.path)
            #expect(sign.status == 0, "\(member): \(sign.stderr)")
            #expect(sign.stdout.contains("\(Self.proposal).sigs/\(member).sig"))
        }
        let bob = try runProcess("/usr/bin/ssh-keygen", ["-Y", "sign", "-q", "-n", "keyring@analytics-registry",
                                                         "-f", try registry.demoKey("bob").path, Self.proposal], in: registry.url)
        #expect(bob.status == 0, "\(bob.stderr)")
        try FileManager.default.moveItem(at: registry.url.appendingPathComponent(Self.proposal + ".sig"),
                                         to: registry.url.appendingPathComponent(Self.proposal + ".sigs/bob.sig"))

        // Two of the three members of v2 required: refused, naming who is still missing.
        let early = try registry.registry("board", "adopt")
        #expect(early.status == 1)
        #expect(early.stderr.contains("cannot be adopted yet"), "\(early.stderr)")
        #expect(early.stderr.contains("waiting for 1 more of carol, dave, frank"), "\(early.stderr)")
        #expect(!FileManager.default.fileExists(atPath: registry.url.appendingPathComponent("Reviews/board/keyring.v0003").path))
        try registry.git("add", "Reviews/board")
        try registry.git("commit", "-q", "-m", "Three signatures")
        let partly = try status(registry)
        #expect(partly.keyring_version == 2)
        #expect(partly.products == before.products)
        #expect(partly.keyring_proposals.first?.previous_signers == ["alice", "bob"])
        #expect(partly.keyring_proposals.first?.own_signers == ["alice", "bob", "gina"])
        #expect(partly.keyring_proposals.first?.missing_previous_signers == ["carol", "dave", "frank"])

        let dave = try registry.registry("review", "sign", Self.proposal, "--key", try registry.demoKey("dave").path)
        #expect(dave.status == 0, "\(dave.stderr)")
        let adopt = try registry.registry("board", "adopt")
        #expect(adopt.status == 0, "\(adopt.stderr)")
        #expect(!FileManager.default.fileExists(atPath: registry.url.appendingPathComponent(Self.proposal).path))
        try registry.git("add", "-A", "Reviews/board")
        try registry.git("commit", "-q", "-m", "Adopt keyring v3")

        let board = try JSONDecoder().decode(Board.self, from: Data(try registry.registry("board", "verify", "--json").stdout.utf8))
        #expect(board.valid)
        #expect(board.members == ["alice", "bob", "dave", "frank", "gina"])
        #expect(board.proposals.isEmpty)
        let after = try status(registry)
        #expect(after.keyring_version == 3)
        #expect(after.keyring_proposals.isEmpty)
        #expect(!after.products.flatMap(\.counted).contains { $0.member == "carol" })

        // Stock ssh-keygen agrees with every signature that was moved into the chain.
        #expect(try registry.registry("board", "allowed-signers", "--out", ".registry/allowed_signers").status == 0)
        for member in ["alice", "bob", "dave", "gina"] {
            let check = try runProcess("/bin/sh", ["-c", "ssh-keygen -Y verify -f .registry/allowed_signers -I \"$1\" -n keyring@analytics-registry -s Reviews/board/keyring.v0003.sigs/\"$1\".sig < Reviews/board/keyring.v0003",
                                                   "verify", member], in: registry.url)
            #expect(check.status == 0, "\(member): \(check.stderr)")
        }
    }

    @Test("a second proposal of the same version is refused rather than voiding collected signatures")
    func proposeTwice() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        #expect(try registry.registry("board", "propose", "--remove", "carol").status == 0)
        let again = try registry.registry("board", "propose", "--remove", "dave")
        #expect(again.status == 2)
        #expect(again.stderr.contains("is already proposed"), "\(again.stderr)")
    }
}
