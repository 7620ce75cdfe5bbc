import ProductModel

/// Fairness metrics of one decision output against the held-back audit attributes.
public struct DisparityReport: Sendable, Hashable, Codable {
    /// The policy parameters' digest, so the numbers trace to the thresholds used.
    public var parametersDigest: String
    /// Groups with fewer rows than this get no verdict.
    public var minimumGroupSize: Int
    /// Whether selection is favourable or adverse for the person selected.
    public var selectionIs: OutcomePolarity
    /// Whether a label column gave true outcomes (enabling error rates).
    public var hasLabels: Bool
    /// Output rows joined to an audit row.
    public var matchedRows: Int
    /// Output rows whose key is not in the audit file (left out of every metric).
    public var unmatchedOutputRows: Int
    /// Audit rows that no output row joined to.
    public var unmatchedAuditRows: Int
    /// One breakdown per attribute, then one for the intersection of all attributes.
    public var breakdowns: [GroupBreakdown]

    enum CodingKeys: String, CodingKey {
        case parametersDigest = "parameters_digest", minimumGroupSize = "minimum_group_size"
        case selectionIs = "selection_is", hasLabels = "has_labels", matchedRows = "matched_rows"
        case unmatchedOutputRows = "unmatched_output_rows", unmatchedAuditRows = "unmatched_audit_rows"
        case breakdowns
    }
}

/// Groups by one attribute or an intersection of attributes, with the disparities between them.
public struct GroupBreakdown: Sendable, Hashable, Codable {
    /// The attributes that define the groups (`["race", "sex"]` for the intersection).
    public var attributes: [String]
    /// Every group, in order of its values.
    public var groups: [GroupMetrics]
    /// The largest group, against which ratios are taken (Aequitas' majority reference).
    public var referenceGroup: String?
    /// Disparities over the groups large enough for a verdict.
    public var disparities: DisparityMeasures

    enum CodingKeys: String, CodingKey {
        case attributes, groups, disparities
        case referenceGroup = "reference_group"
    }

    /// A group as people read it in findings and pages: the attributes, then the values
    /// (`race × sex: Black × Female`), so an intersection is named whole.
    public func name(of group: GroupMetrics) -> String {
        attributes.joined(separator: " × ") + ": " + group.valuesName
    }

    /// The group whose `label` this is, as `name(of:)` names it; the label itself when no group has it.
    public func name(ofLabel label: String) -> String {
        groups.first { $0.label == label }.map(name(of:)) ?? label
    }
}

/// The metrics of one group.
public struct GroupMetrics: Sendable, Hashable, Codable {
    /// `race=Black × sex=Female`.
    public var label: String
    /// The attribute values, in the breakdown's attribute order.
    public var values: [String]
    /// Output rows in the group.
    public var count: Int
    /// Whether the group has at least the minimum group size, and so gets a verdict.
    public var eligible: Bool
    /// Selected over group size.
    public var selectionRate: Rate
    /// The share of the group whose true outcome is positive; `nil` without labels.
    public var baseRate: Rate?
    /// Selected among those whose true outcome is positive; `nil` without labels.
    public var truePositiveRate: Rate?
    /// Selected among those whose true outcome is negative; `nil` without labels.
    public var falsePositiveRate: Rate?
    /// Not selected among those whose true outcome is negative; `nil` without labels.
    public var trueNegativeRate: Rate?
    /// Not selected among those whose true outcome is positive; `nil` without labels.
    public var falseNegativeRate: Rate?
    /// Of those selected, the share whose true outcome is positive.
    public var precision: Rate?
    /// Each metric divided by the reference group's (`selection_rate`, `false_positive_rate`, …);
    /// `nil` when either side is undefined or the reference is zero.
    public var ratiosToReference: [String: Double?]
    /// Each metric minus the reference group's, under the same names as the ratios (the
    /// `selection_rate` entry is the group's demographic parity difference to the reference);
    /// `nil` when either side is undefined.
    public var differencesToReference: [String: Double?]

    /// The selected count.
    public var selected: Int { selectionRate.numerator }

    /// The values alone (`Black × Female`), for a table whose heading names the attributes.
    public var valuesName: String {
        values.map { $0.isEmpty ? "(blank)" : $0 }.joined(separator: " × ")
    }

