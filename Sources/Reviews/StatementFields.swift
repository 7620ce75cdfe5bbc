import ProductModel

/// The `format` value every statement starts with.
let statementFormat = "analytics-registry/1"

/// Reads typed values out of a parsed `LineStatement`, naming the line of any bad value.
struct StatementFields {
    typealias FormatError = LineStatement.FormatError
    let statement: LineStatement

    func line(of key: String) -> Int? {
        statement.fields.firstIndex(where: { $0.key == key }).map { $0 + 1 }
    }

    func fail(_ key: String, _ reason: String) -> FormatError {
        FormatError(line: line(of: key), reason: reason)
    }

    func text(_ key: String) throws(FormatError) -> String {
        guard let value = statement.value(key) else { throw FormatError(line: nil, reason: "required key '\(key)' is missing") }
        return value
    }

    func expect(_ key: String, _ expected: String) throws(FormatError) {
        let value = try text(key)
        guard value.utf8.elementsEqual(expected.utf8) else {
            throw fail(key, "'\(key)' is '\(value)' but must be '\(expected)'")
        }
    }

    func nonEmpty(_ key: String) throws(FormatError) -> String {
        let value = try text(key)
        guard !value.isEmpty else { throw fail(key, "'\(key)' must not be empty") }
        return value
    }

    func product(_ key: String = "product") throws(FormatError) -> ProductID {
        let value = try text(key)
        guard let id = ProductID(value) else { throw fail(key, "'\(value)' is not a product id") }
        return id
    }

    func member(_ key: String) throws(FormatError) -> String {
        try member(text(key), key: key)
    }

    func member(_ value: String, key: String) throws(FormatError) -> String {
        guard StatementSyntax.isMemberID(value) else {
            throw fail(key, "'\(value)' is not a member id (lowercase letters, digits and '-', not 'board')")
        }
        return value
    }

    func version(_ key: String = "version") throws(FormatError) -> String {
        let value = try text(key)
        guard StatementSyntax.isVersionLabel(value) else {
            throw fail(key, "'\(value)' is not a version label (letters, digits, '.', '+', '-')")
        }
        return value
    }

    func tree(_ key: String = "tree") throws(FormatError) -> String {
        let value = try text(key)
        guard StatementSyntax.isLowercaseHex(value, lengths: [40, 64]) else {
            throw fail(key, "'\(value)' is not a git tree id (40 or 64 lowercase hex digits)")
        }
        return value
    }

    func sha256(_ key: String) throws(FormatError) -> String {
        let value = try text(key)
        guard StatementSyntax.isLowercaseHex(value, lengths: [64]) else {
            throw fail(key, "'\(value)' is not a SHA-256 digest (64 lowercase hex digits)")
        }
        return value
    }

    func time(_ key: String) throws(FormatError) -> StatementTime {
        let value = try text(key)
        guard let time = StatementTime(value) else {
            throw fail(key, "'\(value)' is not a UTC time written YYYY-MM-DDTHH:MM:SSZ")
        }
        return time
    }

    /// No statement of this format was signed before 2000: an earlier `issued` is a typo or a backdate
    /// meant to make the statement look older than the content it names.
    static let earliestIssued = StatementTime("2000-01-01T00:00:00Z")!

    /// The `issued` time, refused when it lies before `earliestIssued`.
    func issued(_ key: String = "issued") throws(FormatError) -> StatementTime {
        let time = try time(key)
        guard time >= StatementFields.earliestIssued else {
            throw fail(key, "'\(key)' is \(time), before \(StatementFields.earliestIssued); write the time the statement was signed")
        }
        return time
    }

    func count(_ key: String) throws(FormatError) -> Int {
        let value = try text(key)
        guard let number = StatementSyntax.decimal(value) else {
            throw fail(key, "'\(value)' is not a positive whole number without leading zeros")
        }
        return number
    }

    func demographicFields(_ key: String = "demographic-fields") throws(FormatError) -> [String] {
        let value = try text(key)
        switch StatementSyntax.demographicFields(value) {
        case .success(let names): return names
        case .failure(let problem): throw fail(key, problem.reason)
        }
    }
}

/// The syntax of identifiers and lists inside statements.
enum StatementSyntax {
    struct Problem: Error { let reason: String }

    /// Member ids look like product ids but may be a single character; `board` names the board itself.
    ///
    /// These checks read the UTF-8 view in place (no array copies): they run on every statement verified.
    static func isMemberID(_ text: some StringProtocol) -> Bool {
        isMemberID(text.utf8)
    }

    /// A member id given as UTF-8 bytes (file names are read as bytes).
    static func isMemberID(_ bytes: some Collection<UInt8>) -> Bool {
        guard (1...63).contains(bytes.count), !bytes.elementsEqual("board".utf8), bytes.first != UInt8(ascii: "-")
        else { return false }
        return bytes.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    /// Version labels become folder names, so they are limited to SemVer's characters.
    static func isVersionLabel(_ text: some StringProtocol) -> Bool {
        isVersionLabel(text.utf8)
    }

    /// A version label given as UTF-8 bytes (folder names are read as bytes).
    static func isVersionLabel(_ bytes: some Collection<UInt8>) -> Bool {
        guard (1...64).contains(bytes.count), let first = bytes.first, isAlnum(first) else { return false }
        return bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }
    }

    static func isLowercaseHex(_ text: String, lengths: [Int]) -> Bool {
        let bytes = text.utf8
        return lengths.contains(bytes.count)
            && bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    static func decimal(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard (1...6).contains(bytes.count), bytes[0] != UInt8(ascii: "0"),
              bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { return nil }
        return Int(text)
    }

    /// A demographic field name: letters, digits, `_`, `.` and `-`, starting with a letter or digit.
    static func isFieldName(_ bytes: Substring.UTF8View) -> Bool {
        guard let first = bytes.first, isAlnum(first) else { return false }
        return bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// `a,b,c` sorted bytewise without repeats or spaces; the empty text is the empty list.
    static func demographicFields(_ text: String) -> Result<[String], Problem> {
        guard !text.isEmpty else { return .success([]) }
        // Split and compared as UTF-8 bytes, without an array per name: this runs on every statement verified.
        let names = text.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
        if let bad = names.first(where: { !isFieldName($0) }).map(Substring.init) {
            return .failure(Problem(reason: bad.contains(" ")
                ? "demographic-fields '\(text)' contains a space; write names separated by ',' only"
                : "demographic-fields '\(text)' contains '\(bad)', which is not a field name"))
        }
        for (left, right) in zip(names, names.dropFirst()) where !left.lexicographicallyPrecedes(right) {
            return .failure(Problem(reason: "demographic-fields '\(text)' is not sorted without repeats ('\(Substring(left))' comes before '\(Substring(right))')"))
        }
        return .success(names.map { String(Substring($0)) })
    }

    /// The canonical text of a demographic field list.
    static func demographicFieldsText(_ names: [String]) -> String {
        canonicalFieldList(names).joined(separator: ",")
    }

    static func canonicalFieldList(_ names: [String]) -> [String] {
        Array(Set(names)).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    private static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39)
    }

    private static func isAlnum(_ byte: UInt8) -> Bool {
        isLowerAlnum(byte) || (byte >= 0x41 && byte <= 0x5a)
    }
}
