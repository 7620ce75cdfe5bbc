import Foundation
import Testing
@testable import Reviews
import RegistrySupport
import TestSupport

/// The files of `Reviews/board/` as a case builds them.
struct BoardFolder {
    var files: [RepositoryFile] = []

    /// Adds `keyring.v<NNNN>` with signatures by the given fixture members.
    mutating func add(_ keyring: Keyring, signedBy signers: [FixtureMember], board: BoardFixture,
                      namespace: String = ReviewNamespace.keyring, tool: SigningTool = .sshKeygen) throws {
        try add(keyring.canonicalBytes(), version: keyring.version, signedBy: signers, board: board,
                namespace: namespace, tool: tool)
    }

    mutating func add(_ bytes: [UInt8], version: Int, signedBy signers: [FixtureMember], board: BoardFixture,
                      namespace: String = ReviewNamespace.keyring, tool: SigningTool = .sshKeygen) throws {
        let path = ReviewPaths.keyring(version: version)
        files.append(RepositoryFile(path: path, bytes: bytes))
        for signer in signers {
            files.append(RepositoryFile(path: ReviewPaths.memberSignature(of: path, member: signer.id),
                                        bytes: try board.sign(bytes, by: signer, namespace: namespace, tool: tool)))
        }
    }

    var anchor: String {
        SHA256Hex.of(files.first { $0.path == ReviewPaths.keyring(version: 1) }?.bytes ?? [])
    }
}

/// One keyring chain case: what `Reviews/board/` holds and what must be trusted.
struct ChainCase: Sendable, CustomTestStringConvertible {
    let name: String
    let status: KeyringChainVerdict.Status
    /// The version trusted as current, or nil when refused.
    let current: Int?
    /// Text that must appear among the chain's or a version's problems.
    let problem: String?
    let highestSeen: Int
    /// Whether the machine pins the digest of some other first keyring.
    let pinsAnotherAnchor: Bool
    let build: @Sendable (BoardFixture, inout BoardFolder) throws -> Void

    init(_ name: String, _ status: KeyringChainVerdict.Status, current: Int?, problem: String? = nil,
         highestSeen: Int = 0, pinsAnotherAnchor: Bool = false, build: @escaping @Sendable (BoardFixture, inout BoardFolder) throws -> Void) {
        self.name = name
        self.status = status
        self.current = current
        self.problem = problem
        self.highestSeen = highestSeen
        self.pinsAnotherAnchor = pinsAnotherAnchor
        self.build = build
    }

    var testDescription: String { name }
}

private let everyone = ["alice", "bob", "carol", "dave", "erin"]

private func first(_ board: BoardFixture, _ folder: inout BoardFolder, tool: SigningTool = .sshKeygen) throws {
    try folder.add(board.keyring(version: 1), signedBy: ["alice", "bob", "carol"].map(board.member), board: board, tool: tool)
}

/// Version 2 drops erin and adds frank; `old` and `new` choose who signs it.
private func rotation(_ board: BoardFixture, _ folder: inout BoardFolder, old: [String], new: [String],
                      expires: String = "2030-01-01T00:00:00Z") throws -> FixtureMember {
    let frank = try board.newMember("frank")
    let members = ["alice", "bob", "carol", "dave"].map(board.member) + [frank]
    let keyring = try board.keyring(version: 2, fixtureMembers: members, expires: expires)
    let signers = Set(old + new).sorted().map { $0 == "frank" ? frank : board.member($0) }
    try folder.add(keyring, signedBy: signers, board: board)
    return frank
}

private func keyringText(_ board: BoardFixture, version: Int = 1, thresholds: String = "3\n2\n3\n3",
                         members: [(String, String)]) -> [UInt8] {
    let values = thresholds.split(separator: "\n")
    let lines = ["format: analytics-registry/1", "type: keyring", "version: \(version)", "expires: 2030-01-01T00:00:00Z",
                 "threshold-keyring: \(values[0])", "threshold-approval: \(values[1])",
                 "threshold-approval-demographic: \(values[2])", "threshold-board-revocation: \(values[3])"]
        + members.map { "member: \($0.0) \(board.member($0.1).publicKey.openSSHLine)" }
    return Array((lines.joined(separator: "\n") + "\n").utf8)
}

