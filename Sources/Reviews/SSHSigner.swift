import Foundation
import Crypto

/// Signs statements the way `ssh-keygen -Y sign` does, from an unencrypted OpenSSH ed25519 key.
public struct SSHSigner: Sendable {
    private static let privateBegin = "-----BEGIN OPENSSH PRIVATE KEY-----"
    private static let privateEnd = "-----END OPENSSH PRIVATE KEY-----"
    private static let privateMagic = Array("openssh-key-v1\0".utf8)

    /// The public half, to look the signer up in a keyring.
    public let publicKey: SSHPublicKey
    private let privateKey: Curve25519.Signing.PrivateKey

    /// Reads an OpenSSH private key file (`-----BEGIN OPENSSH PRIVATE KEY-----`, cipher `none`).
    ///
    /// `path` is only used in messages.
    public init(privateKeyFile bytes: [UInt8], path: String) throws(ReviewError) {
        func unreadable(_ reason: String) -> ReviewError { .unreadableKey(path: path, reason: reason) }
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(of: SSHSigner.privateBegin),
              let end = lines.firstIndex(of: SSHSigner.privateEnd), begin < end
        else {
            throw unreadable("it is not an OpenSSH private key file (no '\(SSHSigner.privateBegin)' block)")
        }
        guard let blob = StrictBase64.decode(lines[(begin + 1)..<end].joined().utf8) else {
            throw unreadable("its base64 body is damaged")
        }
        var reader = SSHWireReader(blob)
        guard reader.readBytes(SSHSigner.privateMagic.count) == SSHSigner.privateMagic,
              let cipher = reader.readName(), let kdf = reader.readName(), let kdfOptions = reader.readString(),
              let keyCount = reader.readUInt32()
        else { throw unreadable("its header is not 'openssh-key-v1'") }
        guard cipher == "none" else { throw .encryptedKey(path: path, cipher: cipher) }
        guard kdf == "none", kdfOptions.isEmpty else { throw unreadable("it names key derivation '\(kdf)' without a cipher") }
        guard keyCount == 1 else { throw unreadable("it holds \(keyCount) keys instead of one") }
        guard let publicBlob = reader.readString(), let privateSection = reader.readString(), reader.isAtEnd else {
            throw unreadable("its key sections are truncated")
        }
        var publicReader = SSHWireReader(publicBlob)
        if let type = publicReader.readName(), type != SSHPublicKey.keyType {
            throw .unsupportedKeyType(path: path, type: type)
        }
        guard let publicKey = SSHPublicKey(blob: publicBlob) else { throw unreadable("its public key is malformed") }
        var secret = SSHWireReader(privateSection)
        guard let check1 = secret.readUInt32(), let check2 = secret.readUInt32(), check1 == check2,
              secret.readName() == SSHPublicKey.keyType,
              let embeddedPublic = secret.readString(), embeddedPublic == publicKey.rawRepresentation,
              let seedAndPublic = secret.readString(), seedAndPublic.count == 64,
              Array(seedAndPublic[32...]) == publicKey.rawRepresentation,
              secret.readString() != nil
        else { throw unreadable("its private section is damaged or does not match its public key") }
        guard let privateKey = try? Curve25519.Signing.PrivateKey(rawRepresentation: seedAndPublic[..<32]),
              Array(privateKey.publicKey.rawRepresentation) == publicKey.rawRepresentation
        else { throw unreadable("its private key does not produce its public key") }
        self.publicKey = publicKey
        self.privateKey = privateKey
    }

    /// Signs `message` in `namespace`, returning the armored `.sig` file bytes.
    public func sign(_ message: [UInt8], namespace: String,
                     hashAlgorithm: SSHSignature.HashAlgorithm = .sha512) throws(ReviewError) -> [UInt8] {
        let data = SSHSignature.signedData(message, namespace: namespace, hashAlgorithm: hashAlgorithm)
        return SSHSignature(publicKey: publicKey, namespace: namespace, hashAlgorithm: hashAlgorithm,
                            signature: try rawSignature(over: data)).armored
    }

    /// The bare ed25519 signature over `data`.
    func rawSignature(over data: [UInt8]) throws(ReviewError) -> [UInt8] {
        do {
            return Array(try privateKey.signature(for: data))
        } catch {
            throw .signingFailed(reason: "\(error)")
        }
    }
}
