import ProductModel
import Testing
@testable import Reviews

private let schema = LineStatement.Schema([
    .init("format"), .init("type"), .init("note", optional: true), .init("member", repeats: true),
])

/// One text the strict parser must refuse, and words its reason must contain.
struct NonCanonicalCase: Sendable, CustomTestStringConvertible {
    let name: String
    let text: [UInt8]
    let reason: String
    let line: Int?
    var testDescription: String { name }

    init(_ name: String, _ text: String, reason: String, line: Int?) {
        self.init(name, Array(text.utf8), reason: reason, line: line)
    }

    init(_ name: String, _ bytes: [UInt8], reason: String, line: Int?) {
        self.name = name
        self.text = bytes
        self.reason = reason
        self.line = line
    }
}

let nonCanonicalCases: [NonCanonicalCase] = [
    .init("empty file", "", reason: "empty", line: nil),
    .init("CRLF line endings", "format: a\r\ntype: b\r\nmember: m\r\n", reason: "CR", line: nil),
    .init("no final newline", "format: a\ntype: b\nmember: m", reason: "newline", line: nil),
    .init("byte-order mark", [0xEF, 0xBB, 0xBF] + Array("format: a\ntype: b\nmember: m\n".utf8), reason: "byte-order mark", line: 1),
    .init("invalid UTF-8", [0x66, 0x3a, 0x20, 0xff, 0x0a], reason: "UTF-8", line: nil),
    .init("keys out of order", "type: b\nformat: a\nmember: m\n", reason: "required key 'format' is missing before 'type'", line: 1),
    .init("key moved back", "format: a\ntype: b\nmember: m\ntype: c\n", reason: "appears twice", line: 4),
    .init("optional key after a later key", "format: a\ntype: b\nmember: m\nnote: x\n", reason: "out of order", line: 4),
    .init("duplicate single key", "format: a\nformat: a\ntype: b\nmember: m\n", reason: "appears twice", line: 2),
    .init("unknown key", "format: a\ntype: b\ncolour: red\nmember: m\n", reason: "unknown key 'colour'", line: 3),
    .init("missing required key at the end", "format: a\ntype: b\n", reason: "required key 'member' is missing", line: nil),
    .init("no space after the colon", "format:a\ntype: b\nmember: m\n", reason: "colon and one space", line: 1),
    .init("two spaces after the colon", "format:  a\ntype: b\nmember: m\n", reason: "white space", line: 1),
    .init("trailing space", "format: a \ntype: b\nmember: m\n", reason: "white space", line: 1),
    .init("empty value written with a space", "format: \ntype: b\nmember: m\n", reason: "trailing space", line: 1),
    .init("trailing no-break space", "format: a\u{00A0}\ntype: b\nmember: m\n", reason: "white space", line: 1),
    .init("tab inside a value", "format: a\tb\ntype: b\nmember: m\n", reason: "control", line: 1),
    .init("bidi override inside a value", "format: a\u{202E}b\ntype: b\nmember: m\n", reason: "formatting", line: 1),
    .init("Unicode line separator inside a value", "format: a\u{2028}b\ntype: b\nmember: m\n", reason: "line-separator", line: 1),
    .init("blank line", "format: a\n\ntype: b\nmember: m\n", reason: "expected 'key: value'", line: 2),
    // The parser walks lines in place and tries the next schema key first; these edges exercise both.
    .init("blank last line", "format: a\ntype: b\nmember: m\n\n", reason: "expected 'key: value'", line: 4),
    .init("only a newline", "\n", reason: "expected 'key: value'", line: 1),
    .init("first key repeated after the last", "format: a\ntype: b\nmember: m\nformat: a\n", reason: "key 'format' appears twice", line: 4),
    .init("optional key skipped, then a key from before", "format: a\ntype: b\nmember: m\ntype: b\n", reason: "key 'type' appears twice", line: 4),
    .init("key in another case", "Format: a\ntype: b\nmember: m\n", reason: "unknown key 'Format'", line: 1),
    .init("key starting with a dash", "-format: a\ntype: b\nmember: m\n", reason: "not a key", line: 1),
    .init("space before the colon", "format : a\ntype: b\nmember: m\n", reason: "not a key", line: 1),
    .init("look-alike key in decomposed form", "format: a\ntype\u{0301}: b\nmember: m\n", reason: "not a key", line: 2),
    // Keys are matched to the schema as bytes and UTF-8 is checked only past the ASCII fast path.
    .init("key that is a prefix of the schema's key", "form: a\ntype: b\nmember: m\n", reason: "unknown key 'form'", line: 1),
    .init("key that extends the schema's key", "format: a\ntypes: b\nmember: m\n", reason: "unknown key 'types'", line: 2),
    .init("multi-byte character cut short", Array("format: a\ntype: caf".utf8) + [0xC3, 0x0a, 0x0a], reason: "not valid UTF-8", line: nil),
]

