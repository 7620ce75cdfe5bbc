import Crypto

/// The namespaces that keep a review signature from being replayed as a keyring signature and back.
public enum ReviewNamespace {
    /// Review statements (approval, rejection, revocation).
    public static let review = "review@analytics-registry"
    /// Keyrings, policy parameters and board revocations.
    public static let keyring = "keyring@analytics-registry"
}

/// Why a detached signature file does not count.
public enum SignatureProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file is not an armored `SSH SIGNATURE` exactly as ssh-keygen writes it.
    case malformedArmor(String)
    /// The decoded blob is not a well-formed SSHSIG structure.
    case malformedBlob(String)
    /// The SSHSIG version is not 1.
    case unsupportedVersion(UInt32)
    /// The signing key is not ed25519.
    case unsupportedKeyType(String)
    /// The hash algorithm is not `sha512` or `sha256`.
    case unsupportedHashAlgorithm(String)
    /// The inner signature is not an `ssh-ed25519` signature.
    case unsupportedSignatureType(String)
    /// The reserved field is not empty.
    case reservedFieldNotEmpty
    /// The signature was made for another purpose.
    case wrongNamespace(expected: String, found: String)
    /// Bytes follow the end of the structure.
    case trailingData(String)
    /// The signature does not verify over these exact bytes with the embedded key.
    case doesNotVerify

    public var description: String {
        switch self {
        case let .malformedArmor(detail): "not an SSH signature file as ssh-keygen writes it: \(detail)"
        case let .malformedBlob(detail): "the SSHSIG structure is malformed: \(detail)"
        case let .unsupportedVersion(version): "SSHSIG version \(version) is not supported (only version 1)"
        case let .unsupportedKeyType(type): "the signing key type '\(type)' is not supported (only ssh-ed25519)"
        case let .unsupportedHashAlgorithm(name): "the hash algorithm '\(name)' is not supported (only sha512 or sha256)"
        case let .unsupportedSignatureType(type): "the signature type '\(type)' is not supported (only ssh-ed25519)"
        case .reservedFieldNotEmpty: "the reserved field is not empty"
        case let .wrongNamespace(expected, found): "signed for namespace '\(found)' but '\(expected)' is required"
        case let .trailingData(place): "unexpected bytes after the \(place)"
        case .doesNotVerify: "the signature does not match the file's bytes"
        }
    }
}

/// A parsed OpenSSH SSHSIG detached signature (PROTOCOL.sshsig), ed25519 only.
///
/// Parse once, then `isValid(for:)` as often as needed: the key and fields are decoded a single time.
public struct SSHSignature: Sendable, Hashable {
    /// The hash applied to the message before signing.
    public enum HashAlgorithm: String, Sendable, Hashable, CaseIterable {
        /// `sha512`, ssh-keygen's default.
        case sha512
        /// `sha256`.
        case sha256
    }

    static let magic = Array("SSHSIG".utf8)
    static let armorBegin = "-----BEGIN SSH SIGNATURE-----"
    static let armorEnd = "-----END SSH SIGNATURE-----"
    private static let armorBeginBytes = Array(armorBegin.utf8)
    private static let armorEndBytes = Array(armorEnd.utf8)
    /// ssh-keygen wraps armored base64 at 70 columns.
    static let armorWidth = 70

    /// The key that made the signature (not yet trusted: look it up in the keyring).
    public let publicKey: SSHPublicKey
    /// The namespace the signer chose.
    public let namespace: String
    /// The message hash algorithm.
    public let hashAlgorithm: HashAlgorithm
    /// The 64-byte ed25519 signature.
    public let signature: [UInt8]

    /// Creates a signature value from its parts (used by the signer).
    init(publicKey: SSHPublicKey, namespace: String, hashAlgorithm: HashAlgorithm, signature: [UInt8]) {
        self.publicKey = publicKey
        self.namespace = namespace
        self.hashAlgorithm = hashAlgorithm
        self.signature = signature
    }

