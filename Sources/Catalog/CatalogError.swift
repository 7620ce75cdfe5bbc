import RegistrySupport

/// Why the catalog could not be built or an allegations file could not be read.
public enum CatalogError: RegistryDiagnostic, Equatable {
    /// A cell of the allegations CSV is missing or not one of the allowed values.
    case badAllegation(file: String, line: Int, column: String, value: String, expected: String)
    /// The allegations CSV is not readable as CSV (encoding, quoting, header).
    case badAllegationsFile(file: String, line: Int?, reason: String)
    /// A statement or signature path in the input would write outside the site's `reviews/` folder.
    case unsafeReviewPath(product: String, path: String)
    /// Two products in the input share an id.
    case duplicateProduct(id: String)
    /// Writing the site failed.
    case cannotWrite(path: String, reason: String)
    /// The output folder is not one a build may replace (`reason` says why and what to do instead).
    case unsuitableOutput(path: String, reason: String)

    /// The sentence shown to the user.
    public var message: String {
        switch self {
        case let .badAllegation(file, line, column, value, expected):
            "\(file):\(line): column '\(column)' has '\(value)', but it must be \(expected); correct that cell and import again."
        case let .badAllegationsFile(file, line, reason):
            "\(file)\(line.map { ":\($0)" } ?? ""): \(reason); save the file as UTF-8 CSV with the documented header and import again."
        case let .unsafeReviewPath(product, path):
            "Product '\(product)' has a review file path '\(path)' that is not a relative path under 'Reviews/'; this is a bug in the caller, please report it."
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
        case .badAllegation, .badAllegationsFile: .invalidContent
        case .unsafeReviewPath, .duplicateProduct: .bug
        case .cannotWrite: .environment
        case .unsuitableOutput: .usage
        }
    }
}
