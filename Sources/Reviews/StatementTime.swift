import Foundation
import ProductModel

/// An instant written `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds), the only time form statements use.
public struct StatementTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z.
    public let secondsSinceEpoch: Int64

    /// The form's bytes, `d` for a digit: made once, since two times are parsed per statement verified.
    private static let shape = Array("dddd-dd-ddTdd:dd:ddZ".utf8)

    /// Parses the exact form `YYYY-MM-DDTHH:MM:SSZ`; returns `nil` for anything else or an impossible time.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 20 else { return nil }
        for (byte, expected) in zip(bytes, StatementTime.shape) {
            if expected == UInt8(ascii: "d") {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
            } else if byte != expected {
                return nil
            }
        }
        func number(_ range: Range<Int>) -> Int {
            bytes[range].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        let (year, month, day) = (number(0..<4), number(5..<7), number(8..<10))
        let (hour, minute, second) = (number(11..<13), number(14..<16), number(17..<19))
        guard (1...12).contains(month), (1...CalendarDate.days(inMonth: month, year: year)).contains(day),
              hour < 24, minute < 60, second < 60
        else { return nil }
        let days = CalendarDate(year: year, month: month, day: day).dayNumber
        secondsSinceEpoch = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// The instant of a `Date`, truncated to whole seconds.
    public init(_ date: Date) {
        secondsSinceEpoch = Int64(date.timeIntervalSince1970.rounded(.down))
    }

    /// The instant as a `Date`.
    public var date: Date { Date(timeIntervalSince1970: TimeInterval(secondsSinceEpoch)) }

    /// The canonical text.
    public var description: String {
        let days = secondsSinceEpoch >= 0 ? secondsSinceEpoch / 86_400 : (secondsSinceEpoch - 86_399) / 86_400
        let seconds = Int(secondsSinceEpoch - days * 86_400)
        let calendarDay = CalendarDate(dayNumber: Int(days))
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(calendarDay)T\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2))Z"
    }

    public static func < (lhs: StatementTime, rhs: StatementTime) -> Bool {
        lhs.secondsSinceEpoch < rhs.secondsSinceEpoch
    }

    /// This instant moved by whole seconds.
    public func adding(seconds: Int64) -> StatementTime {
        StatementTime(secondsSinceEpoch: secondsSinceEpoch + seconds)
    }

    private init(secondsSinceEpoch: Int64) {
        self.secondsSinceEpoch = secondsSinceEpoch
    }
}