    /// Parses an armored signature file strictly: exact armor, 70-column canonical base64, nothing trailing.
    public init(armored bytes: [UInt8], knownKeys: Keyring? = nil) throws(SignatureProblem) {
        try self.init(blob: try SSHSignature.dearmor(bytes), knownKeys: knownKeys)
    }

    /// Parses the binary SSHSIG blob strictly.
    ///
    /// - Parameter knownKeys: a keyring whose members' keys, already decoded, stand in for an equal
    ///   embedded key, so verifying many statements decodes each member's key once.
    public init(blob: [UInt8], knownKeys: Keyring? = nil) throws(SignatureProblem) {
        var reader = SSHWireReader(blob)
        guard reader.readSlice(6)?.elementsEqual(SSHSignature.magic) == true else { throw .malformedBlob("it does not start with 'SSHSIG'") }
        guard let version = reader.readUInt32() else { throw .malformedBlob("the version is missing") }
        guard version == 1 else { throw .unsupportedVersion(version) }
        guard let keyBlob = reader.readStringSlice() else { throw .malformedBlob("the public key is missing") }
        var keyReader = SSHWireReader(keyBlob)
        guard let keyType = keyReader.readName() else { throw .malformedBlob("the public key type is unreadable") }
        guard keyType == SSHPublicKey.keyType else { throw .unsupportedKeyType(keyType) }
        guard let key = knownKeys?.key(blob: keyBlob) ?? SSHPublicKey(blob: keyBlob) else {
            throw .malformedBlob("the ed25519 public key is malformed")
        }
        guard let namespace = reader.readName() else { throw .malformedBlob("the namespace is missing") }
        guard let reserved = reader.readStringSlice() else { throw .malformedBlob("the reserved field is missing") }
        guard reserved.isEmpty else { throw .reservedFieldNotEmpty }
        guard let hashName = reader.readName() else { throw .malformedBlob("the hash algorithm is missing") }
        guard let hash = HashAlgorithm(rawValue: hashName) else { throw .unsupportedHashAlgorithm(hashName) }
        guard let signatureBlob = reader.readStringSlice() else { throw .malformedBlob("the signature is missing") }
        guard reader.isAtEnd else { throw .trailingData("SSHSIG structure") }
        var signatureReader = SSHWireReader(signatureBlob)
        guard let signatureType = signatureReader.readName() else { throw .malformedBlob("the signature type is unreadable") }
        guard signatureType == SSHPublicKey.keyType else { throw .unsupportedSignatureType(signatureType) }
        guard let raw = signatureReader.readString(), raw.count == 64 else {
            throw .malformedBlob("the ed25519 signature is not 64 bytes")
        }
        guard signatureReader.isAtEnd else { throw .trailingData("ed25519 signature") }
        self.init(publicKey: key, namespace: namespace, hashAlgorithm: hash, signature: raw)
    }

    /// Why this signature does not cover exactly `message` in namespace `expected`, or `nil` when it does.
    public func problem(verifying message: [UInt8], namespace expected: String) -> SignatureProblem? {
        guard namespace == expected else { return .wrongNamespace(expected: expected, found: namespace) }
        let signed = SSHSignature.signedData(message, namespace: namespace, hashAlgorithm: hashAlgorithm)
        return publicKey.verifyingKey.isValidSignature(signature, for: signed) ? nil : .doesNotVerify
    }

    /// Parses an armored signature file and verifies it over `message`, returning the signing key.
    ///
    /// - Parameter knownKeys: the keyring the key will be looked up in, whose decoded keys are reused.
    public static func verify(armored: [UInt8], message: [UInt8], namespace: String,
                              knownKeys: Keyring? = nil) -> Result<SSHPublicKey, SignatureProblem> {
        do {
            let signature = try SSHSignature(armored: armored, knownKeys: knownKeys)
            if let problem = signature.problem(verifying: message, namespace: namespace) { return .failure(problem) }
            return .success(signature.publicKey)
        } catch {
            return .failure(error)
        }
    }

