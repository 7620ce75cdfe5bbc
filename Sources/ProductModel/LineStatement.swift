import RegistrySupport

/// The strict line-based text format shared by review, keyring and policy statements.
///
/// UTF-8, LF line endings only, a final newline, one `key: value` per line, keys in a fixed order,
/// each key once unless the schema says it repeats. Non-canonical text is rejected, never normalised,
/// because the exact bytes are what was signed. Parsing works on bytes and Unicode scalars, never on
/// `Character`, so two texts that merely look alike (canonically equivalent) stay different.
public struct LineStatement: Sendable, Hashable {
    /// The fields in file order.
    public let fields: [(key: String, value: String)]

    /// The schema a statement type follows: its keys in order and which may repeat.
    public struct Schema: Sendable {
        /// One key of a schema.
        public struct Key: Sendable {
            /// The key's name: ASCII letters, digits, `-`, `_` and `.`, starting with a letter or digit.
            public let name: String
            /// Whether the key may appear on several consecutive lines.
            public let repeats: Bool
            /// Whether the key may be left out.
            public let optional: Bool
            /// The name's UTF-8 bytes, compared with each line's key without making a `String` of it.
            let nameBytes: [UInt8]
            /// Describes one key.
            public init(_ name: String, repeats: Bool = false, optional: Bool = false) {
                self.name = name; self.repeats = repeats; self.optional = optional
                self.nameBytes = Array(name.utf8)
            }
        }
        /// The keys in the only order they may appear.
        public let keys: [Key]
        /// Describes a statement type by its keys in order.
        public init(_ keys: [Key]) { self.keys = keys }

        /// The position of `key`, trying the key after `previous` first: in a canonical statement
        /// that is the one, so a statement is parsed without scanning the schema on every line.
        func index(of key: ArraySlice<UInt8>, after previous: Int?) -> Int? {
            let next = (previous ?? -1) + 1
            if next < keys.count, keys[next].nameBytes[...] == key { return next }
            return keys.firstIndex(where: { $0.nameBytes[...] == key })
        }
    }

    /// Why a statement's text was rejected.
    public struct FormatError: Error, Sendable, Hashable, CustomStringConvertible {
        /// One-based line, or nil for whole-file problems.
        public let line: Int?
        /// What is wrong, as a sentence fragment that quotes the offending text.
        public let reason: String
        /// Describes a problem at a line (or the whole file when `line` is nil).
        public init(line: Int?, reason: String) {
            self.line = line; self.reason = reason
        }
        public var description: String {
            if let line { return "line \(line): \(reason)" }
            return reason
        }
    }

    /// Parses bytes against a schema, rejecting anything non-canonical.
    public init(parsing bytes: [UInt8], schema: Schema) throws(FormatError) {
        guard !bytes.isEmpty else { throw FormatError(line: nil, reason: "the file is empty") }
        // ASCII, the common case, is valid UTF-8 without building a `String` of the whole file.
        guard bytes.allSatisfy({ $0 < 0x80 }) || String(validating: bytes, as: UTF8.self) != nil else {
            throw FormatError(line: nil, reason: "the file is not valid UTF-8")
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw FormatError(line: 1, reason: "the file starts with a byte-order mark; save it as UTF-8 without BOM")
        }
        if bytes.contains(UInt8(ascii: "\r")) {
            throw FormatError(line: nil, reason: "the file has CR (Windows) line endings; statements use LF only")
        }
        guard bytes.last == UInt8(ascii: "\n") else {
            throw FormatError(line: nil, reason: "the file does not end with a newline")
        }
        // Lines are walked in place rather than split into an array: statements are parsed on every verification.
        let end = bytes.count - 1
        var fields: [(key: String, value: String)] = []
        fields.reserveCapacity(schema.keys.count)
        var position: Int?
        var lineStart = 0
        var number = 0
        repeat {
            let lineEnd = bytes[lineStart..<end].firstIndex(of: UInt8(ascii: "\n")) ?? end
            let line = bytes[lineStart..<lineEnd]
            lineStart = lineEnd + 1
            number += 1
            let (keyBytes, value) = try LineStatement.split(line, number: number)
            guard let index = schema.index(of: keyBytes, after: position) else {
                throw FormatError(line: number, reason: "unknown key '\(String(decoding: keyBytes, as: UTF8.self))'")
            }
            // The schema's own name has the key's bytes: no `String` is made per line for it.
            let key = schema.keys[index].name
            if let current = position, index <= current {
                if index == current && schema.keys[index].repeats {
                    fields.append((key, value))
                    continue
                }
                // Keys arrive in schema order, so whether one came before is only asked on this error path.
                let reason = index == current || fields.contains(where: { $0.key == key })
                    ? "key '\(key)' appears twice"
                    : "key '\(key)' is out of order; it must come before '\(schema.keys[current].name)'"
                throw FormatError(line: number, reason: reason)
            }
            let skipped = schema.keys[((position ?? -1) + 1)..<index]
            if let missing = skipped.first(where: { !$0.optional }) {
                throw FormatError(line: number, reason: "required key '\(missing.name)' is missing before '\(key)'")
            }
            position = index
            fields.append((key, value))
        } while lineStart <= end
        let remaining = schema.keys[((position ?? -1) + 1)...]
        if let missing = remaining.first(where: { !$0.optional }) {
            throw FormatError(line: nil, reason: "required key '\(missing.name)' is missing")
        }
        self.fields = fields
    }

