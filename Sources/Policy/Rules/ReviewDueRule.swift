import ProductModel

/// The board's review date for the product has not passed.
public struct ReviewDueRule: PolicyRule {
    public init() {}

    /// How many days ahead a coming review is mentioned.
    static let noticeDays = 30

    public static let description = RuleDescription(
        id: "review-due",
        summary: "The product's review_due date has not passed.",
        rationale: "The Public Safety Analytics Policy requires ongoing compliance checks: a product past its review date is in use without the board's current oversight.",
        policies: [.publicSafetyAnalytics],
        triggeringExamples: [
            RuleExample("review date yesterday", today: CalendarDate(year: 2027, month: 7, day: 1)),
            RuleExample("review date in two weeks", today: CalendarDate(year: 2027, month: 6, day: 16)),
        ],
        nonTriggeringExamples: [
            RuleExample("review date months away"),
            RuleExample("retired product past its date", manifest: RuleExample.cleanManifest.with { $0.status = .retired },
                        today: CalendarDate(year: 2028, month: 1, day: 1)),
        ])

    public func findings(in context: RuleContext) -> [Finding] {
        let due = context.manifest.reviewDue
        guard context.manifest.status != .retired else { return [] }
        let days = due.daysSince(context.today)
        if days < 0 {
            return [finding(.error, "The review date \(due) passed \(-days) days ago (checked on \(context.today)); ask the board to review the product and set a new 'review_due' date.",
                            in: context, file: "product.yaml", keyPath: "review_due", numbers: ["days_overdue": Double(-days)])]
        }
        if days < Self.noticeDays {
            return [finding(.warning, "The review date \(due) is \(days) days away; ask the board to schedule the review before then.",
                            in: context, file: "product.yaml", keyPath: "review_due", numbers: ["days_left": Double(days)])]
        }
        return []
    }
}

extension CalendarDate {
    /// Days from `other` to this date (negative when this date is earlier).
    func daysSince(_ other: CalendarDate) -> Int { dayNumber - other.dayNumber }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar.
    var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthIndex = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
