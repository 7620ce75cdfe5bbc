import ProductModel

/// The annual use report of one calendar year (`reports/<year>.json`): which products were in use
/// and when they entered and left use, the versions registered, the versions that reached their
/// approval quorum, review statements, lapsed approvals, checks, overdue reviews, demographic fields and the year's allegations.
///
/// Use dates come from git: each version's status is the newest manifest's, with every later
/// version's recorded field changes undone, never the dates a manifest states. A year still under
/// way ends on the catalog's as-of day. Checks are those in this machine's index only.
///
/// The year's allegations are tables that ``AllegationsReport/aggregate(_:minimumCellSize:)``
/// suppressed together with the allegations page and every other year, so that no small count can
/// be worked out by combining a year's figures with the page's or other years'.
public struct AnnualReport: Sendable, Hashable, Codable {
    /// The version of this record's shape (2: allegations by quarter and finding, responding
    /// service, basis and product).
    public var schemaVersion: Int = 2
    /// A stable id for the record (`annual-report-2026`).
    public var id: String
    /// The calendar year.
    public var year: Int
    /// The first day covered.
    public var periodStart: CalendarDate
    /// The last day covered: 31 December, or the catalog's as-of day for the current year.
    public var periodEnd: CalendarDate
    /// Whether the whole year is covered.
    public var complete: Bool
    /// The checks counted are only those run on the machine that built the catalog.
    public var checksScope: String = "checks recorded in the index of the machine that built the catalog; checks run on other machines (CI runners, analysts' computers) are not included"
    /// The year's figures.
    public var totals: Totals
    /// One row per product in use during the year, or changed, reviewed, checked, removed or overdue in it, by id.
    public var products: [ProductYear]
    /// The year's allegations by quarter and finding, responding service, basis and product;
    /// `nil` without an allegations file.
    public var allegations: YearAllegations?

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", id, year, periodStart = "period_start", periodEnd = "period_end"
        case complete, checksScope = "checks_scope", totals, products, allegations
    }

    /// The year's figures over all products.
    public struct Totals: Sendable, Hashable, Codable {
        /// Products in use on any day of the year.
        public var productsInUse = 0
        /// Products that entered use during the year.
        public var enteredUse = 0
        /// Products that left use during the year (status changed or folder removed).
        public var leftUse = 0
        /// Versions committed during the year.
        public var versionsRegistered = 0
        /// Products whose folder was removed during the year.
        public var productsRemoved = 0
        /// Product versions that reached their approval quorum during the year.
        public var approvalsGranted = 0
        /// Approval statements board members signed during the year, counted or not.
        public var approvalStatements = 0
        /// Approvals that lapsed because the board review date passed.
        public var approvalsLapsed = 0
        /// Revocations (a member's own, or the board's) during the year.
        public var approvalsRevoked = 0
        /// Rejections during the year.
        public var rejections = 0
        /// Policy checks run during the year (this machine).
        public var checksRun = 0
        /// Of those, checks that failed.
        public var checksFailed = 0
        /// Products whose board review was overdue on some day of the year.
        public var reviewsOverdue = 0
        /// Products in use during the year with at least one demographic field.
        public var productsUsingDemographicFields = 0

        enum CodingKeys: String, CodingKey {
            case productsInUse = "products_in_use", enteredUse = "entered_use", leftUse = "left_use"
            case versionsRegistered = "versions_registered", productsRemoved = "products_removed"
            case approvalsGranted = "approvals_granted", approvalStatements = "approval_statements"
            case approvalsLapsed = "approvals_lapsed", approvalsRevoked = "approvals_revoked", rejections, checksRun = "checks_run", checksFailed = "checks_failed"
            case reviewsOverdue = "reviews_overdue", productsUsingDemographicFields = "products_using_demographic_fields"
        }
    }

    /// One product's year.
    public struct ProductYear: Sendable, Hashable, Codable {
        /// The product id.
        public var id: String
        /// Its name.
        public var name: String
        /// Whether it was in use on any day of the year.
        public var inUse: Bool
        /// The day it entered its (first) stretch of use overlapping the year, which may lie in an earlier year.
        public var inUseSince: CalendarDate?
        /// The day it left use, when that happened within the year.
        public var inUseUntil: CalendarDate?
        /// The day its folder was removed, when that happened within the year.
        public var removed: CalendarDate?
        /// The version labels committed during the year, oldest first.
        public var versionsRegistered: [String]
        /// Versions that reached their approval quorum during the year, dated by the issue time of
        /// the approval that completed it.
        public var approvalsGranted: Int
        /// Approval statements signed during the year, whether or not they counted towards a quorum.
        public var approvalStatements: Int
        /// The days its approval lapsed because its review date passed.
        public var approvalsLapsed: [CalendarDate]
        /// Revocations during the year.
        public var approvalsRevoked: Int
        /// Rejections during the year.
        public var rejections: Int
        /// Checks run during the year (this machine).
        public var checksRun: Int
        /// Of those, checks that failed.
        public var checksFailed: Int
        /// The first day of the year its board review was overdue.
        public var reviewOverdueSince: CalendarDate?
        /// How many days of the year its board review was overdue.
        public var reviewOverdueDays: Int
        /// The demographic fields it declared while in use during the year.
        public var demographicFields: [String]

        enum CodingKeys: String, CodingKey {
            case id, name, inUse = "in_use", inUseSince = "in_use_since", inUseUntil = "in_use_until", removed
            case versionsRegistered = "versions_registered", approvalsGranted = "approvals_granted"
            case approvalStatements = "approval_statements", approvalsLapsed = "approvals_lapsed", approvalsRevoked = "approvals_revoked", rejections
            case checksRun = "checks_run", checksFailed = "checks_failed", reviewOverdueSince = "review_overdue_since"
            case reviewOverdueDays = "review_overdue_days", demographicFields = "demographic_fields"
        }
    }

    /// The reports of every year from the first commit of a product to the as-of day's year.
    public static func all(_ history: UseHistory, asOf: CalendarDate, allegations: AllegationsReport?) -> [AnnualReport] {
        let timelines = history.products.map(ProductTimeline.init)
        let firstDays = timelines.compactMap { $0.segments.first?.start }
        guard let first = firstDays.min() else { return [] }
        let firstYear = CalendarDate(dayNumber: first).year
        guard firstYear <= asOf.year else { return [] }
        return (firstYear...asOf.year).map { year in
            report(year: year, timelines: timelines, history: history, asOf: asOf, allegations: allegations)
        }
    }

    private static func report(year: Int, timelines: [ProductTimeline], history: UseHistory, asOf: CalendarDate,
                               allegations: AllegationsReport?) -> AnnualReport {
        let start = CalendarDate(year: year, month: 1, day: 1)
        let end = min(CalendarDate(year: year, month: 12, day: 31), asOf)
        let period = start.dayNumber...end.dayNumber
        let reviews = Dictionary(grouping: history.reviews, by: \.product)
        let quorums = Dictionary(grouping: history.quorums, by: \.product)
        let checks = Dictionary(grouping: history.checks.filter { period.contains($0.day.dayNumber) }, by: \.product)
        var totals = Totals()
        var rows: [ProductYear] = []
        for timeline in timelines.sorted(by: { $0.product.id < $1.product.id }) {
            let productReviews = reviews[timeline.product.id] ?? []
            let yearReviews = productReviews.filter { period.contains($0.issued.dayNumber) }
            let productQuorums = quorums[timeline.product.id] ?? []
            let yearQuorums = productQuorums.filter { period.contains($0.reached.dayNumber) }
            let productChecks = checks[timeline.product.id] ?? []
            let use = timeline.use(in: period)
            let overdue = timeline.overdue(in: period)
            let firstApproval = productQuorums.map(\.reached.dayNumber).min()
            let lapsed = timeline.lapses(in: period).filter { day in firstApproval.map { $0 < day } ?? false }
            let versions = timeline.product.versions.reversed().filter { !$0.removed && $0.day.map { period.contains($0.dayNumber) } ?? false }
            let removed = timeline.product.removal == nil ? nil
                : timeline.product.versions.first.flatMap(\.day).flatMap { period.contains($0.dayNumber) ? $0 : nil }
            let row = ProductYear(
                id: timeline.product.id, name: timeline.product.name, inUse: use.inUse,
                inUseSince: use.since.map(CalendarDate.init(dayNumber:)), inUseUntil: use.until.map(CalendarDate.init(dayNumber:)),
                removed: removed, versionsRegistered: versions.map(\.version),
                approvalsGranted: yearQuorums.count, approvalStatements: yearReviews.filter { $0.decision == .approval }.count,
                approvalsLapsed: lapsed.map(CalendarDate.init(dayNumber:)),
                approvalsRevoked: yearReviews.filter { $0.decision == .revocation }.count,
                rejections: yearReviews.filter { $0.decision == .rejection }.count,
                checksRun: productChecks.count, checksFailed: productChecks.filter { !$0.passed }.count,
                reviewOverdueSince: overdue.since.map(CalendarDate.init(dayNumber:)), reviewOverdueDays: overdue.days,
                demographicFields: use.demographicFields)
            let touched = row.inUse || !versions.isEmpty || !yearReviews.isEmpty || !productChecks.isEmpty || removed != nil
                || overdue.days > 0
            guard touched else { continue }
            rows.append(row)
            if row.inUse { totals.productsInUse += 1 }
            if let since = use.since, period.contains(since) { totals.enteredUse += 1 }
            if row.inUseUntil != nil { totals.leftUse += 1 }
            totals.versionsRegistered += versions.count
            if removed != nil { totals.productsRemoved += 1 }
            totals.approvalsGranted += row.approvalsGranted
            totals.approvalStatements += row.approvalStatements
            totals.approvalsLapsed += lapsed.count
            totals.approvalsRevoked += row.approvalsRevoked
            totals.rejections += row.rejections
            totals.checksRun += row.checksRun
            totals.checksFailed += row.checksFailed
            if row.reviewOverdueDays > 0 { totals.reviewsOverdue += 1 }
            if row.inUse && !row.demographicFields.isEmpty { totals.productsUsingDemographicFields += 1 }
        }
        return AnnualReport(id: "annual-report-\(year)", year: year, periodStart: start, periodEnd: end,
                            complete: end == CalendarDate(year: year, month: 12, day: 31),
                            totals: totals, products: rows, allegations: allegations?.year(year))
    }

    /// The report as `reports/<year>.csv`: one row per product; `allegations` is the year's count
    /// of allegations linked to it as in the JSON (`suppressed`, or empty without an allegations file).
    func csv() -> String {
        let header = ["year", "id", "name", "in_use", "in_use_since", "in_use_until", "removed", "versions_registered",
                      "approvals_granted", "approval_statements", "approvals_lapsed", "approvals_revoked", "rejections", "checks_run",
                      "checks_failed", "review_overdue_since", "review_overdue_days", "demographic_fields", "allegations"]
        let linked = allegations.map { Dictionary(zip($0.byProduct.labels, $0.byProduct.counts)) { first, _ in first } }
        func allegationCount(_ id: String) -> String {
            guard let linked else { return "" }
            return (linked[id] ?? PublishedCount(0)).count.map(String.init) ?? "suppressed"
        }
        let rows = products.map { row -> [String] in
            [String(year), row.id, row.name, row.inUse ? "true" : "false", row.inUseSince?.description ?? "",
             row.inUseUntil?.description ?? "", row.removed?.description ?? "", row.versionsRegistered.joined(separator: ";"),
             String(row.approvalsGranted), String(row.approvalStatements), row.approvalsLapsed.map(\.description).joined(separator: ";"),
             String(row.approvalsRevoked), String(row.rejections), String(row.checksRun), String(row.checksFailed),
             row.reviewOverdueSince?.description ?? "", String(row.reviewOverdueDays), row.demographicFields.joined(separator: ";"),
             allegationCount(row.id)]
        }
        return PublishedCSV.render(header: header, rows: rows)
    }
}

