import Foundation
import RegistrySupport

/// What walking the keyring chain found about one version.
public struct KeyringVersionOutcome: Sendable, Hashable {
    /// The version number from the file name.
    public let version: Int
    /// The keyring file's path.
    public let path: String
    /// Whether this version is trusted.
    public let isValid: Bool
    /// Members of the previous version who signed it (empty for version 1).
    public let previousSigners: [String]
    /// Members of this version who signed it.
    public let ownSigners: [String]
    /// Why the version is not trusted (empty when valid).
    public let problems: [String]
    /// Signature files that did not count.
    public let uncountedSignatures: [UncountedSignature]
}

/// The verdict on the whole keyring chain: which keyring is current, or why none is.
public struct KeyringChainVerdict: Sendable, Hashable {
    /// How far the chain can be trusted.
    public enum Status: String, Sendable, Hashable {
        /// Every version is valid and the newest has not expired.
        case trusted
        /// Every version is valid but the newest has expired: approvals freeze until it is renewed.
        case expired
        /// Something is wrong; no keyring is trusted and nothing counts as approved.
        case refused
    }

    /// The outcome.
    public let status: Status
    /// The newest keyring, unless the chain is refused.
    public let keyring: Keyring?
    /// Each version found, in order.
    public let versions: [KeyringVersionOutcome]
    /// Chain-wide reasons for refusal (anchor mismatch, gaps, rollback, stray files).
    public let problems: [String]

    /// The newest version present, which the caller records as the highest version seen.
    public var newestVersion: Int { versions.last?.version ?? 0 }
}

/// Walks `Reviews/board/keyring.v0001 … vNNNN` from the pinned anchor, the TUF root way.
public enum KeyringChain {
    /// Verifies the chain.
    ///
    /// - Parameters:
    ///   - boardFiles: the files under `Reviews/board/` (other files are ignored).
    ///   - trustAnchor: the pinned lowercase hex SHA-256 of `keyring.v0001`.
    ///   - highestSeen: the highest version this machine has trusted before; a shorter chain is a rollback.
    ///   - now: the current time, for the newest keyring's expiry.
    public static func verify(boardFiles: [RepositoryFile], trustAnchor: String, highestSeen: Int,
                              now: Date) -> KeyringChainVerdict {
        var problems: [String] = []
        var keyringFiles: [Int: RepositoryFile] = [:]
        let prefix = ReviewPaths.board + "/keyring."
        for file in boardFiles where file.path.hasPrefix(prefix) {
            let name = file.path.dropFirst(ReviewPaths.board.count + 1)
            if name.contains("/") {
                if !isSignaturePath(name) { problems.append("'\(file.path)' is not a keyring signature; remove it") }
                continue
            }
            guard let version = ReviewPaths.versionNumber(fileName: name, prefix: "keyring.v") else {
                problems.append("'\(file.path)' is not named keyring.v<NNNN>; remove or rename it")
                continue
            }
            keyringFiles[version] = file
        }
        let present = keyringFiles.keys.sorted()
        guard let newest = present.last else {
            return KeyringChainVerdict(status: .refused, keyring: nil, versions: [],
                                       problems: problems + ["there is no \(ReviewPaths.keyring(version: 1)); create and sign the board's first keyring"])
        }
        let missing = (1...newest).filter { keyringFiles[$0] == nil }
        if !missing.isEmpty {
            problems.append("keyring versions \(missing.map(String.init).joined(separator: ", ")) are missing; the chain must run from 1 to \(newest) without gaps")
        }
        if newest < highestSeen {
            problems.append("the newest keyring is version \(newest) but this machine has already trusted version \(highestSeen); refusing a rollback")
        }
        var outcomes: [KeyringVersionOutcome] = []
        var current: Keyring?
        for version in present {
            guard let file = keyringFiles[version] else { continue }
            let previous = current?.version == version - 1 ? current : nil
            let (outcome, keyring) = verifyVersion(file, version: version, previous: previous,
                                                   files: boardFiles, trustAnchor: trustAnchor)
            outcomes.append(outcome)
            current = keyring
        }
        let allValid = outcomes.allSatisfy(\.isValid)
        if !allValid {
            let invalid = outcomes.filter { !$0.isValid }.map { String($0.version) }
            problems.append("keyring version\(invalid.count == 1 ? "" : "s") \(invalid.joined(separator: ", ")) \(invalid.count == 1 ? "is" : "are") not valid (see 'registry board verify')")
        }
        guard problems.isEmpty, allValid, let keyring = current else {
            return KeyringChainVerdict(status: .refused, keyring: nil, versions: outcomes, problems: problems)
        }
        let status: KeyringChainVerdict.Status = keyring.isExpired(at: StatementTime(now)) ? .expired : .trusted
        return KeyringChainVerdict(status: status, keyring: keyring, versions: outcomes, problems: [])
    }

