/// Where a product stands with the review board (DESIGN section 6).
public enum ApprovalState: String, Sendable, Hashable, Codable, CaseIterable {
    /// A quorum of current members approved exactly this content.
    case approved
    /// No quorum yet.
    case pending
    /// The committed content differs from the content that was approved.
    case changed
    /// The working tree has changes not yet committed.
    case uncommitted
    /// A rejection stands.
    case rejected
    /// Approval was revoked by members or by the board.
    case revoked
    /// The approvals expired, or the newest keyring did.
    case expired
    /// A quorum approved this content, but its board review date (`review_due`) has passed: the
    /// approval no longer counts until the board reviews the product again.
    case lapsed
}
