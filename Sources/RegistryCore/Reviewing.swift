import Foundation
import GitStore
import ProductModel
import RegistryIndex
import RegistrySupport
import Reviews

/// An approval that counts, as `status --json` shows it.
public struct CountedApprovalSummary: Codable, Sendable {
    public var member: String
    public var issued: String
    public var expires: String
    public var path: String
}

/// A statement that did not count, with why.
public struct UncountedSummary: Codable, Sendable {
    public var path: String
    public var reason: String
}

/// One product's approval state.
public struct ProductApproval: Codable, Sendable {
    public var id: String
    public var version: String
    public var status: String
    public var tree: String
    public var contentDigest: String
    public var state: ApprovalState
    public var threshold: Int
    public var counted: [CountedApprovalSummary]
    public var standing: [UncountedSummary]
    public var notCounted: [UncountedSummary]
    public var explanation: String

    enum CodingKeys: String, CodingKey {
        case id, version, status, tree, state, threshold, counted, standing, explanation
        case contentDigest = "content_sha256"
        case notCounted = "not_counted"
    }
}

/// What `registry status` shows.
public struct StatusReport: Codable, Sendable {
    /// False when any product in use is not approved, or the keyring cannot be trusted.
    public var passed: Bool
    public var commit: String
    public var keyringVersion: Int
    public var keyringProblem: String?
    /// The day board review dates were judged at.
    public var asOf: String
    /// Proposed keyrings waiting for signatures; they never affect the verdicts above.
    public var keyringProposals: [KeyringProposalSummary]
    public var products: [ProductApproval]

    enum CodingKeys: String, CodingKey {
        case passed, commit, products
        case asOf = "as_of"
        case keyringVersion = "keyring_version"
        case keyringProblem = "keyring_problem"
        case keyringProposals = "keyring_proposals"
    }
}

/// A proposed keyring under `Reviews/board/proposals/`, as `board verify` and `status` show it.
public struct KeyringProposalSummary: Codable, Sendable {
    public var path: String
    public var version: Int?
    /// Whether `registry board adopt` would move it into the chain now.
    public var ready: Bool
    public var previousSigners: [String]
    public var ownSigners: [String]
    public var missingPreviousSigners: [String]
    public var missingOwnSigners: [String]
    public var problems: [String]

    enum CodingKeys: String, CodingKey {
        case path, version, ready, problems
        case previousSigners = "previous_signers"
        case ownSigners = "own_signers"
        case missingPreviousSigners = "missing_previous_signers"
        case missingOwnSigners = "missing_own_signers"
    }

    init(_ proposal: KeyringProposal) {
        path = proposal.path
        version = proposal.version
        ready = proposal.isReady
        previousSigners = proposal.previousSigners
        ownSigners = proposal.ownSigners
        missingPreviousSigners = proposal.missingPreviousSigners
        missingOwnSigners = proposal.missingOwnSigners
        problems = proposal.problems + proposal.uncountedSignatures.map(\.description)
    }

    /// One line for people: not in effect, who signed so far, and what it waits for.
    public var text: String {
        "proposal \(path) (not in effect): "
            + (ready ? "signed by both quorums; adopt it with 'registry board adopt'"
                     : "signed by \(previousSigners.isEmpty ? "no current members" : "current members " + previousSigners.joined(separator: ", "))"
                       + " and \(ownSigners.isEmpty ? "none of its members" : "its members " + ownSigners.joined(separator: ", "))"
                       + problems.map { "\n  \($0)" }.joined())
    }
}

/// One keyring version as `board verify` shows it.
public struct KeyringVersionSummary: Codable, Sendable {
    public var version: Int
    public var path: String
    public var valid: Bool
    public var previousSigners: [String]
    public var ownSigners: [String]
    public var problems: [String]

    enum CodingKeys: String, CodingKey {
        case version, path, valid, problems
        case previousSigners = "previous_signers"
        case ownSigners = "own_signers"
    }
}

