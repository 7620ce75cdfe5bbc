import Foundation
import GitStore
import Policy
import ProductModel
import RegistryIndex
import RegistrySupport
import Sandbox

/// Progress of a `registry check`, reported as each product finishes.
public struct CheckProgress: Sendable {
    public var productID: String
    public var completed: Int
    public var total: Int
    public var cached: Bool
}

/// The check result of one product.
public struct ProductCheckResult: Codable, Sendable {
    public var id: String
    public var tree: String
    public var contentDigest: String
    public var passed: Bool
    public var cached: Bool
    public var findings: [Finding]
    /// The first run's record, when the product could run.
    public var run: ProductRunRecord?
    /// Group metrics and disparities, for products with an audit block.
    public var disparity: DisparityReport?
    /// SHA-256 of the policy parameters statement the rules used.
    public var policyDigest: String
    public var checkedOn: String

    enum CodingKeys: String, CodingKey {
        case id, tree, passed, cached, findings, run, disparity
        case contentDigest = "content_sha256"
        case policyDigest = "policy_sha256"
        case checkedOn = "checked_on"
    }
}

extension ProductCheckResult {
    /// Whether the check stopped before its rules were applied, so the result must not be cached.
    var unfinished: Bool { findings.contains { $0.rule == CheckWork.unfinishedRule } }
}

/// What `registry check` found.
public struct CheckReport: Codable, Sendable {
    public var passed: Bool
    public var commit: String
    public var policyDigest: String
    /// Which share of which selection this result covers, for `check --shard K/N` results only.
    public var shard: CheckShardRecord?
    /// The registry binary that checked (version and SHA-256), for `check --shard K/N` results only:
    /// `--merge` refuses shards checked by different builds.
    public var registryBuild: String?
    public var products: [ProductCheckResult]
    public var errorCount: Int
    public var warningCount: Int

    enum CodingKeys: String, CodingKey {
        case passed, commit, products, shard
        case policyDigest = "policy_sha256"
        case registryBuild = "registry_build"
        case errorCount = "error_count"
        case warningCount = "warning_count"
    }
}

/// A policy rule as `registry check --list-rules` shows it.
public struct PolicyRuleSummary: Codable, Sendable {
    public var id: String
    public var summary: String
    public var rationale: String
}

extension RegistryWorkspace {
    /// The rules every check applies.
    public static func policyRules() -> [PolicyRuleSummary] {
        allPolicyRules.map { rule in
            let description = rule.description
            return PolicyRuleSummary(id: description.id, summary: description.summary, rationale: description.rationale)
        }
    }

    /// The board's policy parameters at a commit: the newest `Reviews/board/policy.v<NNNN>`, or the defaults.
    func policyParameters(at commit: CommitID) throws -> PolicyParameters {
        let files = try repository.files(under: "Reviews/board", at: commit)
        let statements = files.keys.compactMap { path -> (Int, String)? in
            let name = (path as NSString).lastPathComponent
            guard !name.hasSuffix(".sig"), let version = PolicyParameters.version(fromFileName: name) else { return nil }
            return (version, path)
        }
        guard let newest = statements.max(by: { $0.0 < $1.0 }), let bytes = files[newest.1] else {
            return PolicyParameters.defaults
        }
        return try PolicyParameters(statement: Array(bytes), file: newest.1)
    }

