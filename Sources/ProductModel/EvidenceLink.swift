/// What `registry links` found at one address, kept with its date in `.registry/links.json`.
public struct EvidenceLinkResult: Sendable, Hashable, Codable {
    /// The address as the manifest writes it.
    public var address: String
    /// Where it is cited: product ids with the manifest key path.
    public var citedBy: [EvidenceLinkCitation]
    /// How the check ended.
    public var outcome: EvidenceLinkOutcome
    /// The final HTTP status after redirects, when a response came back.
    public var httpStatus: Int?
    /// The address the redirects ended at, when it differs.
    public var finalAddress: String?
    /// One sentence on what happened, for people.
    public var detail: String
    /// When this result was taken (UTC, ISO 8601 to the second).
    public var checkedAt: String
    /// When the link first failed in the current run of failures; `nil` while it works.
    public var failingSince: String?

    enum CodingKeys: String, CodingKey {
        case address, outcome, detail
        case citedBy = "cited_by"
        case httpStatus = "http_status"
        case finalAddress = "final_address"
        case checkedAt = "checked_at"
        case failingSince = "failing_since"
    }

    /// Creates a result; `failingSince` is set by whoever compares it with the previous results.
    public init(address: String, citedBy: [EvidenceLinkCitation], outcome: EvidenceLinkOutcome, httpStatus: Int? = nil,
                finalAddress: String? = nil, detail: String, checkedAt: String, failingSince: String? = nil) {
        self.address = address; self.citedBy = citedBy; self.outcome = outcome; self.httpStatus = httpStatus
        self.finalAddress = finalAddress; self.detail = detail; self.checkedAt = checkedAt; self.failingSince = failingSince
    }

    /// Whether the link works for a member of the public.
    public var works: Bool { outcome == .ok }
}

/// A manifest place that cites an address.
public struct EvidenceLinkCitation: Sendable, Hashable, Codable {
    /// The product id.
    public var product: String
    /// The manifest key path (`impact_assessments[0].link`).
    public var keyPath: String

    enum CodingKeys: String, CodingKey { case product, keyPath = "key_path" }

    /// Creates a citation.
    public init(product: String, keyPath: String) { self.product = product; self.keyPath = keyPath }
}

/// How a link check ended.
public enum EvidenceLinkOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    /// A 2xx response after redirects.
    case ok
    /// A response with another status (404, 500, or a redirect chain too long).
    case httpError = "http-error"
    /// No response within the time allowed.
    case timeout
    /// The address cannot be reached by the public: not http(s), an intranet host name, or a
    /// private, loopback or link-local address. Reported without fetching.
    case notPublic = "not-public"
    /// The name did not resolve or the connection failed.
    case unreachable
}

/// The stored results of the last `registry links`, as `.registry/links.json` holds them.
public struct EvidenceLinkRecords: Sendable, Hashable, Codable {
    /// The file format (`analytics-registry-links/1`).
    public var format: String
    /// Every address cited at the last check, sorted.
    public var links: [EvidenceLinkResult]

    /// The format this registry writes.
    public static let currentFormat = "analytics-registry-links/1"

    /// Records in the current format.
    public init(links: [EvidenceLinkResult]) {
        self.format = Self.currentFormat
        self.links = links
    }

    /// Failing links cited by a product, by address.
    public func failures(of product: String) -> [EvidenceLinkResult] {
        links.filter { link in !link.works && link.citedBy.contains { $0.product == product } }
    }
}
