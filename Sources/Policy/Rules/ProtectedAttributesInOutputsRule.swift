import ProductModel

/// No output column is, or encodes, a protected attribute unless it is a declared demographic field.
public struct ProtectedAttributesInOutputsRule: PolicyRule {
    public init() {}

    public static let description = RuleDescription(
        id: "protected-attributes-in-outputs",
        summary: "Outputs hold no protected attribute, by column name or synonym, or by values that look like group labels, unless declared.",
        rationale: "The Bias-Free Policing Policy forbids using race, ethnicity, sex, gender identity, sexual orientation, religion, language, disability, age, nationality or income as a basis for action except in declared, vital uses; an output carrying them lets deployment depend on them unseen.",
        policies: [.biasFreePolicing],
        triggeringExamples: [
            RuleExample("column named with a synonym",
                        manifest: RuleExample.cleanManifest.with { $0.outputs[0].columns.insert(OutputColumn(name: "Race_Ethnicity", type: .string), at: 1) },
                        outputs: ["hotspots.csv": "station,Race_Ethnicity,week,incidents\nCentral,White,2026-11-16,14\n"]),
            RuleExample("a segment column whose values are race labels",
                        manifest: RuleExample.cleanManifest.with { $0.outputs[0].columns.insert(OutputColumn(name: "segment", type: .string), at: 1) },
                        outputs: ["hotspots.csv": "station,segment,week,incidents\nCentral,Black,2026-11-16,14\nCentral,White,2026-11-16,12\nHarbor,Hispanic,2026-11-16,11\n"]),
            RuleExample("combined values that encode sex",
                        manifest: RuleExample.cleanManifest.with { $0.outputs[0].columns.insert(OutputColumn(name: "cohort", type: .string), at: 1) },
                        outputs: ["hotspots.csv": "station,cohort,week,incidents\nCentral,adult/Female,2026-11-16,14\nCentral,adult/Male,2026-11-16,12\n"]),
        ],
        nonTriggeringExamples: [
            RuleExample("station counts only"),
            RuleExample("declared demographic field in an output",
                        manifest: RuleExample.cleanManifest.with {
                            $0.demographicFields = [DemographicField(field: "age_band", source: "incidents", justification: ManifestCompletenessRule.goodJustification)]
                            $0.outputs[0].columns.insert(OutputColumn(name: "age_band", type: .string), at: 1)
                        },
                        outputs: ["hotspots.csv": "station,age_band,week,incidents\nCentral,18-24,2026-11-16,14\nCentral,65+,2026-11-16,12\n"]),
            RuleExample("one incidental label among many values",
                        manifest: RuleExample.cleanManifest.with { $0.outputs[0].columns.insert(OutputColumn(name: "line", type: .string), at: 1) },
                        outputs: ["hotspots.csv": "station,line,week,incidents\nCentral,Red,2026-11-16,14\nHarbor,Blue,2026-11-16,12\nPark,Green,2026-11-16,11\nMarket,White,2026-11-16,13\n"]),
        ])

    public func findings(in context: RuleContext) -> [Finding] {
        guard let run = context.run else { return [] }
        let declared = Set(context.manifest.demographicFields.map(\.field))
        let labels = GroupLabelMatcher(context.parameters)
        var findings: [Finding] = []
        for output in context.manifest.outputs {
            guard let url = run.outputs[output.name] else { continue }
            // Keyed by header position: rows hold whatever columns the product wrote, declared or not.
            var distinct: [Int: GroupLabelMatcher.DistinctValues] = [:]
            let header: [String]
            do {
                header = try OutputRows.read(url, output: output) { _, fields in
                    for (index, field) in fields.enumerated() { distinct[index, default: .init()].add(field) }
                }.header
            } catch {
                continue
            }
            for (index, column) in header.enumerated() where !declared.contains(column) {
                if let attribute = context.parameters.protectedAttribute(forColumn: column) {
                    findings.append(finding(.error, "Output '\(output.name)' has column '\(column)', which names the protected attribute '\(attribute.name)'; remove it, or declare '\(column)' under 'demographic_fields' with a justification for the board to approve.",
                                            in: context, file: output.name, column: column))
                    continue
                }
                guard let values = distinct[index], let match = labels.match(values) else { continue }
                findings.append(finding(.error, "Output '\(output.name)' column '\(column)' holds values that look like group labels of the protected attribute '\(match.attribute)' (\(match.examples)); remove or recode the column, or declare it under 'demographic_fields' for the board to approve.",
                                        in: context, file: output.name, column: column,
                                        numbers: ["matching_values": Double(match.values.count), "distinct_values": Double(match.distinctValues)]))
            }
        }
        return findings
    }
}