    /// Runs and checks products, in parallel up to `jobs`, reusing cached results for unchanged content.
    public func check(ids: [String], at revision: String?, jobs: Int, useCache: Bool, shard: CheckShard? = nil,
                      progress: @escaping @Sendable (CheckProgress) -> Void) async throws -> CheckReport {
        let commit = try targetCommit(revision)
        let available = try repository.productIDs(at: commit)
        let selection = ids.isEmpty ? available : ids
        for id in selection where !available.contains(id) {
            throw CoreError.unknownProduct(id, known: available)
        }
        let targets = shard.map { $0.select(selection) } ?? selection
        _ = try SandboxHost.detect()
        Self.removeLeftoversOfDeadRuns()
        let parameters = try policyParameters(at: commit)
        let today = Self.today()

        var results: [String: ProductCheckResult] = [:]
        var pending: [(id: String, productID: ProductID, key: String, tree: ProductTree)] = []
        var completed = 0
        for id in targets {
            guard let productID = ProductID(id), let tree = try repository.productTree(id, at: commit) else {
                results[id] = Self.unrunnable(id: id, tree: "", digest: "", parameters: parameters, today: today,
                                              message: "'Products/\(id)' is not a valid product folder name; rename it to a lowercase id of letters, digits and hyphens.")
                continue
            }
            let environment: EnvironmentNeed
            do {
                environment = try environmentNeed(id: id) { name in try repository.readFile(Self.productPath(id) + "/" + name, at: commit) }
            } catch let error as RegistryDiagnostic where error.category == .invalidContent {
                environment = .unavailable(reason: error.message)
            }
            let key = Self.cacheKey(id: id, tree: tree.tree.hex, digest: tree.contentDigest,
                                    policy: parameters.digest, today: today, environment: environment.cacheToken)
            if useCache, let cached = try index.cachedCheck(key: key),
               var result = try? JSONDecoder().decode(ProductCheckResult.self, from: Data(cached.resultJSON.utf8)) {
                result.cached = true
                results[id] = result
                completed += 1
                progress(CheckProgress(productID: id, completed: completed, total: targets.count, cached: true))
                continue
            }
            pending.append((id, productID, key, tree))
        }

        let total = targets.count
        try await withThrowingTaskGroup(of: (String, ProductCheckResult).self) { group in
            var queue = pending[...]
            // Each product is prepared (its scratch copy and inputs) only when a job is free for it,
            // on this task while the other jobs run: preparing every product first would be a
            // serial phase before the first run, with every scratch copy on disk at once.
            func startNext() throws {
                while let next = queue.popFirst() {
                    do {
                        let prepared = try prepareRun(id: next.productID, source: .commit(commit))
                        if case let .unavailable(reason) = prepared.environment {
                            prepared.scratch.remove()
                            throw EnvironmentFinding(message: reason.prefix(1).uppercased() + reason.dropFirst() + ".")
                        }
                        let work = CheckWork(prepared: prepared, parameters: parameters, today: today, source: "commit \(commit.hex)")
                        group.addTask {
                            defer { work.prepared.scratch.remove() }
                            return (next.key, try await work.performReportingFailure())
                        }
                        return
                    } catch let error as RegistryDiagnostic where error.category == .invalidContent {
                        let result = Self.unrunnable(id: next.id, tree: next.tree.tree.hex, digest: next.tree.contentDigest,
                                                     parameters: parameters, today: today, message: error.message,
                                                     rule: error is EnvironmentFinding ? EnvironmentNeed.findingRule : "manifest-valid")
                        results[next.id] = result
                        try storeCheck(result, key: next.key, runID: nil)
                        completed += 1
                        progress(CheckProgress(productID: next.id, completed: completed, total: total, cached: false))
                    }
                }
            }
            for _ in 0..<max(1, jobs) { try startNext() }
            while let (key, result) = try await group.next() {
                var runID: Int64?
                if let record = result.run {
                    runID = try index.insertRun(RunRecord(productID: result.id, treeID: result.tree,
                                                          contentDigest: result.contentDigest, startedAt: Date(),
                                                          succeeded: record.succeeded,
                                                          recordJSON: try CanonicalJSON.string(record))).id
                }
                // A check that could not finish says so in the report, but is not cached: it may work next time.
                if !result.unfinished { try storeCheck(result, key: key, runID: runID) }
                results[result.id] = result
                completed += 1
                progress(CheckProgress(productID: result.id, completed: completed, total: total, cached: false))
                try startNext()
            }
        }

        // Link warnings depend on the date and on this machine's last `registry links`, not on the
        // product's content, so they are added after the cache and never stored in it.
        let linkRecords = storedLinkRecords()
        let ordered = targets.compactMap { results[$0] }.map { result in
            var result = result
            result.findings += linkFindings(for: result.id, records: linkRecords, parameters: parameters)
            return result
        }
        let findings = ordered.flatMap(\.findings)
        let report = CheckReport(passed: ordered.allSatisfy(\.passed), commit: commit.hex,
                                 policyDigest: parameters.digest, shard: shard.map { $0.record(of: selection) },
                                 registryBuild: shard == nil ? nil : RegistryVersion.buildDigest, products: ordered,
                                 errorCount: findings.filter { $0.severity == .error }.count,
                                 warningCount: findings.filter { $0.severity == .warning }.count)
        let fresh = ordered.filter { !$0.cached }
        if !fresh.isEmpty {
            try audit("check", "\(fresh.count) checked, \(fresh.filter { !$0.passed }.count) failing", commit: commit.hex)
        }
        return report
    }

    private func storeCheck(_ result: ProductCheckResult, key: String, runID: Int64?) throws {
        try index.storeCheck(CheckRecord(cacheKey: key, productID: result.id, treeID: result.tree,
                                         contentDigest: result.contentDigest, passed: result.passed,
                                         checkedAt: Date(), runID: runID, resultJSON: try CanonicalJSON.string(result)))
    }

    /// Everything that can change a check's outcome goes into its cache key.
    static func cacheKey(id: String, tree: String, digest: String, policy: String, today: String, environment: String) -> String {
        SHA256Hex.of([id, tree, digest, policy, today, RegistryVersion.buildIdentity, environment].joined(separator: "\n"))
    }

