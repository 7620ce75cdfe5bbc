import Crypto
import Foundation
import Testing
@testable import Reviews
import TestSupport

/// What stock `ssh-keygen -Y verify` and this module should say about one signature file.
enum Agreement: Sendable {
    /// Both accept.
    case bothAccept
    /// Both refuse, and ours for this reason.
    case bothRefuse(SignatureProblemKind)
    /// ssh-keygen tolerates it but we refuse, deliberately: one signature, one canonical file.
    case stricterThanSSHKeygen(SignatureProblemKind)
}

/// A `SignatureProblem` without its payload, for table expectations.
enum SignatureProblemKind: Sendable, Equatable {
    case malformedArmor, malformedBlob, unsupportedVersion, unsupportedKeyType, unsupportedHashAlgorithm
    case unsupportedSignatureType, reservedFieldNotEmpty, wrongNamespace, trailingData, doesNotVerify, notMember

    init(_ problem: SignatureProblem) {
        switch problem {
        case .malformedArmor: self = .malformedArmor
        case .malformedBlob: self = .malformedBlob
        case .unsupportedVersion: self = .unsupportedVersion
        case .unsupportedKeyType: self = .unsupportedKeyType
        case .unsupportedHashAlgorithm: self = .unsupportedHashAlgorithm
        case .unsupportedSignatureType: self = .unsupportedSignatureType
        case .reservedFieldNotEmpty: self = .reservedFieldNotEmpty
        case .wrongNamespace: self = .wrongNamespace
        case .trailingData: self = .trailingData
        case .doesNotVerify: self = .doesNotVerify
        }
    }
}

/// Parts of an SSHSIG blob, to build signatures that are valid ed25519 over deliberately odd structures.
struct CraftedSignature {
    var version: UInt32 = 1
    var keyType = "ssh-ed25519"
    var namespace = ReviewNamespace.review
    var reserved: [UInt8] = []
    var signedReserved: [UInt8] = []
    var hash = "sha512"
    var signatureType = "ssh-ed25519"
    var trailingInBlob: [UInt8] = []
    var trailingInSignature: [UInt8] = []

    func blob(message: [UInt8], signer: SSHSigner) throws -> [UInt8] {
        let digest: [UInt8] = switch hash {
        case "sha256": Array(SHA256.hash(data: message))
        case "sha1": Array(Insecure.SHA1.hash(data: message))
        default: Array(SHA512.hash(data: message))
        }
        let signed = SSHSignature.magic + SSHWire.string(namespace) + SSHWire.string(signedReserved)
            + SSHWire.string(hash) + SSHWire.string(digest)
        let raw = try signer.rawSignature(over: signed)
        let key = SSHWire.string(keyType) + SSHWire.string(signer.publicKey.rawRepresentation)
        return SSHSignature.magic + SSHWire.uint32(version) + SSHWire.string(key) + SSHWire.string(namespace)
            + SSHWire.string(reserved) + SSHWire.string(hash)
            + SSHWire.string(SSHWire.string(signatureType) + SSHWire.string(raw) + trailingInSignature) + trailingInBlob
    }

    func armored(message: [UInt8], signer: SSHSigner) throws -> [UInt8] {
        Array(SSHSignature.armor(try blob(message: message, signer: signer), begin: SSHSignature.armorBegin,
                                 end: SSHSignature.armorEnd).utf8)
    }
}

/// One adversarial signature file: how to make it, and what both verifiers must say.
struct SignatureCase: Sendable, CustomTestStringConvertible {
    let name: String
    let agreement: Agreement
    /// Builds (message, signature bytes, namespace to verify in, identity claimed) from a board.
    let make: @Sendable (BoardFixture) throws -> (message: [UInt8], signature: [UInt8], namespace: String, identity: String)

    var testDescription: String { name }
}

private let message = Array("format: analytics-registry/1\ntype: approval\n".utf8)

private func reArmor(_ signature: [UInt8], width: Int) throws -> [UInt8] {
    let blob = try SSHSignature.dearmor(signature)
    let body = Array(StrictBase64.encode(blob))
    var lines = [SSHSignature.armorBegin]
    for start in stride(from: 0, to: body.count, by: width) {
        lines.append(String(body[start..<min(start + width, body.count)]))
    }
    lines.append(SSHSignature.armorEnd)
    return Array((lines.joined(separator: "\n") + "\n").utf8)
}

