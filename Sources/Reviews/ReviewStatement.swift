import ProductModel

/// A board member's signed decision about one exact product version (DESIGN section 6).
///
/// Stored as `Reviews/<product-id>/<version>/<member>.<decision>` with a detached `.sig` made in
/// the `review@analytics-registry` namespace.
public struct ReviewStatement: Sendable, Hashable {
    /// What the reviewer decided.
    public enum Decision: String, Sendable, Hashable, CaseIterable {
        /// The reviewer approves this exact content.
        case approval
        /// The reviewer rejects this exact content; a standing rejection blocks approval.
        case rejection
        /// The reviewer withdraws their own approval of this exact content.
        case revocation
    }

    /// The decision.
    public var decision: Decision
    /// The product reviewed.
    public var product: ProductID
    /// The product's version label.
    public var version: String
    /// The git tree id of `Products/<product-id>` reviewed.
    public var tree: String
    /// The SHA-256 content digest of that tree.
    public var contentDigest: String
    /// The demographic fields the manifest declares, sorted; the reviewer approves each one.
    public var demographicFields: [String]
    /// The reviewing member's id.
    public var reviewer: String
    /// When the reviewer signed.
    public var issued: StatementTime
    /// When the decision stops counting.
    public var expires: StatementTime
    /// One line of free text.
    public var comment: String

    /// The keys of a review statement, in their only order.
    public static let schema = LineStatement.Schema([
        .init("format"), .init("type"), .init("product"), .init("version"), .init("tree"),
        .init("content-sha256"), .init("demographic-fields"), .init("reviewer"), .init("issued"),
        .init("expires"), .init("comment"),
    ])

    /// Creates a statement to be written and signed.
    public init(decision: Decision, product: ProductID, version: String, tree: String, contentDigest: String,
                demographicFields: [String], reviewer: String, issued: StatementTime, expires: StatementTime,
                comment: String) {
        self.decision = decision
        self.product = product
        self.version = version
        self.tree = tree
        self.contentDigest = contentDigest
        self.demographicFields = demographicFields
        self.reviewer = reviewer
        self.issued = issued
        self.expires = expires
        self.comment = comment
    }

    /// A statement about exactly the content in `subject` (its demographic fields sorted as the format requires).
    public init(_ decision: Decision, of subject: ProductVersionUnderReview, reviewer: String,
                issued: StatementTime, expires: StatementTime, comment: String) {
        self.init(decision: decision, product: subject.product, version: subject.version, tree: subject.tree,
                  contentDigest: subject.contentDigest,
                  demographicFields: StatementSyntax.canonicalFieldList(subject.demographicFields),
                  reviewer: reviewer, issued: issued, expires: expires, comment: comment)
    }

    /// Parses the exact bytes of a statement, refusing anything non-canonical.
    public init(parsing bytes: [UInt8]) throws(LineStatement.FormatError) {
        let fields = StatementFields(statement: try LineStatement(parsing: bytes, schema: ReviewStatement.schema))
        try fields.expect("format", statementFormat)
        let type = try fields.text("type")
        guard let decision = Decision(rawValue: type) else {
            throw fields.fail("type", "'type' is '\(type)' but must be approval, rejection or revocation")
        }
        self.decision = decision
        product = try fields.product()
        version = try fields.version()
        tree = try fields.tree()
        contentDigest = try fields.sha256("content-sha256")
        demographicFields = try fields.demographicFields()
        reviewer = try fields.member("reviewer")
        issued = try fields.issued()
        expires = try fields.time("expires")
        comment = try fields.text("comment")
        guard issued < expires else {
            throw fields.fail("expires", "'expires' (\(expires)) must be later than 'issued' (\(issued))")
        }
    }

    /// The canonical bytes to sign, refusing values that could not be read back identically.
    public func canonicalBytes() throws(ReviewError) -> [UInt8] {
        try StatementRendering.render(ReviewStatement.schema, [
            ("format", statementFormat), ("type", decision.rawValue), ("product", product.rawValue),
            ("version", version), ("tree", tree), ("content-sha256", contentDigest),
            ("demographic-fields", demographicFields.joined(separator: ",")), ("reviewer", reviewer),
            ("issued", issued.description), ("expires", expires.description), ("comment", comment),
        ]) { bytes throws(LineStatement.FormatError) in _ = try ReviewStatement(parsing: bytes) }
    }