/// What `registry board verify` shows.
public struct BoardReport: Codable, Sendable {
    public var valid: Bool
    public var status: String
    public var versions: [KeyringVersionSummary]
    public var problems: [String]
    public var members: [String]
    /// Proposed keyrings waiting for signatures; they never affect the chain.
    public var proposals: [KeyringProposalSummary]

    public var text: String {
        var lines = versions.map { version in
            "keyring v\(version.version): \(version.valid ? "valid" : "INVALID")"
                + (version.previousSigners.isEmpty ? "" : ", signed by previous members \(version.previousSigners.joined(separator: ", "))")
                + (version.ownSigners.isEmpty ? ", signed by none of its members" : ", signed by its members \(version.ownSigners.joined(separator: ", "))")
                + version.problems.map { "\n  \($0)" }.joined()
        }
        lines += problems
        lines.append(members.isEmpty ? "Chain \(status); no keyring is trusted."
                                     : "Chain \(status); current members: \(members.joined(separator: ", ")).")
        lines += proposals.map(\.text)
        return lines.joined(separator: "\n")
    }
}

/// A statement written by `review template`.
public struct WrittenStatement: Sendable {
    public var path: String
    public var text: String
    /// Said on standard error: the statement can be written but will not count as it stands.
    public var warning: String?
}

/// A keyring proposal moved into the chain by `board adopt`.
public struct AdoptedKeyring: Sendable {
    /// The keyring's new path in the chain.
    public var path: String
    /// The members whose signatures were moved with it.
    public var signers: [String]
}

extension RegistryWorkspace {
    /// The pinned SHA-256 of keyring.v0001: the option, else `REGISTRY_TRUST_ANCHOR`, else registry.json.
    func trustAnchor(_ explicit: String?) throws -> String {
        if let explicit { return explicit }
        if let environment = ProcessInfo.processInfo.environment["REGISTRY_TRUST_ANCHOR"], !environment.isEmpty {
            return environment
        }
        if let configured = configuration.trustAnchor { return configured }
        throw CoreError.configuration(path: RegistryConfiguration.fileName,
                                      detail: "no trust anchor is pinned; set \"trust_anchor\" to the SHA-256 of Reviews/board/keyring.v0001 (or pass --trust-anchor, or set REGISTRY_TRUST_ANCHOR)")
    }

    private var highestSeenURL: URL { Self.stateDirectory(root).appendingPathComponent("keyring-highest-seen") }

