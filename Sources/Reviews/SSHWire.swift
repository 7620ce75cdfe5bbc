/// Reads the SSH wire encoding (RFC 4251 `uint32` and length-prefixed `string`) without copying.
struct SSHWireReader {
    private let bytes: ArraySlice<UInt8>
    private var offset: Int

    /// Reads `bytes`, which may be a slice of a larger blob (nested SSH strings are read in place).
    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.offset = bytes.startIndex
    }

    init(_ bytes: [UInt8]) {
        self.init(bytes[...])
    }

    /// True once every byte has been consumed; callers use it to refuse trailing data.
    var isAtEnd: Bool { offset == bytes.endIndex }

    /// The next `count` bytes in place; the other readers build on it so that only the values a
    /// caller keeps are copied (every verified signature is read this way).
    mutating func readSlice(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, bytes.endIndex - offset >= count else { return nil }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    mutating func readBytes(_ count: Int) -> [UInt8]? {
        readSlice(count).map(Array.init)
    }

    mutating func readUInt32() -> UInt32? {
        readSlice(4)?.reduce(0) { ($0 << 8) | UInt32($1) }
    }

    /// A length-prefixed string, in place.
    mutating func readStringSlice() -> ArraySlice<UInt8>? {
        guard let length = readUInt32(), length <= UInt32(Int32.max) else { return nil }
        return readSlice(Int(length))
    }

    mutating func readString() -> [UInt8]? {
        readStringSlice().map(Array.init)
    }

    /// A string that must be printable ASCII, as SSH names (key types, namespaces, algorithms) are.
    mutating func readName() -> String? {
        guard let raw = readStringSlice(), raw.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else { return nil }
        return String(decoding: raw, as: UTF8.self)
    }
}

/// Writes the SSH wire encoding.
enum SSHWire {
    static func uint32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24 & 0xff), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    static func string(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var data: [UInt8] = []
        appendString(bytes, to: &data)
        return data
    }

    /// Appends a length-prefixed string in place, so a caller can build a message in one buffer.
    static func appendString(_ bytes: some Collection<UInt8>, to data: inout [UInt8]) {
        let count = UInt32(bytes.count)
        for shift in stride(from: 24, through: 0, by: -8) { data.append(UInt8(truncatingIfNeeded: count >> UInt32(shift))) }
        data.append(contentsOf: bytes)
    }

    static func string(_ text: String) -> [UInt8] {
        string(Array(text.utf8))
    }
}

/// Base64 with the standard alphabet and padding, decoded strictly so one text means one blob.
enum StrictBase64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

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

    /// Each byte's six-bit value, or 0xFF for a byte outside the alphabet (`=` included): one
    /// array look-up per character, since decoding is on the path of every signature verified.
    private static let sextetValues: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }()

    /// Decodes padded base64, refusing stray characters, misplaced padding and non-zero spare bits.
    static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        if let decoded = text.withContiguousStorageIfAvailable({ decode(buffer: $0) }) { return decoded }
        return Array(text).withUnsafeBufferPointer { decode(buffer: $0) }
    }

    /// Decodes in one pass into a buffer of the exact size, without per-character allocation.
    private static func decode(buffer input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let count = input.count
        guard count > 0, count % 4 == 0 else { return nil }
        let pad = UInt8(ascii: "=")
        // Only the last quad may end in one or two `=`; any other `=` fails the alphabet look-up.
        let padding = input[count - 1] != pad ? 0 : input[count - 2] != pad ? 1 : 2
        let decodedCount = count / 4 * 3 - padding
        return sextetValues.withUnsafeBufferPointer { values -> [UInt8]? in
            var valid = true
            let decoded = [UInt8](unsafeUninitializedCapacity: decodedCount) { out, initialized in
                var read = 0
                var written = 0
                let unpadded = padding == 0 ? count : count - 4
                while read < unpadded {
                    let a = values[Int(input[read])], b = values[Int(input[read + 1])]
                    let c = values[Int(input[read + 2])], d = values[Int(input[read + 3])]
                    guard (a | b | c | d) & 0xC0 == 0 else { valid = false; break }
                    out[written] = a << 2 | b >> 4
                    out[written + 1] = b << 4 | c >> 2
                    out[written + 2] = c << 6 | d
                    read += 4
                    written += 3
                }
                if valid && padding > 0 {
                    let a = values[Int(input[read])], b = values[Int(input[read + 1])]
                    let c = padding == 1 ? values[Int(input[read + 2])] : 0
                    // The spare bits before the padding must be zero, so one blob has one text.
                    let spareBits = padding == 1 ? c & 0x03 : b & 0x0f
                    if (a | b | c) & 0xC0 != 0 || spareBits != 0 {
                        valid = false
                    } else {
                        out[written] = a << 2 | b >> 4
                        if padding == 1 { out[written + 1] = b << 4 | c >> 2 }
                    }
                }
                initialized = valid ? decodedCount : 0
            }
            return valid ? decoded : nil
        }
    }
}
