import Foundation
import ProductModel

/// Decides whether a product version is approved by the board (DESIGN section 6).
///
/// Precedence, first match wins:
/// 1. a board revocation of this exact content stands: `revoked`;
/// 2. a current member's rejection of this exact content stands: `rejected`;
/// 3. the keyring has expired: `expired` (approvals freeze until the board renews it);
/// 4. enough distinct, current, non-owner members approve this exact content: `approved`, or
///    `lapsed` once the manifest's `review_due` lies before the day of the evaluation;
/// 5. there would be enough but for members' own revocations: `revoked`;
/// 6. there would be enough but for expired approvals: `expired`;
/// 7. enough members approved an earlier tree of this product: `changed`;
/// 8. otherwise: `pending`.
///
/// Every statement is only counted between `issued` (less a small clock skew) and `expires`.
/// Signatures are checked over the exact bytes before anything is parsed.
public enum ApprovalEvaluator {
    /// How far in the future `issued` may lie before a statement is refused (clocks drift).
    public static let allowedClockSkew: Int64 = 300

    /// Evaluates every file under `Reviews/<product-id>/` against the current keyring.
    ///
    /// - Parameter reviewDay: the day the board review date is judged at (`status --as-of`);
    ///   by default the UTC day of `now`.
    public static func evaluate(_ subject: ProductVersionUnderReview, keyring: Keyring,
                                files: [RepositoryFile], now: Date, reviewDay: CalendarDate? = nil) -> ApprovalVerdict {
        var evaluation = Evaluation(subject: subject, keyring: keyring, files: files, now: StatementTime(now),
                                    reviewDay: reviewDay ?? subject.reviewDue.map { _ in CalendarDate(utcDayOf: now) })
        return evaluation.run()
    }
}

/// A statement whose signature, signer, form and location have all been checked.
private struct SignedReview {
    let path: String
    let statement: ReviewStatement
}

private struct Evaluation {
    let subject: ProductVersionUnderReview
    let keyring: Keyring
    let files: [RepositoryFile]
    let now: StatementTime
    /// Only worked out when the product has a review date: the calendar is costly and most products have none.
    let reviewDay: CalendarDate?
    let expectedFields: [String]

    var uncounted: [UncountedStatement] = []
    var standing: [StandingStatement] = []
    var candidates: [SignedReview] = []
    var expiredApprovers = Set<String>()
    var history: [SignedReview] = []

    init(subject: ProductVersionUnderReview, keyring: Keyring, files: [RepositoryFile], now: StatementTime,
         reviewDay: CalendarDate?) {
        self.subject = subject
        self.keyring = keyring
        self.files = files
        self.now = now
        self.reviewDay = reviewDay
        self.expectedFields = StatementSyntax.canonicalFieldList(subject.demographicFields)
    }

    mutating func run() -> ApprovalVerdict {
        let base = Array((ReviewPaths.product(subject.product) + "/").utf8)
        // One map serves both questions (does a statement exist, what is this signature): built once per product.
        let bytesByPath = Dictionary(files.map { ($0.path, $0.bytes) }, uniquingKeysWith: { first, _ in first })
        var reviews: [RepositoryFile] = []
        var boardRevocations: [RepositoryFile] = []
        for file in files.sorted(by: { $0.path < $1.path }) {
            switch ReviewFileKind(path: file.path, base: base) {
            case .unrecognised:
                reject(file.path, .unrecognisedFile)
            case .signature(let statementPath):
                if bytesByPath[statementPath] == nil { reject(file.path, .orphanSignature) }
            case .boardRevocation:
                boardRevocations.append(file)
            case .review:
                reviews.append(file)
            }
        }
        var signed: [SignedReview] = []
        for file in reviews {
            if let review = checkSignedReview(file, signature: bytesByPath[ReviewPaths.signature(of: file.path)]) {
                signed.append(review)
            }
        }
        var boardRevoked: [StandingStatement] = []
        for file in boardRevocations {
            if let revocation = checkBoardRevocation(file) { boardRevoked.append(revocation) }
        }
        let revocations = signed.filter { $0.statement.decision == .revocation }
        for review in signed { classify(review, revocations: revocations) }
        return decide(boardRevoked: boardRevoked)
    }

