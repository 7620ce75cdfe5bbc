/// The strict line-based text format shared by review, keyring and policy statements.
///
/// UTF-8, LF line endings only, a final newline, one `key: value` per line, keys in a fixed order,
/// each key once unless the schema says it repeats. Non-canonical text is rejected, never normalised,
/// because the exact bytes are what was signed.
public struct LineStatement: Sendable, Hashable {
    /// The fields in file order.
    public let fields: [(key: String, value: String)]

    /// The schema a statement type follows: its keys in order and which may repeat.
    public struct Schema: Sendable {
        public struct Key: Sendable {
            public let name: String
            public let repeats: Bool
            public let optional: Bool
            public init(_ name: String, repeats: Bool = false, optional: Bool = false) {
                self.name = name; self.repeats = repeats; self.optional = optional
            }
        }
        public let keys: [Key]
        public init(_ keys: [Key]) { self.keys = keys }
    }

    /// Why a statement's text was rejected.
    public struct FormatError: Error, Sendable, Hashable, CustomStringConvertible {
        /// One-based line, or nil for whole-file problems.
        public let line: Int?
        public let reason: String
        public var description: String {
            if let line { return "line \(line): \(reason)" }
            return reason
        }
    }

    /// Parses bytes against a schema, rejecting anything non-canonical.
    public init(parsing bytes: [UInt8], schema: Schema) throws(FormatError) {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw FormatError(line: nil, reason: "the file is not valid UTF-8")
        }
        if bytes.first == 0xEF, bytes.count >= 3, bytes[1] == 0xBB, bytes[2] == 0xBF {
            throw FormatError(line: 1, reason: "the file starts with a byte-order mark; save it as UTF-8 without BOM")
        }
        guard !bytes.isEmpty else { throw FormatError(line: nil, reason: "the file is empty") }
        if bytes.contains(UInt8(ascii: "\r")) {
            throw FormatError(line: nil, reason: "the file has CR (Windows) line endings; statements use LF only")
        }
        guard bytes.last == UInt8(ascii: "\n") else {
            throw FormatError(line: nil, reason: "the file does not end with a newline")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()
        var fields: [(key: String, value: String)] = []
        var schemaIndex = 0
        var seenCurrent = false
        for (offset, line) in lines.enumerated() {
            let number = offset + 1
            guard let colon = line.firstIndex(of: ":") else {
                throw FormatError(line: number, reason: "expected 'key: value' but found '\(line)'")
            }
            let key = String(line[..<colon])
            let rest = line[line.index(after: colon)...]
            let value: String
            if rest.isEmpty {
                value = ""
            } else if rest == " " {
                throw FormatError(line: number, reason: "key '\(key)' has an empty value written with a trailing space; write '\(key):' alone")
            } else if rest.hasPrefix(" ") {
                value = String(rest.dropFirst())
            } else {
                throw FormatError(line: number, reason: "key '\(key)' must be followed by ': ' (colon and one space)")
            }
            if value.hasPrefix(" ") || value.hasSuffix(" ") || value.hasSuffix("\t") || value.hasPrefix("\t") {
                throw FormatError(line: number, reason: "the value of '\(key)' has leading or trailing white space")
            }
            if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw FormatError(line: number, reason: "the value of '\(key)' contains a control character")
            }
            // Advance through the schema to this key, checking order and repetition.
            while schemaIndex < schema.keys.count, schema.keys[schemaIndex].name != key {
                let expected = schema.keys[schemaIndex]
                if !expected.optional && !seenCurrent {
                    if schema.keys.contains(where: { $0.name == key }) {
                        throw FormatError(line: number, reason: "key '\(key)' is out of order; '\(expected.name)' must come before it")
                    }
                    throw FormatError(line: number, reason: "unknown key '\(key)'; expected '\(expected.name)'")
                }
                schemaIndex += 1
                seenCurrent = false
            }
            guard schemaIndex < schema.keys.count else {
                if schema.keys.contains(where: { $0.name == key }) {
                    throw FormatError(line: number, reason: "key '\(key)' appears twice or out of order")
                }
                throw FormatError(line: number, reason: "unknown key '\(key)'")
            }
            if seenCurrent && !schema.keys[schemaIndex].repeats {
                throw FormatError(line: number, reason: "key '\(key)' appears twice")
            }
            seenCurrent = true
            fields.append((key, value))
        }
        let seen = Set(fields.map(\.key))
        if let missing = schema.keys.first(where: { !$0.optional && !seen.contains($0.name) }) {
            throw FormatError(line: nil, reason: "required key '\(missing.name)' is missing")
        }
        self.fields = fields
    }

    /// The single value of a key, if present.
    public func value(_ key: String) -> String? {
        fields.first(where: { $0.key == key })?.value
    }

    /// All values of a repeating key, in file order.
    public func values(_ key: String) -> [String] {
        fields.filter { $0.key == key }.map(\.value)
    }

    /// The canonical bytes of a statement with these fields, for writing new statements.
    public static func render(_ fields: [(key: String, value: String)]) -> String {
        fields.map { $0.value.isEmpty ? "\($0.key):\n" : "\($0.key): \($0.value)\n" }.joined()
    }

    public static func == (lhs: LineStatement, rhs: LineStatement) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for field in fields { hasher.combine(field.key); hasher.combine(field.value) }
    }
}