let chainCases: [ChainCase] = [
    ChainCase("first keyring signed with ssh-keygen", .trusted, current: 1) { board, folder in
        try first(board, &folder)
    },
    ChainCase("first keyring signed with SSHSigner", .trusted, current: 1) { board, folder in
        try first(board, &folder, tool: .swiftSigner)
    },
    ChainCase("first keyring with too few signatures", .refused, current: nil, problem: "signed by 2 of its own members") { board, folder in
        try folder.add(board.keyring(version: 1), signedBy: ["alice", "bob"].map(board.member), board: board)
    },
    ChainCase("first keyring differs from the pinned anchor", .refused, current: nil, problem: "pinned trust anchor",
              pinsAnotherAnchor: true) { board, folder in
        try first(board, &folder)
    },
    ChainCase("rotation signed by three old and three new members", .trusted, current: 2) { board, folder in
        try first(board, &folder)
        _ = try rotation(board, &folder, old: ["alice", "bob", "erin"], new: ["alice", "bob", "frank"])
    },
    ChainCase("rotation signed by too few old members", .refused, current: nil, problem: "signed by 2 members of version 1") { board, folder in
        try first(board, &folder)
        _ = try rotation(board, &folder, old: ["alice", "bob"], new: ["alice", "bob", "frank"])
    },
    ChainCase("rotation signed by too few new members", .refused, current: nil, problem: "signed by 2 of its own members") { board, folder in
        try first(board, &folder)
        _ = try rotation(board, &folder, old: ["alice", "bob", "erin"], new: ["alice", "bob"])
    },
    ChainCase("rotation signed in the review namespace", .refused, current: nil, problem: "signed by 0 members of version 1") { board, folder in
        try first(board, &folder)
        let keyring = try board.keyring(version: 2, members: ["alice", "bob", "carol", "dave"])
        try folder.add(keyring, signedBy: ["alice", "bob", "carol"].map(board.member), board: board, namespace: ReviewNamespace.review)
    },
    ChainCase("unsigned edit of a signed keyring", .refused, current: nil, problem: "signed by 0 members of version 1") { board, folder in
        try first(board, &folder)
        _ = try rotation(board, &folder, old: ["alice", "bob", "erin"], new: ["alice", "bob", "frank"])
        let index = try #require(folder.files.firstIndex { $0.path == ReviewPaths.keyring(version: 2) })
        let text = String(decoding: folder.files[index].bytes, as: UTF8.self)
        folder.files[index] = RepositoryFile(path: folder.files[index].path,
                                             bytes: Array(text.replacingOccurrences(of: "threshold-approval: 2", with: "threshold-approval: 1").utf8))
    },
    ChainCase("version gap", .refused, current: nil, problem: "versions 2 are missing") { board, folder in
        try first(board, &folder)
        let keyring = try board.keyring(version: 3, members: ["alice", "bob", "carol", "dave"])
        try folder.add(keyring, signedBy: ["alice", "bob", "carol"].map(board.member), board: board)
    },
    ChainCase("file name and declared version disagree", .refused, current: nil, problem: "declares version 3") { board, folder in
        try first(board, &folder)
        let keyring = try board.keyring(version: 3, members: everyone)
        try folder.add(try keyring.canonicalBytes(), version: 2, signedBy: ["alice", "bob", "carol"].map(board.member), board: board)
    },
    ChainCase("rollback to a shorter chain than already seen", .refused, current: nil, problem: "refusing a rollback", highestSeen: 3) { board, folder in
        try first(board, &folder)
        _ = try rotation(board, &folder, old: ["alice", "bob", "erin"], new: ["alice", "bob", "frank"])
    },
    ChainCase("chain as long as already seen", .trusted, current: 2, highestSeen: 2) { board, folder in
        try first(board, &folder)
        _ = try rotation(board, &folder, old: ["alice", "bob", "erin"], new: ["alice", "bob", "frank"])
    },
    ChainCase("expired newest keyring", .expired, current: 2) { board, folder in
        try first(board, &folder)
        _ = try rotation(board, &folder, old: ["alice", "bob", "erin"], new: ["alice", "bob", "frank"], expires: "2026-06-01T00:00:00Z")
    },
    ChainCase("expired older keyring still rotates", .trusted, current: 2) { board, folder in
        let keyring = try board.keyring(version: 1, expires: "2026-01-01T00:00:00Z")
        try folder.add(keyring, signedBy: ["alice", "bob", "carol"].map(board.member), board: board)
        _ = try rotation(board, &folder, old: ["alice", "bob", "erin"], new: ["alice", "bob", "frank"])
    },
    ChainCase("threshold above the member count", .refused, current: nil, problem: "has only 5 members") { board, folder in
        try folder.add(keyringText(board, thresholds: "6\n2\n3\n3", members: everyone.map { ($0, $0) }), version: 1,
                       signedBy: everyone.map(board.member), board: board)
    },
    ChainCase("threshold of zero", .refused, current: nil, problem: "not a positive whole number") { board, folder in
        try folder.add(keyringText(board, thresholds: "3\n0\n3\n3", members: everyone.map { ($0, $0) }), version: 1,
                       signedBy: everyone.map(board.member), board: board)
    },
    ChainCase("demographic threshold below the ordinary approval threshold", .refused, current: nil,
              problem: "must be at least 'threshold-approval'") { board, folder in
        try folder.add(keyringText(board, thresholds: "3\n3\n2\n3", members: everyone.map { ($0, $0) }), version: 1,
                       signedBy: everyone.map(board.member), board: board)
    },
    ChainCase("a later version is not checked against a keyring that is missing", .refused, current: nil,
              problem: "not checked because version 2 is missing or not valid") { board, folder in
        try first(board, &folder)
        try folder.add(board.keyring(version: 3), signedBy: ["alice", "bob", "carol"].map(board.member), board: board)
    },
    ChainCase("one key under two members", .refused, current: nil, problem: "same key as member") { board, folder in
        try folder.add(keyringText(board, members: [("alice", "alice"), ("bob", "bob"), ("carol", "carol"), ("mallory", "alice")]),
                       version: 1, signedBy: ["alice", "bob", "carol"].map(board.member), board: board)
    },
    ChainCase("one member with two keys", .refused, current: nil, problem: "listed twice") { board, folder in
        try folder.add(keyringText(board, members: [("alice", "alice"), ("alice", "dave"), ("bob", "bob"), ("carol", "carol")]),
                       version: 1, signedBy: ["alice", "bob", "carol"].map(board.member), board: board)
    },
    ChainCase("members not sorted", .refused, current: nil, problem: "sorted by id") { board, folder in
        try folder.add(keyringText(board, members: [("bob", "bob"), ("alice", "alice"), ("carol", "carol")]),
                       version: 1, signedBy: ["alice", "bob", "carol"].map(board.member), board: board)
    },
    ChainCase("signature file named for one member but made with another's key", .refused, current: nil,
              problem: "signed by 2 of its own members") { board, folder in
        let keyring = try board.keyring(version: 1)
        let bytes = try keyring.canonicalBytes()
        try folder.add(bytes, version: 1, signedBy: ["alice", "bob"].map(board.member), board: board)
        folder.files.append(RepositoryFile(path: ReviewPaths.memberSignature(of: ReviewPaths.keyring(version: 1), member: "carol"),
                                           bytes: try board.sign(bytes, by: "alice", namespace: ReviewNamespace.keyring)))
    },
    ChainCase("a member whose key changed signs with the new key", .trusted, current: 2) { board, folder in
        try first(board, &folder)
        let newAlice = try board.newMember("alice")
        let members = [newAlice] + ["bob", "carol", "dave", "erin"].map(board.member)
        let keyring = try board.keyring(version: 2, fixtureMembers: members)
        try folder.add(keyring, signedBy: [newAlice] + ["bob", "carol", "dave"].map(board.member), board: board)
    },
    ChainCase("a stray file named like a keyring", .refused, current: nil, problem: "not named keyring.v<NNNN>") { board, folder in
        try first(board, &folder)
        folder.files.append(RepositoryFile(path: "Reviews/board/keyring.v2", bytes: try board.keyring(version: 2).canonicalBytes()))
    },
    ChainCase("no keyring at all", .refused, current: nil, problem: "there is no Reviews/board/keyring.v0001") { _, _ in },
]

