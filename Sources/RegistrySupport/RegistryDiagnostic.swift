/// What kind of failure an error is, which decides the exit status and how it is worded.
public enum DiagnosticCategory: Sendable, Equatable {
    /// The registry's own content is wrong (a manifest, statement, CSV): exit status 1.
    case invalidContent
    /// The command line is wrong: exit status 2.
    case usage
    /// The machine or repository cannot do what was asked (no sandbox, not a registry): exit status 2.
    case environment
    /// Something the registry did not expect: a bug to report, exit status 2.
    case bug

    /// The process exit status DESIGN section 8 assigns to this category.
    public var exitStatus: Int32 {
        switch self {
        case .invalidContent: 1
        case .usage, .environment, .bug: 2
        }
    }
}

/// An error that can be shown to a person as one sentence: every module's error type conforms.
///
/// The message is a full sentence that quotes the value, names the file, line or key, and says
/// what to do next.
public protocol RegistryDiagnostic: Error, CustomStringConvertible, Sendable {
    /// The sentence shown to the user.
    var message: String { get }
    /// Whether the user can fix this, and which exit status it maps to.
    var category: DiagnosticCategory { get }
}

extension RegistryDiagnostic {
    public var description: String { message }
}

/// A place in a text file that a diagnostic points at.
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file, relative to the repository root where possible.
    public var file: String
    /// One-based line number, if known.
    public var line: Int?
    /// Dotted key path inside a structured document, if any (`outputs[1].columns`).
    public var keyPath: String?

    public init(file: String, line: Int? = nil, keyPath: String? = nil) {
        self.file = file
        self.line = line
        self.keyPath = keyPath
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        if let keyPath, !keyPath.isEmpty { text += " (key '\(keyPath)')" }
        return text
    }
}
