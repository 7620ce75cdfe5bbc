import RegistrySupport
import Yams

/// A decoded manifest together with where each of its values was written, for later messages.
public struct DecodedManifest: Sendable, Hashable {
    /// The manifest's content.
    public let manifest: ProductManifest
    /// The manifest file, relative to the repository root (`Products/<id>/product.yaml`).
    public let file: String
    /// The line on which each key path's value starts (`outputs[0].columns[1].type` → 23).
    public let lines: [String: Int]

    /// Pairs a manifest with the file it came from; `lines` may be empty when it was not read from text.
    public init(manifest: ProductManifest, file: String, lines: [String: Int] = [:]) {
        self.manifest = manifest; self.file = file; self.lines = lines
    }

    /// A location for a key path, with the line of the nearest enclosing value that has one.
    public func location(_ keyPath: String) -> SourceLocation {
        var path = Substring(keyPath)
        while !path.isEmpty {
            if let line = lines[String(path)] { return SourceLocation(file: file, line: line, keyPath: keyPath) }
            guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            path = path[..<cut]
        }
        return SourceLocation(file: file, line: lines[""], keyPath: keyPath.isEmpty ? nil : keyPath)
    }
}

/// Strict decoding of `Products/<id>/product.yaml` into a `ProductManifest`.
///
/// Reads YAML node by node (never through `Codable`) so that every problem names its line and key
/// path, and rejects what YAML would otherwise quietly accept: unknown or duplicate keys, `yes`/`on`
/// booleans, numbers where text belongs, anchors and aliases, tags, several documents. Every problem
/// found is reported at once; structural failures (not UTF-8, too large, a YAML syntax error) stop
/// early because nothing after them can be trusted.
public enum ManifestDecoder {
    /// The largest manifest accepted, in bytes; real manifests are a few KiB.
    public static let maximumFileSize = 256 * 1024
    /// The deepest nesting of lists and mappings accepted; the manifest itself needs five.
    public static let maximumDepth = 8

    /// Decodes a manifest, throwing every problem found.
    ///
    /// - Parameters:
    ///   - bytes: the file's content.
    ///   - file: the path shown in messages, relative to the repository root; when it ends in
    ///     `<folder>/product.yaml` the manifest's `id` must equal `<folder>`.
    public static func decode(_ bytes: [UInt8], file: String) throws(ManifestError) -> ProductManifest {
        try decodeDocument(bytes, file: file).manifest
    }

    /// Decodes a manifest and keeps the line of every value, for validation messages.
    public static func decodeDocument(_ bytes: [UInt8], file: String) throws(ManifestError) -> DecodedManifest {
        try decodeDocument(bytes, file: file, parsers: .subsetFirst)
    }

    /// Which YAML parsers decoding may use.
    enum Parsers {
        /// The subset parser, then Yams for anything outside the subset and for any manifest that
        /// has a problem, so that every message comes from the tree Yams composes.
        case subsetFirst
        /// Yams alone (the subset parser's differential tests compare the two).
        case yamsOnly
    }

    static func decodeDocument(_ bytes: [UInt8], file: String, parsers: Parsers) throws(ManifestError) -> DecodedManifest {
        try decodeDocumentAndParts(bytes, file: file, parsers: parsers).decoded
    }

    /// Decodes a manifest, and when the subset parser read it, also gives each top-level key's value
    /// (which `ManifestVersionDecoder` reuses for the next version).
    static func decodeDocumentAndParts(_ bytes: [UInt8], file: String, parsers: Parsers)
        throws(ManifestError) -> (decoded: DecodedManifest, parts: ManifestParts?) {
        let text = try checkedText(bytes, file: file)
        if parsers == .subsetFirst, let root = ManifestYAMLSubset.parse(text),
           let read = try? read(root, file: file) {
            return (read.decoded, read.parts)
        }
        return (try read(parseSingleDocument(text, file: file), file: file).decoded, nil)
    }

    /// Reads a manifest out of a YAML tree, throwing every problem found.
    private static func read(_ root: ManifestNode, file: String) throws(ManifestError) -> (decoded: DecodedManifest, parts: ManifestParts) {
        let reader = ManifestReader(file: file)
        reader.checkStructure(root, depth: 1, path: "")
        if let error = ManifestError(problems: inFileOrder(reader.problems)) { throw error }
        let parts = reader.readManifestParts(root, folder: folderName(of: file))
        let manifest = parts?.manifest
        if let error = ManifestError(problems: inFileOrder(reader.problems)) { throw error }
        guard let parts, let manifest else {
            throw ManifestError(ManifestProblem(SourceLocation(file: file), "the manifest could not be read for an unknown reason",
                                                fix: "report this as a bug in the registry"))
        }
        return (DecodedManifest(manifest: manifest, file: file, lines: reader.lines), parts)
    }

