import ProductModel

/// Groups the product never saw are selected at rates within the board's disparity thresholds.
public struct DisparityRule: PolicyRule {
    public init() {}

    public static let description = RuleDescription(
        id: "disparity",
        summary: "Per group and per intersection of audit attributes, the four-fifths ratio, demographic parity and equalized odds are within the policy thresholds.",
        rationale: "The Bias-Free Policing Policy requires that data used to deploy security and law enforcement is used in a non-discriminatory way; comparing outcomes across held-back protected attributes is how that is shown rather than asserted.",
        policies: [.biasFreePolicing],
        triggeringExamples: [
            RuleExample("Black riders inspected at three times the rate of White riders",
                        manifest: auditedManifest, parameters: smallGroups,
                        audit: audit([("Black", 20), ("White", 20)]),
                        outputs: decisions([("Black", 20, 12), ("White", 20, 4)])),
            RuleExample("the audit file is missing", manifest: auditedManifest, parameters: smallGroups,
                        audit: nil, outputs: decisions([("Black", 20, 5), ("White", 20, 5)])),
        ],
        nonTriggeringExamples: [
            RuleExample("equal inspection rates", manifest: auditedManifest, parameters: smallGroups,
                        audit: audit([("Black", 20), ("White", 20)]),
                        outputs: decisions([("Black", 20, 5), ("White", 20, 5)])),
            RuleExample("a large difference only in a group below the minimum size",
                        manifest: auditedManifest, parameters: smallGroups,
                        audit: audit([("Black", 20), ("White", 20), ("Asian", 3)]),
                        outputs: decisions([("Black", 20, 5), ("White", 20, 5), ("Asian", 3, 3)])),
            RuleExample("no audit section"),
        ])

    public func findings(in context: RuleContext) -> [Finding] {
        guard let spec = context.manifest.audit, let run = context.run else { return [] }
        guard let auditURL = context.auditFile else {
            return [finding(.error, "The audit file '\(spec.file)' is missing, so disparities cannot be measured; add the held-back audit file to the product folder or fix 'audit.file'.",
                            in: context, file: spec.file)]
        }
        guard let outputURL = run.outputs[spec.output] else { return [] }
        let report: DisparityReport
        do {
            report = try DisparityAnalysis.run(outputURL: outputURL, auditURL: auditURL, spec: spec, parameters: context.parameters,
                                               output: context.manifest.outputs.first { $0.name == spec.output })
        } catch {
            return [finding(.error, error.message, in: context, file: spec.file)]
        }
        return findings(for: report, spec: spec, parameters: context.parameters, product: context.manifest.id)
    }

    /// Turns a report into findings; public so `registry fairness` can show the same verdicts.
    public func findings(for report: DisparityReport, spec: AuditSpec, parameters: PolicyParameters,
                         product: ProductID) -> [Finding] {
        var findings: [Finding] = []
        if report.unmatchedOutputRows > 0 {
            findings.append(finding(.warning, "\(report.unmatchedOutputRows) row(s) of '\(spec.output)' have a '\(spec.key)' not found in the audit file '\(spec.file)' and are left out of the disparity measures; add them to the audit file.",
                                    product: product, file: spec.output, numbers: ["unmatched_rows": Double(report.unmatchedOutputRows)]))
        }
        for breakdown in report.breakdowns {
            let by = breakdown.attributes.joined(separator: " × ")
            for group in breakdown.groups where !group.eligible {
                let name = breakdown.name(of: group)
                findings.append(finding(.note, "Group '\(name)' has \(group.count) rows, fewer than the minimum group size of \(parameters.minimumGroupSize), so it gets no verdict.",
                                        product: product, file: spec.output, group: name, numbers: ["count": Double(group.count)]))
            }
            let measures = breakdown.disparities
            guard measures.eligibleGroups >= 2 else {
                findings.append(finding(.warning, "Fewer than two groups by \(by) have at least \(parameters.minimumGroupSize) rows, so no disparity verdict is possible; use a larger sample for the check.",
                                        product: product, file: spec.output, numbers: ["eligible_groups": Double(measures.eligibleGroups)]))
                continue
            }
            let outcome = spec.selectionIs == .favourable ? "being selected" : "not being selected"
            if let ratio = measures.favourableRateRatio, ratio < parameters.disparityRatioThreshold {
                let least = measures.leastFavouredGroup.map(breakdown.name(ofLabel:))
                findings.append(finding(.error, "By \(by), the favourable outcome (\(outcome)) reaches '\(least ?? "")' at \(Optional(ratio).displayed) times the rate of the most favoured group, below the four-fifths threshold of \(parameters.disparityRatioThreshold); change the product so groups are selected at comparable rates, and review which inputs drive the difference.",
                                        product: product, file: spec.output, group: least,
                                        numbers: ["favourable_rate_ratio": ratio, "threshold": parameters.disparityRatioThreshold]))
            }
            if let difference = measures.demographicParityDifference, difference > parameters.disparityDifferenceThreshold,
               let spread = RateSpread(breakdown, { $0.selectionRate }, minimumDenominator: 0) {
                var numbers = ["demographic_parity_difference": difference, "threshold": parameters.disparityDifferenceThreshold]
                numbers["demographic_parity_ratio"] = measures.demographicParityRatio
                findings.append(finding(.error, "By \(by), selection rates differ by \(Optional(difference).displayed) between groups (\(spread.described(in: breakdown))), more than the demographic parity threshold of \(parameters.disparityDifferenceThreshold); change the product so its selection rates are comparable across groups.",
                                        product: product, file: spec.output, group: spread.groups(in: breakdown), numbers: numbers))
            }
            if let difference = measures.equalizedOddsDifference, difference > parameters.disparityDifferenceThreshold {
                // Error rates rest on the positives (or negatives) of a group, not its size: a verdict
                // needs those denominators to reach the minimum group size too.
                if let supported = Self.widestErrorRateSpread(breakdown, minimumDenominator: parameters.minimumGroupSize),
                   supported.difference > parameters.disparityDifferenceThreshold {
                    findings.append(finding(.error, "By \(by), \(supported.metric) differ by \(Optional(supported.difference).displayed) between groups (\(supported.described(in: breakdown))), more than the equalized-odds threshold of \(parameters.disparityDifferenceThreshold); the product's errors fall unevenly, so review its inputs and thresholds per group.",
                                            product: product, file: spec.output, group: supported.groups(in: breakdown),
                                            numbers: ["equalized_odds_difference": supported.difference, "threshold": parameters.disparityDifferenceThreshold]))
                } else {
                    let widest = Self.widestErrorRateSpread(breakdown, minimumDenominator: 0)
                    let between = widest.map { " (\($0.described(in: breakdown)))" } ?? ""
                    findings.append(finding(.note, "By \(by), \(widest?.metric ?? "true- or false-positive rates") differ by \(Optional(difference).displayed)\(between), but the rates that differ rest on fewer than \(parameters.minimumGroupSize) positives or negatives per group, so they get no verdict; a larger audit sample would settle it.",
                                            product: product, file: spec.output, group: widest?.groups(in: breakdown),
                                            numbers: ["equalized_odds_difference": difference, "minimum_group_size": Double(parameters.minimumGroupSize)]))
                }
            }
        }
        return findings
    }

