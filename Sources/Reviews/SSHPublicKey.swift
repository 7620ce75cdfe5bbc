import Crypto
import RegistrySupport

/// An OpenSSH `ssh-ed25519` public key, the only key type board members may use.
public struct SSHPublicKey: Sendable, Hashable, CustomStringConvertible {
    /// The SSH name of the only supported key type.
    public static let keyType = "ssh-ed25519"

    /// The 32 raw key bytes.
    public let rawRepresentation: [UInt8]
    /// Built once so verifying many signatures with one key does not re-decode it.
    let verifyingKey: Curve25519.Signing.PublicKey

    /// Wraps 32 raw ed25519 key bytes; returns `nil` for anything that is not a valid key.
    public init?(rawRepresentation: [UInt8]) {
        guard rawRepresentation.count == 32,
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation)
        else { return nil }
        self.rawRepresentation = rawRepresentation
        self.verifyingKey = key
    }

    /// Decodes the SSH wire blob (`string "ssh-ed25519"`, `string key`), refusing trailing bytes.
    public init?(blob: [UInt8]) {
        self.init(blob: blob[...])
    }

    /// Decodes the SSH wire blob in place (a signature carries it inside its own blob).
    init?(blob: ArraySlice<UInt8>) {
        var reader = SSHWireReader(blob)
        guard reader.readName() == SSHPublicKey.keyType, let raw = reader.readString(), reader.isAtEnd
        else { return nil }
        self.init(rawRepresentation: raw)
    }

    /// Parses `ssh-ed25519 AAAA… [comment]`, the form of a `.pub` file and of `ssh-add -L`.
    public init(openSSHLine line: String) throws(ReviewError) {
        let trimmed = line.hasSuffix("\n") ? String(line.dropLast()) : line
        let parts = trimmed.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2 else {
            throw .invalidPublicKey(line, reason: "expected 'ssh-ed25519 AAAA…'")
        }
        guard parts[0] == Substring(SSHPublicKey.keyType) else {
            throw .invalidPublicKey(line, reason: "the key type is '\(parts[0])' but only ed25519 keys are accepted; create one with ssh-keygen -t ed25519")
        }
        guard let blob = StrictBase64.decode(parts[1].utf8), let key = SSHPublicKey(blob: blob) else {
            throw .invalidPublicKey(line, reason: "the base64 key data is not a well-formed ed25519 key")
        }
        self = key
    }

    /// The SSH wire blob.
    public var blob: [UInt8] {
        SSHWire.string(SSHPublicKey.keyType) + SSHWire.string(rawRepresentation)
    }

    /// `ssh-ed25519 AAAA…` without a comment, as written in keyrings and allowed_signers files.
    public var openSSHLine: String {
        "\(SSHPublicKey.keyType) \(StrictBase64.encode(blob))"
    }

    /// `SHA256:…`, the fingerprint `ssh-keygen -l` prints, for messages people can match.
    public var fingerprint: String {
        let digest = Array(SHA256.hash(data: blob))
        return "SHA256:" + StrictBase64.encode(digest).filter { $0 != "=" }
    }

    public var description: String { fingerprint }

    public static func == (lhs: SSHPublicKey, rhs: SSHPublicKey) -> Bool {
        lhs.rawRepresentation == rhs.rawRepresentation
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(rawRepresentation)
    }
}