@Suite("Strict statement text")
struct StatementFormatTests {
    @Test(arguments: nonCanonicalCases)
    func refusesNonCanonicalText(_ testCase: NonCanonicalCase) {
        let error = #expect(throws: LineStatement.FormatError.self) {
            try LineStatement(parsing: testCase.text, schema: schema)
        }
        #expect(error?.reason.contains(testCase.reason) == true, "\(String(describing: error))")
        #expect(error?.line == testCase.line)
    }

    @Test("canonical text parses, with optional keys left out and repeated keys kept in order")
    func parsesCanonicalText() throws {
        let statement = try LineStatement(parsing: Array("format: a\ntype:\nmember: m1\nmember: m2 with: colon\n".utf8), schema: schema)
        #expect(statement.value("type") == "")
        #expect(statement.value("note") == nil)
        #expect(statement.values("member") == ["m1", "m2 with: colon"])
    }

    @Test("values are compared as bytes, not as canonically equivalent text")
    func byteEquality() throws {
        let composed = try LineStatement(parsing: Array("format: caf\u{00E9}\ntype: b\nmember: m\n".utf8), schema: schema)
        let decomposed = try LineStatement(parsing: Array("format: cafe\u{0301}\ntype: b\nmember: m\n".utf8), schema: schema)
        #expect(composed != decomposed)
    }

    @Test("a value holding a newline cannot smuggle a key into a rendered statement")
    func renderingRefusesInjection() throws {
        #expect(throws: LineStatement.FormatError.self) {
            try LineStatement.canonicalBytes([("format", "a"), ("type", "b\nmember: mallory"), ("member", "m")], schema: schema)
        }
        var statement = ReviewScenario.statement(reviewer: "alice")
        statement.comment = "fine\nreviewer: mallory"
        #expect(throws: ReviewError.self) { try statement.canonicalBytes() }
    }

    @Test("a review statement round-trips through its canonical bytes exactly as DESIGN shows")
    func reviewStatementRoundTrip() throws {
        let statement = ReviewScenario.statement(reviewer: "alice", fields: ["age_band"])
        let bytes = try statement.canonicalBytes()
        #expect(String(decoding: bytes, as: UTF8.self) == """
            format: analytics-registry/1
            type: approval
            product: station-incident-hotspots
            version: 1.2.0
            tree: \(ReviewScenario.tree)
            content-sha256: \(ReviewScenario.digest)
            demographic-fields: age_band
            reviewer: alice
            issued: 2026-11-25T08:30:00Z
            expires: 2027-05-25T00:00:00Z
            comment: checked the evidence

            """)
        #expect(try ReviewStatement(parsing: bytes) == statement)
        #expect(statement.path == "Reviews/station-incident-hotspots/1.2.0/alice.approval")
    }

    @Test("review statement field rules", arguments: [
        ("type: approval", "type: endorsement", "approval, rejection or revocation"),
        ("version: 1.2.0", "version: ../1.2.0", "not a version label"),
        ("tree: \(ReviewScenario.tree)", "tree: \(ReviewScenario.tree.uppercased())", "not a git tree id"),
        ("content-sha256: \(ReviewScenario.digest)", "content-sha256: 5f0c", "not a SHA-256 digest"),
        ("reviewer: alice", "reviewer: board", "not a member id"),
        ("expires: 2027-05-25T00:00:00Z", "expires: 2026-11-25T08:30:00Z", "must be later than"),
        ("issued: 2026-11-25T08:30:00Z", "issued: 2026-02-30T08:30:00Z", "YYYY-MM-DDTHH:MM:SSZ"),
        ("format: analytics-registry/1", "format: analytics-registry/2", "must be 'analytics-registry/1'"),
        // Demographic field lists are split and ordered as bytes.
        ("demographic-fields:", "demographic-fields: sex,age_band", "is not sorted without repeats ('sex' comes before 'age_band')"),
        ("demographic-fields:", "demographic-fields: age_band,age_band", "is not sorted without repeats ('age_band' comes before 'age_band')"),
        ("demographic-fields:", "demographic-fields: age_band, sex", "contains a space; write names separated by ',' only"),
        ("demographic-fields:", "demographic-fields: age_band,,sex", "contains '', which is not a field name"),
        ("demographic-fields:", "demographic-fields: âge", "contains 'âge', which is not a field name"),
    ])
    func reviewFieldRules(_ original: String, _ replacement: String, _ reason: String) throws {
        let text = String(decoding: try ReviewScenario.statement(reviewer: "alice").canonicalBytes(), as: UTF8.self)
        #expect(text.contains(original + "\n"))
        let error = #expect(throws: LineStatement.FormatError.self) {
            try ReviewStatement(parsing: Array(text.replacingOccurrences(of: original + "\n", with: replacement + "\n").utf8))
        }
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
    }

    @Test("a sorted demographic field list reads back as its names")
    func demographicFieldList() throws {
        let statement = ReviewScenario.statement(reviewer: "alice", fields: ["age_band", "race.detail", "sex"])
        let parsed = try ReviewStatement(parsing: try statement.canonicalBytes())
        #expect(parsed.demographicFields == ["age_band", "race.detail", "sex"])
    }

    @Test("statement times are exact UTC seconds", arguments: [
        ("1970-01-01T00:00:00Z", Int64(0)), ("2000-02-29T23:59:59Z", Int64(951_868_799)),
        ("2026-11-25T08:30:00Z", Int64(1_795_595_400)),
    ])
    func statementTimes(_ text: String, _ seconds: Int64) throws {
        let time = try #require(StatementTime(text))
        #expect(time.secondsSinceEpoch == seconds)
        #expect(time.description == text)
        #expect(StatementTime(time.date) == time)
    }

    @Test("impossible or loosely written times are refused", arguments: [
        "2026-11-25T08:30:00", "2026-11-25t08:30:00Z", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
        "2026-11-25T24:00:00Z", "2026-11-25T08:30:60Z", "26-11-25T08:30:00Z", "2026-11-25T08:30:00.5Z", "２026-11-25T08:30:00Z",
    ])
    func refusesLooseTimes(_ text: String) {
        #expect(StatementTime(text) == nil)
    }

    @Test("board revocations round-trip and require a reason")
    func boardRevocationFormat() throws {
        let revocation = BoardRevocation(product: ReviewScenario.product, version: "1.2.0", tree: ReviewScenario.tree,
                                         contentDigest: ReviewScenario.digest, issued: ReviewScenario.now, reason: "withdrawn")
        let bytes = try revocation.canonicalBytes()
        #expect(try BoardRevocation(parsing: bytes) == revocation)
        #expect(revocation.path == "Reviews/station-incident-hotspots/1.2.0/board.revocation")
        var silent = revocation
        silent.reason = ""
        #expect(throws: ReviewError.self) { try silent.canonicalBytes() }
    }
}
