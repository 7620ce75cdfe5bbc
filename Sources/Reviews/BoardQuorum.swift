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
        count(statement, files: files, keyrings: [keyring], namespace: ReviewNamespace.keyring,
              thresholds: [keyring.thresholdKeyring])[0]
    }

    /// Counts signers against several keyrings at once (a rotation is checked against old and new).
    ///
    /// A signature file that counts for at least one keyring is not reported as uncounted.
    static func count(_ statement: RepositoryFile, files: [RepositoryFile], keyrings: [Keyring],
                      namespace: String, thresholds: [Int]) -> [QuorumCount] {
        let folder = ReviewPaths.signatureFolder(of: statement.path) + "/"
        var signers = Array(repeating: Set<String>(), count: keyrings.count)
        var uncounted: [UncountedSignature] = []
        let signatureFiles = files.filter { $0.path.hasPrefix(folder) }.sorted { $0.path < $1.path }
        for file in signatureFiles {
            let name = file.path.dropFirst(folder.count)
            guard name.hasSuffix(".sig"), !name.contains("/"),
                  StatementSyntax.isMemberID(String(name.dropLast(4)))
            else {
                uncounted.append(UncountedSignature(path: file.path, reason: "not a signature file name; signatures are named '<member>.sig'"))
                continue
            }
            let member = String(name.dropLast(4))
            let key: SSHPublicKey
            switch SSHSignature.verify(armored: file.bytes, message: statement.bytes, namespace: namespace) {
            case .failure(let problem):
                uncounted.append(UncountedSignature(path: file.path, reason: problem.description))
                continue
            case .success(let signingKey):
                key = signingKey
            }
            var counted = false
            for (index, keyring) in keyrings.enumerated() where keyring.member(member)?.key == key {
                signers[index].insert(member)
                counted = true
            }
            guard !counted else { continue }
            let holder = keyrings.lazy.compactMap { $0.memberID(holding: key) }.first
            let versions = keyrings.map { "v\($0.version)" }.joined(separator: " or ")
            let reason = if let holder, holder != member {
                "signed with the key of member '\(holder)', not of '\(member)'"
            } else if keyrings.contains(where: { $0.member(member) != nil }) {
                "signed with key \(key.fingerprint), which is not the key of '\(member)' in keyring \(versions)"
            } else {
                "'\(member)' is not a member of keyring \(versions)"
            }
            uncounted.append(UncountedSignature(path: file.path, reason: reason))
        }
        return zip(signers, thresholds).map { set, threshold in
            QuorumCount(signers: set.sorted(), required: threshold, uncounted: uncounted)
        }
    }
}
