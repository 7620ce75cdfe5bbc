/// Decodes the successive versions of one product's manifest, reading again only the top-level
/// sections (`owner:`, `risks:`, … with everything indented under them) whose bytes changed since
/// the version decoded before.
///
/// An index rebuild decodes every version of every manifest, and a version usually changes one or
/// two sections of twenty-odd; parsing and reading the unchanged ones again was most of its work.
/// Each top-level key is read on its own (`ManifestReader.readPart`), so a section written byte
/// for byte as before reads as before. Whatever this path is unsure of (text outside the plain
/// YAML subset, an unknown, duplicate or missing key, any problem at all) goes to
/// `ManifestDecoder.decode` whole, so the outcome is always the one it gives
/// (`ManifestVersionDecoderTests` compares the two on generated and mutated histories).
public struct ManifestVersionDecoder {
    /// One top-level section: its bytes (from the key's line to the next top-level key), what was
    /// read from them, and whether they could hold an anchor, which calls for the whole text's
    /// alias-key check.
    private struct Section {
        let bytes: ArraySlice<UInt8>
        let part: ManifestPart
        let mayHoldAnchor: Bool
    }

    private let file: String
    private let folder: String?
    /// The sections of the version decoded last, by key; empty when it was decoded whole.
    private var previous: [String: Section] = [:]
    /// How many sections were reused instead of read again, so tests can tell the reuse happens.
    private(set) var reusedSections = 0

    private static let topLevelKeys = Set(ManifestParts.readingOrder)

    /// A decoder for the versions of the manifest at `file` (`Products/<id>/product.yaml`).
    public init(file: String) {
        self.file = file
        self.folder = ManifestDecoder.folderName(of: file)
    }

    /// A version decoded whole, with the line of every value, exactly as `ManifestDecoder.decodeDocument`
    /// decodes it; when the subset parser read it, its sections are what the next version reuses.
    public mutating func document(_ bytes: [UInt8]) -> Result<DecodedManifest, ManifestError> {
        previous = [:]
        let decoded: (decoded: DecodedManifest, parts: ManifestParts?)
        do {
            decoded = try ManifestDecoder.decodeDocumentAndParts(bytes, file: file, parsers: .subsetFirst)
        } catch {
            return .failure(error)
        }
        if let parts = decoded.parts, let (_, spans) = Self.sections(of: bytes) {
            var sections: [String: Section] = [:]
            for (key, span) in spans {
                guard let part = parts.values[key] else { return .success(decoded.decoded) }
                let slice = bytes[span]
                sections[key] = Section(bytes: slice, part: part,
                                        mayHoldAnchor: ManifestDecoder.mayHoldAnchor(String(decoding: slice, as: UTF8.self)))
            }
            previous = sections
        }
        return .success(decoded.decoded)
    }

    /// The manifest `bytes` hold when it decodes strictly, and nil exactly when
    /// `ManifestDecoder.decode` would throw.
    public mutating func manifest(_ bytes: [UInt8]) -> ProductManifest? {
        if let manifest = sectionwise(bytes) { return manifest }
        previous = [:]
        return try? ManifestDecoder.decode(bytes, file: file)
    }

    /// The manifest read section by section, or nil when that path is unsure.
    ///
    /// The checks `ManifestDecoder` makes on the whole text (UTF-8, no raw control character) hold
    /// for the text when they hold for each section, since sections split at line breaks; they run
    /// on the changed sections only. The alias-key check runs on the whole text, as there, when any
    /// section could hold an anchor.
    private mutating func sectionwise(_ bytes: [UInt8]) -> ProductManifest? {
        guard bytes.count <= ManifestDecoder.maximumFileSize, let (preamble, spans) = Self.sections(of: bytes),
              let preambleText = Self.checkedText(bytes[preamble]) else { return nil }
        var mayHoldAnchor = ManifestDecoder.mayHoldAnchor(preambleText)
        var sections: [String: Section] = [:]
        var parts = ManifestParts()
        for (key, span) in spans {
            let slice = bytes[span]
            let section: Section
            if let earlier = previous[key], earlier.bytes == slice {
                section = earlier
                reusedSections += 1
            } else {
                guard let text = Self.checkedText(slice), let part = read(key, text) else { return nil }
                section = Section(bytes: slice, part: part, mayHoldAnchor: ManifestDecoder.mayHoldAnchor(text))
            }
            sections[key] = section
            parts.values[key] = section.part
            mayHoldAnchor = mayHoldAnchor || section.mayHoldAnchor
        }
        if mayHoldAnchor, ManifestDecoder.aliasKeyLine(String(decoding: bytes, as: UTF8.self)) != nil { return nil }
        guard let manifest = parts.manifest else { return nil }
        previous = sections
        return manifest
    }

