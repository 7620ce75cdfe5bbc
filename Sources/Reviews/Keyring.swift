import ProductModel

/// One version of the board keyring: who the members are, their keys, and the quorum thresholds.
public struct Keyring: Sendable, Hashable {
    /// A board member and the ed25519 key they sign with.
    public struct Member: Sendable, Hashable {
        /// The member id used in statement file names and `reviewer` fields.
        public let id: String
        /// The member's key.
        public let key: SSHPublicKey

        /// Pairs an id with a key.
        public init(id: String, key: SSHPublicKey) {
            self.id = id
            self.key = key
        }
    }

    /// The keyring version, equal to the number in its file name.
    public let version: Int
    /// After this instant the keyring is expired and approvals freeze until it is renewed.
    public let expires: StatementTime
    /// Distinct members needed to sign a keyring rotation, policy parameters or other board statements.
    public let thresholdKeyring: Int
    /// Distinct current members needed to approve a product version.
    public let thresholdApproval: Int
    /// Distinct current members needed when the product declares demographic fields.
    public let thresholdApprovalDemographic: Int
    /// Distinct current members needed to revoke a product version as a board.
    public let thresholdBoardRevocation: Int
    /// Members sorted by id.
    public let members: [Member]
    private let membersByKey: [SSHPublicKey: String]
    /// Each member's key by its SSH wire blob, so a signature naming a member's key reuses the decoded key.
    private let keysByBlob: [ArraySlice<UInt8>: SSHPublicKey]

    /// The keys of a keyring statement, in their only order.
    public static let schema = LineStatement.Schema([
        .init("format"), .init("type"), .init("version"), .init("expires"), .init("threshold-keyring"),
        .init("threshold-approval"), .init("threshold-approval-demographic"),
        .init("threshold-board-revocation"), .init("member", repeats: true),
    ])

    /// Creates a keyring, checking the same rules as parsing (unique ids and keys, thresholds in range).
    public init(version: Int, expires: StatementTime, thresholdKeyring: Int, thresholdApproval: Int,
                thresholdApprovalDemographic: Int, thresholdBoardRevocation: Int,
                members: [Member]) throws(ReviewError) {
        let sorted = members.sorted { Array($0.id.utf8).lexicographicallyPrecedes(Array($1.id.utf8)) }
        self.init(unchecked: version, expires, thresholdKeyring, thresholdApproval, thresholdApprovalDemographic,
                  thresholdBoardRevocation, sorted)
        _ = try canonicalBytes()
    }

    private init(unchecked version: Int, _ expires: StatementTime, _ thresholdKeyring: Int, _ thresholdApproval: Int,
                 _ thresholdApprovalDemographic: Int, _ thresholdBoardRevocation: Int, _ members: [Member]) {
        self.version = version
        self.expires = expires
        self.thresholdKeyring = thresholdKeyring
        self.thresholdApproval = thresholdApproval
        self.thresholdApprovalDemographic = thresholdApprovalDemographic
        self.thresholdBoardRevocation = thresholdBoardRevocation
        self.members = members
        self.membersByKey = Dictionary(members.map { ($0.key, $0.id) }, uniquingKeysWith: { first, _ in first })
        self.keysByBlob = Dictionary(members.map { ($0.key.blob[...], $0.key) }, uniquingKeysWith: { first, _ in first })
    }

