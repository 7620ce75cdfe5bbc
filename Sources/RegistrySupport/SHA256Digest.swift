import Crypto
import Foundation

/// Lowercase hexadecimal SHA-256 digests, the form used in statements, run records and commitments.
public enum SHA256Hex {
    /// The digest of a byte buffer.
    public static func of(_ data: some DataProtocol) -> String {
        SHA256.hash(data: data).hexString
    }

    /// The digest of a UTF-8 string.
    public static func of(_ text: String) -> String {
        of(Data(text.utf8))
    }

    /// The digest of a file, read in chunks so large files do not fill memory.
    public static func ofFile(at url: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
        }
        return hasher.finalize().hexString
    }
}

extension Sequence where Element == UInt8 {
    /// Lowercase hexadecimal text of the bytes.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
