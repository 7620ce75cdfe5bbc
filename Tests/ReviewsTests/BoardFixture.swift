import Foundation
import ProductModel
@testable import Reviews
import RegistrySupport
import TestSupport

/// A board member with a real key made by `ssh-keygen -t ed25519 -N ''`.
struct FixtureMember {
    let id: String
    let keyPath: URL
    let publicKey: SSHPublicKey
    let signer: SSHSigner
}

/// Which tool signs a fixture: stock OpenSSH or this module's signer.
enum SigningTool: String, CaseIterable, Sendable {
    case sshKeygen
    case swiftSigner
}

/// A temporary board: members with keys, and helpers to sign and re-check with stock ssh-keygen.
struct BoardFixture {
    let directory: TemporaryDirectory
    let members: [String: FixtureMember]

    init(_ ids: [String] = ["alice", "bob", "carol", "dave", "erin"]) throws {
        directory = try makeTemporaryDirectory("reviews-board")
        var members: [String: FixtureMember] = [:]
        for id in ids {
            members[id] = try BoardFixture.makeMember(id, in: directory.url)
        }
        self.members = members
    }

    static func makeMember(_ id: String, in directory: URL) throws -> FixtureMember {
        let keyPath = directory.appendingPathComponent("\(id)-\(UUID().uuidString.prefix(8))")
        try sshKeygen(["-q", "-t", "ed25519", "-N", "", "-C", id, "-f", keyPath.path])
        let publicLine = try String(contentsOf: keyPath.appendingPathExtension("pub"), encoding: .utf8)
        let privateBytes = Array(try Data(contentsOf: keyPath))
        return FixtureMember(id: id, keyPath: keyPath, publicKey: try SSHPublicKey(openSSHLine: publicLine),
                             signer: try SSHSigner(privateKeyFile: privateBytes, path: keyPath.path))
    }

    /// A fresh key for `id` that is not on any keyring yet.
    func newMember(_ id: String) throws -> FixtureMember {
        try BoardFixture.makeMember(id, in: directory.url)
    }

    func member(_ id: String) -> FixtureMember {
        guard let member = members[id] else { fatalError("fixture has no member \(id)") }
        return member
    }

    func remove() { directory.remove() }

    /// Signs bytes with a member's key, either with `ssh-keygen -Y sign` or with `SSHSigner`.
    func sign(_ bytes: [UInt8], by member: FixtureMember, namespace: String, tool: SigningTool = .sshKeygen,
              hash: SSHSignature.HashAlgorithm = .sha512) throws -> [UInt8] {
        switch tool {
        case .swiftSigner:
            return try member.signer.sign(bytes, namespace: namespace, hashAlgorithm: hash)
        case .sshKeygen:
            let file = directory.url.appendingPathComponent("msg-\(UUID().uuidString)")
            try Data(bytes).write(to: file)
            try BoardFixture.sshKeygen(["-Y", "sign", "-n", namespace, "-O", "hashalg=\(hash.rawValue)",
                                        "-f", member.keyPath.path, file.path])
            return Array(try Data(contentsOf: file.appendingPathExtension("sig")))
        }
    }

    func sign(_ bytes: [UInt8], by id: String, namespace: String, tool: SigningTool = .sshKeygen) throws -> [UInt8] {
        try sign(bytes, by: member(id), namespace: namespace, tool: tool)
    }

    /// Whether stock `ssh-keygen -Y verify` accepts `signature` over `message` for `identity`.
    func sshKeygenAccepts(message: [UInt8], signature: [UInt8], identity: String, namespace: String,
                          allowedSigners: String) throws -> Bool {
        let stem = directory.url.appendingPathComponent("verify-\(UUID().uuidString)")
        let allowed = stem.appendingPathExtension("allowed")
        let sig = stem.appendingPathExtension("sig")
        try Data(allowedSigners.utf8).write(to: allowed)
        try Data(signature).write(to: sig)
        let result = try runProcess("/usr/bin/ssh-keygen",
                                    ["-Y", "verify", "-f", allowed.path, "-I", identity, "-n", namespace, "-s", sig.path],
                                    stdin: String(decoding: message, as: UTF8.self))
        return result.status == 0
    }