    /// The highest keyring version this machine has trusted, remembered to refuse rollbacks.
    private func highestSeen() -> Int {
        (try? String(contentsOf: highestSeenURL, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
    }

    /// Walks the keyring chain at a commit and remembers its newest version when trusted.
    ///
    /// - Parameter now: the moment the newest keyring's expiry is judged at (`--as-of`'s, or the clock's).
    func keyringVerdict(at commit: CommitID, trustAnchor explicit: String? = nil, now: Date = Date()) throws -> KeyringChainVerdict {
        let files = try repository.files(under: "Reviews/board", at: commit).map { RepositoryFile(path: $0.key, bytes: Array($0.value)) }
        let verdict = KeyringChain.verify(boardFiles: files, trustAnchor: try trustAnchor(explicit),
                                          highestSeen: highestSeen(), now: now)
        if verdict.status != .refused, verdict.newestVersion > highestSeen() {
            try? AtomicFile.write(Data("\(verdict.newestVersion)\n".utf8), to: highestSeenURL)
        }
        return verdict
    }

    /// The keyring proposals committed under `Reviews/board/proposals/`, checked against the chain
    /// but never part of it.
    func keyringProposals(at commit: CommitID, chain: KeyringChainVerdict) throws -> [KeyringProposalSummary] {
        try evaluatedKeyringProposals(at: commit, chain: chain).map(KeyringProposalSummary.init)
    }

    /// The keyring proposals committed at `commit`, each evaluated against the chain.
    func evaluatedKeyringProposals(at commit: CommitID, chain: KeyringChainVerdict) throws -> [KeyringProposal] {
        let files = try repository.files(under: ReviewPaths.proposals, at: commit).map { RepositoryFile(path: $0.key, bytes: Array($0.value)) }
        return KeyringProposal.evaluate(boardFiles: files, chain: chain)
    }

    /// The approval state of every (or the named) product at a commit, with board review dates
    /// judged at `asOf` (`YYYY-MM-DD`; by default today, UTC).
    public func status(ids: [String], at revision: String?, asOf: String? = nil) async throws -> StatusReport {
        let judged = try JudgementTime(asOf: asOf)
        let commit = try targetCommit(revision)
        let available = try repository.productIDs(at: commit)
        let targets = ids.isEmpty ? available : ids
        for id in targets where !available.contains(id) { throw CoreError.unknownProduct(id, known: available) }
        let chain = try keyringVerdict(at: commit, now: judged.moment)
        let keyringProblem = chain.keyring == nil || chain.status == .refused
            ? (chain.problems.first ?? chain.versions.first(where: { !$0.isValid })?.problems.first ?? "the keyring chain is not valid")
            : (chain.status == .expired ? "the newest keyring has expired; approvals are frozen until the board renews it" : nil)
        // At HEAD the index already holds each manifest, tree and digest; one working-tree status
        // serves every product.
        // A few named products read only their own rows and folders.
        let named = !ids.isEmpty && ids.count < 20
        let heads = revision == nil
            ? Dictionary(uniqueKeysWithValues: try (named ? targets.compactMap(index.headProduct) : index.headProducts()).map { ($0.productID, $0) })
            : [:]
        let changed = revision == nil
            ? Set(try repository.workingTreeChanges(under: named ? targets.map(Self.productPath) : ["Products"]).compactMap { change in
                change.path.split(separator: "/").dropFirst().first.map(String.init)
            })
            : []
        // Statements are read from git on this task while other tasks verify what has been read:
        // signature checks are most of the work for a large registry.
        var products = try await Self.evaluateWhileReading(targets, chain: chain, at: judged) { id in
            try approvalInput(of: id, at: commit, chain: chain, indexed: heads[id])
        }
        for index in products.indices where changed.contains(products[index].id) {
            products[index].state = .uncommitted
            products[index].explanation = "Products/\(products[index].id) has changes in the working tree that are not committed; register them before asking for review. " + products[index].explanation
        }
        let gateFails = products.contains { $0.status == ProductStatus.inUse.rawValue && $0.state != .approved }
        return StatusReport(passed: !gateFails && keyringProblem == nil, commit: commit.hex,
                            keyringVersion: chain.keyring?.version ?? 0, keyringProblem: keyringProblem,
                            asOf: judged.day.description, keyringProposals: try keyringProposals(at: commit, chain: chain), products: products)
    }

    /// Evaluates each product's approvals on its own task as soon as `read` has gathered its
    /// input on this one (git is not shared between tasks), keeping the order of `ids`.
    static func evaluateWhileReading(_ ids: [String], chain: KeyringChainVerdict, at judged: JudgementTime,
                                     read: (String) throws -> ApprovalInput) async throws -> [ProductApproval] {
        try await withThrowingTaskGroup(of: (Int, ProductApproval).self) { group in
            for (offset, id) in ids.enumerated() {
                let input = try read(id)
                group.addTask { (offset, input.evaluate(chain: chain, now: judged.moment, asOf: judged.day)) }
            }
            var results = [ProductApproval?](repeating: nil, count: ids.count)
            for try await (offset, approval) in group { results[offset] = approval }
            return results.compactMap { $0 }
        }
    }

    /// Everything approval evaluation needs for one product, read from git on this task; `indexed`
    /// (the index's record at HEAD) spares decoding the manifest and hashing the tree again.
    func approvalInput(of id: String, at commit: CommitID, chain: KeyringChainVerdict,
                       indexed: ProductHeadRecord? = nil) throws -> ApprovalInput {
        let tree: (hex: String, digest: String)?
        let manifest: ProductManifest
        if let indexed, indexed.commitID == commit.hex, let json = indexed.manifestJSON,
           let decoded = try? JSONDecoder().decode(ProductManifest.self, from: Data(json.utf8)) {
            tree = (indexed.treeID, indexed.contentDigest)
            manifest = decoded
        } else {
            tree = try repository.productTree(id, at: commit).map { ($0.tree.hex, $0.contentDigest) }
            do {
                manifest = try loadManifest(id: id, at: commit)
            } catch let error as RegistryDiagnostic {
                return .decided(ProductApproval(id: id, version: "", status: "invalid", tree: tree?.hex ?? "",
                                                contentDigest: tree?.digest ?? "", state: .pending, threshold: 0, counted: [],
                                                standing: [], notCounted: [], explanation: "The manifest is invalid: \(error.message)"))
            }
        }
        guard let productID = ProductID(id), let tree else {
            return .decided(ProductApproval(id: id, version: manifest.version, status: manifest.status.rawValue, tree: "",
                                            contentDigest: "", state: .pending, threshold: 0, counted: [], standing: [],
                                            notCounted: [], explanation: "Products/\(id) is not in commit \(commit.short)."))
        }
        return try ApprovalInput.forVersion(product: productID, manifest: manifest, tree: tree.hex, contentDigest: tree.digest,
                                            chain: chain) {
            try repository.files(under: "Reviews/\(id)", at: commit).map { RepositoryFile(path: $0.key, bytes: Array($0.value)) }
        }
    }

    /// Writes (or returns) a review statement for the committed version of a product.
    public func reviewTemplate(id text: String, reviewer: String, decision: String, expires: String?, comment: String,
                               write: Bool) throws -> WrittenStatement {
        let id = try Self.productID(text)
        guard let kind = ReviewStatement.Decision(rawValue: decision) else {
            throw CoreError.invalidArgument("--decision must be one of \(ReviewStatement.Decision.allCases.map(\.rawValue).joined(separator: ", ")), not '\(decision)'.")
        }
        let commit = try targetCommit(nil)
        guard let tree = try repository.productTree(id.rawValue, at: commit) else {
            throw CoreError.unknownProduct(id.rawValue, known: try repository.productIDs(at: commit))
        }
        let manifest = try loadManifest(id: id.rawValue, at: commit)
        let now = StatementTime(Date())
        let expiry: StatementTime
        if let expires {
            guard let parsed = StatementTime(expires.count == 10 ? expires + "T00:00:00Z" : expires) else {
                throw CoreError.invalidArgument("--expires '\(expires)' is not a date; write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ.")
            }
            expiry = parsed
        } else {
            expiry = now.adding(seconds: 182 * 86_400)
        }
        let statement = ReviewStatement(decision: kind, product: id, version: manifest.version, tree: tree.tree.hex,
                                        contentDigest: tree.contentDigest, demographicFields: manifest.demographicFieldNames,
                                        reviewer: reviewer, issued: now, expires: expiry, comment: comment)
        let bytes = try statement.canonicalBytes()
        if write {
            try requireNoStatementOfOtherContent(statement)
            try Self.writeAtomically(bytes, to: root.appendingPathComponent(statement.path))
            try audit("review-template", "\(statement.path)")
        }
        return WrittenStatement(path: statement.path, text: String(decoding: bytes, as: UTF8.self),
                                warning: reviewerWarning(reviewer, at: commit))
    }

    /// Why a statement naming `reviewer` would not count under the chain at `commit`, if it would not.
    private func reviewerWarning(_ reviewer: String, at commit: CommitID) -> String? {
        // A registry without a pinned trust anchor can still write statements; it cannot count them.
        guard let chain = try? keyringVerdict(at: commit), let keyring = chain.keyring, chain.status != .refused else {
            return "no keyring can be trusted (see 'registry board verify'), so this statement will not count until the board's keyring chain is valid"
        }
        guard keyring.member(reviewer) == nil else { return nil }
        return "'\(reviewer)' is not a member of keyring v\(keyring.version) (current members: \(keyring.members.map(\.id).joined(separator: ", "))), so this statement will not count; write it with your own member id"
    }

    /// Signs a statement file with an OpenSSH ed25519 key, as `ssh-keygen -Y sign` would, once the
    /// file is a statement and the key is one that the statement can count for: the named
    /// reviewer's key in the current keyring, or (for board statements) a member's key.
    ///
    /// Review statements are signed into `FILE.sig`; keyring, policy and board-revocation
    /// statements into `FILE.sigs/<member>.sig`, named after the member who holds the key.
    public func sign(file: URL, key: URL, namespace: String?, signature: URL?) throws -> URL {
        let message = try Self.readStatement(file)
        let statement: SignableStatement
        do {
            statement = try SignableStatement(parsing: message)
        } catch {
            throw CoreError.cannotSign(path: file.relativePath, reason: "it is not a valid statement (\(error)); write statements with 'registry review template' or 'registry board propose'")
        }
        if let namespace, namespace != statement.namespace {
            throw CoreError.invalidArgument("--namespace '\(namespace)' would make a signature that never counts: this statement is signed in '\(statement.namespace)'; leave --namespace out.")
        }
        guard let keyBytes = FileManager.default.contents(atPath: key.path) else {
            throw CoreError.fileProblem(path: key.relativePath, detail: "the key file cannot be read; pass --key the path of your OpenSSH ed25519 private key")
        }
        let signer = try SSHSigner(privateKeyFile: Array(keyBytes), path: key.relativePath)
        let member = try signingMember(of: statement, key: signer.publicKey, keyPath: key.relativePath, file: file.relativePath)
        let destination = signature ?? URL(fileURLWithPath: {
            if case .review = statement { return ReviewPaths.signature(of: file.relativePath) }
            return ReviewPaths.memberSignature(of: file.relativePath, member: member)
        }())
        let armored = try signer.sign(message, namespace: statement.namespace)
        try Self.writeAtomically(armored, to: destination)
        return destination
    }

    /// The member a key signs `statement` as, refusing a key whose signature could never count.
    private func signingMember(of statement: SignableStatement, key: SSHPublicKey, keyPath: String, file: String) throws -> String {
        let commit = try targetCommit(nil)
        let keyName = "the key '\(keyPath)' (\(key.fingerprint))"
        if case .keyring(let signed) = statement {
            // A rotation is signed by the members of the version before it and by its own members.
            let previousPath = ReviewPaths.keyring(version: signed.version - 1)
            let previous = signed.version > 1
                ? try repository.files(under: ReviewPaths.board, at: commit)[previousPath].flatMap { try? Keyring(parsing: Array($0)) }
                : nil
            guard let member = previous?.memberID(holding: key) ?? signed.memberID(holding: key) else {
                throw CoreError.cannotSign(path: file, reason: "\(keyName) belongs to no member of \(previous == nil ? "" : "\(previousPath) or of ")the keyring version \(signed.version) being signed; only their members sign it")
            }
            return member
        }
        let chain = try keyringVerdict(at: commit)
        guard let current = chain.status == .refused ? nil : chain.keyring else {
            throw CoreError.cannotSign(path: file, reason: "no keyring can be trusted (\(chain.problems.first ?? "see 'registry board verify'")), so \(keyName) cannot be checked against the board")
        }
        let holder = current.memberID(holding: key)
        guard case .review(let review) = statement else {
            guard let holder else {
                throw CoreError.cannotSign(path: file, reason: "\(keyName) belongs to no member of keyring v\(current.version); board statements are signed by its members")
            }
            return holder
        }
        guard holder == review.reviewer else {
            let whose = holder.map { "it is the key of '\($0)'" } ?? "no member of keyring v\(current.version) holds it"
            throw CoreError.cannotSign(path: file, reason: "the statement names reviewer '\(review.reviewer)' but \(keyName) is not their key in keyring v\(current.version) (\(whose)); each member signs their own statements with their own key")
        }
        return review.reviewer
    }

    /// Reads a statement file to sign, refusing folders and files too large to be a statement.
    private static func readStatement(_ file: URL) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory) else {
            throw CoreError.fileProblem(path: file.relativePath, detail: "no such file; pass the statement written by 'registry review template'")
        }
        guard !isDirectory.boolValue else {
            throw CoreError.fileProblem(path: file.relativePath, detail: "it is a folder; pass the statement file itself")
        }
        let size = ((try? FileManager.default.attributesOfItem(atPath: file.path))?[.size] as? NSNumber)?.intValue ?? 0
        guard size <= StatementLimits.maximumBytes else {
            throw CoreError.cannotSign(path: file.relativePath, reason: StatementLimits.oversizeReason(size))
        }
        guard let bytes = FileManager.default.contents(atPath: file.path) else {
            throw CoreError.fileProblem(path: file.relativePath, detail: "the file cannot be read; check its permissions")
        }
        return Array(bytes)
    }

