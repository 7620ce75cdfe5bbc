/// A product's identifier: the name of its folder under `Products/`.
///
/// `[a-z0-9][a-z0-9-]{1,62}`; `board` is reserved for the board's own folder under `Reviews/`.
public struct ProductID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The identifier text.
    public let rawValue: String

    /// Ids that name something other than a product.
    public static let reserved: Set<String> = ["board"]

    /// Validates `rawValue`; returns `nil` when it is not a well-formed, unreserved id.
    public init?(_ rawValue: String) {
        guard ProductID.isWellFormed(rawValue), !ProductID.reserved.contains(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// Whether text has the shape of an id (ignoring reservation).
    public static func isWellFormed(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (2...63).contains(bytes.count) else { return false }
        func allowed(_ byte: UInt8, first: Bool) -> Bool {
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || (!first && byte == UInt8(ascii: "-"))
        }
        return bytes.enumerated().allSatisfy { allowed($0.element, first: $0.offset == 0) }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = ProductID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "'\(text)' is not a valid product id"))
        }
        self = id
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }
    public static func < (lhs: ProductID, rhs: ProductID) -> Bool { lhs.rawValue < rhs.rawValue }
}
