import Foundation

/// JSON with sorted keys and no escaped slashes, so equal values give equal bytes.
///
/// Everything the registry writes for machines (`--json`, run records, catalog data, hashes over
/// records) goes through here, which is what makes outputs byte-stable.
public enum CanonicalJSON {
    /// Encodes a value as canonical JSON bytes, optionally pretty-printed for people.
    public static func encode<Value: Encodable>(_ value: Value, pretty: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty
            ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
            : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(value)
    }

    /// Encodes a value as a canonical JSON string.
    public static func string<Value: Encodable>(_ value: Value, pretty: Bool = false) throws -> String {
        String(decoding: try encode(value, pretty: pretty), as: UTF8.self)
    }
}