    /// Where this statement lives in the repository (trust it only once `canonicalBytes()` has succeeded,
    /// which is what proves the version label and member id are safe path components).
    public var path: String {
        ReviewPaths.statement(product: product, version: version, member: reviewer, decision: decision)
    }
}

/// A board decision to revoke one exact product version, signed by at least
/// `threshold-board-revocation` current members in the `keyring@analytics-registry` namespace.
///
/// Stored as `Reviews/<product-id>/<version>/board.revocation`, signatures in
/// `board.revocation.sigs/<member>.sig`:
///
/// ```
/// format: analytics-registry/1
/// type: board-revocation
/// product: station-incident-hotspots
/// version: 1.2.0
/// tree: 8681792423f7aa7cd5fec40271509a3aa9a61480
/// content-sha256: 5f0c…(64 hex)
/// issued: 2026-12-01T09:00:00Z
/// reason: one line
/// ```
public struct BoardRevocation: Sendable, Hashable {
    /// The product revoked.
    public var product: ProductID
    /// The version label revoked.
    public var version: String
    /// The tree revoked.
    public var tree: String
    /// The content digest revoked.
    public var contentDigest: String
    /// When the board decided.
    public var issued: StatementTime
    /// Why, in one line (published).
    public var reason: String

    /// The keys of a board revocation, in their only order.
    public static let schema = LineStatement.Schema([
        .init("format"), .init("type"), .init("product"), .init("version"), .init("tree"),
        .init("content-sha256"), .init("issued"), .init("reason"),
    ])

    /// Creates a board revocation to be written and signed.
    public init(product: ProductID, version: String, tree: String, contentDigest: String,
                issued: StatementTime, reason: String) {
        self.product = product
        self.version = version
        self.tree = tree
        self.contentDigest = contentDigest
        self.issued = issued
        self.reason = reason
    }

    /// Parses the exact bytes, refusing anything non-canonical.
    public init(parsing bytes: [UInt8]) throws(LineStatement.FormatError) {
        let fields = StatementFields(statement: try LineStatement(parsing: bytes, schema: BoardRevocation.schema))
        try fields.expect("format", statementFormat)
        try fields.expect("type", "board-revocation")
        product = try fields.product()
        version = try fields.version()
        tree = try fields.tree()
        contentDigest = try fields.sha256("content-sha256")
        issued = try fields.issued()
        reason = try fields.nonEmpty("reason")
    }

    /// The canonical bytes to sign.
    public func canonicalBytes() throws(ReviewError) -> [UInt8] {
        try StatementRendering.render(BoardRevocation.schema, [
            ("format", statementFormat), ("type", "board-revocation"), ("product", product.rawValue),
            ("version", version), ("tree", tree), ("content-sha256", contentDigest),
            ("issued", issued.description), ("reason", reason),
        ]) { bytes throws(LineStatement.FormatError) in _ = try BoardRevocation(parsing: bytes) }
    }

    /// Where this statement lives in the repository (trust it only once `canonicalBytes()` has succeeded).
    public var path: String { ReviewPaths.boardRevocation(product: product, version: version) }
}

/// Writes statements so that what is signed always parses back: a bad value is refused, never fixed up.
enum StatementRendering {
    static func render(_ schema: LineStatement.Schema, _ fields: [(key: String, value: String)],
                       validate: ([UInt8]) throws(LineStatement.FormatError) -> Void) throws(ReviewError) -> [UInt8] {
        do {
            let bytes = try LineStatement.canonicalBytes(fields, schema: schema)
            try validate(bytes)
            return bytes
        } catch {
            let key = error.line.flatMap { fields.indices.contains($0 - 1) ? fields[$0 - 1].key : nil } ?? "statement"
            let value = error.line.flatMap { fields.indices.contains($0 - 1) ? fields[$0 - 1].value : nil } ?? ""
            throw .invalidField(key: key, value: value, reason: error.reason)
        }
    }
}
