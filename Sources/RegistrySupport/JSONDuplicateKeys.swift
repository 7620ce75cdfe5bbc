import Foundation

/// Finds repeated keys in a JSON object, which JSON decoders silently collapse: Foundation keeps
/// one of them and other readers may keep the other, so a document could mean two things.
public enum JSONDuplicateKeys {
    /// The first key of the top-level object that appears twice, read from syntactically valid JSON.
    ///
    /// Keys are compared as written, decoding only those with escapes, so a long JSON lines output
    /// costs one pass over its bytes.
    public static func first(in data: Data) -> String? {
        data.withUnsafeBytes { buffer in first(in: buffer.bindMemory(to: UInt8.self)) }
    }

    private static func first(in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var seen = Set<String>()
        var depth = 0
        var index = 0
        var expectingKey = false
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "{"):
                depth += 1
                expectingKey = depth == 1
            case UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
            case UInt8(ascii: ","):
                expectingKey = depth == 1
            case UInt8(ascii: "\""):
                var end = index + 1
                var escaped = false
                while end < bytes.count, bytes[end] != UInt8(ascii: "\"") {
                    if bytes[end] == UInt8(ascii: "\\") { escaped = true; end += 2 } else { end += 1 }
                }
                if expectingKey, end < bytes.count {
                    let raw = UnsafeBufferPointer(rebasing: bytes[index...end])
                    let key = escaped
                        ? (try? JSONSerialization.jsonObject(with: Data(raw), options: [.fragmentsAllowed])) as? String
                        : String(decoding: raw.dropFirst().dropLast(), as: UTF8.self)
                    if let key, !seen.insert(key).inserted { return key }
                }
                expectingKey = false
                index = end
            default:
                break
            }
            index += 1
        }
        return nil
    }
}