    /// A section's bytes as text, when they are UTF-8 without raw control characters.
    private static func checkedText(_ slice: ArraySlice<UInt8>) -> String? {
        guard let text = String(validating: slice, as: UTF8.self), ManifestDecoder.rawControlCharacter(in: text) == nil
        else { return nil }
        return text
    }

    /// One section read on its own, when it parses in the subset and reads without a problem.
    private func read(_ key: String, _ text: String) -> ManifestPart? {
        guard let root = ManifestYAMLSubset.parse(text),
              case .mapping(let pairs) = root.content, pairs.count == 1, pairs[0].key.text == key else { return nil }
        let reader = ManifestReader(file: file)
        reader.checkStructure(pairs[0].value, depth: 2, path: key)
        guard reader.problems.isEmpty, let part = reader.readPart(key, pairs[0].value, folder: folder),
              reader.problems.isEmpty else { return nil }
        return part
    }

    /// Where the lines before the first key end, and the byte ranges of the top-level sections by
    /// key; nil unless every line before the first
    /// key is blank or a comment, every top-level line is a known key written plainly (`key:` or
    /// `key: value`), no key appears twice and the text ends with a line break.
    private static func sections(of bytes: [UInt8]) -> (preamble: Range<Int>, sections: [(key: String, span: Range<Int>)])? {
        guard bytes.last == UInt8(ascii: "\n") else { return nil }
        var result: [(key: String, span: Range<Int>)] = []
        var seen: Set<String> = []
        var start = 0
        while start < bytes.count {
            var end = start
            while bytes[end] != UInt8(ascii: "\n") { end += 1 }
            switch bytes[start] {
            case UInt8(ascii: "\n"), UInt8(ascii: "#"):
                break
            case UInt8(ascii: " "), UInt8(ascii: "-"):
                // Indented lines and entries of a list written under its key belong to the section above;
                // before the first key only blank lines and comments may stand.
                if result.isEmpty {
                    let content = bytes[start..<end].firstIndex { $0 != UInt8(ascii: " ") } ?? end
                    guard content == end || bytes[content] == UInt8(ascii: "#") else { return nil }
                }
            default:
                guard let key = topLevelKey(bytes, from: start, end: end), seen.insert(key).inserted else { return nil }
                if let last = result.indices.last { result[last].span = result[last].span.lowerBound..<start }
                result.append((key, start..<bytes.count))
            }
            start = end + 1
        }
        return (0..<(result.first?.span.lowerBound ?? bytes.count), result)
    }

    /// The key a top-level line names, when it is a known manifest key followed by `:` and a space
    /// or the line's end.
    private static func topLevelKey(_ bytes: [UInt8], from start: Int, end: Int) -> String? {
        var cursor = start
        while cursor < end, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[cursor]) || bytes[cursor] == UInt8(ascii: "_") {
            cursor += 1
        }
        guard cursor > start, cursor < end, bytes[cursor] == UInt8(ascii: ":"),
              cursor + 1 == end || bytes[cursor + 1] == UInt8(ascii: " ") else { return nil }
        let key = String(decoding: bytes[start..<cursor], as: UTF8.self)
        return topLevelKeys.contains(key) ? key : nil
    }
}