    mutating func reject(_ path: String, _ reason: UncountedReason) {
        uncounted.append(UncountedStatement(path: path, reason: reason))
    }

    /// Signature first, then the signer, then the text, then whether the text belongs at its path.
    mutating func checkSignedReview(_ file: RepositoryFile, signature: [UInt8]?) -> SignedReview? {
        guard let signature else {
            reject(file.path, .missingSignature)
            return nil
        }
        guard file.bytes.count <= StatementLimits.maximumBytes else {
            reject(file.path, .oversized(bytes: file.bytes.count))
            return nil
        }
        let key: SSHPublicKey
        switch SSHSignature.verify(armored: signature, message: file.bytes, namespace: ReviewNamespace.review,
                                    knownKeys: keyring) {
        case .failure(let problem):
            reject(file.path, .badSignature(problem))
            return nil
        case .success(let signingKey):
            key = signingKey
        }
        guard let signer = keyring.memberID(holding: key) else {
            reject(file.path, .unknownKey(fingerprint: key.fingerprint))
            return nil
        }
        let statement: ReviewStatement
        do {
            statement = try ReviewStatement(parsing: file.bytes)
        } catch {
            reject(file.path, .notCanonical(error))
            return nil
        }
        let mismatch: UncountedReason? =
            if statement.reviewer != signer { .keyOfAnotherMember(signer: signer, reviewer: statement.reviewer) }
            else if statement.product != subject.product { .wrongProduct(statement.product.rawValue) }
            else if statement.path != file.path { .misplaced(expectedPath: statement.path) }
            else { nil }
        if let mismatch {
            reject(file.path, mismatch)
            return nil
        }
        return SignedReview(path: file.path, statement: statement)
    }

    mutating func classify(_ review: SignedReview, revocations: [SignedReview]) {
        let statement = review.statement
        let isOwner = subject.owners.contains(statement.reviewer)
        let revokedBy = revocations.first {
            $0.statement.reviewer == statement.reviewer && $0.statement.version == statement.version
                && $0.statement.tree == statement.tree && isInForce($0.statement)
        }
        guard statement.version == subject.version, statement.tree == subject.tree else {
            if statement.decision == .approval, !isOwner, revokedBy == nil { history.append(review) }
            reject(review.path, statement.version == subject.version
                ? .wrongTree(statement.tree) : .forAnotherVersion(statement.version))
            return
        }
        guard statement.contentDigest == subject.contentDigest else {
            return reject(review.path, .wrongContentDigest(statement.contentDigest))
        }
        guard statement.demographicFields == expectedFields else {
            return reject(review.path, .wrongDemographicFields(statement.demographicFields.joined(separator: ",")))
        }
        guard statement.issued <= now.adding(seconds: ApprovalEvaluator.allowedClockSkew) else {
            return reject(review.path, .issuedInFuture(statement.issued))
        }
        guard now < statement.expires else {
            if statement.decision == .approval, !isOwner, revokedBy == nil { expiredApprovers.insert(statement.reviewer) }
            return reject(review.path, .expired(statement.expires))
        }
        switch statement.decision {
        case .approval:
            if isOwner { return reject(review.path, .ownerOfProduct(statement.reviewer)) }
            candidates.append(review)
        case .rejection, .revocation:
            let kind: StandingStatement.Kind = statement.decision == .rejection ? .rejection : .revocation
            standing.append(StandingStatement(kind: kind, path: review.path, members: [statement.reviewer],
                                              issued: statement.issued))
        }
    }

    func isInForce(_ statement: ReviewStatement) -> Bool {
        statement.issued <= now.adding(seconds: ApprovalEvaluator.allowedClockSkew) && now < statement.expires
    }