    /// Writes a file atomically (see `AtomicFile`), creating its folder, and says in one sentence
    /// what to do when that fails.
    static func writeAtomically(_ bytes: [UInt8], to url: URL) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw CoreError.fileProblem(path: url.relativePath, detail: "it is a folder; name a file to write instead, such as '\(url.appendingPathComponent("FILE").relativePath)'")
        }
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw CoreError.fileProblem(path: folder.relativePath, detail: "the folder cannot be created; check that no file stands in its place and that its parent is writable")
        }
        do {
            try AtomicFile.write(bytes, to: url)
        } catch {
            throw CoreError.fileProblem(path: url.relativePath, detail: "it cannot be written (\(error.reason)); check that its folder is writable and has free space")
        }
    }

    /// Walks the keyring chain at HEAD.
    public func verifyBoard(trustAnchor: String?) throws -> BoardReport {
        let commit = try targetCommit(nil)
        let verdict = try keyringVerdict(at: commit, trustAnchor: trustAnchor)
        return BoardReport(valid: verdict.status == .trusted, status: verdict.status.rawValue,
                           versions: verdict.versions.map {
                               KeyringVersionSummary(version: $0.version, path: $0.path, valid: $0.isValid,
                                                     previousSigners: $0.previousSigners, ownSigners: $0.ownSigners,
                                                     problems: $0.problems + $0.uncountedSignatures.map(\.description))
                           },
                           problems: verdict.problems, members: verdict.keyring?.members.map(\.id) ?? [],
                           proposals: try keyringProposals(at: commit, chain: verdict))
    }

    /// The current board as an OpenSSH allowed_signers file.
    public func allowedSigners() throws -> String {
        let verdict = try keyringVerdict(at: try targetCommit(nil))
        guard let keyring = verdict.keyring else {
            throw CoreError.invalidArgument("The keyring chain is not valid (\(verdict.problems.first ?? "see 'registry board verify'")), so there is no board to export.")
        }
        return AllowedSigners.render(keyring)
    }

    /// Writes the current board's allowed_signers file to `url`.
    public func writeAllowedSigners(to url: URL) throws {
        try Self.writeAtomically(Array(try allowedSigners().utf8), to: url)
    }

    /// Writes `keyring.v<N+1>` from the current keyring with members added or removed.
    public func proposeKeyring(add: [String], remove: [String], expires: String?) throws -> String {
        let verdict = try keyringVerdict(at: try targetCommit(nil))
        guard let current = verdict.keyring else {
            throw CoreError.invalidArgument("The keyring chain is not valid, so no next version can be proposed; run 'registry board verify'.")
        }
        var members = current.members.filter { !remove.contains($0.id) }
        for id in remove where !current.members.contains(where: { $0.id == id }) {
            throw CoreError.invalidArgument("'\(id)' is not a member of keyring v\(current.version); members are \(current.members.map(\.id).joined(separator: ", ")).")
        }
        members += try add.map(Self.member)
        let keyring = try Keyring(version: current.version + 1, expires: try Self.expiry(expires, default: current.expires),
                                  thresholdKeyring: min(current.thresholdKeyring, members.count),
                                  thresholdApproval: min(current.thresholdApproval, members.count),
                                  thresholdApprovalDemographic: min(current.thresholdApprovalDemographic, members.count),
                                  thresholdBoardRevocation: min(current.thresholdBoardRevocation, members.count),
                                  members: members)
        let path = ReviewPaths.keyringProposal(version: keyring.version)
        let url = root.appendingPathComponent(path)
        guard !FileManager.default.fileExists(atPath: url.path) else {
            throw CoreError.invalidArgument("\(path) is already proposed and may carry signatures; adopt it with 'registry board adopt', or delete it and its .sigs folder to propose again.")
        }
        try Self.writeAtomically(try keyring.canonicalBytes(), to: url)
        try audit("board-propose", path)
        return path
    }

    /// Moves the proposal of the next keyring version, with the signatures that count, from
    /// `Reviews/board/proposals/` into the chain, once both quorums have signed it.
    ///
    /// The proposal is read from the working tree, where members' signatures may not be committed yet.
    public func adoptKeyring(version: Int?) throws -> AdoptedKeyring {
        let chain = try keyringVerdict(at: try targetCommit(nil))
        guard let current = chain.keyring, chain.status != .refused else {
            throw CoreError.invalidArgument("The keyring chain is not valid, so no proposal can be adopted; run 'registry board verify'.")
        }
        if let version, version < 2 {
            throw CoreError.invalidArgument("--version \(version) cannot be proposed: version 1 is the trust anchor and rotations start at 2; leave --version out to adopt version \(current.version + 1).")
        }
        let proposalPath = ReviewPaths.keyringProposal(version: version ?? current.version + 1)
        let files = workingTreeStatement(proposalPath)
        guard let proposalFile = files.first(where: { $0.path == proposalPath }) else {
            throw CoreError.invalidArgument("There is no proposal \(proposalPath); write one with 'registry board propose'.")
        }
        let proposal = KeyringProposal.evaluate(proposalFile, files: files, chain: chain)
        guard proposal.isReady, let adopted = proposal.keyring else {
            throw CoreError.insufficientSignatures(path: proposalPath, detail: proposal.problems.joined(separator: "; "))
        }
        let path = ReviewPaths.keyring(version: adopted.version)
        let url = root.appendingPathComponent(path)
        if let existing = FileManager.default.contents(atPath: url.path), Array(existing) != proposalFile.bytes {
            throw CoreError.invalidArgument("\(path) already exists with other content; restore it with 'git checkout -- \(path)' before adopting \(proposalPath).")
        }
        // Signatures first and the keyring last, so a command stopped part-way adds no version to
        // the chain and running it again finishes the move.
        let signers = Set(proposal.previousSigners + proposal.ownSigners).sorted()
        for member in signers {
            let from = ReviewPaths.memberSignature(of: proposalPath, member: member)
            guard let signature = files.first(where: { $0.path == from }) else { continue }
            try Self.writeAtomically(signature.bytes, to: root.appendingPathComponent(ReviewPaths.memberSignature(of: path, member: member)))
        }
        try Self.writeAtomically(proposalFile.bytes, to: url)
        try? FileManager.default.removeItem(at: root.appendingPathComponent(ReviewPaths.signatureFolder(of: proposalPath)))
        try? FileManager.default.removeItem(at: root.appendingPathComponent(proposalPath))
        try audit("board-adopt", path)
        return AdoptedKeyring(path: path, signers: signers)
    }

    /// A multi-signer statement and the files of its `.sigs/` folder, as they are in the working tree.
    private func workingTreeStatement(_ path: String) -> [RepositoryFile] {
        let folder = ReviewPaths.signatureFolder(of: path)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)) ?? []
        return ([path] + names.sorted().map { "\(folder)/\($0)" }).compactMap { relative in
            FileManager.default.contents(atPath: root.appendingPathComponent(relative).path).map {
                RepositoryFile(path: relative, bytes: Array($0))
            }
        }
    }

    /// Writes the first keyring version and pins its SHA-256 in registry.json.
    public func initializeBoard(members: [String], expires: String?) throws -> (path: String, sha256: String) {
        guard members.count >= 1 else {
            throw CoreError.invalidArgument("Give at least one --member \"<id> ssh-ed25519 <base64>\"; a board of 3 to 15 is usual.")
        }
        let path = ReviewPaths.keyring(version: 1)
        guard !FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path) else {
            throw CoreError.invalidArgument("\(path) already exists; change the board with 'registry board propose'.")
        }
        let parsed = try members.map(Self.member)
        let majority = parsed.count / 2 + 1
        let keyring = try Keyring(version: 1, expires: try Self.expiry(expires, default: StatementTime(Date()).adding(seconds: 365 * 86_400)),
                                  thresholdKeyring: majority, thresholdApproval: min(2, parsed.count),
                                  thresholdApprovalDemographic: majority, thresholdBoardRevocation: majority, members: parsed)
        let bytes = try keyring.canonicalBytes()
        try Self.writeAtomically(bytes, to: root.appendingPathComponent(path))
        var configuration = self.configuration
        configuration.trustAnchor = SHA256Hex.of(bytes)
        try configuration.write(to: root)
        try audit("board-init", "\(path) \(SHA256Hex.of(bytes))")
        return (path, SHA256Hex.of(bytes))
    }

    private static func member(_ text: String) throws -> Keyring.Member {
        let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2 else {
            throw CoreError.invalidArgument("The member '\(text)' must be written \"<id> ssh-ed25519 <base64>\".")
        }
        return Keyring.Member(id: parts[0], key: try SSHPublicKey(openSSHLine: parts[1]))
    }

    private static func expiry(_ text: String?, default fallback: StatementTime) throws -> StatementTime {
        guard let text else { return fallback }
        guard let time = StatementTime(text.count == 10 ? text + "T00:00:00Z" : text) else {
            throw CoreError.invalidArgument("--expires '\(text)' is not a date; write YYYY-MM-DD.")
        }
        return time
    }
}