    /// Problems sorted by line, keeping the reading order among problems on the same line.
    private static func inFileOrder(_ problems: [ManifestProblem]) -> [ManifestProblem] {
        problems.enumerated().sorted { lhs, rhs in
            (lhs.element.location.line ?? 0, lhs.offset) < (rhs.element.location.line ?? 0, rhs.offset)
        }.map(\.element)
    }

    /// The folder a `…/<folder>/product.yaml` path names, which the manifest's `id` must equal.
    static func folderName(of file: String) -> String? {
        let parts = file.split(separator: "/")
        guard parts.count >= 2, parts.last == "product.yaml" else { return nil }
        return String(parts[parts.count - 2])
    }

    private static func stop(_ file: String, _ line: Int?, _ reason: String, _ fix: String) -> ManifestError {
        ManifestError(ManifestProblem(SourceLocation(file: file, line: line), reason, fix: fix))
    }

    /// The raw bytes as text, once they are known to be a manifest-sized UTF-8 file without raw
    /// control characters or alias keys, which neither parser should see.
    private static func checkedText(_ bytes: [UInt8], file: String) throws(ManifestError) -> String {
        func stop(_ line: Int?, _ reason: String, _ fix: String) -> ManifestError { Self.stop(file, line, reason, fix) }
        guard bytes.count <= maximumFileSize else {
            throw stop(nil, "the file is \(bytes.count) bytes, more than the \(maximumFileSize) bytes a manifest may have",
                       "move long text into the product's README and keep the manifest short")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let line = invalidUTF8Line(bytes)
            throw stop(line, "the file is not valid UTF-8", "save it as UTF-8 text")
        }
        if let (line, control) = rawControlCharacter(in: text) {
            throw stop(line, "the file holds the control character \(control.codePointName)",
                       "delete it, since a manifest is printable text with tabs and line breaks only")
        }
        if let line = aliasKeyLine(text) {
            throw stop(line, "a YAML alias or complex value is used as a mapping key, which can expand without bound",
                       "anchors, aliases and complex keys are not allowed in a manifest; write every key as a plain word")
        }
        return text
    }

    /// The one YAML document the text holds, as Yams composes it.
    static func parseSingleDocument(_ text: String, file: String) throws(ManifestError) -> ManifestNode {
        func stop(_ line: Int?, _ reason: String, _ fix: String) -> ManifestError { Self.stop(file, line, reason, fix) }
        do {
            var duplicates: [DuplicateKey] = []
            var source = text
            // Yams stops at the first duplicate key: rename it to a marker and parse again until the
            // document parses; each marker's place in the final tree then gives the key path.
            while true {
                do {
                    // No implicit typing: the reader types each value itself, and Yams' default
                    // resolver runs regular expressions on every key while checking for duplicates.
                    let parser = try Parser(yaml: source, resolver: .basic, encoding: .utf8)
                    guard let root = try parser.nextRoot() else {
                        throw stop(1, "the file holds no YAML document",
                                   "start from the manifest that `registry new` writes")
                    }
                    if let extra = try parser.nextRoot() {
                        throw stop(extra.mark?.line, "the file holds more than one YAML document",
                                   "keep one document and remove every '---' separator after the first")
                    }
                    if let error = ManifestError(problems: inFileOrder(duplicates.map { $0.problem(in: root, file: file) })) {
                        throw error
                    }
                    // Converted while the parser lives: Yams holds anchors weakly on the nodes.
                    return ManifestNode(root)
                } catch let YamlError.duplicatedKeysInMapping(keys, context) {
                    let key = keys.first ?? ""
                    let marker = "\u{E000}\(duplicates.count)\u{E000}"
                    guard duplicates.count < 20, let marked = insert(marker, at: context.mark, in: source) else {
                        throw stop(context.mark.line, "the key '\(key)' appears more than once in the same mapping",
                                   "keep one of them")
                    }
                    duplicates.append(DuplicateKey(key: key, renamed: marker + key, firstLine: context.mark.line))
                    source = marked
                }
            }
        } catch let error as ManifestError {
            throw error
        } catch let YamlError.scanner(context, problem, mark, _), let YamlError.parser(context, problem, mark, _),
                let YamlError.composer(context, problem, mark, _) {
            if problem.contains("Maximum nesting level") {
                throw stop(mark.line, "the value is nested far more than \(maximumDepth) levels deep",
                           "flatten it, since no manifest key needs that much nesting")
            }
            let detail = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            throw stop(mark.line, "the YAML is malformed (\(detail))",
                       "fix the indentation or quoting on that line or the one before it")
        } catch let YamlError.reader(problem, _, _, _) {
            throw stop(nil, "the file cannot be read as YAML (\(problem))", "remove control characters and save it as UTF-8 text")
        } catch {
            throw stop(nil, "the YAML could not be parsed (\(error))", "check the file with a YAML linter")
        }
    }