@Suite("Keyring chain")
struct KeyringChainTests {
    @Test(arguments: chainCases)
    func walksChain(_ testCase: ChainCase) throws {
        let board = try BoardFixture()
        defer { board.remove() }
        var folder = BoardFolder()
        try testCase.build(board, &folder)
        let anchor = testCase.pinsAnotherAnchor ? SHA256Hex.of("another first keyring") : folder.anchor
        let verdict = KeyringChain.verify(boardFiles: folder.files, trustAnchor: anchor, highestSeen: testCase.highestSeen,
                                          now: ReviewScenario.now.date)
        let problems = verdict.problems + verdict.versions.flatMap(\.problems)
        #expect(verdict.status == testCase.status, "\(problems)")
        #expect(verdict.keyring?.version == testCase.current)
        if let expected = testCase.problem {
            #expect(problems.contains { $0.contains(expected) }, "\(problems)")
        }
        #expect((verdict.status == .refused) == (verdict.keyring == nil))
        for file in folder.files where !file.path.contains(".sigs/") {
            guard let keyring = try? Keyring(parsing: file.bytes) else { continue }
            let own = folder.files.filter { $0.path == file.path || $0.path.hasPrefix(file.path + ".sigs/") }
            #expect(try signaturesAgreeWithSSHKeygen(own, keyring: keyring, board: board))
        }
    }