    /// Quorum over the exact bytes first, then the text; a board revocation does not expire.
    mutating func checkBoardRevocation(_ file: RepositoryFile) -> StandingStatement? {
        guard file.bytes.count <= StatementLimits.maximumBytes else {
            reject(file.path, .oversized(bytes: file.bytes.count))
            return nil
        }
        let quorum = BoardQuorum.count(file, files: files, keyring: keyring, namespace: ReviewNamespace.keyring,
                                       threshold: keyring.thresholdBoardRevocation)
        uncounted += quorum.uncounted.map { UncountedStatement(path: $0.path, reason: .signatureNotCounted($0.reason)) }
        guard quorum.isMet else {
            reject(file.path, .insufficientBoardSignatures(signers: quorum.signers, required: quorum.required))
            return nil
        }
        let revocation: BoardRevocation
        do {
            revocation = try BoardRevocation(parsing: file.bytes)
        } catch {
            reject(file.path, .notCanonical(error))
            return nil
        }
        let mismatch: UncountedReason? =
            if revocation.product != subject.product { .wrongProduct(revocation.product.rawValue) }
            else if revocation.path != file.path { .misplaced(expectedPath: revocation.path) }
            else if revocation.version != subject.version { .forAnotherVersion(revocation.version) }
            else if revocation.tree != subject.tree { .wrongTree(revocation.tree) }
            else if revocation.contentDigest != subject.contentDigest { .wrongContentDigest(revocation.contentDigest) }
            else if revocation.issued > now.adding(seconds: ApprovalEvaluator.allowedClockSkew) { .issuedInFuture(revocation.issued) }
            else { nil }
        if let mismatch {
            reject(file.path, mismatch)
            return nil
        }
        return StandingStatement(kind: .boardRevocation, path: file.path, members: quorum.signers,
                                 issued: revocation.issued)
    }

    mutating func decide(boardRevoked: [StandingStatement]) -> ApprovalVerdict {
        let threshold = keyring.approvalThreshold(declaresDemographicFields: !expectedFields.isEmpty)
        var counted: [CountedApproval] = []
        var revokedApprovers = Set<String>()
        for review in candidates.sorted(by: { $0.path < $1.path }) {
            let statement = review.statement
            if let board = boardRevoked.first {
                reject(review.path, .revokedByBoard(path: board.path))
            } else if let revocation = standing.first(where: { $0.kind == .revocation && $0.members == [statement.reviewer] }) {
                revokedApprovers.insert(statement.reviewer)
                reject(review.path, .revokedByMember(path: revocation.path))
            } else if let earlier = counted.first(where: { $0.member == statement.reviewer }) {
                reject(review.path, .duplicate(member: statement.reviewer, countedPath: earlier.path))
            } else {
                counted.append(CountedApproval(member: statement.reviewer, issued: statement.issued,
                                               expires: statement.expires, path: review.path))
            }
        }
        standing += boardRevoked
        let rejections = standing.filter { $0.kind == .rejection }
        let approvers = Set(counted.map(\.member))
        let (state, explanation): (ApprovalState, String) =
            if let board = boardRevoked.first {
                (.revoked, "The board revoked this content in \(board.path) (signed by \(board.members.joined(separator: ", "))).")
            } else if !rejections.isEmpty {
                (.rejected, "A rejection stands: \(rejections.map(\.path).joined(separator: ", ")).")
            } else if keyring.isExpired(at: now) {
                (.expired, "Keyring version \(keyring.version) expired at \(keyring.expires); approvals are frozen until the board signs a renewed keyring.")
            } else if approvers.count >= threshold, let due = subject.reviewDue, let reviewDay, due < reviewDay {
                (.lapsed, "Approved by \(approvers.count) of the \(threshold) distinct members required, but the board review was due on \(due) (judged as of \(reviewDay)); the approval lapsed until the board reviews the product again and a version with a new review_due is approved.")
            } else if approvers.count >= threshold {
                (.approved, "Approved by \(approvers.count) of the \(threshold) distinct members required (\(counted.map(\.member).joined(separator: ", "))).")
            } else if approvers.union(revokedApprovers).count >= threshold {
                (.revoked, "Members withdrew their approvals (\(revokedApprovers.sorted().joined(separator: ", "))), leaving \(approvers.count) of the \(threshold) required.")
            } else if approvers.union(expiredApprovers).count >= threshold {
                (.expired, "Approvals by \(expiredApprovers.sorted().joined(separator: ", ")) expired, leaving \(approvers.count) of the \(threshold) required.")
            } else if let earlier = earlierQuorum() {
                (.changed, "The committed content differs from the approved content (version \(earlier.version), tree \(earlier.tree)); it needs a new review.")
            } else {
                (.pending, "Approved by \(approvers.count) of the \(threshold) distinct members required.")
            }
        return ApprovalVerdict(state: state, threshold: threshold,
                               counted: counted.sorted { $0.member < $1.member },
                               standing: standing.sorted { $0.path < $1.path },
                               uncounted: uncounted.sorted { ($0.path, $0.reason.description) < ($1.path, $1.reason.description) },
                               explanation: explanation)
    }

