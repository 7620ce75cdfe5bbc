import RegistrySupport

/// Walks a composed YAML tree into manifest values, collecting a problem for everything that does
/// not fit instead of stopping at the first.
///
/// Each `read…` function returns `nil` only after recording why, so the caller can simply skip.
final class ManifestReader {
    let file: String
    private(set) var problems: [ManifestProblem] = []
    /// The line each key path's value starts on.
    private(set) var lines: [String: Int] = [:]

    init(file: String) { self.file = file }

    func report(_ path: String, _ node: ManifestNode?, _ reason: String, fix: String) {
        report(path, line: node?.line, reason, fix: fix)
    }

    func report(_ path: String, line: Int?, _ reason: String, fix: String) {
        problems.append(ManifestProblem(SourceLocation(file: file, line: line, keyPath: path.isEmpty ? nil : path),
                                        reason, fix: fix))
    }

    // MARK: Structure

    /// Rejects what no manifest needs and what could make reading it expensive: anchors and aliases,
    /// explicit tags, non-text keys and deep nesting. Stops descending where it reports.
    func checkStructure(_ node: ManifestNode, depth: Int, path: String) {
        if let anchor = node.anchor {
            report(path, node, "the YAML anchor '&\(anchor)' (and any alias '*\(anchor)' to it) is not allowed in a manifest",
                   fix: "write the value out in full everywhere it is used")
            return
        }
        if let tag = node.explicitTag {
            report(path, node, "the YAML tag '\(tag)' is not allowed in a manifest", fix: "remove the tag and write the plain value")
            return
        }
        switch node.content {
        case .scalar, .alias:
            return
        case .mapping, .sequence:
            guard depth <= ManifestDecoder.maximumDepth else {
                report(path, node, "the value is nested more than \(ManifestDecoder.maximumDepth) levels deep",
                       fix: "flatten it, since no manifest key needs that much nesting")
                return
            }
        }
        if case .mapping(let mapping) = node.content {
            for pair in mapping {
                let key = pair.key, value = pair.value
                // Keys' tags are not checked: Yams resolves them in place while looking for duplicates.
                guard let name = key.text, key.anchor == nil else {
                    report(path, key, "a key is not plain text", fix: "write every key as a plain word such as 'name'")
                    continue
                }
                checkStructure(value, depth: depth + 1, path: KeyPath.child(path, name))
            }
        } else if case .sequence(let sequence) = node.content {
            for (index, element) in sequence.enumerated() {
                checkStructure(element, depth: depth + 1, path: KeyPath.element(path, index))
            }
        }
    }

    // MARK: Mappings

    /// The values of a mapping by key, after reporting unknown and missing keys.
    struct Fields {
        let path: String
        let node: ManifestNode
        let values: [String: ManifestNode]
        subscript(key: String) -> ManifestNode? { values[key] }
        func path(_ key: String) -> String { KeyPath.child(path, key) }
    }

    func mapping(_ node: ManifestNode, at path: String, shape: ManifestShape) -> Fields? {
        record(path, node)
        let shapeKeys = ManifestShapeKeys.of(shape)
        guard case .mapping(let mapping) = node.content else {
            report(path, node, "expected a mapping of keys (\(shapeKeys.required.joined(separator: ", "))) but found \(describe(node))",
                   fix: path.isEmpty ? "write one 'key: value' per line at the top level"
                       : "write one 'key: value' per line, indented under '\(path)'")
            return nil
        }
        var values: [String: ManifestNode] = [:]
        var suggested: Set<String> = []
        for pair in mapping {
            let key = pair.key, value = pair.value
            guard let name = key.text else { continue }
            guard shapeKeys.allowed.contains(name) else {
                let keyPath = KeyPath.child(path, name)
                if let nearest = Self.nearest(to: name, in: shapeKeys.keys) {
                    suggested.insert(nearest)
                    report(keyPath, key, "unknown key '\(name)'", fix: "rename it to '\(nearest)' or remove it")
                } else {
                    report(keyPath, key, "unknown key '\(name)'",
                           fix: "remove it (the keys allowed here are \(shapeKeys.keys.joined(separator: ", ")))")
                }
                continue
            }
            values[name] = value
        }
        // A missing key that a misspelt one was suggested to become needs no second message.
        for key in shapeKeys.required where values[key] == nil && !suggested.contains(key) {
            report(KeyPath.child(path, key), node, "the required key '\(key)' is missing",
                   fix: "add '\(key):' to \(path.isEmpty ? "the top level" : "'\(path)'")")
        }
        return Fields(path: path, node: node, values: values)
    }