    /// The bytes an SSHSIG signature covers: magic, namespace, reserved, hash name and H(message).
    /// Written into one buffer of the final size: this runs once per verification.
    static func signedData(_ message: [UInt8], namespace: String, hashAlgorithm: HashAlgorithm) -> [UInt8] {
        var data: [UInt8] = []
        data.reserveCapacity(magic.count + 4 * 4 + namespace.utf8.count + hashAlgorithm.rawValue.utf8.count + 64)
        data.append(contentsOf: magic)
        SSHWire.appendString(namespace.utf8, to: &data)
        SSHWire.appendString(EmptyCollection<UInt8>(), to: &data)
        SSHWire.appendString(hashAlgorithm.rawValue.utf8, to: &data)
        switch hashAlgorithm {
        case .sha512: SHA512.hash(data: message).withUnsafeBytes { SSHWire.appendString($0, to: &data) }
        case .sha256: SHA256.hash(data: message).withUnsafeBytes { SSHWire.appendString($0, to: &data) }
        }
        return data
    }

    /// The binary SSHSIG blob.
    public var blob: [UInt8] {
        SSHSignature.magic + SSHWire.uint32(1) + SSHWire.string(publicKey.blob) + SSHWire.string(namespace)
            + SSHWire.string([UInt8]()) + SSHWire.string(hashAlgorithm.rawValue)
            + SSHWire.string(SSHWire.string(SSHPublicKey.keyType) + SSHWire.string(signature))
    }

    /// The armored file exactly as `ssh-keygen -Y sign` writes it.
    public var armored: [UInt8] {
        Array(SSHSignature.armor(blob, begin: SSHSignature.armorBegin, end: SSHSignature.armorEnd).utf8)
    }

    static func armor(_ blob: [UInt8], begin: String, end: String) -> String {
        let body = Array(StrictBase64.encode(blob))
        var lines = [begin]
        for start in stride(from: 0, to: body.count, by: armorWidth) {
            lines.append(String(body[start..<min(start + armorWidth, body.count)]))
        }
        lines.append(end)
        return lines.joined(separator: "\n") + "\n"
    }

    static func dearmor(_ bytes: [UInt8]) throws(SignatureProblem) -> [UInt8] {
        guard !bytes.contains(UInt8(ascii: "\r")) else { throw .malformedArmor("it has CR (Windows) line endings") }
        guard bytes.last == UInt8(ascii: "\n") else { throw .malformedArmor("it does not end with a newline") }
        // Lines found by a plain walk (the generic `split` was most of dearmoring), compared with the
        // armor's bytes in place and joined into one buffer: dearmoring is on every verification's path.
        var lines: [ArraySlice<UInt8>] = []
        lines.reserveCapacity(bytes.count / armorWidth + 3)
        var start = 0
        while start < bytes.count, let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(bytes[start..<end])
            start = end + 1
        }
        guard lines.count >= 3, lines[0].elementsEqual(armorBeginBytes) else {
            throw .malformedArmor("the first line is not '\(armorBegin)'")
        }
        guard let endIndex = lines.firstIndex(where: { $0.elementsEqual(armorEndBytes) }) else {
            throw .malformedArmor("the line '\(armorEnd)' is missing")
        }
        guard endIndex == lines.count - 1 else { throw .trailingData("armor's END line") }
        let body = lines[1..<endIndex]
        var text: [UInt8] = []
        text.reserveCapacity(body.count * armorWidth)
        for (offset, line) in body.enumerated() {
            let isLast = offset == body.count - 1
            guard isLast ? (1...armorWidth).contains(line.count) : line.count == armorWidth else {
                throw .malformedArmor("base64 line \(offset + 1) is \(line.count) characters long; ssh-keygen writes \(armorWidth)-character lines")
            }
            text.append(contentsOf: line)
        }
        guard let blob = StrictBase64.decode(text) else {
            throw .malformedArmor("the base64 text is not canonical standard base64")
        }
        return blob
    }
}
