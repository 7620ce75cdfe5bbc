import RegistrySupport

/// Errors of the use cases themselves (the peers have their own).
public enum CoreError: RegistryDiagnostic {
    case unknownProduct(String, known: [String])
    case invalidProductID(String)
    case productExists(String)
    case invalidArgument(String)
    case notARegistry(path: String)
    case configuration(path: String, detail: String)
    case invalidManifest(id: String, problems: [String])
    case noCommits
    /// A shallow clone lacks the history an answer needs.
    case shallowHistory(boundary: String, needed: String)
    case fileProblem(path: String, detail: String)
    /// `review sign` refuses a file that is not a statement or a key that may not sign it.
    case cannotSign(path: String, reason: String)
    /// `board adopt` refuses a keyring proposal that is not yet signed by both quorums.
    case insufficientSignatures(path: String, detail: String)
    /// `registry links` cannot load libcurl, which only it needs (the reason is the loader's).
    case libcurlUnavailable(String)

    public var message: String {
        switch self {
        case let .unknownProduct(id, known):
            let hint = known.isEmpty ? "there are no products yet; create one with 'registry new <id>'"
                : "known products: \(known.prefix(8).joined(separator: ", "))\(known.count > 8 ? ", …" : "")"
            return "There is no product '\(id)' at this revision; \(hint)."
        case let .invalidProductID(id):
            return "'\(id)' is not a valid product id; use 2 to 63 lowercase letters, digits and hyphens, starting with a letter or digit (and not 'board')."
        case let .productExists(id):
            return "Products/\(id) already exists; choose another id or edit the existing product."
        case let .invalidArgument(text):
            return text
        case let .notARegistry(path):
            return "'\(path)' is not a product registry (no Products/ folder); run 'registry init' there first."
        case let .configuration(path, detail):
            return "The registry configuration '\(path)' is invalid: \(detail)."
        case let .invalidManifest(id, problems):
            return "The manifest of '\(id)' is invalid: \(problems.first ?? "unknown problem")\(problems.count > 1 ? " (and \(problems.count - 1) more; run 'registry validate \(id)')" : "")"
        case .noCommits:
            return "The repository has no commits yet; register a product first with 'registry register <id> -m MESSAGE'."
        case let .shallowHistory(boundary, needed):
            return "This is a shallow clone whose history stops at commit \(boundary), so \(needed) cannot be told; run 'git fetch --unshallow' and try again."
        case let .fileProblem(path, detail):
            return "Cannot use '\(path)': \(detail)."
        case let .cannotSign(path, reason):
            return "Not signing '\(path)': \(reason)."
        case let .insufficientSignatures(path, detail):
            return "'\(path)' cannot be adopted yet: \(detail)."
        case let .libcurlUnavailable(reason):
            return "'registry links' fetches through libcurl, which could not be loaded (\(reason)); \(HTTPProbe.installAdvice) and run 'registry links' again: the other commands do not need it."
        }
    }

    public var category: DiagnosticCategory {
        switch self {
        case .invalidManifest, .insufficientSignatures: .invalidContent
        case .invalidArgument, .cannotSign, .invalidProductID, .unknownProduct, .productExists: .usage
        case .notARegistry, .configuration, .noCommits, .shallowHistory, .fileProblem, .libcurlUnavailable: .environment
        }
    }
}