/// A product's states over time as stretches of days, each starting at a commit: the manifest's
/// state, or `nil` while the folder was removed.
struct ProductTimeline {
    struct Segment {
        /// The first day (a day number).
        var start: Int
        /// The first day of the next segment, or `nil` for the newest.
        var end: Int?
        var state: UseState?
    }

    let product: ProductUse
    /// Oldest first.
    let segments: [Segment]

    init(_ product: ProductUse) {
        self.product = product
        var state = product.newest
        var newestFirst: [(Int, UseState?)] = []
        for version in product.versions {
            guard let day = version.day?.dayNumber else { continue }
            if version.removed {
                newestFirst.append((day, nil))
            } else {
                newestFirst.append((day, state))
                state = state.undoing(version.changes)
            }
        }
        let ordered = Array(newestFirst.reversed())
        segments = ordered.indices.map { index in
            Segment(start: ordered[index].0, end: index + 1 < ordered.count ? ordered[index + 1].0 : nil, state: ordered[index].1)
        }
    }

    /// Whether it was in use during the period, the start of its first stretch of use overlapping
    /// the period and the day the last such stretch ended, if within the period.
    func use(in period: ClosedRange<Int>) -> (inUse: Bool, since: Int?, until: Int?, demographicFields: [String]) {
        var stretches: [(start: Int, end: Int?)] = []
        var fields = Set<String>()
        for segment in segments where segment.end.map({ $0 > segment.start }) ?? true {
            let inUse = segment.state?.status == .inUse
            if inUse, let last = stretches.last, last.end == segment.start {
                stretches[stretches.count - 1].end = segment.end
            } else if inUse {
                stretches.append((segment.start, segment.end))
            }
            if inUse, segment.start <= period.upperBound, segment.end.map({ $0 > period.lowerBound }) ?? true {
                fields.formUnion(segment.state?.demographicFields ?? [])
            }
        }
        let overlapping = stretches.filter { $0.start <= period.upperBound && ($0.end.map { $0 > period.lowerBound } ?? true) }
        let until = overlapping.last?.end.flatMap { period.contains($0) ? $0 : nil }
        return (!overlapping.isEmpty, overlapping.first?.start, until, fields.sorted())
    }

    /// The days in the period a review date passed while the product was not retired: the first
    /// day after `review_due`, when the manifest then in force still named that date.
    func lapses(in period: ClosedRange<Int>) -> [Int] {
        segments.compactMap { segment in
            guard let state = segment.state, state.status != .retired else { return nil }
            let lapse = state.reviewDue.dayNumber + 1
            guard lapse >= segment.start, segment.end.map({ lapse < $0 }) ?? true, period.contains(lapse) else { return nil }
            return lapse
        }
    }

    /// How many days of the period the board review was overdue (not retired, folder present,
    /// review date passed), and since when the first such stretch had been overdue.
    func overdue(in period: ClosedRange<Int>) -> (days: Int, since: Int?) {
        var days = 0
        var since: Int?
        for segment in segments {
            guard let state = segment.state, state.status != .retired else { continue }
            let due = state.reviewDue.dayNumber + 1
            let first = max(segment.start, due, period.lowerBound)
            let last = min((segment.end ?? Int.max) - 1, period.upperBound)
            guard first <= last else { continue }
            days += last - first + 1
            if since == nil { since = due }
        }
        return (days, since)
    }
}
