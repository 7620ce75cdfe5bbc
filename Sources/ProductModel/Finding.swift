/// How much a finding matters: errors fail the check, warnings and notes inform.
public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case error, warning, note

    private var rank: Int {
        switch self {
        case .error: 0
        case .warning: 1
        case .note: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// Where in a product a finding points.
public struct FindingLocation: Sendable, Hashable, Codable {
    public var product: ProductID
    /// A file relative to the product folder, or an output name.
    public var file: String?
    public var column: String?
    /// One-based data row (header excluded) or manifest line.
    public var row: Int?
    /// A group label (`race_ethnicity=Black × gender=Female`) for disparity findings.
    public var group: String?
    /// A manifest key path (`demographic_fields[0].justification`).
    public var keyPath: String?

    enum CodingKeys: String, CodingKey {
        case product, file, column, row, group
        case keyPath = "key_path"
    }

    public init(product: ProductID, file: String? = nil, column: String? = nil, row: Int? = nil,
                group: String? = nil, keyPath: String? = nil) {
        self.product = product; self.file = file; self.column = column; self.row = row
        self.group = group; self.keyPath = keyPath
    }
}

/// One result of a policy rule: a value, never a thrown error.
public struct Finding: Sendable, Hashable, Codable {
    /// The rule id (`small-cells`).
    public var rule: String
    public var severity: Severity
    /// A full sentence saying what is wrong and what to change.
    public var message: String
    public var location: FindingLocation
    /// The numbers behind the finding (`count: 4`, `ratio: 0.71`), sorted by key when encoded.
    public var numbers: [String: Double]

    public init(rule: String, severity: Severity, message: String, location: FindingLocation,
                numbers: [String: Double] = [:]) {
        self.rule = rule; self.severity = severity; self.message = message
        self.location = location; self.numbers = numbers
    }
}