    /// The line of a key that looks like an alias or a complex key, when the text also defines an anchor.
    ///
    /// Yams hashes every mapping key while composing, before the tree can be checked for anchors, so
    /// an alias bomb used as a key would cost exponential time. Values are safe (aliases share nodes),
    /// so this lexical guard only looks at key positions, and only when an anchor could exist at all.
    static func aliasKeyLine(_ text: String) -> Int? {
        guard mayHoldAnchor(text) else { return nil }
        let aliasKey = /(^|[\s\[{,?])\*[A-Za-z0-9_-]+\s*:(\s|$)/
        let explicitKey = /^\s*(-\s+)*\?(\s|$)/
        let aliasInCollectionKey = /(^|[\s\[{,])\*[A-Za-z0-9_-].*[\]}]\s*:(\s|$)/
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.contains(aliasKey) || line.contains(explicitKey) || line.contains(aliasInCollectionKey) { return index + 1 }
        }
        return nil
    }

    /// Whether an anchor (`&name` at the start of a line or after white space, `[`, `{` or `,`) could
    /// appear: a byte scan, since almost no manifest has one and this runs for every version indexed.
    static func mayHoldAnchor(_ text: String) -> Bool {
        var previous: UInt8 = UInt8(ascii: "\n")
        var afterAmpersand = false
        for byte in text.utf8 {
            if afterAmpersand {
                let isName = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
                if isName { return true }
                afterAmpersand = false
            }
            if byte == UInt8(ascii: "&") {
                switch previous {
                case UInt8(ascii: "\n"), UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"),
                     UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: ","):
                    afterAmpersand = true
                default:
                    break
                }
            }
            previous = byte
        }
        return false
    }

    /// The line and scalar of the first control character other than a tab or line break written
    /// as is, which the YAML parser would refuse without saying where.
    ///
    /// A byte scan, since this runs for every manifest version indexed: C0 and DEL are single bytes,
    /// and C1 characters are 0xC2 followed by 0x80–0x9F.
    static func rawControlCharacter(in text: String) -> (line: Int, scalar: Unicode.Scalar)? {
        var line = 1
        var previous: UInt8 = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\n"): line += 1
            case UInt8(ascii: "\t"), UInt8(ascii: "\r"): break
            case 0x00..<0x20, 0x7F: return (line, Unicode.Scalar(byte))
            case 0x80...0x9F where previous == 0xC2: return (line, Unicode.Scalar(byte))
            default: break
            }
            previous = byte
        }
        return nil
    }

    /// The line of the first byte that breaks UTF-8.
    private static func invalidUTF8Line(_ bytes: [UInt8]) -> Int {
        var line = 1
        var start = 0
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            if String(validating: bytes[start..<index], as: UTF8.self) == nil { return line }
            line += 1
            start = index + 1
        }
        return line
    }

    /// The source with `marker` inserted where a key starts (inside its quotes, if quoted).
    private static func insert(_ marker: String, at mark: Mark, in source: String) -> String? {
        var lines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard mark.line >= 1, mark.line <= lines.count else { return nil }
        var scalars = Array(lines[mark.line - 1].unicodeScalars)
        var column = mark.column - 1
        guard column >= 0, column < scalars.count else { return nil }
        if scalars[column] == "\"" || scalars[column] == "'" { column += 1 }
        scalars.insert(contentsOf: marker.unicodeScalars, at: column)
        var line = String.UnicodeScalarView()
        line.append(contentsOf: scalars)
        lines[mark.line - 1] = String(line)
        return lines.joined(separator: "\n")
    }
}

/// A key found twice in one mapping, whose first occurrence was renamed so parsing could go on.
private struct DuplicateKey {
    let key: String
    let renamed: String
    let firstLine: Int

    /// The problem, at the next occurrence of the key after the renamed one.
    func problem(in root: Node, file: String) -> ManifestProblem {
        let found = locate(in: root, path: "")
        return ManifestProblem(SourceLocation(file: file, line: found?.line ?? firstLine, keyPath: found?.path),
                               "the key '\(key)' appears again (first on line \(firstLine))",
                               fix: "keep one of the two and delete the other")
    }

    private func locate(in node: Node, path: String) -> (path: String, line: Int)? {
        switch node {
        case .mapping(let mapping):
            let keys = mapping.map { $0.key.scalar?.string ?? "" }
            if let index = keys.firstIndex(of: renamed),
               let next = keys[(index + 1)...].firstIndex(where: { $0 == key || ($0.hasPrefix("\u{E000}") && $0.hasSuffix("\u{E000}" + key)) }),
               let line = mapping[mapping.index(mapping.startIndex, offsetBy: next)].key.mark?.line {
                return (KeyPath.child(path, key), line)
            }
            for (name, (_, value)) in zip(keys, mapping) {
                if let found = locate(in: value, path: KeyPath.child(path, name)) { return found }
            }
        case .sequence(let sequence):
            for (index, element) in sequence.enumerated() {
                if let found = locate(in: element, path: KeyPath.element(path, index)) { return found }
            }
        case .scalar, .alias:
            break
        }
        return nil
    }
}

/// Builds the `a.b[2].c` key paths used in messages.
enum KeyPath {
    static func child(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    static func element(_ path: String, _ index: Int) -> String { "\(path)[\(index)]" }
}
