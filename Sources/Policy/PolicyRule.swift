import ProductModel

/// A compliance check that looks at one product's manifest, run and outputs and returns findings.
///
/// Adding a rule is adding one file under `Rules/` and running `Scripts/generate-rule-list.sh`.
/// Rules never throw: a file a rule cannot read is itself a finding.
public protocol PolicyRule: Sendable {
    /// What the rule is, why the board's policies require it, and examples that are also its tests.
    static var description: RuleDescription { get }
    init()
    /// The findings for one product, each tagged with this rule's id.
    func findings(in context: RuleContext) -> [Finding]
}

/// The board policy a rule enforces.
public enum GoverningPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    case biasFreePolicing = "Bias-Free Policing Policy"
    case publicSafetyAnalytics = "Public Safety Analytics Policy"
}

/// A rule's identity, documentation and examples.
public struct RuleDescription: Sendable {
    /// Stable id used in findings and `--json` (`small-cells`).
    public let id: String
    /// One line saying what the rule checks.
    public let summary: String
    /// Why the policies require it, citing them by name.
    public let rationale: String
    /// The policies the rule enforces.
    public let policies: [GoverningPolicy]
    /// Products the rule must flag with at least one error or warning.
    public let triggeringExamples: [RuleExample]
    /// Products the rule must pass without errors or warnings.
    public let nonTriggeringExamples: [RuleExample]

    /// Describes a rule; examples on both sides are required so the rule's tests cannot be empty.
    public init(id: String, summary: String, rationale: String, policies: [GoverningPolicy],
                triggeringExamples: [RuleExample], nonTriggeringExamples: [RuleExample]) {
        self.id = id; self.summary = summary; self.rationale = rationale; self.policies = policies
        self.triggeringExamples = triggeringExamples; self.nonTriggeringExamples = nonTriggeringExamples
    }
}

extension PolicyRule {
    /// A finding from this rule about `context`'s product.
    func finding(_ severity: Severity, _ message: String, in context: RuleContext, file: String? = nil,
                 column: String? = nil, row: Int? = nil, group: String? = nil, keyPath: String? = nil,
                 numbers: [String: Double] = [:]) -> Finding {
        finding(severity, message, product: context.manifest.id, file: file, column: column, row: row, group: group,
                keyPath: keyPath, numbers: numbers)
    }

    /// A finding from this rule about `product`.
    func finding(_ severity: Severity, _ message: String, product: ProductID, file: String? = nil,
                 column: String? = nil, row: Int? = nil, group: String? = nil, keyPath: String? = nil,
                 numbers: [String: Double] = [:]) -> Finding {
        Finding(rule: Self.description.id, severity: severity, message: message,
                location: FindingLocation(product: product, file: file, column: column, row: row,
                                          group: group, keyPath: keyPath),
                numbers: numbers)
    }
}

/// Runs every rule on one product.
public enum PolicyCheck {
    /// All findings for the product, most severe first, then by rule and location.
    public static func findings(for context: RuleContext, rules: [any PolicyRule.Type] = allPolicyRules) -> [Finding] {
        rules.flatMap { $0.init().findings(in: context) }.sorted { lhs, rhs in
            if lhs.severity != rhs.severity { return lhs.severity < rhs.severity }
            if lhs.rule != rhs.rule { return lhs.rule < rhs.rule }
            return (lhs.location.file ?? "", lhs.location.row ?? 0, lhs.location.column ?? "")
                < (rhs.location.file ?? "", rhs.location.row ?? 0, rhs.location.column ?? "")
        }
    }

    /// Whether findings let a product pass: no errors.
    public static func passes(_ findings: [Finding]) -> Bool {
        !findings.contains { $0.severity == .error }
    }
}
