import Foundation
import ProductModel
import Testing
@testable import Reviews
import TestSupport

/// The inputs of one approval decision, as an adversarial case leaves them.
struct ApprovalSetup {
    var subject = ReviewScenario().subject
    var folder = ReviewFolder()
    var keyringMembers = ["alice", "bob", "carol", "dave", "erin"]
    var keyringExpires = "2030-01-01T00:00:00Z"
    var now = ReviewScenario.now
}

/// One adversarial approval case: what is on disk, and what a reader of `registry status` must see.
struct ApprovalCase: Sendable, CustomTestStringConvertible {
    let name: String
    let state: ApprovalState
    let counted: [String]
    /// Path (below the version folder, or the full path) and the uncounted reason it must carry.
    let reasons: [(String, String)]
    let build: @Sendable (BoardFixture, inout ApprovalSetup) throws -> Void

    init(_ name: String, _ state: ApprovalState, counted: [String], reasons: [(String, String)] = [],
         build: @escaping @Sendable (BoardFixture, inout ApprovalSetup) throws -> Void) {
        self.name = name
        self.state = state
        self.counted = counted
        self.reasons = reasons
        self.build = build
    }

    var testDescription: String { name }
}

func reasonName(_ reason: UncountedReason) -> String {
    switch reason {
    case .unrecognisedFile: "unrecognisedFile"
    case .orphanSignature: "orphanSignature"
    case .missingSignature: "missingSignature"
    case .oversized: "oversized"
    case .badSignature(let problem): "badSignature.\(SignatureProblemKind(problem))"
    case .unknownKey: "unknownKey"
    case .keyOfAnotherMember: "keyOfAnotherMember"
    case .notCanonical: "notCanonical"
    case .wrongProduct: "wrongProduct"
    case .misplaced: "misplaced"
    case .forAnotherVersion: "forAnotherVersion"
    case .wrongTree: "wrongTree"
    case .wrongContentDigest: "wrongContentDigest"
    case .wrongDemographicFields: "wrongDemographicFields"
    case .issuedInFuture: "issuedInFuture"
    case .expired: "expired"
    case .ownerOfProduct: "ownerOfProduct"
    case .revokedByMember: "revokedByMember"
    case .revokedByBoard: "revokedByBoard"
    case .duplicate: "duplicate"
    case .signatureNotCounted: "signatureNotCounted"
    case .insufficientBoardSignatures: "insufficientBoardSignatures"
    }
}

private typealias S = ReviewScenario
private let version = "Reviews/station-incident-hotspots/1.2.0/"

/// A canonical approval by alice as text, for cases that corrupt it by hand.
private let aliceApprovalText = """
    format: analytics-registry/1
    type: approval
    product: station-incident-hotspots
    version: 1.2.0
    tree: \(S.tree)
    content-sha256: \(S.digest)
    demographic-fields:
    reviewer: alice
    issued: 2026-11-25T08:30:00Z
    expires: 2027-05-25T00:00:00Z
    comment: checked the evidence

    """

private func approvals(_ members: [String], _ board: BoardFixture, _ setup: inout ApprovalSetup,
                       tool: SigningTool = .sshKeygen) throws {
    for member in members {
        try setup.folder.add(S.statement(reviewer: member), board: board, tool: tool)
    }
}

private func corrupted(_ board: BoardFixture, _ setup: inout ApprovalSetup, _ edit: (String) -> String) throws {
    try approvals(["bob"], board, &setup)
    try setup.folder.addRaw(edit(aliceApprovalText), at: version + "alice.approval", board: board, signer: "alice")
}