    @Test("every counted keyring signature is also accepted by ssh-keygen with the allowed_signers output")
    func sshKeygenAgreesOnRotation() throws {
        let board = try BoardFixture()
        defer { board.remove() }
        var folder = BoardFolder()
        try first(board, &folder)
        let frank = try rotation(board, &folder, old: ["alice", "bob", "erin"], new: ["alice", "bob", "frank"])
        let verdict = KeyringChain.verify(boardFiles: folder.files, trustAnchor: folder.anchor, highestSeen: 0,
                                          now: ReviewScenario.now.date)
        let outcome = try #require(verdict.versions.last)
        #expect(outcome.previousSigners == ["alice", "bob", "erin"])
        #expect(outcome.ownSigners == ["alice", "bob", "frank"])
        let keyringV1 = try Keyring(parsing: folder.files[0].bytes)
        let keyringV2 = try #require(verdict.keyring)
        #expect(keyringV2.member("frank")?.key == frank.publicKey)
        let bytes = try #require(folder.files.first { $0.path == ReviewPaths.keyring(version: 2) }).bytes
        for signer in ["alice", "bob", "erin", "frank"] {
            let signature = try #require(folder.files.first {
                $0.path == ReviewPaths.memberSignature(of: ReviewPaths.keyring(version: 2), member: signer)
            })
            let signers = signer == "erin" ? AllowedSigners.render(keyringV1) : AllowedSigners.render(keyringV2)
            #expect(try board.sshKeygenAccepts(message: bytes, signature: signature.bytes, identity: signer,
                                               namespace: ReviewNamespace.keyring, allowedSigners: signers))
        }
    }

    @Test("building a keyring that breaks the rules fails with the offending key named")
    func buildingInvalidKeyring() throws {
        let board = try BoardFixture(["alice", "bob"])
        defer { board.remove() }
        let error = #expect(throws: ReviewError.self) {
            try board.keyring(members: ["alice", "bob"], thresholds: (3, 1, 1, 1))
        }
        #expect(error?.message.contains("'threshold-keyring' is 3 but the keyring has only 2 members") == true)
        #expect(throws: ReviewError.self) {
            try board.keyring(version: 1, fixtureMembers: [board.member("alice"), board.member("alice")], thresholds: (1, 1, 1, 1))
        }
    }

    @Test("a policy statement needs threshold-keyring current members in the keyring namespace")
    func boardStatementQuorum() throws {
        let board = try BoardFixture()
        defer { board.remove() }
        let keyring = try board.keyring()
        let policy = RepositoryFile(path: ReviewPaths.policy(version: 1), bytes: Array("format: analytics-registry/1\ntype: policy\n".utf8))
        var files: [RepositoryFile] = []
        for (member, namespace) in [("alice", ReviewNamespace.keyring), ("bob", ReviewNamespace.keyring),
                                    ("carol", ReviewNamespace.review)] {
            files.append(RepositoryFile(path: ReviewPaths.memberSignature(of: policy.path, member: member),
                                        bytes: try board.sign(policy.bytes, by: member, namespace: namespace)))
        }
        let short = BoardQuorum.verifyBoardStatement(policy, files: files, keyring: keyring)
        #expect(!short.isMet)
        #expect(short.signers == ["alice", "bob"])
        #expect(short.uncounted.map(\.path) == [ReviewPaths.memberSignature(of: policy.path, member: "carol")])
        files.append(RepositoryFile(path: ReviewPaths.memberSignature(of: policy.path, member: "dave"),
                                    bytes: try board.sign(policy.bytes, by: "dave", namespace: ReviewNamespace.keyring, tool: .swiftSigner)))
        let met = BoardQuorum.verifyBoardStatement(policy, files: files, keyring: keyring)
        #expect(met.isMet)
        #expect(met.signers == ["alice", "bob", "dave"])
    }
}