    /// An earlier tree that enough distinct current, non-owner members approved (expiry aside).
    func earlierQuorum() -> ReviewStatement? {
        let groups = Dictionary(grouping: history) { review in
            [review.statement.version, review.statement.tree, review.statement.contentDigest,
             review.statement.demographicFields.joined(separator: ",")]
        }
        for (_, reviews) in groups.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            let statement = reviews[0].statement
            let members = Set(reviews.map(\.statement.reviewer))
            if members.count >= keyring.approvalThreshold(declaresDemographicFields: !statement.demographicFields.isEmpty) {
                return statement
            }
        }
        return nil
    }
}

/// What a file under `Reviews/<product-id>/` is, judged from its path alone.
///
/// Read on the path's UTF-8 bytes: the `Character`-based `String` operations this replaced (dropFirst,
/// split, hasSuffix) walked grapheme boundaries and cost about a twentieth of every verification.
private enum ReviewFileKind {
    /// `<version>/<member>.<decision>`; whether member and decision match the content is checked after the signature.
    case review
    /// `<version>/board.revocation`.
    case boardRevocation
    /// `<version>/<name>.sig` or `<version>/board.revocation.sigs/<name>.sig`, and the statement it must sit beside.
    case signature(of: String)
    /// Anything else.
    case unrecognised

    private static let slash = UInt8(ascii: "/")
    private static let signatureSuffix = Array(".sig".utf8)
    private static let boardRevocationName = Array(ReviewPaths.boardRevocationName.utf8)
    private static let boardSignatureFolder = Array(ReviewPaths.signatureFolder(of: ReviewPaths.boardRevocationName).utf8)

    /// Classifies `path`, which belongs to the product whose folder (with a final `/`) is `base`.
    init(path: String, base: [UInt8]) {
        var path = path
        self = path.withUTF8 { bytes in ReviewFileKind(bytes: bytes, base: base) }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>, base: [UInt8]) {
        guard bytes.starts(with: base) else { self = .unrecognised; return }
        let parts = bytes[base.count...].split(separator: ReviewFileKind.slash, omittingEmptySubsequences: false)
        guard parts.count >= 2, StatementSyntax.isVersionLabel(parts[0]) else { self = .unrecognised; return }
        let name = parts[1]
        /// The path without its last `count` bytes, naming the statement a signature belongs to.
        func statement(droppingLast count: Int) -> String {
            String(decoding: bytes[..<(bytes.count - count)], as: UTF8.self)
        }
        if parts.count == 3, name.elementsEqual(ReviewFileKind.boardSignatureFolder), ReviewFileKind.isSignatureName(parts[2]) {
            // `/<member>.sig` and `.sigs` off the end leave the board revocation's path.
            self = .signature(of: statement(droppingLast: parts[2].count + 6))
        } else if parts.count != 2 {
            self = .unrecognised
        } else if name.elementsEqual(ReviewFileKind.boardRevocationName) {
            self = .boardRevocation
        } else if ReviewFileKind.isSignatureName(name) {
            self = .signature(of: statement(droppingLast: ReviewFileKind.signatureSuffix.count))
        } else if ReviewFileKind.isReviewName(name) {
            self = .review
        } else {
            self = .unrecognised
        }
    }

    private static func isSignatureName(_ name: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        name.count >= signatureSuffix.count && name.suffix(signatureSuffix.count).elementsEqual(signatureSuffix)
    }

    /// `<member>.<decision>`.
    private static func isReviewName(_ name: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        guard let dot = name.lastIndex(of: UInt8(ascii: ".")) else { return false }
        return ReviewStatement.Decision(rawValue: String(decoding: name[(dot + 1)...], as: UTF8.self)) != nil
            && StatementSyntax.isMemberID(name[..<dot])
    }
}
