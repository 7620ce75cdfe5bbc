import Foundation
import ProductModel

/// The day a command speaks for (`--as-of`) and the moment its approvals are judged at.
///
/// Without `--as-of` (or with today's date) both are the clock's: today and now. With another day,
/// every time-dependent verdict (review dates passed, statements not yet issued or expired, the
/// keyring expired) is read at the last second of that day, UTC, and never at the clock, so a
/// catalog or status for a past or future day says what was, or will be, true on that day.
struct JudgementTime: Sendable {
    /// The day review dates are judged at and the catalog is dated.
    let day: CalendarDate
    /// The moment statement times and the keyring's expiry are judged at.
    let moment: Date

    /// Today and now.
    init() {
        let now = Date()
        self.init(day: CalendarDate(utcDayOf: now), moment: now)
    }

    private init(day: CalendarDate, moment: Date) {
        self.day = day
        self.moment = moment
    }

    /// The day given as `--as-of` (`YYYY-MM-DD`) and its last second, else today and now.
    init(asOf text: String?) throws {
        guard let text else {
            self.init()
            return
        }
        guard let date = CalendarDate(text) else {
            throw CoreError.invalidArgument("--as-of '\(text)' is not a date; write YYYY-MM-DD, for example --as-of 2026-12-03.")
        }
        let now = Date()
        // Today's verdicts are now's, so `--as-of` today and no `--as-of` give the same answer.
        self.init(day: date, moment: date == CalendarDate(utcDayOf: now) ? now
                  : Date(timeIntervalSince1970: TimeInterval((date.dayNumber + 1) * 86_400 - 1)))
    }
}