/// One product's approval evaluation, prepared from git so that it can run on any task.
enum ApprovalInput: Sendable {
    /// Nothing to verify: the answer is already known (invalid manifest, untrusted keyring).
    case decided(ProductApproval)
    /// Statements to verify against the chain's trusted keyring.
    case review(subject: ProductVersionUnderReview, status: String, files: [RepositoryFile], keyring: Keyring)

    /// The input for a product version whose manifest could be read: its review files (read only
    /// when they can count) to verify under the chain's trusted keyring, else the answer that nothing
    /// counts.
    static func forVersion(product: ProductID, manifest: ProductManifest, tree: String, contentDigest: String,
                           chain: KeyringChainVerdict, files: () throws -> [RepositoryFile]) rethrows -> ApprovalInput {
        guard let keyring = chain.keyring else {
            return .decided(ProductApproval(id: product.rawValue, version: manifest.version, status: manifest.status.rawValue,
                                            tree: tree, contentDigest: contentDigest, state: .pending, threshold: 0,
                                            counted: [], standing: [], notCounted: [],
                                            explanation: "No keyring can be trusted, so nothing counts as approved."))
        }
        let subject = ProductVersionUnderReview(product: product, version: manifest.version, tree: tree,
                                                contentDigest: contentDigest, demographicFields: manifest.demographicFieldNames,
                                                owners: Set(manifest.owner.boardMembers), reviewDue: manifest.reviewDue)
        return .review(subject: subject, status: manifest.status.rawValue, files: try files(), keyring: keyring)
    }

    /// Verifies the statements and turns the verdict into the report's form, judging the board
    /// review date at `day`.
    func evaluate(chain: KeyringChainVerdict, now: Date, asOf day: CalendarDate) -> ProductApproval {
        switch self {
        case let .decided(approval):
            return approval
        case let .review(subject, status, files, keyring):
            let verdict = ApprovalEvaluator.evaluate(subject, keyring: keyring, files: files, now: now, reviewDay: day)
            let state = chain.status == .expired && verdict.state == .approved ? .expired : verdict.state
            return ProductApproval(
                id: subject.product.rawValue, version: subject.version, status: status, tree: subject.tree,
                contentDigest: subject.contentDigest, state: state, threshold: verdict.threshold,
                counted: verdict.counted.map { CountedApprovalSummary(member: $0.member, issued: $0.issued.description,
                                                                      expires: $0.expires.description, path: $0.path) },
                standing: verdict.standing.map { UncountedSummary(path: $0.path, reason: "\($0.kind.rawValue) by \($0.members.joined(separator: ", "))") },
                notCounted: verdict.uncounted.map { UncountedSummary(path: $0.path, reason: "\($0.reason)") },
                explanation: verdict.explanation)
        }
    }
}
