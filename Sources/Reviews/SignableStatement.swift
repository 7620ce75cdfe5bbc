import ProductModel

/// Bounds on statement files, so that a huge file is neither signed, counted nor hosted.
public enum StatementLimits {
    /// The largest statement file, in bytes (64 KiB): a review statement is a few hundred bytes,
    /// a keyring of fifteen members about two kilobytes.
    public static let maximumBytes = 64 * 1024

    /// Why a file of `size` bytes is refused.
    public static func oversizeReason(_ size: Int) -> String {
        "the file is \(size) bytes but statements are at most \(maximumBytes) bytes (64 KiB)"
    }
}

/// A statement file parsed by its `type`, so that only a real statement is ever signed.
public enum SignableStatement: Sendable {
    /// A member's approval, rejection or revocation of a product version.
    case review(ReviewStatement)
    /// A board revocation of a product version.
    case boardRevocation(BoardRevocation)
    /// A keyring version (in the chain or proposed).
    case keyring(Keyring)
    /// The board's policy parameters.
    case policy

    /// Parses the exact bytes of a statement of any type, refusing oversized or non-canonical text.
    public init(parsing bytes: [UInt8]) throws(LineStatement.FormatError) {
        guard bytes.count <= StatementLimits.maximumBytes else {
            throw LineStatement.FormatError(line: nil, reason: StatementLimits.oversizeReason(bytes.count))
        }
        switch Self.declaredType(bytes) {
        case "keyring":
            self = .keyring(try Keyring(parsing: bytes))
        case "board-revocation":
            self = .boardRevocation(try BoardRevocation(parsing: bytes))
        case "policy":
            do {
                _ = try PolicyParameters(statement: bytes, file: "")
            } catch {
                throw LineStatement.FormatError(line: error.line, reason: error.reason)
            }
            self = .policy
        default:
            // Review statements are the common case, and their parser names the first problem of
            // anything that is not a statement at all.
            self = .review(try ReviewStatement(parsing: bytes))
        }
    }

    /// The SSHSIG namespace this statement is signed in.
    public var namespace: String {
        if case .review = self { ReviewNamespace.review } else { ReviewNamespace.keyring }
    }

    /// The value of a `type: …` second line, if there is one.
    private static func declaredType(_ bytes: [UInt8]) -> String? {
        let lines = bytes.prefix(256).split(separator: UInt8(ascii: "\n"), maxSplits: 2, omittingEmptySubsequences: false)
        guard lines.count > 2 else { return nil }
        let prefix = Array("type: ".utf8)
        guard lines[1].starts(with: prefix) else { return nil }
        return String(decoding: lines[1].dropFirst(prefix.count), as: UTF8.self)
    }
}