let approvalCases: [ApprovalCase] = [
    ApprovalCase("two members, one signed with ssh-keygen and one with SSHSigner", .approved, counted: ["alice", "bob"]) { board, setup in
        try approvals(["alice"], board, &setup)
        try approvals(["bob"], board, &setup, tool: .swiftSigner)
    },
    ApprovalCase("the hand-written canonical text counts", .approved, counted: ["alice", "bob"]) { board, setup in
        try corrupted(board, &setup) { $0 }
    },
    ApprovalCase("one approval is not a quorum", .pending, counted: ["alice"]) { board, setup in
        try approvals(["alice"], board, &setup)
    },
    ApprovalCase("approval signed in the keyring namespace", .pending, counted: ["bob"],
                 reasons: [("alice.approval", "badSignature.wrongNamespace")]) { board, setup in
        try approvals(["bob"], board, &setup)
        try setup.folder.add(S.statement(reviewer: "alice"), board: board, namespace: ReviewNamespace.keyring)
    },
    ApprovalCase("truncated signature file", .pending, counted: ["bob"],
                 reasons: [("alice.approval", "badSignature.malformedArmor")]) { board, setup in
        try approvals(["alice", "bob"], board, &setup)
        let index = try #require(setup.folder.files.firstIndex { $0.path == version + "alice.approval.sig" })
        let sig = setup.folder.files[index]
        setup.folder.files[index] = RepositoryFile(path: sig.path, bytes: Array(sig.bytes.prefix(120)))
    },
    ApprovalCase("statement edited after signing", .pending, counted: ["bob"],
                 reasons: [("alice.approval", "badSignature.doesNotVerify")]) { board, setup in
        try approvals(["alice", "bob"], board, &setup)
        let index = try #require(setup.folder.files.firstIndex { $0.path == version + "alice.approval" })
        let text = String(decoding: setup.folder.files[index].bytes, as: UTF8.self)
        setup.folder.files[index] = RepositoryFile(path: version + "alice.approval",
                                                   bytes: Array(text.replacingOccurrences(of: "2027-05-25", with: "2099-05-25").utf8))
    },
    ApprovalCase("missing signature file", .pending, counted: ["bob"],
                 reasons: [("alice.approval", "missingSignature")]) { board, setup in
        try approvals(["bob"], board, &setup)
        setup.folder.add(version + "alice.approval", try S.statement(reviewer: "alice").canonicalBytes())
    },
    ApprovalCase("CRLF statement, signed as CRLF", .pending, counted: ["bob"],
                 reasons: [("alice.approval", "notCanonical")]) { board, setup in
        try corrupted(board, &setup) { $0.replacingOccurrences(of: "\n", with: "\r\n") }
    },
    ApprovalCase("statement without final newline", .pending, counted: ["bob"],
                 reasons: [("alice.approval", "notCanonical")]) { board, setup in
        try corrupted(board, &setup) { String($0.dropLast()) }
    },
    ApprovalCase("keys out of order", .pending, counted: ["bob"], reasons: [("alice.approval", "notCanonical")]) { board, setup in
        try corrupted(board, &setup) {
            $0.replacingOccurrences(of: "product: station-incident-hotspots\nversion: 1.2.0\n",
                                    with: "version: 1.2.0\nproduct: station-incident-hotspots\n")
        }
    },
    ApprovalCase("duplicate key", .pending, counted: ["bob"], reasons: [("alice.approval", "notCanonical")]) { board, setup in
        try corrupted(board, &setup) { $0.replacingOccurrences(of: "reviewer: alice\n", with: "reviewer: alice\nreviewer: alice\n") }
    },
    ApprovalCase("issued in year 0", .pending, counted: ["bob"], reasons: [("alice.approval", "notCanonical")]) { board, setup in
        try corrupted(board, &setup) { $0.replacingOccurrences(of: "issued: 2026-11-25T08:30:00Z", with: "issued: 0000-01-01T00:00:00Z") }
    },
    ApprovalCase("a validly signed comment larger than 64 KiB", .pending, counted: ["bob"],
                 reasons: [("alice.approval", "oversized")]) { board, setup in
        try corrupted(board, &setup) {
            $0.replacingOccurrences(of: "comment: checked the evidence", with: "comment: " + String(repeating: "x", count: 70_000))
        }
    },
    ApprovalCase("timestamp with a space instead of T", .pending, counted: ["bob"],
                 reasons: [("alice.approval", "notCanonical")]) { board, setup in
        try corrupted(board, &setup) { $0.replacingOccurrences(of: "2026-11-25T08:30:00Z", with: "2026-11-25 08:30:00Z") }
    },
    ApprovalCase("timestamp with an offset instead of Z", .pending, counted: ["bob"],
                 reasons: [("alice.approval", "notCanonical")]) { board, setup in
        try corrupted(board, &setup) { $0.replacingOccurrences(of: "2026-11-25T08:30:00Z", with: "2026-11-25T08:30:00+00:00") }
    },
    ApprovalCase("demographic fields not sorted", .pending, counted: ["bob"],
                 reasons: [("alice.approval", "notCanonical")]) { board, setup in
        setup.subject.demographicFields = ["age_band", "sex"]
        try setup.folder.add(S.statement(reviewer: "bob", fields: ["age_band", "sex"]), board: board)
        try setup.folder.addRaw(aliceApprovalText.replacingOccurrences(of: "demographic-fields:\n", with: "demographic-fields: sex,age_band\n"),
                                at: version + "alice.approval", board: board, signer: "alice")
    },
    ApprovalCase("demographic fields with a space", .pending, counted: [],
                 reasons: [("alice.approval", "notCanonical")]) { board, setup in
        setup.subject.demographicFields = ["age_band", "sex"]
        try setup.folder.addRaw(aliceApprovalText.replacingOccurrences(of: "demographic-fields:\n", with: "demographic-fields: age_band, sex\n"),
                                at: version + "alice.approval", board: board, signer: "alice")
    },
    ApprovalCase("trailing space after a value", .pending, counted: ["bob"],
                 reasons: [("alice.approval", "notCanonical")]) { board, setup in
        try corrupted(board, &setup) { $0.replacingOccurrences(of: "reviewer: alice\n", with: "reviewer: alice \n") }
    },
    ApprovalCase("the same statement and signature copied under another member's name", .pending, counted: ["alice"],
                 reasons: [("bob.approval", "misplaced")]) { board, setup in
        try approvals(["alice"], board, &setup)
        let statement = try S.statement(reviewer: "alice").canonicalBytes()
        setup.folder.add(version + "bob.approval", statement)
        setup.folder.add(version + "bob.approval.sig", try #require(setup.folder.files.first { $0.path == version + "alice.approval.sig" }).bytes)
    },
    ApprovalCase("one signature reused for another member's statement", .pending, counted: ["alice"],
                 reasons: [("bob.approval", "badSignature.doesNotVerify")]) { board, setup in
        try approvals(["alice"], board, &setup)
        setup.folder.add(version + "bob.approval", try S.statement(reviewer: "bob").canonicalBytes())
        setup.folder.add(version + "bob.approval.sig", try #require(setup.folder.files.first { $0.path == version + "alice.approval.sig" }).bytes)
    },
    ApprovalCase("statement naming alice signed with bob's key", .pending, counted: ["bob"],
                 reasons: [("alice.approval", "keyOfAnotherMember")]) { board, setup in
        try approvals(["bob"], board, &setup)
        try setup.folder.add(S.statement(reviewer: "alice"), board: board, signer: "bob")
    },
    ApprovalCase("approval signed by a key on no keyring", .pending, counted: ["bob"],
                 reasons: [("alice.approval", "unknownKey")]) { board, setup in
        try approvals(["bob"], board, &setup)
        let stranger = try board.newMember("alice")
        let bytes = try S.statement(reviewer: "alice").canonicalBytes()
        setup.folder.add(version + "alice.approval", bytes)
        setup.folder.add(version + "alice.approval.sig", try board.sign(bytes, by: stranger, namespace: ReviewNamespace.review))
    },
    ApprovalCase("a removed member's old approval", .pending, counted: ["bob"],
                 reasons: [("erin.approval", "unknownKey")]) { board, setup in
        setup.keyringMembers = ["alice", "bob", "carol", "dave"]
        try approvals(["bob", "erin"], board, &setup)
    },
    ApprovalCase("replay of another product's approvals with an identical tree", .pending, counted: [],
                 reasons: [("alice.approval", "wrongProduct"), ("bob.approval", "wrongProduct")]) { board, setup in
        for member in ["alice", "bob"] {
            try setup.folder.add(S.statement(reviewer: member, product: S.otherProduct), board: board,
                                 at: version + "\(member).approval")
        }
    },
    ApprovalCase("replay of another version's approvals into this version's folder", .pending, counted: [],
                 reasons: [("alice.approval", "misplaced"), ("bob.approval", "misplaced")]) { board, setup in
        for member in ["alice", "bob"] {
            try setup.folder.add(S.statement(reviewer: member, version: "1.1.0"), board: board, at: version + "\(member).approval")
        }
    },
    ApprovalCase("content changed since a quorum approved version 1.1.0", .changed, counted: [],
                 reasons: [("Reviews/station-incident-hotspots/1.1.0/alice.approval", "forAnotherVersion")]) { board, setup in
        for member in ["alice", "bob"] {
            try setup.folder.add(S.statement(reviewer: member, version: "1.1.0", tree: S.oldTree, digest: S.oldDigest), board: board)
        }
    },
    ApprovalCase("tree changed without a new version label", .changed, counted: [],
                 reasons: [("alice.approval", "wrongTree"), ("bob.approval", "wrongTree")]) { board, setup in
        for member in ["alice", "bob"] {
            try setup.folder.add(S.statement(reviewer: member, tree: S.oldTree, digest: S.oldDigest), board: board)
        }
    },
    ApprovalCase("a lone approval of an earlier tree is not a change from approved content", .pending, counted: [],
                 reasons: [("alice.approval", "wrongTree")]) { board, setup in
        try setup.folder.add(S.statement(reviewer: "alice", tree: S.oldTree, digest: S.oldDigest), board: board)
    },
    ApprovalCase("wrong content digest", .pending, counted: ["bob"],
                 reasons: [("alice.approval", "wrongContentDigest")]) { board, setup in
        try approvals(["bob"], board, &setup)
        try setup.folder.add(S.statement(reviewer: "alice", digest: S.oldDigest), board: board)
    },
    ApprovalCase("approval that does not list the declared demographic field", .pending, counted: ["bob", "carol"],
                 reasons: [("alice.approval", "wrongDemographicFields")]) { board, setup in
        setup.subject.demographicFields = ["age_band"]
        try setup.folder.add(S.statement(reviewer: "alice"), board: board)
        for member in ["bob", "carol"] {
            try setup.folder.add(S.statement(reviewer: member, fields: ["age_band"]), board: board)
        }
    },
    ApprovalCase("demographic fields raise the threshold to three", .approved, counted: ["alice", "bob", "carol"]) { board, setup in
        setup.subject.demographicFields = ["sex", "age_band"]
        for member in ["alice", "bob", "carol"] {
            try setup.folder.add(S.statement(reviewer: member, fields: ["age_band", "sex"]), board: board)
        }
    },
    ApprovalCase("expired approvals", .expired, counted: [],
                 reasons: [("alice.approval", "expired"), ("bob.approval", "expired")]) { board, setup in
        for member in ["alice", "bob"] {
            try setup.folder.add(S.statement(reviewer: member, issued: "2025-01-01T00:00:00Z", expires: "2026-01-01T00:00:00Z"), board: board)
        }
    },
    ApprovalCase("issue time in the future", .pending, counted: ["bob"],
                 reasons: [("alice.approval", "issuedInFuture")]) { board, setup in
        try approvals(["bob"], board, &setup)
        try setup.folder.add(S.statement(reviewer: "alice", issued: "2026-11-25T12:30:00Z"), board: board)
    },
    ApprovalCase("issue time within the allowed clock skew", .approved, counted: ["alice", "bob"]) { board, setup in
        try approvals(["bob"], board, &setup)
        try setup.folder.add(S.statement(reviewer: "alice", issued: "2026-11-25T12:04:00Z"), board: board)
    },
    ApprovalCase("approval revoked by its member", .revoked, counted: ["bob"],
                 reasons: [("alice.approval", "revokedByMember")]) { board, setup in
        try approvals(["alice", "bob"], board, &setup)
        try setup.folder.add(S.statement(.revocation, reviewer: "alice", issued: "2026-11-25T10:00:00Z"), board: board)
    },
    ApprovalCase("a member cannot revoke another member's approval", .approved, counted: ["alice", "bob"],
                 reasons: [("alice.revocation", "keyOfAnotherMember")]) { board, setup in
        try approvals(["alice", "bob"], board, &setup)
        try setup.folder.add(S.statement(.revocation, reviewer: "alice"), board: board, signer: "carol")
    },
    ApprovalCase("product owner approving their own product", .pending, counted: ["bob"],
                 reasons: [("alice.approval", "ownerOfProduct")]) { board, setup in
        setup.subject.owners = ["alice"]
        try approvals(["alice", "bob"], board, &setup)
    },
    ApprovalCase("a standing rejection wins over a quorum", .rejected, counted: ["alice", "bob", "carol"]) { board, setup in
        try approvals(["alice", "bob", "carol"], board, &setup)
        try setup.folder.add(S.statement(.rejection, reviewer: "dave", comment: "disparity unexplained"), board: board)
    },
    ApprovalCase("an expired rejection no longer stands", .approved, counted: ["alice", "bob"],
                 reasons: [("dave.rejection", "expired")]) { board, setup in
        try approvals(["alice", "bob"], board, &setup)
        try setup.folder.add(S.statement(.rejection, reviewer: "dave", issued: "2026-01-01T00:00:00Z",
                                         expires: "2026-06-01T00:00:00Z"), board: board)
    },
    ApprovalCase("a removed member's rejection no longer stands", .approved, counted: ["alice", "bob"],
                 reasons: [("erin.rejection", "unknownKey")]) { board, setup in
        setup.keyringMembers = ["alice", "bob", "carol", "dave"]
        try approvals(["alice", "bob"], board, &setup)
        try setup.folder.add(S.statement(.rejection, reviewer: "erin"), board: board)
    },
    ApprovalCase("an owner's rejection still stands", .rejected, counted: ["bob", "carol"]) { board, setup in
        setup.subject.owners = ["alice"]
        try approvals(["bob", "carol"], board, &setup)
        try setup.folder.add(S.statement(.rejection, reviewer: "alice"), board: board)
    },
    ApprovalCase("board revocation signed by three members", .revoked, counted: [],
                 reasons: [("alice.approval", "revokedByBoard"), ("bob.approval", "revokedByBoard")]) { board, setup in
        try approvals(["alice", "bob"], board, &setup)
        try setup.folder.addBoardRevocation(boardRevocation(), board: board, signers: ["carol", "dave", "erin"])
    },
    ApprovalCase("board revocation signed by only two members", .approved, counted: ["alice", "bob"],
                 reasons: [("board.revocation", "insufficientBoardSignatures")]) { board, setup in
        try approvals(["alice", "bob"], board, &setup)
        try setup.folder.addBoardRevocation(boardRevocation(), board: board, signers: ["carol", "dave"])
    },
    ApprovalCase("board revocation signed in the review namespace", .approved, counted: ["alice", "bob"],
                 reasons: [("board.revocation", "insufficientBoardSignatures"),
                           ("board.revocation.sigs/carol.sig", "signatureNotCounted")]) { board, setup in
        try approvals(["alice", "bob"], board, &setup)
        try setup.folder.addBoardRevocation(boardRevocation(), board: board, signers: ["carol", "dave", "erin"],
                                            namespace: ReviewNamespace.review)
    },
    ApprovalCase("board revocation of an earlier tree does not touch this one", .approved, counted: ["alice", "bob"],
                 reasons: [("board.revocation", "wrongTree")]) { board, setup in
        try approvals(["alice", "bob"], board, &setup)
        var revocation = boardRevocation()
        revocation.tree = S.oldTree
        try setup.folder.addBoardRevocation(revocation, board: board, signers: ["carol", "dave", "erin"])
    },
    ApprovalCase("expired keyring freezes approvals", .expired, counted: ["alice", "bob"]) { board, setup in
        setup.keyringExpires = "2026-11-01T00:00:00Z"
        try approvals(["alice", "bob"], board, &setup)
    },
    ApprovalCase("stray and orphan files are reported, never counted", .approved, counted: ["alice", "bob"],
                 reasons: [("notes.txt", "unrecognisedFile"), ("carol.approval.sig", "orphanSignature"),
                           ("Reviews/station-incident-hotspots/alice.approval", "unrecognisedFile")]) { board, setup in
        try approvals(["alice", "bob"], board, &setup)
        setup.folder.add(version + "notes.txt", Array("hello\n".utf8))
        setup.folder.add(version + "carol.approval.sig", try board.sign(Array("x\n".utf8), by: "carol", namespace: ReviewNamespace.review))
        setup.folder.add("Reviews/station-incident-hotspots/alice.approval", try S.statement(reviewer: "alice").canonicalBytes())
    },
    // File names are judged on their bytes: each shape below takes another branch of that reading.
    ApprovalCase("odd review file names are reported by what they are, never counted", .approved, counted: ["alice", "bob"],
                 reasons: [("board.revocation.sigs/carol.sig", "orphanSignature"), ("board.revocation.sigs/carol.txt", "unrecognisedFile"),
                           ("extra/alice.approval", "unrecognisedFile"), ("Alice.approval", "unrecognisedFile"),
                           ("carol.approvals", "unrecognisedFile"), ("board.approval", "unrecognisedFile"),
                           (".sig", "orphanSignature"), ("Reviews/station-incident-hotspots/1.2.0é/carol.approval", "unrecognisedFile"),
                           ("Reviews/station-incident-hotspots/\u{301}1.2.0/carol.approval", "unrecognisedFile"),
                           ("Reviews/station-incident-hotspots-2/1.2.0/carol.approval", "unrecognisedFile")]) { board, setup in
        try approvals(["alice", "bob"], board, &setup)
        let carol = try S.statement(reviewer: "carol").canonicalBytes()
        let stray = try board.sign(Array("x\n".utf8), by: "carol", namespace: ReviewNamespace.keyring)
        setup.folder.add(version + "board.revocation.sigs/carol.sig", stray)
        setup.folder.add(version + "board.revocation.sigs/carol.txt", stray)
        for name in ["extra/alice.approval", "Alice.approval", "carol.approvals", "board.approval", ".sig"] {
            setup.folder.add(version + name, carol)
        }
        for path in ["1.2.0é/carol.approval", "\u{301}1.2.0/carol.approval", "-2/1.2.0/carol.approval"] {
            setup.folder.add("Reviews/station-incident-hotspots" + (path.hasPrefix("-") ? "" : "/") + path, carol)
        }
    },
]

/// Checks every `.sig` in a folder with this module and with `ssh-keygen -Y verify`, expecting the same answer.
///
/// Ours accepts when the signature verifies over the statement's exact bytes in the statement's namespace and
/// was made with the key the keyring gives the member named by the file; that is what the allowed_signers
/// file tells ssh-keygen too.
func signaturesAgreeWithSSHKeygen(_ files: [RepositoryFile], keyring: Keyring, board: BoardFixture) throws -> Bool {
    let allowedSigners = AllowedSigners.render(keyring)
    var agree = true
    for signature in files where signature.path.hasSuffix(".sig") {
        let multiSigner = signature.path.contains(".sigs/")
        let statementPath = multiSigner ? String(signature.path.split(separator: ".sigs/")[0]) : String(signature.path.dropLast(4))
        guard let statement = files.first(where: { $0.path == statementPath }),
              let fileName = signature.path.split(separator: "/").last
        else { continue }
        let member = String(multiSigner ? fileName.dropLast(4) : fileName.prefix { $0 != "." })
        let namespace = multiSigner ? ReviewNamespace.keyring : ReviewNamespace.review
        let ours = switch SSHSignature.verify(armored: signature.bytes, message: statement.bytes, namespace: namespace) {
        case .success(let key): keyring.member(member)?.key == key
        case .failure: false
        }
        let theirs = try board.sshKeygenAccepts(message: statement.bytes, signature: signature.bytes, identity: member,
                                                namespace: namespace, allowedSigners: allowedSigners)
        if ours != theirs {
            Issue.record("\(signature.path): this module says \(ours), ssh-keygen says \(theirs)")
            agree = false
        }
    }
    return agree
}

private func boardRevocation() -> BoardRevocation {
    BoardRevocation(product: S.product, version: "1.2.0", tree: S.tree, contentDigest: S.digest,
                    issued: StatementTime("2026-11-25T11:00:00Z")!, reason: "vendor model replaced without review")
}

@Suite("Approval evaluation against adversarial review folders")
struct ApprovalEvaluatorTests {
    @Test(arguments: approvalCases)
    func evaluates(_ testCase: ApprovalCase) throws {
        let board = try BoardFixture()
        defer { board.remove() }
        var setup = ApprovalSetup()
        try testCase.build(board, &setup)
        let keyring = try board.keyring(members: setup.keyringMembers, expires: setup.keyringExpires)
        let verdict = ApprovalEvaluator.evaluate(setup.subject, keyring: keyring, files: setup.folder.files, now: setup.now.date)

        #expect(verdict.state == testCase.state, "\(verdict.explanation) \(verdict.uncounted)")
        #expect(verdict.counted.map(\.member) == testCase.counted)
        for (path, reason) in testCase.reasons {
            let fullPath = path.hasPrefix("Reviews/") ? path : version + path
            let found = verdict.uncounted.filter { $0.path == fullPath }.map { reasonName($0.reason) }
            #expect(found.contains(reason), "\(fullPath): expected \(reason), found \(found)")
        }
        let accounted = Set(verdict.counted.map(\.path) + verdict.standing.map(\.path) + verdict.uncounted.map(\.path))
        let statements = setup.folder.files.map(\.path).filter { !$0.hasSuffix(".sig") }
        #expect(statements.allSatisfy(accounted.contains), "every statement is counted, standing or reported")

        #expect(try signaturesAgreeWithSSHKeygen(setup.folder.files, keyring: keyring, board: board))
    }

    @Test("a statement made from the product version under review is approved once signed by a quorum")
    func templateFromSubject() throws {
        let board = try BoardFixture()
        defer { board.remove() }
        var setup = ApprovalSetup()
        setup.subject.demographicFields = ["sex", "age_band"]
        for member in ["alice", "bob", "carol"] {
            let statement = ReviewStatement(.approval, of: setup.subject, reviewer: member, issued: ReviewScenario.now,
                                            expires: ReviewScenario.now.adding(seconds: 180 * 86_400), comment: "")
            #expect(statement.demographicFields == ["age_band", "sex"])
            try setup.folder.add(statement, board: board, tool: .swiftSigner)
        }
        let verdict = ApprovalEvaluator.evaluate(setup.subject, keyring: try board.keyring(), files: setup.folder.files,
                                                 now: setup.now.date)
        #expect(verdict.state == .approved)
        #expect(verdict.threshold == 3)
        #expect(verdict.counted.map(\.expires.description) == Array(repeating: "2027-05-24T12:00:00Z", count: 3))
    }

    @Test("counting is by distinct member, never by file, key or signature")
    func countsDistinctMembers() throws {
        let board = try BoardFixture()
        defer { board.remove() }
        var setup = ApprovalSetup()
        try approvals(["alice"], board, &setup)
        let keyring = try board.keyring()
        let doubled = setup.folder.files + setup.folder.files
        let verdict = ApprovalEvaluator.evaluate(setup.subject, keyring: keyring, files: doubled, now: setup.now.date)
        #expect(verdict.state == .pending)
        #expect(verdict.counted.map(\.member) == ["alice"])
        #expect(verdict.uncounted.map { reasonName($0.reason) } == ["duplicate"])
    }
}