    /// The wider of the true- and false-positive-rate spreads over eligible groups whose rate
    /// denominators reach `minimumDenominator`, or nil when neither rate has two groups that qualify.
    static func widestErrorRateSpread(_ breakdown: GroupBreakdown, minimumDenominator: Int) -> RateSpread? {
        [RateSpread(breakdown, \.truePositiveRate, metric: "true-positive rates", minimumDenominator: minimumDenominator),
         RateSpread(breakdown, \.falsePositiveRate, metric: "false-positive rates", minimumDenominator: minimumDenominator)]
            .compactMap { $0 }.max { $0.difference < $1.difference }
    }

    private static let smallGroups: PolicyParameters = {
        var parameters = PolicyParameters.defaults
        parameters.minimumGroupSize = 10
        return parameters
    }()

    private static let auditedManifest = RuleExample.cleanManifest.with {
        $0.outputs.append(ProductOutput(name: "inspections.csv", format: .csv, level: .record,
                                        columns: [OutputColumn(name: "rider_id", type: .string), OutputColumn(name: "inspect", type: .integer)],
                                        directsDeployment: true))
        $0.audit = AuditSpec(file: "audit/riders.csv", key: "rider_id", attributes: ["race"], output: "inspections.csv",
                             decisionColumn: "inspect", selectedValue: "1", selectionIs: .adverse)
    }

    private static func audit(_ groups: [(race: String, count: Int)]) -> String {
        var text = "rider_id,race\n"
        for group in groups {
            for index in 0..<group.count { text += "\(group.race)-\(index),\(group.race)\n" }
        }
        return text
    }

    private static func decisions(_ groups: [(race: String, count: Int, selected: Int)]) -> [String: String] {
        var text = "rider_id,inspect\n"
        for group in groups {
            for index in 0..<group.count { text += "\(group.race)-\(index),\(index < group.selected ? 1 : 0)\n" }
        }
        return RuleExample.cleanOutputs.merging(["inspections.csv": text]) { $1 }
    }
}

/// The lowest and highest value of one rate across the eligible groups of a breakdown, so a
/// finding can name the two groups (or intersections) behind a difference.
struct RateSpread {
    /// What the rate is, plural, for messages (`selection rates`).
    let metric: String
    let low: (group: GroupMetrics, value: Double)
    let high: (group: GroupMetrics, value: Double)

    /// Highest minus lowest.
    var difference: Double { high.value - low.value }

    /// `nil` when fewer than two eligible groups have the rate defined on at least `minimumDenominator` rows.
    init?(_ breakdown: GroupBreakdown, _ rate: (GroupMetrics) -> Rate?, metric: String = "selection rates",
          minimumDenominator: Int) {
        let values = breakdown.groups.compactMap { group -> (group: GroupMetrics, value: Double)? in
            guard group.eligible, let rate = rate(group), rate.denominator >= minimumDenominator, let value = rate.value else { return nil }
            return (group, value)
        }
        guard values.count >= 2, let low = values.min(by: { $0.value < $1.value }),
              let high = values.max(by: { $0.value < $1.value }) else { return nil }
        self.metric = metric; self.low = low; self.high = high
    }

    /// `'race × sex: Black × Female' 0.600, 'race × sex: White × Male' 0.200`.
    func described(in breakdown: GroupBreakdown) -> String {
        "'\(breakdown.name(of: high.group))' \(Optional(high.value).displayed), '\(breakdown.name(of: low.group))' \(Optional(low.value).displayed)"
    }

    /// Both groups' names for a finding's location.
    func groups(in breakdown: GroupBreakdown) -> String {
        "\(breakdown.name(of: high.group)) / \(breakdown.name(of: low.group))"
    }
}