    private static func isSignaturePath(_ name: Substring) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts[0].hasSuffix(".sigs")
    }

    private static func verifyVersion(_ file: RepositoryFile, version: Int, previous: Keyring?,
                                      files: [RepositoryFile], trustAnchor: String) -> (KeyringVersionOutcome, Keyring?) {
        func refused(_ problems: [String], _ uncounted: [UncountedSignature] = [],
                     previousSigners: [String] = []) -> (KeyringVersionOutcome, Keyring?) {
            (KeyringVersionOutcome(version: version, path: file.path, isValid: false, previousSigners: previousSigners,
                                   ownSigners: [], problems: problems, uncountedSignatures: uncounted), nil)
        }
        if version == 1 {
            let digest = SHA256Hex.of(file.bytes)
            guard digest == trustAnchor.lowercased() else {
                return refused(["its SHA-256 is \(digest) but the pinned trust anchor is \(trustAnchor); the first keyring was changed or the anchor is wrong"])
            }
        } else if previous == nil {
            return refused(["not checked because version \(version - 1) is missing or not valid"])
        }
        // A rotation must be authorised by the previous members before its text is even parsed.
        let old = previous.map {
            BoardQuorum.count(file, files: files, keyring: $0, namespace: ReviewNamespace.keyring,
                              threshold: $0.thresholdKeyring)
        }
        if let old, let previous, !old.isMet {
            let signers = old.signers.isEmpty ? "" : " (\(old.signers.joined(separator: ", ")))"
            // An unsigned keyring committed into the chain refuses every approval; say where it belongs.
            return refused(["signed by \(old.signers.count) members of version \(previous.version)\(signers) but threshold-keyring of version \(previous.version) is \(old.required); until it is signed no keyring is trusted, so move a keyring still collecting signatures to \(ReviewPaths.keyringProposal(version: version)) and run 'registry board adopt' once it is signed"],
                           old.uncounted, previousSigners: old.signers)
        }
        guard file.bytes.count <= StatementLimits.maximumBytes else {
            return refused([StatementLimits.oversizeReason(file.bytes.count)], previousSigners: old?.signers ?? [])
        }
        let keyring: Keyring
        do {
            keyring = try Keyring(parsing: file.bytes)
        } catch {
            return refused(["not a canonical keyring: \(error)"], previousSigners: old?.signers ?? [])
        }
        var problems: [String] = []
        if keyring.version != version {
            problems.append("its file name says version \(version) but it declares version \(keyring.version)")
        }
        let own = BoardQuorum.count(file, files: files, keyring: keyring, namespace: ReviewNamespace.keyring,
                                    threshold: keyring.thresholdKeyring)
        if !own.isMet {
            problems.append("signed by \(own.signers.count) of its own members (\(own.signers.joined(separator: ", "))) but its threshold-keyring is \(own.required)")
        }
        let uncounted = QuorumCount.uncountedInAll([own] + (old.map { [$0] } ?? []))
        let outcome = KeyringVersionOutcome(version: version, path: file.path, isValid: problems.isEmpty,
                                            previousSigners: old?.signers ?? [], ownSigners: own.signers,
                                            problems: problems, uncountedSignatures: uncounted)
        return (outcome, problems.isEmpty ? keyring : nil)
    }
}
