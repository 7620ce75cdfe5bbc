/// The board's policy parameters (`Reviews/board/policy.v<NNNN>`), governed like the keyring.
///
/// Every check result records `digest`, the SHA-256 of the statement bytes these came from, so a
/// result can always be traced to the exact parameters that produced it.
public struct PolicyParameters: Sendable, Hashable, Codable {
    /// Protected attributes, each with the column names and encodings that mean it.
    public var protectedAttributes: [ProtectedAttribute]
    /// Patterns (by kind) that mark a column as a direct identifier.
    public var identifierColumnNames: [String]
    /// Counts from 1 up to `minimumCellSize - 1` must be suppressed in aggregate outputs.
    public var minimumCellSize: Int
    /// Minimum ratio of selection rates (the four-fifths rule: 0.8).
    public var disparityRatioThreshold: Double
    /// Maximum allowed demographic parity or equalized-odds difference.
    public var disparityDifferenceThreshold: Double
    /// Groups smaller than this get no verdict.
    public var minimumGroupSize: Int
    /// SHA-256 of the statement these parameters were read from (empty for built-in defaults).
    public var digest: String

    public init(protectedAttributes: [ProtectedAttribute], identifierColumnNames: [String],
                minimumCellSize: Int = 11, disparityRatioThreshold: Double = 0.8,
                disparityDifferenceThreshold: Double = 0.1, minimumGroupSize: Int = 30, digest: String = "") {
        self.protectedAttributes = protectedAttributes
        self.identifierColumnNames = identifierColumnNames
        self.minimumCellSize = minimumCellSize
        self.disparityRatioThreshold = disparityRatioThreshold
        self.disparityDifferenceThreshold = disparityDifferenceThreshold
        self.minimumGroupSize = minimumGroupSize
        self.digest = digest
    }
}

/// One protected attribute and the names and values that reveal it.
public struct ProtectedAttribute: Sendable, Hashable, Codable {
    /// The canonical name (`race`).
    public var name: String
    /// Column names that mean it (`race_ethnicity`, `hispanic_latino`).
    public var synonyms: [String]
    /// Values that look like its group labels (`Black`, `Hispanic`, `Female`).
    public var groupLabels: [String]

    public init(name: String, synonyms: [String], groupLabels: [String] = []) {
        self.name = name; self.synonyms = synonyms; self.groupLabels = groupLabels
    }
}