    /// A keyring of the given members with the standard demo thresholds unless told otherwise.
    func keyring(version: Int = 1, members ids: [String]? = nil, expires: String = "2030-01-01T00:00:00Z",
                 thresholds: (Int, Int, Int, Int) = (3, 2, 3, 3)) throws -> Keyring {
        let chosen = (ids ?? members.keys.sorted()).map { member($0) }
        return try keyring(version: version, fixtureMembers: chosen, expires: expires, thresholds: thresholds)
    }

    func keyring(version: Int, fixtureMembers: [FixtureMember], expires: String = "2030-01-01T00:00:00Z",
                 thresholds: (Int, Int, Int, Int) = (3, 2, 3, 3)) throws -> Keyring {
        guard let expiry = StatementTime(expires) else { throw FixtureError("bad fixture time \(expires)") }
        return try Keyring(version: version, expires: expiry, thresholdKeyring: thresholds.0,
                    thresholdApproval: thresholds.1, thresholdApprovalDemographic: thresholds.2,
                    thresholdBoardRevocation: thresholds.3,
                    members: fixtureMembers.map { Keyring.Member(id: $0.id, key: $0.publicKey) })
    }

    @discardableResult
    static func sshKeygen(_ arguments: [String]) throws -> ProcessResult {
        let result = try runProcess("/usr/bin/ssh-keygen", arguments)
        guard result.status == 0 else {
            throw FixtureError("ssh-keygen \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result
    }
}

/// A product version and statements about it, with the defaults the adversarial cases mutate.
struct ReviewScenario {
    static let product = ProductID("station-incident-hotspots")!
    static let otherProduct = ProductID("fare-evasion-forecast")!
    static let tree = "8681792423f7aa7cd5fec40271509a3aa9a61480"
    static let oldTree = "1111111111111111111111111111111111111111"
    static let digest = String(repeating: "5f0c", count: 16)
    static let oldDigest = String(repeating: "ab12", count: 16)
    static let now = StatementTime("2026-11-25T12:00:00Z")!

    var subject = ProductVersionUnderReview(product: product, version: "1.2.0", tree: tree,
                                            contentDigest: digest, demographicFields: [])

    static func statement(_ decision: ReviewStatement.Decision = .approval, reviewer: String,
                          product: ProductID = product, version: String = "1.2.0", tree: String = tree,
                          digest: String = digest, fields: [String] = [],
                          issued: String = "2026-11-25T08:30:00Z", expires: String = "2027-05-25T00:00:00Z",
                          comment: String = "checked the evidence") -> ReviewStatement {
        ReviewStatement(decision: decision, product: product, version: version, tree: tree, contentDigest: digest,
                        demographicFields: fields, reviewer: reviewer, issued: StatementTime(issued)!,
                        expires: StatementTime(expires)!, comment: comment)
    }
}

/// Collects the files of a `Reviews/<product-id>/` folder as the core would hand them over.
struct ReviewFolder {
    var files: [RepositoryFile] = []

    mutating func add(_ path: String, _ bytes: [UInt8]) {
        files.append(RepositoryFile(path: path, bytes: bytes))
    }

    /// Writes a statement at its own path with a signature by `signer` (default: its reviewer).
    mutating func add(_ statement: ReviewStatement, board: BoardFixture, signer: String? = nil,
                      tool: SigningTool = .sshKeygen, namespace: String = ReviewNamespace.review,
                      at path: String? = nil) throws {
        let bytes = try statement.canonicalBytes()
        let path = path ?? statement.path
        add(path, bytes)
        add(path + ".sig", try board.sign(bytes, by: signer ?? statement.reviewer, namespace: namespace, tool: tool))
    }

    /// Writes raw statement bytes (possibly non-canonical) signed by `signer`.
    mutating func addRaw(_ text: String, at path: String, board: BoardFixture, signer: String,
                         namespace: String = ReviewNamespace.review) throws {
        let bytes = Array(text.utf8)
        add(path, bytes)
        add(path + ".sig", try board.sign(bytes, by: signer, namespace: namespace))
    }

    /// Writes a board revocation signed by each of `signers` into `board.revocation.sigs/`.
    mutating func addBoardRevocation(_ revocation: BoardRevocation, board: BoardFixture, signers: [String],
                                     namespace: String = ReviewNamespace.keyring) throws {
        let bytes = try revocation.canonicalBytes()
        add(revocation.path, bytes)
        for signer in signers {
            add(ReviewPaths.memberSignature(of: revocation.path, member: signer),
                try board.sign(bytes, by: signer, namespace: namespace))
        }
    }
}
