import RegistrySupport

/// A problem that stops a review command: a key that cannot be used or a statement that cannot be written.
///
/// Whether a signature or statement counts is never an error; see `SignatureProblem` and `UncountedReason`.
public enum ReviewError: RegistryDiagnostic, Equatable {
    /// A private key file could not be read or decoded.
    case unreadableKey(path: String, reason: String)
    /// A private key file is passphrase-protected, which this tool does not decrypt.
    case encryptedKey(path: String, cipher: String)
    /// A key of a type other than ed25519.
    case unsupportedKeyType(path: String, type: String)
    /// A public key line that is not `ssh-ed25519 AAAA…`.
    case invalidPublicKey(String, reason: String)
    /// A statement field value that would not produce a canonical statement.
    case invalidField(key: String, value: String, reason: String)
    /// The signing primitive failed.
    case signingFailed(reason: String)

    public var message: String {
        switch self {
        case let .unreadableKey(path, reason):
            "The private key '\(path)' cannot be used: \(reason); pass an unencrypted OpenSSH ed25519 key made with ssh-keygen -t ed25519."
        case let .encryptedKey(path, cipher):
            "The private key '\(path)' is encrypted ('\(cipher)'), which this tool does not decrypt; sign with stock OpenSSH instead: ssh-keygen -Y sign -n \(ReviewNamespace.review) -f \(path) FILE (use -n \(ReviewNamespace.keyring) for keyring, policy and board statements)."
        case let .unsupportedKeyType(path, type):
            "The private key '\(path)' is of type '\(type)' but board members sign with ed25519 keys; create one with ssh-keygen -t ed25519."
        case let .invalidPublicKey(line, reason):
            "The public key '\(line)' is not usable: \(reason)."
        case let .invalidField(key, value, reason):
            "The value '\(value)' for '\(key)' cannot be written into a statement: \(reason)."
        case let .signingFailed(reason):
            "Signing failed inside the ed25519 implementation (\(reason)); this is a bug, please report it."
        }
    }

    public var category: DiagnosticCategory {
        switch self {
        case .unreadableKey, .encryptedKey, .unsupportedKeyType: .environment
        case .invalidPublicKey, .invalidField: .invalidContent
        case .signingFailed: .bug
        }
    }
}
