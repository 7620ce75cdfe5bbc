import Foundation

/// A proportion with its counts and Wilson 95% interval; `undefined` when its denominator is empty.
///
/// An empty denominator (no positives in a group, say) is not a rate of zero: calling it 0 would
/// make a group look perfectly treated when nothing is known about it.
public struct Rate: Sendable, Hashable, Codable {
    /// How many rows have the property.
    public let numerator: Int
    /// How many rows it is a share of.
    public let denominator: Int

    /// A rate of `numerator` out of `denominator`.
    public init(_ numerator: Int, of denominator: Int) {
        self.numerator = numerator; self.denominator = denominator
    }

    /// The proportion, or `nil` (undefined) when the denominator is zero.
    public var value: Double? {
        denominator == 0 ? nil : Double(numerator) / Double(denominator)
    }

    /// The standard normal quantile for a two-sided 95% interval (scipy `norm.ppf(0.975)`).
    public static let z95 = 1.959963984540054

    /// The Wilson score interval at 95%, or `nil` when the denominator is zero.
    public var wilson95: ClosedRange<Double>? {
        guard denominator > 0 else { return nil }
        let n = Double(denominator)
        let p = Double(numerator) / n
        let z2 = Rate.z95 * Rate.z95
        let centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        let half = Rate.z95 / (1 + z2 / n) * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        return max(0, centre - half)...min(1, centre + half)
    }

    enum CodingKeys: String, CodingKey { case numerator, denominator, value, wilson95Lower = "wilson95_lower", wilson95Upper = "wilson95_upper" }

    /// Undefined values are written as JSON `null`, never left out and never 0.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(numerator, forKey: .numerator)
        try container.encode(denominator, forKey: .denominator)
        try container.encode(value, forKey: .value)
        try container.encode(wilson95?.lowerBound, forKey: .wilson95Lower)
        try container.encode(wilson95?.upperBound, forKey: .wilson95Upper)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        numerator = try container.decode(Int.self, forKey: .numerator)
        denominator = try container.decode(Int.self, forKey: .denominator)
    }
}

extension Optional where Wrapped == Double {
    /// The value as people read it: a number, or `undefined`.
    public var displayed: String {
        guard let self else { return "undefined" }
        let text = String(format: "%.3f", self)
        // A tiny negative difference rounds to "-0.000", which reads as a sign where there is none.
        return text == "-0.000" ? "0.000" : text
    }
}