    /// Splits one line into key bytes and value, enforcing `key: value` with exactly one space.
    private static func split(_ line: ArraySlice<UInt8>, number: Int) throws(FormatError) -> (ArraySlice<UInt8>, String) {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            throw FormatError(line: number, reason: "expected 'key: value' but found '\(printable(line))'")
        }
        let keyBytes = line[..<colon]
        // Only messages need the key as text; isKeyName has proven it ASCII by then.
        var key: String { String(decoding: keyBytes, as: UTF8.self) }
        guard isKeyName(keyBytes) else {
            throw FormatError(line: number, reason: "'\(printable(keyBytes))' is not a key (keys are ASCII letters, digits, '-', '_' and '.')")
        }
        let rest = line[(colon + 1)...]
        if rest.isEmpty { return (keyBytes, "") }
        guard rest.first == UInt8(ascii: " "), rest.count > 1 else {
            throw FormatError(line: number, reason: rest.elementsEqual([UInt8(ascii: " ")])
                ? "key '\(key)' has an empty value written with a trailing space; write '\(key):' alone"
                : "key '\(key)' must be followed by ': ' (colon and one space)")
        }
        let valueBytes = rest.dropFirst()
        let value = String(decoding: valueBytes, as: UTF8.self)
        // Printable ASCII without edge spaces is the common case and needs no Unicode lookups.
        if valueBytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }), valueBytes.first != 0x20, valueBytes.last != 0x20 {
            return (keyBytes, value)
        }
        let scalars = value.unicodeScalars
        if let first = scalars.first, let last = scalars.last,
           first.properties.isWhitespace || last.properties.isWhitespace {
            throw FormatError(line: number, reason: "the value of '\(key)' has leading or trailing white space")
        }
        if scalars.contains(where: isInvisibleControl) {
            throw FormatError(line: number, reason: "the value of '\(key)' contains a control, formatting or line-separator character")
        }
        return (keyBytes, value)
    }

    /// Text from a rejected line as a message may quote it: control and formatting characters
    /// become their code points (`U+001B`), so a hostile file cannot drive the terminal showing
    /// the message, and long lines are cut.
    private static func printable(_ bytes: ArraySlice<UInt8>) -> String {
        let scalars = String(decoding: bytes.prefix(80), as: UTF8.self).unicodeScalars
        let text = scalars.map { $0.isControlCharacter || isInvisibleControl($0) ? $0.codePointName : String($0) }.joined()
        return bytes.count > 80 ? text + "…" : text
    }

    private static func isKeyName(_ bytes: ArraySlice<UInt8>) -> Bool {
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x30 && byte <= 0x39)
        }
        guard let first = bytes.first, isAlphanumeric(first) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    /// Characters that change how a line displays without being seen (bidi overrides, separators).
    private static func isInvisibleControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: true
        default: false
        }
    }

    /// The single value of a key, if present.
    public func value(_ key: String) -> String? {
        fields.first(where: { $0.key == key })?.value
    }

    /// All values of a repeating key, in file order.
    public func values(_ key: String) -> [String] {
        fields.filter { $0.key == key }.map(\.value)
    }

    /// The canonical text of a statement with these fields, for writing new statements.
    ///
    /// Values are written as given; use `canonicalBytes(_:schema:)` when they come from people.
    public static func render(_ fields: [(key: String, value: String)]) -> String {
        fields.map { $0.value.isEmpty ? "\($0.key):\n" : "\($0.key): \($0.value)\n" }.joined()
    }

    /// Renders fields and proves the result parses back to the same fields under `schema`.
    ///
    /// This is what keeps a value holding a newline from smuggling an extra key into a signed file.
    public static func canonicalBytes(_ fields: [(key: String, value: String)], schema: Schema) throws(FormatError) -> [UInt8] {
        let bytes = Array(render(fields).utf8)
        let parsed = try LineStatement(parsing: bytes, schema: schema)
        guard parsed == LineStatement(uncheckedFields: fields) else {
            throw FormatError(line: nil, reason: "a value contains a line break, so the statement would not read back as written")
        }
        return bytes
    }

    private init(uncheckedFields fields: [(key: String, value: String)]) {
        self.fields = fields
    }

    /// Equal when keys and values are the same bytes (not merely canonically equivalent text).
    public static func == (lhs: LineStatement, rhs: LineStatement) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) {
            $0.key.utf8.elementsEqual($1.key.utf8) && $0.value.utf8.elementsEqual($1.value.utf8)
        }
    }

    public func hash(into hasher: inout Hasher) {
        for field in fields {
            hasher.combine(Array(field.key.utf8))
            hasher.combine(Array(field.value.utf8))
        }
    }
}