private func flipBlobByte(_ signature: [UInt8], fromEnd offset: Int) throws -> [UInt8] {
    var blob = try SSHSignature.dearmor(signature)
    blob[blob.count - offset] ^= 0x01
    return Array(SSHSignature.armor(blob, begin: SSHSignature.armorBegin, end: SSHSignature.armorEnd).utf8)
}

let signatureCases: [SignatureCase] = [
    SignatureCase(name: "ssh-keygen sha512 signature", agreement: .bothAccept) { board in
        (message, try board.sign(message, by: "alice", namespace: ReviewNamespace.review), ReviewNamespace.review, "alice")
    },
    SignatureCase(name: "ssh-keygen sha256 signature", agreement: .bothAccept) { board in
        (message, try board.sign(message, by: board.member("alice"), namespace: ReviewNamespace.review, hash: .sha256),
         ReviewNamespace.review, "alice")
    },
    SignatureCase(name: "SSHSigner sha512 signature", agreement: .bothAccept) { board in
        (message, try board.sign(message, by: "alice", namespace: ReviewNamespace.review, tool: .swiftSigner),
         ReviewNamespace.review, "alice")
    },
    SignatureCase(name: "SSHSigner sha256 signature", agreement: .bothAccept) { board in
        (message, try board.sign(message, by: board.member("alice"), namespace: ReviewNamespace.keyring,
                                 tool: .swiftSigner, hash: .sha256), ReviewNamespace.keyring, "alice")
    },
    SignatureCase(name: "wrong namespace", agreement: .bothRefuse(.wrongNamespace)) { board in
        (message, try board.sign(message, by: "alice", namespace: ReviewNamespace.keyring), ReviewNamespace.review, "alice")
    },
    SignatureCase(name: "another member's key for the claimed identity", agreement: .bothRefuse(.notMember)) { board in
        (message, try board.sign(message, by: "bob", namespace: ReviewNamespace.review), ReviewNamespace.review, "alice")
    },
    SignatureCase(name: "message changed after signing", agreement: .bothRefuse(.doesNotVerify)) { board in
        (message + [0x0a], try board.sign(message, by: "alice", namespace: ReviewNamespace.review), ReviewNamespace.review, "alice")
    },
    SignatureCase(name: "bit flipped in the ed25519 signature", agreement: .bothRefuse(.doesNotVerify)) { board in
        (message, try flipBlobByte(try board.sign(message, by: "alice", namespace: ReviewNamespace.review), fromEnd: 5),
         ReviewNamespace.review, "alice")
    },
    SignatureCase(name: "truncated armor body", agreement: .bothRefuse(.malformedArmor)) { board in
        let signature = try board.sign(message, by: "alice", namespace: ReviewNamespace.review)
        var lines = String(decoding: signature, as: UTF8.self).split(separator: "\n").map(String.init)
        lines.remove(at: lines.count - 2)
        return (message, Array((lines.joined(separator: "\n") + "\n").utf8), ReviewNamespace.review, "alice")
    },
    SignatureCase(name: "truncated file", agreement: .bothRefuse(.malformedArmor)) { board in
        let signature = try board.sign(message, by: "alice", namespace: ReviewNamespace.review)
        return (message, Array(signature.prefix(signature.count / 2)), ReviewNamespace.review, "alice")
    },
    SignatureCase(name: "blob cut short but re-armored", agreement: .bothRefuse(.malformedBlob)) { board in
        let blob = try SSHSignature.dearmor(try board.sign(message, by: "alice", namespace: ReviewNamespace.review))
        return (message, Array(SSHSignature.armor(Array(blob.dropLast(10)), begin: SSHSignature.armorBegin,
                                                  end: SSHSignature.armorEnd).utf8), ReviewNamespace.review, "alice")
    },
    SignatureCase(name: "magic preamble changed", agreement: .bothRefuse(.malformedBlob)) { board in
        var blob = try SSHSignature.dearmor(try board.sign(message, by: "alice", namespace: ReviewNamespace.review))
        blob[0] = UInt8(ascii: "X")
        return (message, Array(SSHSignature.armor(blob, begin: SSHSignature.armorBegin, end: SSHSignature.armorEnd).utf8),
                ReviewNamespace.review, "alice")
    },
    SignatureCase(name: "SSHSIG version 2", agreement: .bothRefuse(.unsupportedVersion)) { board in
        (message, try CraftedSignature(version: 2).armored(message: message, signer: board.member("alice").signer),
         ReviewNamespace.review, "alice")
    },
    SignatureCase(name: "SSHSIG version 0", agreement: .stricterThanSSHKeygen(.unsupportedVersion)) { board in
        (message, try CraftedSignature(version: 0).armored(message: message, signer: board.member("alice").signer),
         ReviewNamespace.review, "alice")
    },
    SignatureCase(name: "public key type renamed", agreement: .bothRefuse(.unsupportedKeyType)) { board in
        (message, try CraftedSignature(keyType: "ssh-rsa").armored(message: message, signer: board.member("alice").signer),
         ReviewNamespace.review, "alice")
    },
    SignatureCase(name: "signature type renamed", agreement: .bothRefuse(.unsupportedSignatureType)) { board in
        (message, try CraftedSignature(signatureType: "ssh-rsa").armored(message: message, signer: board.member("alice").signer),
         ReviewNamespace.review, "alice")
    },
    SignatureCase(name: "hash algorithm sha1", agreement: .bothRefuse(.unsupportedHashAlgorithm)) { board in
        (message, try CraftedSignature(hash: "sha1").armored(message: message, signer: board.member("alice").signer),
         ReviewNamespace.review, "alice")
    },
    SignatureCase(name: "non-empty reserved field", agreement: .stricterThanSSHKeygen(.reservedFieldNotEmpty)) { board in
        (message, try CraftedSignature(reserved: [1, 2, 3]).armored(message: message, signer: board.member("alice").signer),
         ReviewNamespace.review, "alice")
    },
    SignatureCase(name: "trailing bytes inside the SSHSIG blob", agreement: .bothRefuse(.trailingData)) { board in
        (message, try CraftedSignature(trailingInBlob: [0, 0, 0, 0]).armored(message: message, signer: board.member("alice").signer),
         ReviewNamespace.review, "alice")
    },
    SignatureCase(name: "trailing bytes inside the ed25519 signature", agreement: .bothRefuse(.trailingData)) { board in
        (message, try CraftedSignature(trailingInSignature: [0]).armored(message: message, signer: board.member("alice").signer),
         ReviewNamespace.review, "alice")
    },
    SignatureCase(name: "crafted structure that is otherwise exact", agreement: .bothAccept) { board in
        (message, try CraftedSignature().armored(message: message, signer: board.member("alice").signer),
         ReviewNamespace.review, "alice")
    },
    SignatureCase(name: "text after the END line", agreement: .stricterThanSSHKeygen(.trailingData)) { board in
        (message, try board.sign(message, by: "alice", namespace: ReviewNamespace.review) + Array("extra\n".utf8),
         ReviewNamespace.review, "alice")
    },
    SignatureCase(name: "CRLF armor", agreement: .bothRefuse(.malformedArmor)) { board in
        let text = String(decoding: try board.sign(message, by: "alice", namespace: ReviewNamespace.review), as: UTF8.self)
        return (message, Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8), ReviewNamespace.review, "alice")
    },
    SignatureCase(name: "armor wrapped at 64 columns", agreement: .stricterThanSSHKeygen(.malformedArmor)) { board in
        (message, try reArmor(try board.sign(message, by: "alice", namespace: ReviewNamespace.review), width: 64),
         ReviewNamespace.review, "alice")
    },
    SignatureCase(name: "not a signature at all", agreement: .bothRefuse(.malformedArmor)) { _ in
        (message, Array("-----BEGIN PGP SIGNATURE-----\nabc\n-----END PGP SIGNATURE-----\n".utf8), ReviewNamespace.review, "alice")
    },
]

