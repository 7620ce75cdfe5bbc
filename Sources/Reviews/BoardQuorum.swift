/// A signature file that did not count towards a quorum, and why.
public struct UncountedSignature: Sendable, Hashable, CustomStringConvertible {
    /// The signature file's path.
    public let path: String
    /// Why it did not count.
    public let reason: String

    public var description: String { "\(path): \(reason)" }
}

/// How many distinct members validly signed a multi-signer statement, against one keyring.
public struct QuorumCount: Sendable, Hashable {
    /// Distinct member ids whose signatures verify, sorted.
    public let signers: [String]
    /// Distinct members required.
    public let required: Int
    /// Signature files that did not count, with reasons.
    public let uncounted: [UncountedSignature]

    /// Whether enough distinct members signed.
    public var isMet: Bool { signers.count >= required }

    /// The signature files that count in none of `counts`: a keyring rotation's signature may count
    /// for the previous members or for the new ones, and is only reported when it counts for neither.
    static func uncountedInAll(_ counts: [QuorumCount]) -> [UncountedSignature] {
        guard let first = counts.first else { return [] }
        return first.uncounted.filter { signature in
            counts.dropFirst().allSatisfy { $0.uncounted.contains { $0.path == signature.path } }
        }
    }
}

/// Counts the members who signed a statement stored with a `<path>.sigs/<member>.sig` folder.
///
/// Used for keyrings, policy parameters and board revocations. Members are counted, never files
/// or keys: a signature counts for member `m` only when it is in `m.sig`, verifies over the exact
/// statement bytes in the required namespace, and was made with `m`'s key in that keyring.
public enum BoardQuorum {
    /// Checks a board statement (such as `Reviews/board/policy.v<NNNN>`): at least `threshold-keyring`
    /// current members must have signed it in the `keyring@analytics-registry` namespace.
    ///
    /// `files` may hold any files; only `<statement.path>.sigs/*.sig` are read.
    public static func verifyBoardStatement(_ statement: RepositoryFile, files: [RepositoryFile],
                                            keyring: Keyring) -> QuorumCount {
        count(statement, files: files, keyring: keyring, namespace: ReviewNamespace.keyring,
              threshold: keyring.thresholdKeyring)
    }

    /// Counts the distinct members of `keyring` whose signatures verify over the statement's exact bytes.
    static func count(_ statement: RepositoryFile, files: [RepositoryFile], keyring: Keyring,
                      namespace: String, threshold: Int) -> QuorumCount {
        let folder = ReviewPaths.signatureFolder(of: statement.path) + "/"
        var signers = Set<String>()
        var uncounted: [UncountedSignature] = []
        for file in files.filter({ $0.path.hasPrefix(folder) }).sorted(by: { $0.path < $1.path }) {
            let name = file.path.dropFirst(folder.count)
            guard name.hasSuffix(".sig"), !name.contains("/"),
                  StatementSyntax.isMemberID(String(name.dropLast(4)))
            else {
                uncounted.append(UncountedSignature(path: file.path, reason: "not a signature file name; signatures are named '<member>.sig'"))
                continue
            }
            let member = String(name.dropLast(4))
            switch SSHSignature.verify(armored: file.bytes, message: statement.bytes, namespace: namespace, knownKeys: keyring) {
            case .failure(let problem):
                uncounted.append(UncountedSignature(path: file.path, reason: problem.description))
            case .success(let key) where keyring.member(member)?.key == key:
                signers.insert(member)
            case .success(let key):
                let reason = if let holder = keyring.memberID(holding: key) {
                    "signed with the key of member '\(holder)', not of '\(member)'"
                } else if keyring.member(member) != nil {
                    "signed with key \(key.fingerprint), which is not the key of '\(member)' in keyring version \(keyring.version)"
                } else {
                    "'\(member)' is not a member of keyring version \(keyring.version)"
                }
                uncounted.append(UncountedSignature(path: file.path, reason: reason))
            }
        }
        return QuorumCount(signers: signers.sorted(), required: threshold, uncounted: uncounted)
    }
}
