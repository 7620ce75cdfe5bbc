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
        let reader = ManifestReader(file: file)
        let root = try parseSingleDocument(bytes, reader: reader)
        reader.checkStructure(root, depth: 1, path: "")
        if let error = ManifestError(problems: inFileOrder(reader.problems)) { throw error }
        let manifest = reader.readManifest(root, folder: folderName(of: file))
        if let error = ManifestError(problems: inFileOrder(reader.problems)) { throw error }
        guard let manifest else {
            throw ManifestError(ManifestProblem(SourceLocation(file: file), "the manifest could not be read for an unknown reason",
                                                fix: "report this as a bug in the registry"))
        }
        return DecodedManifest(manifest: manifest, file: file, lines: reader.lines)
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

    /// Checks the raw bytes and returns the one YAML document they hold.
    private static func parseSingleDocument(_ bytes: [UInt8], reader: ManifestReader) throws(ManifestError) -> Node {
        let file = reader.file
        func stop(_ line: Int?, _ reason: String, _ fix: String) -> ManifestError {
            ManifestError(ManifestProblem(SourceLocation(file: file, line: line), reason, fix: fix))
        }
        guard bytes.count <= maximumFileSize else {
            throw stop(nil, "the file is \(bytes.count) bytes, more than the \(maximumFileSize) bytes a manifest may have",
                       "move long text into the product's README and keep the manifest short")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let line = invalidUTF8Line(bytes)
            throw stop(line, "the file is not valid UTF-8", "save it as UTF-8 text")
        }
        do {
            var duplicates: [ManifestProblem] = []
            var source = text
            // Yams stops at the first duplicate key; mark it and parse again to find the next one.
            while true {
                do {
                    let parser = try Parser(yaml: source, encoding: .utf8)
                    guard let root = try parser.nextRoot() else {
                        throw stop(1, "the file holds no YAML document",
                                   "start from the manifest that `registry new` writes")
                    }
                    if let extra = try parser.nextRoot() {
                        throw stop(extra.mark?.line, "the file holds more than one YAML document",
                                   "keep one document and remove every '---' separator after the first")
                    }
                    if let error = ManifestError(problems: duplicates) { throw error }
                    // The parser must outlive the walk: Yams holds anchors weakly on the nodes.
                    reader.parser = parser
                    return root
                } catch let YamlError.duplicatedKeysInMapping(keys, context) {
                    guard duplicates.count < 20,
                          let (problem, marked) = duplicateKeyProblem(keys.first ?? "", at: context.mark, in: source, file: file)
                    else {
                        if let error = ManifestError(problems: duplicates) { throw error }
                        throw stop(context.mark.line, "the key '\(keys.first ?? "")' appears more than once in the same mapping",
                                   "keep one of them")
                    }
                    duplicates.append(problem)
                    source = marked
                }
            }
        } catch let error as ManifestError {
            throw error
        } catch let YamlError.scanner(context, problem, mark, _), let YamlError.parser(context, problem, mark, _),
                let YamlError.composer(context, problem, mark, _) {
            let detail = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            throw stop(mark.line, "the YAML is malformed (\(detail))",
                       "fix the indentation or quoting on that line or the one before it")
        } catch let YamlError.reader(problem, _, _, _) {
            throw stop(nil, "the file cannot be read as YAML (\(problem))", "remove control characters and save it as UTF-8 text")
        } catch {
            throw stop(nil, "the YAML could not be parsed (\(error))", "check the file with a YAML linter")
        }
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

    /// Names a duplicate key by its key path and second line, and returns the source with the first
    /// occurrence renamed so the next parse can get past it.
    ///
    /// Yams reports only the first occurrence's position, so the key is renamed there to a marker and
    /// the document parsed again; the marker's position in the tree gives the key path.
    private static func duplicateKeyProblem(_ key: String, at mark: Mark, in source: String,
                                            file: String) -> (ManifestProblem, String)? {
        let marker = "\u{E000}duplicate\u{E000}"
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
        let marked = lines.joined(separator: "\n")
        guard let parser = try? Parser(yaml: marked, encoding: .utf8), let root = try? parser.nextRoot(),
              let found = findMarkedKey(in: root, marker: marker + key, path: "") else { return nil }
        let keyPath = found.path.isEmpty ? key : "\(found.path).\(key)"
        let problem = ManifestProblem(SourceLocation(file: file, line: found.secondLine, keyPath: keyPath),
                                      "the key '\(key)' appears again (first on line \(mark.line))",
                                      fix: "keep one of the two and delete the other")
        return (problem, marked)
    }

    private static func findMarkedKey(in node: Node, marker: String, path: String) -> (path: String, secondLine: Int)? {
        switch node {
        case .mapping(let mapping):
            let original = String(marker.dropFirst("\u{E000}duplicate\u{E000}".count))
            if mapping.contains(where: { $0.key.scalar?.string == marker }),
               let second = mapping.first(where: { $0.key.scalar?.string == original }) {
                return (path, second.key.mark?.line ?? 0)
            }
            for (key, value) in mapping {
                if let found = findMarkedKey(in: value, marker: marker, path: KeyPath.child(path, key.scalar?.string ?? "?")) {
                    return found
                }
            }
        case .sequence(let sequence):
            for (index, element) in sequence.enumerated() {
                if let found = findMarkedKey(in: element, marker: marker, path: KeyPath.element(path, index)) { return found }
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