@Suite("SSHSIG signatures agree with ssh-keygen -Y verify")
struct SSHSignatureTests {
    @Test(arguments: signatureCases)
    func agreesWithSSHKeygen(_ testCase: SignatureCase) throws {
        let board = try BoardFixture(["alice", "bob"])
        defer { board.remove() }
        let keyring = try board.keyring(members: ["alice", "bob"], thresholds: (1, 1, 1, 1))
        let (message, signature, namespace, identity) = try testCase.make(board)

        let ours: SignatureProblemKind? = switch SSHSignature.verify(armored: signature, message: message, namespace: namespace) {
        case .failure(let problem): SignatureProblemKind(problem)
        case .success(let key): keyring.member(identity)?.key == key ? nil : .notMember
        }
        // Reusing the keyring's decoded keys changes no answer and no sentence.
        let withKnownKeys = SSHSignature.verify(armored: signature, message: message, namespace: namespace, knownKeys: keyring)
        #expect(withKnownKeys == SSHSignature.verify(armored: signature, message: message, namespace: namespace))
        let theirs = try board.sshKeygenAccepts(message: message, signature: signature, identity: identity,
                                                namespace: namespace, allowedSigners: AllowedSigners.render(keyring))
        switch testCase.agreement {
        case .bothAccept:
            #expect(ours == nil)
            #expect(theirs)
        case .bothRefuse(let kind):
            #expect(ours == kind)
            #expect(!theirs)
        case .stricterThanSSHKeygen(let kind):
            #expect(ours == kind)
            #expect(theirs)
        }
    }