    enum CodingKeys: String, CodingKey {
        case label, values, count, eligible
        case selectionRate = "selection_rate", baseRate = "base_rate"
        case truePositiveRate = "true_positive_rate", falsePositiveRate = "false_positive_rate"
        case trueNegativeRate = "true_negative_rate", falseNegativeRate = "false_negative_rate"
        case precision
        case ratiosToReference = "ratios_to_reference", differencesToReference = "differences_to_reference"
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(label, forKey: .label)
        try container.encode(values, forKey: .values)
        try container.encode(count, forKey: .count)
        try container.encode(eligible, forKey: .eligible)
        try container.encode(selectionRate, forKey: .selectionRate)
        try container.encode(baseRate, forKey: .baseRate)
        try container.encode(truePositiveRate, forKey: .truePositiveRate)
        try container.encode(falsePositiveRate, forKey: .falsePositiveRate)
        try container.encode(trueNegativeRate, forKey: .trueNegativeRate)
        try container.encode(falseNegativeRate, forKey: .falseNegativeRate)
        try container.encode(precision, forKey: .precision)
        try container.encode(ratiosToReference, forKey: .ratiosToReference)
        try container.encode(differencesToReference, forKey: .differencesToReference)
    }

    /// The rates by the names used in ratios and reports.
    var namedRates: [(name: String, rate: Rate?)] {
        [("selection_rate", selectionRate), ("base_rate", baseRate), ("true_positive_rate", truePositiveRate),
         ("false_positive_rate", falsePositiveRate), ("true_negative_rate", trueNegativeRate),
         ("false_negative_rate", falseNegativeRate), ("precision", precision)]
    }
}

extension GroupMetrics {
    /// Reads a group; results stored before differences were recorded read with none, so an
    /// upgraded registry still shows its earlier checks until they run again.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        label = try container.decode(String.self, forKey: .label)
        values = try container.decode([String].self, forKey: .values)
        count = try container.decode(Int.self, forKey: .count)
        eligible = try container.decode(Bool.self, forKey: .eligible)
        selectionRate = try container.decode(Rate.self, forKey: .selectionRate)
        baseRate = try container.decodeIfPresent(Rate.self, forKey: .baseRate)
        truePositiveRate = try container.decodeIfPresent(Rate.self, forKey: .truePositiveRate)
        falsePositiveRate = try container.decodeIfPresent(Rate.self, forKey: .falsePositiveRate)
        trueNegativeRate = try container.decodeIfPresent(Rate.self, forKey: .trueNegativeRate)
        falseNegativeRate = try container.decodeIfPresent(Rate.self, forKey: .falseNegativeRate)
        precision = try container.decodeIfPresent(Rate.self, forKey: .precision)
        ratiosToReference = try container.decode([String: Double?].self, forKey: .ratiosToReference)
        differencesToReference = try container.decodeIfPresent([String: Double?].self, forKey: .differencesToReference) ?? [:]
    }
}

/// Disparities across the eligible groups of a breakdown; each is `nil` (undefined) when fewer
/// than two eligible groups have a defined value or a ratio's denominator is zero.
public struct DisparityMeasures: Sendable, Hashable, Codable {
    /// Groups large enough for a verdict.
    public var eligibleGroups: Int
    /// Lowest over highest rate of the favourable outcome (the four-fifths rule).
    public var favourableRateRatio: Double?
    /// The eligible group with the lowest favourable-outcome rate.
    public var leastFavouredGroup: String?
    /// Lowest over highest selection rate (Fairlearn `demographic_parity_ratio`).
    public var demographicParityRatio: Double?
    /// Highest minus lowest selection rate (Fairlearn `demographic_parity_difference`).
    public var demographicParityDifference: Double?
    /// The larger of the true- and false-positive-rate spreads (Fairlearn `equalized_odds_difference`).
    public var equalizedOddsDifference: Double?

    enum CodingKeys: String, CodingKey {
        case eligibleGroups = "eligible_groups", favourableRateRatio = "favourable_rate_ratio"
        case leastFavouredGroup = "least_favoured_group", demographicParityRatio = "demographic_parity_ratio"
        case demographicParityDifference = "demographic_parity_difference"
        case equalizedOddsDifference = "equalized_odds_difference"
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(eligibleGroups, forKey: .eligibleGroups)
        try container.encode(favourableRateRatio, forKey: .favourableRateRatio)
        try container.encode(leastFavouredGroup, forKey: .leastFavouredGroup)
        try container.encode(demographicParityRatio, forKey: .demographicParityRatio)
        try container.encode(demographicParityDifference, forKey: .demographicParityDifference)
        try container.encode(equalizedOddsDifference, forKey: .equalizedOddsDifference)
    }
}