    /// Parses the exact bytes of `keyring.v<NNNN>`, refusing non-canonical text and broken rules.
    public init(parsing bytes: [UInt8]) throws(LineStatement.FormatError) {
        let fields = StatementFields(statement: try LineStatement(parsing: bytes, schema: Keyring.schema))
        try fields.expect("format", statementFormat)
        try fields.expect("type", "keyring")
        let version = try fields.count("version")
        let expires = try fields.time("expires")
        let thresholds = (try fields.count("threshold-keyring"), try fields.count("threshold-approval"),
                          try fields.count("threshold-approval-demographic"),
                          try fields.count("threshold-board-revocation"))
        let memberLine = fields.line(of: "member") ?? 1
        var members: [Member] = []
        var ids = Set<String>()
        var keys: [SSHPublicKey: String] = [:]
        for (offset, value) in fields.statement.values("member").enumerated() {
            let line = memberLine + offset
            let parts = value.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 3 else {
                throw LineStatement.FormatError(line: line, reason: "member '\(value)' must be '<id> ssh-ed25519 <base64>' with no comment")
            }
            let id = String(parts[0])
            guard StatementSyntax.isMemberID(id) else {
                throw LineStatement.FormatError(line: line, reason: "'\(id)' is not a member id (lowercase letters, digits and '-', not 'board')")
            }
            guard let key = try? SSHPublicKey(openSSHLine: "\(parts[1]) \(parts[2])") else {
                throw LineStatement.FormatError(line: line, reason: "the key of member '\(id)' is not a well-formed ssh-ed25519 key")
            }
            guard ids.insert(id).inserted else {
                throw LineStatement.FormatError(line: line, reason: "member '\(id)' is listed twice; each member has exactly one key")
            }
            if let owner = keys[key] {
                throw LineStatement.FormatError(line: line, reason: "member '\(id)' has the same key as member '\(owner)'; no key may appear twice")
            }
            if let previous = members.last, !Array(previous.id.utf8).lexicographicallyPrecedes(Array(id.utf8)) {
                throw LineStatement.FormatError(line: line, reason: "member '\(id)' must come before '\(previous.id)'; members are sorted by id")
            }
            keys[key] = id
            members.append(Member(id: id, key: key))
        }
        let named = [("threshold-keyring", thresholds.0), ("threshold-approval", thresholds.1),
                     ("threshold-approval-demographic", thresholds.2), ("threshold-board-revocation", thresholds.3)]
        for (key, value) in named where value > members.count {
            throw fields.fail(key, "'\(key)' is \(value) but the keyring has only \(members.count) members")
        }
        if thresholds.2 < thresholds.1 {
            throw fields.fail("threshold-approval-demographic",
                              "'threshold-approval-demographic' (\(thresholds.2)) must be at least 'threshold-approval' (\(thresholds.1))")
        }
        self.init(unchecked: version, expires, thresholds.0, thresholds.1, thresholds.2, thresholds.3, members)
    }

    /// The canonical bytes of this keyring, to be signed by the old and new members.
    ///
    /// Refuses a keyring that would not parse back (a duplicate key or id, a threshold out of range).
    public func canonicalBytes() throws(ReviewError) -> [UInt8] {
        var fields: [(key: String, value: String)] = [
            ("format", statementFormat), ("type", "keyring"), ("version", String(version)),
            ("expires", expires.description), ("threshold-keyring", String(thresholdKeyring)),
            ("threshold-approval", String(thresholdApproval)),
            ("threshold-approval-demographic", String(thresholdApprovalDemographic)),
            ("threshold-board-revocation", String(thresholdBoardRevocation)),
        ]
        fields += members.map { ("member", "\($0.id) \($0.key.openSSHLine)") }
        return try StatementRendering.render(Keyring.schema, fields) { bytes throws(LineStatement.FormatError) in
            _ = try Keyring(parsing: bytes)
        }
    }

    /// The member who holds `key`, if any.
    public func memberID(holding key: SSHPublicKey) -> String? {
        membersByKey[key]
    }

    /// A member's key, already decoded, whose SSH wire blob is `blob`; `nil` for any other key.
    func key(blob: ArraySlice<UInt8>) -> SSHPublicKey? {
        // Keyed by slices, which hash and compare element by element wherever they start: no copy of the blob.
        keysByBlob[blob]
    }

    /// The member with `id`, if any.
    public func member(_ id: String) -> Member? {
        members.first { $0.id == id }
    }

    /// Whether the keyring has expired at `now` (approvals freeze until it is renewed).
    public func isExpired(at now: StatementTime) -> Bool {
        now >= expires
    }

    /// The threshold that applies to a product version, depending on whether it declares demographic fields.
    public func approvalThreshold(declaresDemographicFields: Bool) -> Int {
        declaresDemographicFields ? thresholdApprovalDemographic : thresholdApproval
    }

    public static func == (lhs: Keyring, rhs: Keyring) -> Bool {
        lhs.version == rhs.version && lhs.expires == rhs.expires && lhs.members == rhs.members
            && lhs.thresholdKeyring == rhs.thresholdKeyring && lhs.thresholdApproval == rhs.thresholdApproval
            && lhs.thresholdApprovalDemographic == rhs.thresholdApprovalDemographic
            && lhs.thresholdBoardRevocation == rhs.thresholdBoardRevocation
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(version)
        hasher.combine(members)
    }
}
