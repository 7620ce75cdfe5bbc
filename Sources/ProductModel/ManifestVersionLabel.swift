extension ManifestDecoder {
    /// The top-level `version:` label of a manifest, read from its bytes without decoding the rest.
    ///
    /// For listing many historical versions quickly (`registry history`, the index, the raised-label
    /// gate of `register`); anything that acts on a manifest decodes it strictly instead. Lines end
    /// at LF, with an optional CR before it, as the strict decoder reads them. Returns nil when there
    /// is no such line or the file is not UTF-8.
    public static func versionLabel(in bytes: [UInt8]) -> String? {
        let text = bytes.prefix(maximumFileSize)
        guard String(validating: text, as: UTF8.self) != nil else { return nil }
        let key = Array("version:".utf8)
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
        // Lines are visited one at a time and the scan stops at the label, which sits near the top.
        var start = text.startIndex
        while start < text.endIndex {
            let end = text[start...].firstIndex(of: UInt8(ascii: "\n")) ?? text.endIndex
            defer { start = end + 1 }
            guard text[start..<end].starts(with: key) else { continue }
            var value = text[(start + key.count)..<end]
            if let comment = value.indices.first(where: { value[$0] == UInt8(ascii: " ") && $0 + 1 < value.endIndex && value[$0 + 1] == UInt8(ascii: "#") }) {
                value = value[..<comment]
            }
            value = value.drop(while: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") })
            while let last = value.last, blank(last) { value = value.dropLast() }
            if value.count >= 2, let first = value.first, first == value.last, first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
                value = value.dropFirst().dropLast()
            }
            return value.isEmpty ? nil : String(decoding: value, as: UTF8.self)
        }
        return nil
    }
}
