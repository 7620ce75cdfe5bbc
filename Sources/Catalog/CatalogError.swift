import RegistrySupport

/// Why the catalog could not be built or an allegations file could not be read.
public enum CatalogError: RegistryDiagnostic, Equatable {
    /// Cells of the allegations CSV that are missing or not allowed values, every one in the file, in file order.
    case badAllegations(file: String, problems: [AllegationProblem])
    /// The allegations CSV is not readable as CSV (encoding, quoting, header).
    case badAllegationsFile(file: String, line: Int?, reason: String)
    /// The allegations file cannot be opened or read at all (missing, a folder, unreadable).
    case unreadableAllegationsFile(file: String, reason: String)
    /// A statement or signature path in the input would write outside the site's `reviews/` folder.
    case unsafeReviewPath(product: String, path: String)
    /// A registry's `Languages/<tag>.json` is not a valid interface strings file.
    case badLanguageFile(file: String, reason: String)
    /// Two products in the input share an id.
    case duplicateProduct(id: String)
    /// Writing the site failed.
    case cannotWrite(path: String, reason: String)
    /// The output folder is not one a build may replace (`reason` says why and what to do instead).
    case unsuitableOutput(path: String, reason: String)

    /// The most bad allegation cells listed one per line; the rest are counted.
    static let problemsShown = 20

    /// The sentence shown to the user.
    public var message: String {
        switch self {
        case let .badAllegations(file, problems) where problems.count == 1:
            "\(problems[0].message(file: file)); correct that cell and import again."
        case let .badAllegations(file, problems):
            // One line per bad cell, so every mistake in the file can be fixed in one pass.
            (["'\(file)' has \(problems.count) bad cells; correct them and import again:"]
                + problems.prefix(Self.problemsShown).map { "  " + $0.message(file: file) + "." }
                + (problems.count > Self.problemsShown ? ["  … and \(problems.count - Self.problemsShown) more."] : []))
                .joined(separator: "\n")
        case let .badAllegationsFile(file, line, reason):
            "\(file)\(line.map { ":\($0)" } ?? ""): \(reason); save the file as UTF-8 CSV with the documented header and import again."
        case let .unreadableAllegationsFile(file, reason):
            "The allegations file '\(file)' cannot be read: \(reason)."
        case let .unsafeReviewPath(product, path):
            "Product '\(product)' has a review file path '\(path)' that is not a relative path under 'Reviews/'; this is a bug in the caller, please report it."
        case let .badLanguageFile(file, reason):
            "\(file): \(reason); correct the file and commit it again."
        case let .duplicateProduct(id):
            "The catalog input lists product '\(id)' twice; this is a bug in the caller, please report it."
        case let .cannotWrite(path, reason):
            "Cannot write '\(path)': \(reason); check that the output folder is writable and has free space."
        case let .unsuitableOutput(path, reason):
            "Refusing to build the catalog into '\(path)': \(reason)."
        }
    }

    /// Whether the user can fix this, and which exit status it maps to.
    public var category: DiagnosticCategory {
        switch self {
        case .badAllegations, .badAllegationsFile, .badLanguageFile: .invalidContent
        case .unsafeReviewPath, .duplicateProduct: .bug
        case .cannotWrite, .unreadableAllegationsFile: .environment
        case .unsuitableOutput: .usage
        }
    }
}