    @Test("SSHSigner writes byte-for-byte what ssh-keygen -Y sign writes", arguments: SSHSignature.HashAlgorithm.allCases)
    func signerMatchesSSHKeygen(_ hash: SSHSignature.HashAlgorithm) throws {
        let board = try BoardFixture(["alice"])
        defer { board.remove() }
        let alice = board.member("alice")
        let ours = try board.sign(message, by: alice, namespace: ReviewNamespace.review, tool: .swiftSigner, hash: hash)
        let theirs = try board.sign(message, by: alice, namespace: ReviewNamespace.review, tool: .sshKeygen, hash: hash)
        #expect(String(decoding: ours, as: UTF8.self) == String(decoding: theirs, as: UTF8.self))
        let parsed = try SSHSignature(armored: theirs)
        #expect(parsed.armored == theirs)
        #expect(parsed.hashAlgorithm == hash)
    }

    @Test("a parsed public key prints the fingerprint ssh-keygen -l prints")
    func fingerprintMatchesSSHKeygen() throws {
        let board = try BoardFixture(["alice"])
        defer { board.remove() }
        let alice = board.member("alice")
        let listed = try BoardFixture.sshKeygen(["-l", "-f", alice.keyPath.appendingPathExtension("pub").path]).stdout
        #expect(listed.split(separator: " ")[1] == Substring(alice.publicKey.fingerprint))
        let line = try String(contentsOf: alice.keyPath.appendingPathExtension("pub"), encoding: .utf8)
        #expect(line.hasPrefix(alice.publicKey.openSSHLine + " "))
    }

    @Test("an encrypted private key is refused with the ssh-keygen command to use instead")
    func encryptedKeyNamesSSHKeygen() throws {
        let directory = try makeTemporaryDirectory()
        defer { directory.remove() }
        let key = directory.url.appendingPathComponent("locked")
        try BoardFixture.sshKeygen(["-q", "-t", "ed25519", "-N", "correct horse", "-f", key.path])
        let error = #expect(throws: ReviewError.self) {
            try SSHSigner(privateKeyFile: Array(try Data(contentsOf: key)), path: key.path)
        }
        #expect(error?.message.contains("ssh-keygen -Y sign -n review@analytics-registry -f \(key.path) FILE") == true)
        #expect(error?.category == .environment)
    }

    @Test("an RSA key is refused by type, and a damaged key file is refused as unreadable")
    func unsupportedAndDamagedKeys() throws {
        let directory = try makeTemporaryDirectory()
        defer { directory.remove() }
        let key = directory.url.appendingPathComponent("rsa")
        try BoardFixture.sshKeygen(["-q", "-t", "rsa", "-b", "1024", "-N", "", "-f", key.path])
        #expect(throws: ReviewError.unsupportedKeyType(path: key.path, type: "ssh-rsa")) {
            try SSHSigner(privateKeyFile: Array(try Data(contentsOf: key)), path: key.path)
        }
        let damaged = Array("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n".utf8)
        #expect(throws: ReviewError.self) { try SSHSigner(privateKeyFile: damaged, path: "damaged") }
        #expect(throws: ReviewError.self) { try SSHPublicKey(openSSHLine: "ssh-rsa AAAAB3NzaC1yc2E") }
    }
}