    static func today() -> String {
        let formatter = DateFormatter()
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date())
    }

    /// A failed result for a product whose rules could not be applied, with one error finding saying why.
    static func unrunnable(id: String, tree: String, digest: String, parameters: PolicyParameters, today: String,
                           message: String, rule: String = "manifest-valid") -> ProductCheckResult {
        let location = FindingLocation(product: ProductID(id) ?? ProductID("invalid-id")!, file: "product.yaml")
        return ProductCheckResult(id: id, tree: tree, contentDigest: digest, passed: false, cached: false,
                                  findings: [Finding(rule: rule, severity: .error, message: message, location: location)],
                                  run: nil, disparity: nil, policyDigest: parameters.digest, checkedOn: today)
    }
}

/// A product whose declared environment cannot be mounted: a finding on that product, never a reason to stop the check.
struct EnvironmentFinding: RegistryDiagnostic {
    let message: String
    var category: DiagnosticCategory { .invalidContent }
}

/// One product's check, prepared on the registry's task when a job is free, and performed in parallel.
struct CheckWork: Sendable {
    let prepared: PreparedRun
    let parameters: PolicyParameters
    let today: String
    let source: String

    /// The rule id of the finding that reports a check which could not finish.
    static let unfinishedRule = "check-unfinished"

    /// Performs the check; a failure becomes an error finding on this product, so one product that
    /// cannot be run never keeps the report of the others from being printed. A machine that cannot
    /// run products at all (no sandbox, an unusable `TMPDIR`) or a wrong argument still stops the
    /// command with exit status 2: that is no finding about the product.
    func performReportingFailure() async throws -> ProductCheckResult {
        do {
            return try await perform()
        } catch let error as RegistryDiagnostic where error.category == .environment || error.category == .usage {
            throw error
        } catch {
            let message = (error as? RegistryDiagnostic)?.message ?? "\(error)"
            return RegistryWorkspace.unrunnable(id: prepared.id.rawValue, tree: prepared.treeID, digest: prepared.contentDigest,
                                                parameters: parameters, today: today,
                                                message: "The check could not finish: \(message)", rule: Self.unfinishedRule)
        }
    }

    /// Runs the product twice (the second run tests reproducibility) and applies every rule.
    func perform() async throws -> ProductCheckResult {
        let first = try await RegistryWorkspace.sandboxRun(prepared, collection: "run-1")
        var secondDigests: [String: String]?
        if first.succeeded {
            let second = try await RegistryWorkspace.sandboxRun(prepared, collection: "run-2")
            secondDigests = Dictionary(uniqueKeysWithValues: second.outputs.map { ($0.name, $0.sha256) })
        }
        let termination: RunEvidence.Termination = first.terminatingSignal.map { .signalled(signal: $0) }
            ?? .exited(status: first.exitStatus ?? -1)
        let limitStops: Set<SandboxStopReason> = [.timedOut, .cpuTimeLimit, .memoryLimit, .outputQuota,
                                                  .stdoutCap, .stderrCap, .fileSizeLimit]
        let evidence = RunEvidence(
            termination: termination,
            stopReason: first.stopReason == .none ? nil : first.explanation,
            limitsHit: limitStops.contains(first.stopReason),
            outputs: Dictionary(uniqueKeysWithValues: first.outputs.map { ($0.name, $0.url) }),
            rejectedOutputs: first.rejectedOutputs.map { Policy.RejectedOutput(name: $0.name, reason: $0.reason) },
            secondRunDigests: secondDigests)
        let todayDate = CalendarDate(today) ?? CalendarDate(year: 1970, month: 1, day: 1)
        let context = RuleContext(manifest: prepared.manifest, parameters: parameters, today: todayDate,
                                  samples: prepared.samples, auditFile: prepared.auditFile, run: evidence)
        let findings = PolicyCheck.findings(for: context)
        var disparity: DisparityReport?
        if let audit = prepared.manifest.audit, let auditFile = prepared.auditFile,
           let output = first.outputs.first(where: { $0.name == audit.output }) {
            disparity = try? DisparityAnalysis.run(outputURL: output.url, auditURL: auditFile, spec: audit, parameters: parameters,
                                                   output: prepared.manifest.outputs.first { $0.name == audit.output })
        }
        return ProductCheckResult(id: prepared.id.rawValue, tree: prepared.treeID, contentDigest: prepared.contentDigest,
                                  passed: PolicyCheck.passes(findings), cached: false, findings: findings,
                                  run: ProductRunRecord(prepared: prepared, source: source, run: first),
                                  disparity: disparity, policyDigest: parameters.digest, checkedOn: today)
    }
}