    /// The known key closest in spelling to an unknown one, when it is close enough to be a typo.
    static func nearest(to word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(word, $0)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        return best.1 <= max(2, word.count / 3) ? best.0 : nil
    }

    private static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let a = Array(lhs), b = Array(rhs)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// A mapping of language tags (or other free keys) to values read by `element`.
    func dictionary<T>(_ node: ManifestNode, at path: String, _ element: (ManifestNode, String) -> T?) -> [String: T]? {
        record(path, node)
        guard case .mapping(let mapping) = node.content else {
            report(path, node, "expected a mapping but found \(describe(node))", fix: "write one 'key: value' per line under '\(path)'")
            return nil
        }
        var result: [String: T] = [:]
        var complete = true
        for pair in mapping {
            let key = pair.key, value = pair.value
            guard let name = key.text else { continue }
            if let item = element(value, KeyPath.child(path, name)) { result[name] = item } else { complete = false }
        }
        return complete ? result : nil
    }

    // MARK: Lists

    func list<T>(_ node: ManifestNode, at path: String, _ element: (ManifestNode, String) -> T?) -> [T]? {
        record(path, node)
        guard case .sequence(let sequence) = node.content else {
            report(path, node, "expected a list but found \(describe(node))",
                   fix: "write each item on its own line starting with '- ', or '[]' for none")
            return nil
        }
        var result: [T] = []
        var complete = true
        for (index, item) in sequence.enumerated() {
            if let value = element(item, KeyPath.element(path, index)) { result.append(value) } else { complete = false }
        }
        return complete ? result : nil
    }

    func stringList(_ node: ManifestNode, at path: String) -> [String]? {
        list(node, at: path) { string($0, at: $1) }
    }

    // MARK: Scalars

    /// Text; plain scalars YAML would read as a number, boolean or null must be quoted.
    ///
    /// No control character is accepted, even written as a YAML escape (`"\e"`, `"\u0000"`): a NUL
    /// truncates the text in the index, and others break the XML feed or drive terminals that show
    /// the value. `multiline` prose may hold line breaks and tabs; every other value is one line.
    func string(_ node: ManifestNode, at path: String, multiline: Bool = false) -> String? {
        guard let scalar = scalar(node, at: path, expecting: "text") else { return nil }
        if let control = scalar.string.unicodeScalars.first(where: { $0.isControlCharacter && !(multiline && ($0 == "\n" || $0 == "\t")) }) {
            report(path, node, "the value holds the control character \(control.codePointName)",
                   fix: multiline ? "delete it, since this text may hold line breaks and tabs but no other control character"
                       : "delete it, since this value is one line of printable text without tabs, line breaks or escapes such as \\e or \\u0000")
            return nil
        }
        if scalar.plain {
            if Self.isNull(scalar.string) {
                report(path, node, "the value is empty", fix: "write the text, or remove the key if it is optional")
                return nil
            }
            if Self.looksTyped(scalar.string) {
                report(path, node, "the value '\(scalar.string)' would be read as a number or boolean, not text",
                       fix: "put it in quotes: \"\(scalar.string)\"")
                return nil
            }
        }
        guard !scalar.string.allSatisfy(\.isWhitespace) else {
            report(path, node, "the value is empty", fix: "write the text, or remove the key if it is optional")
            return nil
        }
        return scalar.string
    }

    func bool(_ node: ManifestNode, at path: String) -> Bool? {
        guard let scalar = scalar(node, at: path, expecting: "true or false") else { return nil }
        if scalar.plain, scalar.string == "true" { return true }
        if scalar.plain, scalar.string == "false" { return false }
        let shown = scalar.plain ? scalar.string : "\"\(scalar.string)\""
        report(path, node, shown.isEmpty ? "the value is empty" : "the value '\(shown.shortenedForMessage)' is not a boolean",
               fix: "write true or false, lower-case and without quotes")
        return nil
    }

