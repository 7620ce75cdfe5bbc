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
    public var products: [ProductApproval]

    enum CodingKeys: String, CodingKey {
        case passed, commit, products
        case asOf = "as_of"
        case keyringVersion = "keyring_version"
        case keyringProblem = "keyring_problem"
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

    public var text: String {
        var lines = versions.map { version in
            "keyring v\(version.version): \(version.valid ? "valid" : "INVALID")"
                + (version.previousSigners.isEmpty ? "" : ", signed by previous members \(version.previousSigners.joined(separator: ", "))")
                + ", signed by its members \(version.ownSigners.joined(separator: ", "))"
                + version.problems.map { "\n  \($0)" }.joined()
        }
        lines += problems
        lines.append("Chain \(status); current members: \(members.joined(separator: ", ")).")
        return lines.joined(separator: "\n")
    }
}

/// A statement written by `review template`.
public struct WrittenStatement: Sendable {
    public var path: String
    public var text: String
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
    func keyringVerdict(at commit: CommitID, trustAnchor explicit: String? = nil) throws -> KeyringChainVerdict {
        let files = try repository.files(under: "Reviews/board", at: commit).map { RepositoryFile(path: $0.key, bytes: Array($0.value)) }
        let verdict = KeyringChain.verify(boardFiles: files, trustAnchor: try trustAnchor(explicit),
                                          highestSeen: highestSeen(), now: Date())
        if verdict.status != .refused, verdict.newestVersion > highestSeen() {
            try? AtomicFile.write(Data("\(verdict.newestVersion)\n".utf8), to: highestSeenURL)
        }
        return verdict
    }

    /// The approval state of every (or the named) product at a commit, with board review dates
    /// judged at `asOf` (`YYYY-MM-DD`; by default today, UTC).
    public func status(ids: [String], at revision: String?, asOf: String? = nil) async throws -> StatusReport {
        let day = try Self.asOfDate(asOf)
        let commit = try targetCommit(revision)
        let available = try repository.productIDs(at: commit)
        let targets = ids.isEmpty ? available : ids
        for id in targets where !available.contains(id) { throw CoreError.unknownProduct(id, known: available) }
        let chain = try keyringVerdict(at: commit)
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
        var products = try await Self.evaluateWhileReading(targets, chain: chain, asOf: day) { id in
            try approvalInput(of: id, at: commit, chain: chain, indexed: heads[id])
        }
        for index in products.indices where changed.contains(products[index].id) {
            products[index].state = .uncommitted
            products[index].explanation = "Products/\(products[index].id) has changes in the working tree that are not committed; register them before asking for review. " + products[index].explanation
        }
        let gateFails = products.contains { $0.status == ProductStatus.inUse.rawValue && $0.state != .approved }
        return StatusReport(passed: !gateFails && keyringProblem == nil, commit: commit.hex,
                            keyringVersion: chain.keyring?.version ?? 0, keyringProblem: keyringProblem,
                            asOf: day.description, products: products)
    }

    /// The day given as `--as-of` (`YYYY-MM-DD`), else today in UTC.
    static func asOfDate(_ text: String?) throws -> CalendarDate {
        guard let text else { return CalendarDate(utcDayOf: Date()) }
        guard let date = CalendarDate(text) else {
            throw CoreError.invalidArgument("--as-of '\(text)' is not a date; write YYYY-MM-DD, for example --as-of 2026-12-03.")
        }
        return date
    }

    /// Evaluates each product's approvals on its own task as soon as `read` has gathered its
    /// input on this one (git is not shared between tasks), keeping the order of `ids`.
    static func evaluateWhileReading(_ ids: [String], chain: KeyringChainVerdict, asOf day: CalendarDate,
                                     read: (String) throws -> ApprovalInput) async throws -> [ProductApproval] {
        let now = Date()
        return try await withThrowingTaskGroup(of: (Int, ProductApproval).self) { group in
            for (offset, id) in ids.enumerated() {
                let input = try read(id)
                group.addTask { (offset, input.evaluate(chain: chain, now: now, asOf: day)) }
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
            let url = root.appendingPathComponent(statement.path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
            try audit("review-template", "\(statement.path)")
        }
        return WrittenStatement(path: statement.path, text: String(decoding: bytes, as: UTF8.self))
    }

    /// Signs a statement file with an OpenSSH ed25519 key, as `ssh-keygen -Y sign` would.
    public static func sign(file: URL, key: URL, namespace: String?, signature: URL?) throws -> URL {
        guard let message = FileManager.default.contents(atPath: file.path) else {
            throw CoreError.fileProblem(path: file.path, detail: "the statement file cannot be read")
        }
        guard let keyBytes = FileManager.default.contents(atPath: key.path) else {
            throw CoreError.fileProblem(path: key.path, detail: "the key file cannot be read")
        }
        let text = String(decoding: message.prefix(200), as: UTF8.self)
        let isBoardStatement = ["type: keyring", "type: policy", "type: board-revocation"].contains { text.contains("\n\($0)\n") }
        let chosenNamespace = namespace ?? (isBoardStatement ? ReviewNamespace.keyring : ReviewNamespace.review)
        guard let destination = signature ?? (isBoardStatement ? nil : URL(fileURLWithPath: file.path + ".sig")) else {
            throw CoreError.invalidArgument("Board statements are signed into '\(file.path).sigs/<member>.sig', one file per member; pass --signature \(file.path).sigs/YOUR-ID.sig.")
        }
        let signer = try SSHSigner(privateKeyFile: Array(keyBytes), path: key.path)
        let armored = try signer.sign(Array(message), namespace: chosenNamespace)
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(armored).write(to: destination)
        return destination
    }

    /// Walks the keyring chain at HEAD.
    public func verifyBoard(trustAnchor: String?) throws -> BoardReport {
        let verdict = try keyringVerdict(at: try targetCommit(nil), trustAnchor: trustAnchor)
        return BoardReport(valid: verdict.status == .trusted, status: verdict.status.rawValue,
                           versions: verdict.versions.map {
                               KeyringVersionSummary(version: $0.version, path: $0.path, valid: $0.isValid,
                                                     previousSigners: $0.previousSigners, ownSigners: $0.ownSigners,
                                                     problems: $0.problems + $0.uncountedSignatures.map(\.description))
                           },
                           problems: verdict.problems, members: verdict.keyring?.members.map(\.id) ?? [])
    }

    /// The current board as an OpenSSH allowed_signers file.
    public func allowedSigners() throws -> String {
        let verdict = try keyringVerdict(at: try targetCommit(nil))
        guard let keyring = verdict.keyring else {
            throw CoreError.invalidArgument("The keyring chain is not valid (\(verdict.problems.first ?? "see 'registry board verify'")), so there is no board to export.")
        }
        return AllowedSigners.render(keyring)
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
        let path = ReviewPaths.keyring(version: keyring.version)
        try Data(try keyring.canonicalBytes()).write(to: root.appendingPathComponent(path))
        try audit("board-propose", path)
        return path
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
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
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