/// Proposals under `Reviews/board/proposals/` wait for both quorums and never touch the chain.
@Suite("Keyring proposals")
struct KeyringProposalTests {
    /// Adds `proposals/keyring.v<NNNN>` (the version in the name may differ from the text's) signed by `signers`.
    func propose(_ keyring: Keyring, named version: Int? = nil, signedBy signers: [FixtureMember], board: BoardFixture,
                 into folder: inout BoardFolder) throws {
        let path = ReviewPaths.keyringProposal(version: version ?? keyring.version)
        let bytes = try keyring.canonicalBytes()
        folder.files.append(RepositoryFile(path: path, bytes: bytes))
        for signer in signers {
            folder.files.append(RepositoryFile(path: ReviewPaths.memberSignature(of: path, member: signer.id),
                                               bytes: try board.sign(bytes, by: signer, namespace: ReviewNamespace.keyring)))
        }
    }

    @Test("a renewal of an expired keyring is ready once both quorums signed, and the chain ignores it until then")
    func renewalOfExpiredChain() throws {
        let board = try BoardFixture()
        defer { board.remove() }
        var folder = BoardFolder()
        try folder.add(board.keyring(version: 1, expires: "2026-01-01T00:00:00Z"), signedBy: ["alice", "bob", "carol"].map(board.member), board: board)
        let renewal = try board.keyring(version: 2)
        try propose(renewal, signedBy: ["alice", "bob"].map(board.member), board: board, into: &folder)
        var chain = KeyringChain.verify(boardFiles: folder.files, trustAnchor: folder.anchor, highestSeen: 0, now: ReviewScenario.now.date)
        #expect(chain.status == .expired)
        #expect(chain.keyring?.version == 1)
        var proposal = try #require(KeyringProposal.evaluate(boardFiles: folder.files, chain: chain).first)
        #expect(!proposal.isReady)
        #expect(proposal.missingPreviousSigners == ["carol", "dave", "erin"])
        #expect(proposal.missingOwnSigners == ["carol", "dave", "erin"])
        #expect(proposal.problems.count == 2)

        folder.files.append(RepositoryFile(path: ReviewPaths.memberSignature(of: ReviewPaths.keyringProposal(version: 2), member: "carol"),
                                           bytes: try board.sign(renewal.canonicalBytes(), by: "carol", namespace: ReviewNamespace.keyring)))
        chain = KeyringChain.verify(boardFiles: folder.files, trustAnchor: folder.anchor, highestSeen: 0, now: ReviewScenario.now.date)
        #expect(chain.keyring?.version == 1, "a ready proposal is still not part of the chain")
        proposal = try #require(KeyringProposal.evaluate(boardFiles: folder.files, chain: chain).first)
        #expect(proposal.isReady, "\(proposal.problems)")
        #expect(proposal.previousSigners == ["alice", "bob", "carol"])
    }

    @Test("a proposal that is not the next version, or that the chain cannot anchor, is never ready")
    func wrongVersionOrUntrustedChain() throws {
        let board = try BoardFixture()
        defer { board.remove() }
        var folder = BoardFolder()
        try folder.add(board.keyring(version: 1), signedBy: ["alice", "bob", "carol"].map(board.member), board: board)
        try propose(board.keyring(version: 3), signedBy: board.members.values.sorted { $0.id < $1.id }, board: board, into: &folder)
        let chain = KeyringChain.verify(boardFiles: folder.files, trustAnchor: folder.anchor, highestSeen: 0, now: ReviewScenario.now.date)
        let skipping = try #require(KeyringProposal.evaluate(boardFiles: folder.files, chain: chain).first)
        #expect(!skipping.isReady)
        #expect(skipping.problems.contains { $0.contains("the next version after 1 is 2") }, "\(skipping.problems)")

        let refused = KeyringChain.verify(boardFiles: folder.files, trustAnchor: SHA256Hex.of("another"), highestSeen: 0,
                                          now: ReviewScenario.now.date)
        let untrusted = try #require(KeyringProposal.evaluate(boardFiles: folder.files, chain: refused).first)
        #expect(!untrusted.isReady)
        #expect(untrusted.problems.contains { $0.contains("the keyring chain is not trusted") })
    }
}
