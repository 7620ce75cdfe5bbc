import RegistrySupport

/// A proposed next keyring waiting under `Reviews/board/proposals/` for its signatures.
///
/// A proposal never affects the chain: it is only moved into `Reviews/board/` (by `registry board
/// adopt`) once it is exactly the next version and signed by `threshold-keyring` members of both
/// the current keyring and itself, so a half-signed rotation can be committed and shared safely.
public struct KeyringProposal: Sendable, Hashable {
    /// The proposal file's path.
    public let path: String
    /// The version the file name proposes (nil when the name is not `keyring.v<NNNN>`).
    public let version: Int?
    /// The proposed keyring, when its text is a canonical keyring.
    public let keyring: Keyring?
    /// Members of the current keyring who signed it, sorted.
    public let previousSigners: [String]
    /// Members of the proposed keyring who signed it, sorted.
    public let ownSigners: [String]
    /// Members of the current keyring who have not signed it yet, while its threshold is not met.
    public let missingPreviousSigners: [String]
    /// Members of the proposed keyring who have not signed it yet, while its threshold is not met.
    public let missingOwnSigners: [String]
    /// Why it cannot be adopted yet (empty when it can).
    public let problems: [String]
    /// Signature files that count on neither side.
    public let uncountedSignatures: [UncountedSignature]

    /// Whether `registry board adopt` may move it into the chain.
    public var isReady: Bool { problems.isEmpty }

    /// Checks every proposal under `Reviews/board/proposals/` against the chain's current keyring.
    ///
    /// - Parameters:
    ///   - boardFiles: the files under `Reviews/board/` (other files are ignored).
    ///   - chain: the verdict on the committed chain; a refused chain makes every proposal wait.
    public static func evaluate(boardFiles: [RepositoryFile], chain: KeyringChainVerdict) -> [KeyringProposal] {
        let folder = ReviewPaths.proposals + "/"
        return boardFiles.filter { $0.path.hasPrefix(folder) && !$0.path.dropFirst(folder.count).contains("/") }
            .sorted { $0.path < $1.path }
            .map { evaluate($0, files: boardFiles, chain: chain) }
    }

    /// Checks one proposal file (with its `.sigs/` folder among `files`) against the chain.
    public static func evaluate(_ file: RepositoryFile, files: [RepositoryFile], chain: KeyringChainVerdict) -> KeyringProposal {
        let name = file.path.split(separator: "/").last ?? ""
        let version = ReviewPaths.versionNumber(fileName: name, prefix: "keyring.v")
        var problems: [String] = []
        if version == nil {
            problems.append("'\(file.path)' is not named keyring.v<NNNN>; remove or rename it")
        }
        if file.bytes.count > StatementLimits.maximumBytes {
            problems.append(StatementLimits.oversizeReason(file.bytes.count))
        }
        let keyring: Keyring?
        do {
            keyring = problems.isEmpty ? try Keyring(parsing: file.bytes) : nil
        } catch {
            keyring = nil
            problems.append("not a canonical keyring: \(error)")
        }
        guard let current = chain.keyring, chain.status != .refused else {
            return KeyringProposal(path: file.path, version: version, keyring: keyring, previousSigners: [], ownSigners: [],
                                   missingPreviousSigners: [], missingOwnSigners: [],
                                   problems: problems + ["the keyring chain is not trusted, so no proposal can be adopted; run 'registry board verify'"],
                                   uncountedSignatures: [])
        }
        if let version, version != current.version + 1 {
            problems.append("it proposes version \(version) but the next version after \(current.version) is \(current.version + 1); propose it again with 'registry board propose'")
        }
        if let keyring, let version, keyring.version != version {
            problems.append("its file name says version \(version) but it declares version \(keyring.version)")
        }
        let old = BoardQuorum.count(file, files: files, keyring: current, namespace: ReviewNamespace.keyring,
                                    threshold: current.thresholdKeyring)
        let own = keyring.map {
            BoardQuorum.count(file, files: files, keyring: $0, namespace: ReviewNamespace.keyring, threshold: $0.thresholdKeyring)
        }
        var missingOld: [String] = []
        if !old.isMet {
            missingOld = current.members.map(\.id).filter { !old.signers.contains($0) }
            problems.append("signed by \(old.signers.count) of the \(old.required) members of version \(current.version) required; waiting for \(old.required - old.signers.count) more of \(missingOld.joined(separator: ", "))")
        }
        var missingOwn: [String] = []
        if let own, let keyring, !own.isMet {
            missingOwn = keyring.members.map(\.id).filter { !own.signers.contains($0) }
            problems.append("signed by \(own.signers.count) of the \(own.required) of its own members required; waiting for \(own.required - own.signers.count) more of \(missingOwn.joined(separator: ", "))")
        }
        let uncounted = QuorumCount.uncountedInAll([old] + (own.map { [$0] } ?? []))
        return KeyringProposal(path: file.path, version: version, keyring: keyring, previousSigners: old.signers,
                               ownSigners: own?.signers ?? [], missingPreviousSigners: missingOld, missingOwnSigners: missingOwn,
                               problems: problems, uncountedSignatures: uncounted)
    }
}
