extension ManifestDecoder {
    /// The top-level `version:` label of a manifest, read from its text without decoding the rest.
    ///
    /// For listing many historical versions quickly (`registry history`, the index); anything that
    /// acts on a manifest decodes it strictly instead. Returns nil when there is no such line.
    public static func versionLabel(in bytes: [UInt8]) -> String? {
        guard let text = String(validating: bytes.prefix(maximumFileSize), as: UTF8.self) else { return nil }
        // Lines are visited one at a time and the scan stops at the label, which sits near the top.
        var rest = Substring(text)
        while !rest.isEmpty {
            let end = rest.firstIndex(of: "\n") ?? rest.endIndex
            let line = rest[..<end]
            rest = end == rest.endIndex ? "" : rest[rest.index(after: end)...]
            guard line.hasPrefix("version:") else { continue }
            var value = line.dropFirst("version:".count)
            if let comment = value.range(of: " #") { value = value[..<comment.lowerBound] }
            value = value.drop(while: { $0 == " " || $0 == "\t" })
            while let last = value.last, last == " " || last == "\t" || last == "\r" { value = value.dropLast() }
            if value.count >= 2, let first = value.first, first == value.last, first == "\"" || first == "'" {
                value = value.dropFirst().dropLast()
            }
            return value.isEmpty ? nil : String(value)
        }
        return nil
    }
}
