import RegistrySupport

/// One thing wrong with a product manifest, pointing at the file, line and key path.
public struct ManifestProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Where the problem is: the manifest file, the line, and the key path (`outputs[1].columns[0].type`).
    public let location: SourceLocation
    /// One sentence naming the place, quoting the value and saying what to do.
    public let message: String

    /// Builds the sentence from a location, what is wrong, and what to do about it.
    public init(_ location: SourceLocation, _ reason: String, fix: String) {
        self.location = location
        self.message = "\(location): \(reason); \(fix)."
    }

    public var description: String { message }
}

/// A product manifest that cannot be used: every problem found in one file, in file order.
///
/// The decoder and validator report everything they can find in one pass so an analyst can fix a
/// manifest in one sitting; `message` is the first problem's sentence, and callers that show more
/// than one line should list `problems`.
public struct ManifestError: RegistryDiagnostic, Hashable {
    /// The problems found, never empty, first one first.
    public let problems: [ManifestProblem]

    /// Wraps a non-empty list of problems; the first becomes the message.
    public init(_ first: ManifestProblem, _ others: [ManifestProblem] = []) {
        self.problems = [first] + others
    }

    /// Wraps problems if there are any.
    public init?(problems: [ManifestProblem]) {
        guard let first = problems.first else { return nil }
        self.init(first, Array(problems.dropFirst()))
    }

    /// The first problem's location.
    public var location: SourceLocation { problems[0].location }

    public var message: String { problems[0].message }

    public var category: DiagnosticCategory { .invalidContent }
}