    func integer(_ node: ManifestNode, at path: String) -> Int? {
        guard let scalar = scalar(node, at: path, expecting: "a whole number") else { return nil }
        let digits = scalar.string.hasPrefix("-") ? scalar.string.dropFirst() : Substring(scalar.string)
        guard scalar.plain, !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let value = Int(scalar.string) else {
            report(path, node, "the value '\(scalar.string.shortenedForMessage)' is not a whole number", fix: "write digits only, without quotes, such as 60")
            return nil
        }
        return value
    }

    func date(_ node: ManifestNode, at path: String) -> CalendarDate? {
        guard let scalar = scalar(node, at: path, expecting: "a date") else { return nil }
        guard let date = CalendarDate(scalar.string) else {
            report(path, node, "the value '\(scalar.string.shortenedForMessage)' is not a calendar date", fix: "write it as YYYY-MM-DD, such as 2027-03-31")
            return nil
        }
        return date
    }

    func choice<E: RawRepresentable & CaseIterable>(_ node: ManifestNode, at path: String, _: E.Type) -> E? where E.RawValue == String {
        let allowed = E.allCases.map(\.rawValue)
        guard let scalar = scalar(node, at: path, expecting: "one of \(allowed.joined(separator: ", "))") else { return nil }
        guard let value = E(rawValue: scalar.string) else {
            report(path, node, "the value '\(scalar.string.shortenedForMessage)' is not allowed here",
                   fix: "use one of: \(allowed.joined(separator: ", "))")
            return nil
        }
        return value
    }

    private func scalar(_ node: ManifestNode, at path: String, expecting: String) -> (string: String, plain: Bool)? {
        record(path, node)
        guard case .scalar(let string, let plain) = node.content else {
            report(path, node, "expected \(expecting) but found \(describe(node))", fix: "write a single value after the key")
            return nil
        }
        return (string, plain)
    }

    private func record(_ path: String, _ node: ManifestNode) {
        if lines[path] == nil, let line = node.line { lines[path] = line }
    }

    private func describe(_ node: ManifestNode) -> String {
        switch node.content {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        case .scalar(let string, let plain):
            plain && Self.isNull(string) ? "an empty value" : "the value '\(string.shortenedForMessage)'"
        }
    }

    static func isNull(_ text: String) -> Bool {
        ["", "~", "null", "Null", "NULL"].contains(text)
    }

    /// Whether a plain scalar is one YAML 1.1 or 1.2 would read as a boolean or a number.
    static func looksTyped(_ text: String) -> Bool {
        // Every scalar of every manifest indexed passes here, prose included: anything longer than
        // the longest word above ("false") is typed only as a number, which starts (after a sign)
        // with a digit or a dot, so most text is settled by its first bytes.
        let bytes = text.utf8
        if bytes.count > 5 {
            let first = bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") ? bytes.dropFirst().first : bytes.first
            guard let first, first == UInt8(ascii: ".") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        }
        if ["true", "false", "yes", "no", "on", "off"].contains(text.lowercased()) { return true }
        if [".inf", "-.inf", "+.inf", ".nan"].contains(text.lowercased()) { return true }
        var body = Substring(text)
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        if body.hasPrefix("0x") || body.hasPrefix("0o") {
            return body.count > 2 && body.dropFirst(2).allSatisfy(\.isHexDigit)
        }
        let parts = body.lowercased().split(separator: "e", maxSplits: 1, omittingEmptySubsequences: false)
        let mantissa = parts[0]
        let dots = mantissa.filter { $0 == "." }.count
        let mantissaDigits = mantissa.filter { $0 != "." }
        guard dots <= 1, !mantissaDigits.isEmpty, mantissaDigits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        guard parts.count == 2 else { return true }
        var exponent = parts[1]
        if exponent.first == "-" || exponent.first == "+" { exponent = exponent.dropFirst() }
        return !exponent.isEmpty && exponent.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
