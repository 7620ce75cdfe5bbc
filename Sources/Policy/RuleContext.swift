import Foundation
import ProductModel

/// Everything a rule may look at for one product; the core fills it after the sandboxed run.
public struct RuleContext: Sendable {
    /// The manifest at the version being checked.
    public var manifest: ProductManifest
    /// The board's policy parameters in force (their digest goes into the check result).
    public var parameters: PolicyParameters
    /// The day the check runs, for review-due dates (passed in so results are reproducible).
    public var today: CalendarDate
    /// The raw sample file behind each declared input, keyed by input name (before projection).
    public var samples: [String: URL]
    /// The held-back audit file, when the manifest declares one and it exists.
    public var auditFile: URL?
    /// What the sandboxed run did; `nil` when the product could not be run.
    public var run: RunEvidence?

    /// Gathers what the rules need; `run` is `nil` when the product could not be run.
    public init(manifest: ProductManifest, parameters: PolicyParameters, today: CalendarDate,
                samples: [String: URL], auditFile: URL? = nil, run: RunEvidence? = nil) {
        self.manifest = manifest; self.parameters = parameters; self.today = today
        self.samples = samples; self.auditFile = auditFile; self.run = run
    }
}

/// What a sandboxed run of a product did, as the rules need it.
public struct RunEvidence: Sendable, Hashable, Codable {
    /// How the product's process ended.
    public enum Termination: Sendable, Hashable, Codable {
        case exited(status: Int32)
        case signalled(signal: Int32)
    }

    /// How the process ended.
    public var termination: Termination
    /// Why the sandbox stopped the run, in words (`timed out after 60 s`), if it did.
    public var stopReason: String?
    /// Whether a resource limit (time, memory, output size, file count) was reached.
    public var limitsHit: Bool
    /// The collected output files, by declared output name.
    public var outputs: [String: URL]
    /// Files the product wrote that were not collected, and why.
    public var rejectedOutputs: [RejectedOutput]
    /// SHA-256 of each output from a second run on the same inputs; `nil` when there was none.
    public var secondRunDigests: [String: String]?

    /// Records a run; the core fills `outputs` with the collected files.
    public init(termination: Termination, stopReason: String? = nil, limitsHit: Bool = false,
                outputs: [String: URL] = [:], rejectedOutputs: [RejectedOutput] = [],
                secondRunDigests: [String: String]? = nil) {
        self.termination = termination; self.stopReason = stopReason; self.limitsHit = limitsHit
        self.outputs = outputs; self.rejectedOutputs = rejectedOutputs; self.secondRunDigests = secondRunDigests
    }
}

/// A file in `/output` that was not collected.
public struct RejectedOutput: Sendable, Hashable, Codable {
    /// The file name as the product wrote it.
    public var name: String
    /// Why it was refused (`not declared`, `symbolic link`, `over the size limit`).
    public var reason: String

    /// Records a refused file and the sandbox's reason.
    public init(name: String, reason: String) { self.name = name; self.reason = reason }
}
