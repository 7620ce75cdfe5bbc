import ProductModel

/// The registry's history over time, gathered by the caller (RegistryCore) from git, the reviews
/// and the index: what the annual use reports, the pages of removed products and the feeds' event
/// entries are built from. The catalog reads nothing else and never the clock.
public struct UseHistory: Sendable, Hashable {
    /// Every product that ever had a folder in `Products/`, removed ones included, any order.
    public var products: [ProductUse]
    /// Every review statement filed under `Reviews/`, any order.
    public var reviews: [ReviewEvent]
    /// Every policy check this machine's index holds, any order.
    public var checks: [CheckEvent]
    /// Every product version that reached its approval quorum, any order.
    public var quorums: [ApprovalQuorum]

    /// Creates the history of one catalog build.
    public init(products: [ProductUse], reviews: [ReviewEvent], checks: [CheckEvent], quorums: [ApprovalQuorum] = []) {
        self.products = products; self.reviews = reviews; self.checks = checks; self.quorums = quorums
    }

    /// The products no longer in `Products/`, by id.
    var removedProducts: [ProductUse] { products.filter { $0.removal != nil }.sorted { $0.id < $1.id } }
}

/// One product's life in the registry.
public struct ProductUse: Sendable, Hashable {
    /// The product id.
    public var id: String
    /// The name of its newest version that had a manifest.
    public var name: String
    /// Every commit that changed `Products/<id>/`, newest first, the commits that removed it included.
    public var versions: [UseVersion]
    /// Status, review date and demographic fields of the newest version that had a manifest; the
    /// older versions' are found by undoing each version's recorded field changes.
    public var newest: UseState
    /// Set when the product is not in `Products/` at the catalog's commit.
    public var removal: ProductRemoval?

    /// Creates a product's history.
    public init(id: String, name: String, versions: [UseVersion], newest: UseState, removal: ProductRemoval? = nil) {
        self.id = id; self.name = name; self.versions = versions; self.newest = newest; self.removal = removal
    }

    /// The commit that removed its folder, when it is not in `Products/` now.
    var removingVersion: UseVersion? { versions.first.flatMap { $0.removed ? $0 : nil } }
}

/// One commit that changed a product's folder.
public struct UseVersion: Sendable, Hashable {
    /// The commit id.
    public var commit: String
    /// The commit date (`2026-11-25T08:30:00Z`, UTC).
    public var date: String { didSet { day = Self.day(of: date) } }
    /// The commit's day, parsed once: the reports look at it for every year.
    private(set) var day: CalendarDate?
    /// The version label, empty when the commit removed the product or its manifest did not decode.
    public var version: String
    /// The commit's author.
    public var author: String
    /// The first line of the commit message.
    public var message: String
    /// The manifest fields that changed from the version before.
    public var changes: [FieldChange]
    /// Whether this commit removed the product's folder.
    public var removed: Bool

    /// Creates a version record.
    public init(commit: String, date: String, version: String, author: String, message: String,
                changes: [FieldChange], removed: Bool) {
        self.commit = commit; self.date = date; self.version = version; self.author = author
        self.message = message; self.changes = changes; self.removed = removed
        day = Self.day(of: date)
    }

    private static func day(of date: String) -> CalendarDate? { CalendarDate(String(date.prefix(10))) }
}

/// What the annual report needs of a manifest at one version.
public struct UseState: Sendable, Hashable {
    /// The life-cycle status.
    public var status: ProductStatus
    /// The board review date.
    public var reviewDue: CalendarDate
    /// The demographic fields declared, sorted.
    public var demographicFields: [String]

    /// Creates a state.
    public init(status: ProductStatus, reviewDue: CalendarDate, demographicFields: [String]) {
        self.status = status; self.reviewDue = reviewDue; self.demographicFields = demographicFields.sorted()
    }

    /// The state of the version before one whose manifest changes were `changes`.
    func undoing(_ changes: [FieldChange]) -> UseState {
        var state = self
        var fields = Set(demographicFields)
        for change in changes {
            if change.keyPath == "status", let before = change.before.flatMap(ProductStatus.init(rawValue:)) {
                state.status = before
            } else if change.keyPath == "review_due", let before = change.before.flatMap(CalendarDate.init) {
                state.reviewDue = before
            } else if change.keyPath.hasPrefix("demographic_fields["), change.keyPath.hasSuffix("].source"),
                      let name = change.keyPath.dropFirst("demographic_fields[".count).split(separator: "]").first {
                if change.before == nil { fields.remove(String(name)) }
                if change.after == nil { fields.insert(String(name)) }
            }
        }
        state.demographicFields = fields.sorted()
        return state
    }
}

/// How a product left `Products/`.
public struct ProductRemoval: Sendable, Hashable {
    /// The newest version a quorum of the board had approved when it was removed, if any.
    public var lastApprovedVersion: String?

    /// Creates a removal record.
    public init(lastApprovedVersion: String?) { self.lastApprovedVersion = lastApprovedVersion }
}

/// One signed review statement, by the day it says it was issued.
public struct ReviewEvent: Sendable, Hashable {
    /// What a statement decides.
    public enum Decision: String, Sendable, Hashable {
        case approval, rejection, revocation
    }

    /// The product id.
    public var product: String
    /// The version label reviewed.
    public var version: String
    /// The board member, or `board` for a board revocation.
    public var reviewer: String
    /// What it decides.
    public var decision: Decision
    /// The day it was issued (UTC).
    public var issued: CalendarDate

    /// Creates a review event.
    public init(product: String, version: String, reviewer: String, decision: Decision, issued: CalendarDate) {
        self.product = product; self.version = version; self.reviewer = reviewer; self.decision = decision; self.issued = issued
    }
}

/// A product version that reached its approval quorum, dated by the approval that completed it.
///
/// The day is the `issued` time inside that signed statement, which anyone can check with
/// `ssh-keygen -Y verify` against the published allowed signers; a commit date is not signed.
public struct ApprovalQuorum: Sendable, Hashable {
    /// The product id.
    public var product: String
    /// The version label approved.
    public var version: String
    /// The day (UTC) the approval that completed the quorum was issued.
    public var reached: CalendarDate

    /// Creates a quorum record.
    public init(product: String, version: String, reached: CalendarDate) {
        self.product = product; self.version = version; self.reached = reached
    }
}

/// One policy check of a product, by the day it ran.
public struct CheckEvent: Sendable, Hashable {
    /// The product id.
    public var product: String
    /// The day the check ran (UTC).
    public var day: CalendarDate
    /// Whether it raised no error.
    public var passed: Bool

    /// Creates a check event.
    public init(product: String, day: CalendarDate, passed: Bool) {
        self.product = product; self.day = day; self.passed = passed
    }
}
