/// Reads the SSH wire encoding (RFC 4251 `uint32` and length-prefixed `string`) without copying.
struct SSHWireReader {
    private let bytes: [UInt8]
    private var offset: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
    }

    /// True once every byte has been consumed; callers use it to refuse trailing data.
    var isAtEnd: Bool { offset == bytes.count }

    mutating func readBytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, bytes.count - offset >= count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func readUInt32() -> UInt32? {
        guard let raw = readBytes(4) else { return nil }
        return raw.reduce(0) { ($0 << 8) | UInt32($1) }
    }

    mutating func readString() -> [UInt8]? {
        guard let length = readUInt32(), length <= UInt32(Int32.max) else { return nil }
        return readBytes(Int(length))
    }

    /// A string that must be printable ASCII, as SSH names (key types, namespaces, algorithms) are.
    mutating func readName() -> String? {
        guard let raw = readString(), raw.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else { return nil }
        return String(decoding: raw, as: UTF8.self)
    }
}

/// Writes the SSH wire encoding.
enum SSHWire {
    static func uint32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24 & 0xff), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    static func string(_ bytes: some Collection<UInt8>) -> [UInt8] {
        uint32(UInt32(bytes.count)) + Array(bytes)
    }

    static func string(_ text: String) -> [UInt8] {
        string(Array(text.utf8))
    }
}

/// Base64 with the standard alphabet and padding, decoded strictly so one text means one blob.
enum StrictBase64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let values: [UInt8: UInt8] = Dictionary(
        uniqueKeysWithValues: alphabet.enumerated().map { ($0.element, UInt8($0.offset)) })

    static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            let b0 = chunk[chunk.startIndex]
            let b1 = chunk.count > 1 ? chunk[chunk.startIndex + 1] : 0
            let b2 = chunk.count > 2 ? chunk[chunk.startIndex + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(chunk.count > 1 ? alphabet[Int((b1 & 0x0f) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(chunk.count > 2 ? alphabet[Int(b2 & 0x3f)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes padded base64, refusing stray characters, misplaced padding and non-zero spare bits.
    static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        let input = Array(text)
        guard !input.isEmpty, input.count % 4 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(input.count / 4 * 3)
        for start in stride(from: 0, to: input.count, by: 4) {
            let quad = input[start..<start + 4]
            let isLast = start + 4 == input.count
            let padding = quad.reversed().prefix(while: { $0 == UInt8(ascii: "=") }).count
            guard padding <= 2, padding == 0 || isLast else { return nil }
            var sextets = [UInt8]()
            for byte in quad.dropLast(padding) {
                guard let value = values[byte] else { return nil }
                sextets.append(value)
            }
            out.append(sextets[0] << 2 | sextets[1] >> 4)
            switch padding {
            case 0:
                out.append(sextets[1] << 4 | sextets[2] >> 2)
                out.append(sextets[2] << 6 | sextets[3])
            case 1:
                guard sextets[2] & 0x03 == 0 else { return nil }
                out.append(sextets[1] << 4 | sextets[2] >> 2)
            default:
                guard sextets[1] & 0x0f == 0 else { return nil }
            }
        }
        return out
    }
}
