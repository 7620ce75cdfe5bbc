import ProductModel

/// The product version whose approval is being decided, as read from git by the caller.
public struct ProductVersionUnderReview: Sendable, Hashable {
    /// The product.
    public var product: ProductID
    /// The manifest's version label at this tree.
    public var version: String
    /// The git tree id of `Products/<product-id>`.
    public var tree: String
    /// The SHA-256 content digest of that tree.
    public var contentDigest: String
    /// The demographic fields the manifest at this tree declares (any order; compared sorted).
    public var demographicFields: [String]
    /// Member ids of board members who own the product; their approvals do not count.
    public var owners: Set<String>
    /// The manifest's `review_due`: once it has passed, an approval lapses.
    public var reviewDue: CalendarDate?

    /// Describes one product version.
    public init(product: ProductID, version: String, tree: String, contentDigest: String,
                demographicFields: [String], owners: Set<String> = [], reviewDue: CalendarDate? = nil) {
        self.product = product
        self.version = version
        self.tree = tree
        self.contentDigest = contentDigest
        self.demographicFields = demographicFields
        self.owners = owners
        self.reviewDue = reviewDue
    }
}

/// An approval that counts towards the quorum.
public struct CountedApproval: Sendable, Hashable {
    /// The approving member.
    public let member: String
    /// When they signed.
    public let issued: StatementTime
    /// When the approval lapses.
    public let expires: StatementTime
    /// The statement's path.
    public let path: String
}

/// A rejection, revocation or board revocation that is in force.
public struct StandingStatement: Sendable, Hashable {
    /// What kind of statement stands.
    public enum Kind: String, Sendable, Hashable {
        /// A member rejects this content.
        case rejection
        /// A member withdrew their own approval.
        case revocation
        /// The board revoked this content.
        case boardRevocation = "board-revocation"
    }
    /// The kind.
    public let kind: Kind
    /// The statement's path.
    public let path: String
    /// The member (or, for a board revocation, the members) who signed it.
    public let members: [String]
    /// When it was issued.
    public let issued: StatementTime
}

/// A file under `Reviews/<product-id>/` that did not count, and why.
public struct UncountedStatement: Sendable, Hashable, CustomStringConvertible {
    /// The file's path.
    public let path: String
    /// Why it did not count.
    public let reason: UncountedReason

    public var description: String { "\(path): \(reason)" }
}

/// Why a review file did not count. Every file is accounted for: the verdict fails closed.
public enum UncountedReason: Sendable, Hashable, CustomStringConvertible {
    /// Not a statement, signature or signature folder this tool knows.
    case unrecognisedFile
    /// A signature whose statement file does not exist.
    case orphanSignature
    /// A statement without its `.sig` file.
    case missingSignature
    /// A statement larger than `StatementLimits.maximumBytes` (neither counted nor published).
    case oversized(bytes: Int)
    /// The signature does not verify (damaged, wrong namespace, unsupported, trailing data…).
    case badSignature(SignatureProblem)
    /// Signed with a key that no current member holds (unknown, or a removed member's).
    case unknownKey(fingerprint: String)
    /// Signed with one member's key but naming another as reviewer.
    case keyOfAnotherMember(signer: String, reviewer: String)
    /// The bytes are not a canonical statement.
    case notCanonical(LineStatement.FormatError)
    /// The statement is about another product.
    case wrongProduct(String)
    /// The statement's content does not match the path it is stored at.
    case misplaced(expectedPath: String)
    /// A statement about another version of this product (kept for history).
    case forAnotherVersion(String)
    /// The statement names another tree (the content changed since it was signed).
    case wrongTree(String)
    /// The statement names another content digest.
    case wrongContentDigest(String)
    /// The statement lists other demographic fields than the manifest declares.
    case wrongDemographicFields(String)
    /// Issued later than now (beyond the allowed clock skew).
    case issuedInFuture(StatementTime)
    /// Expired.
    case expired(StatementTime)
    /// Approved by a member who owns the product.
    case ownerOfProduct(String)
    /// Withdrawn by the member's own revocation.
    case revokedByMember(path: String)
    /// Voided by a standing board revocation.
    case revokedByBoard(path: String)
    /// Another approval by the same member already counts.
    case duplicate(member: String, countedPath: String)
    /// One member signature of a board revocation that does not count.
    case signatureNotCounted(String)
    /// A board revocation without enough distinct member signatures.
    case insufficientBoardSignatures(signers: [String], required: Int)

    public var description: String {
        switch self {
        case .unrecognisedFile: "not a review statement or signature file this registry uses"
        case .orphanSignature: "a signature without its statement file"
        case .missingSignature: "the statement has no .sig signature file beside it"
        case .oversized(let bytes): StatementLimits.oversizeReason(bytes)
        case .badSignature(let problem): "bad signature: \(problem)"
        case .unknownKey(let fingerprint): "signed with key \(fingerprint), which no current board member holds (removed members' statements stop counting)"
        case let .keyOfAnotherMember(signer, reviewer): "signed with the key of '\(signer)' but names '\(reviewer)' as reviewer"
        case .notCanonical(let error): "not a canonical statement: \(error)"
        case .wrongProduct(let product): "about product '\(product)', not this one"
        case .misplaced(let expected): "its content belongs at '\(expected)'"
        case .forAnotherVersion(let version): "about version '\(version)'"
        case .wrongTree(let tree): "signed for tree \(tree), not the committed content"
        case .wrongContentDigest(let digest): "signed for content digest \(digest), not the committed content"
        case .wrongDemographicFields(let fields): "approves demographic fields '\(fields)', not the ones the manifest declares"
        case .issuedInFuture(let time): "issued at \(time), which is in the future"
        case .expired(let time): "expired at \(time)"
        case .ownerOfProduct(let member): "'\(member)' owns this product, so their approval does not count"
        case .revokedByMember(let path): "withdrawn by the member's revocation \(path)"
        case .revokedByBoard(let path): "voided by the board revocation \(path)"
        case let .duplicate(member, counted): "'\(member)' already counts through \(counted)"
        case .signatureNotCounted(let reason): "this signature does not count: \(reason)"
        case let .insufficientBoardSignatures(signers, required):
            "signed by \(signers.count) current members (\(signers.joined(separator: ", "))) but threshold-board-revocation is \(required)"
        }
    }
}

/// The approval state of one product version and everything that led to it.
public struct ApprovalVerdict: Sendable, Hashable {
    /// The state (never `uncommitted`: working-tree changes are the caller's to detect).
    public let state: ApprovalState
    /// Distinct members required.
    public let threshold: Int
    /// The approvals that count, sorted by member.
    public let counted: [CountedApproval]
    /// Rejections, revocations and board revocations in force, sorted by path.
    public let standing: [StandingStatement]
    /// Every other file, sorted by path, with the reason it did not count.
    public let uncounted: [UncountedStatement]
    /// One sentence saying why the state is what it is.
    public let explanation: String
}
