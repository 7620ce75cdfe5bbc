import ProductModel
import RegistrySupport

/// Inputs receive only declared columns, and undeclared protected attributes in samples are withheld.
public struct DeclaredInputsRule: PolicyRule {
    public init() {}

    public static let description = RuleDescription(
        id: "declared-inputs",
        summary: "Every input's sample has its declared columns, and protected attributes, by column name or by values that look like group labels, reach the product only when declared as demographic fields.",
        rationale: "The Bias-Free Policing Policy limits demographic data to declared, vital uses, and the Public Safety Analytics Policy requires accountability for every field used; the run projects inputs to declared columns, and this rule reports what was withheld.",
        policies: [.biasFreePolicing, .publicSafetyAnalytics],
        triggeringExamples: [
            RuleExample("sample holds an undeclared race column, withheld from the run",
                        samples: ["incidents.csv": "station,week,category,race\nCentral,2026-11-16,fare,Black\n"]),
            RuleExample("input declares a protected column that is not a demographic field",
                        manifest: RuleExample.cleanManifest.with { $0.inputs[0].columns.append("gender") },
                        samples: ["incidents.csv": "station,week,category,gender\nCentral,2026-11-16,fare,Female\n"]),
            RuleExample("declared column missing from the sample",
                        samples: ["incidents.csv": "station,category\nCentral,fare\n"]),
            RuleExample("sample file missing", samples: [:]),
            RuleExample("input column 'grp' renamed to hide race values",
                        manifest: RuleExample.cleanManifest.with { $0.inputs[0].columns.append("grp") },
                        samples: ["incidents.csv": "station,week,category,grp\nCentral,2026-11-16,fare,Black\nHarbor,2026-11-16,fare,White\nPark,2026-11-16,fare,Hispanic\n"]),
            RuleExample("input column 'reporter_gender' holding race values",
                        manifest: RuleExample.cleanManifest.with { $0.inputs[0].columns.append("reporter_gender") },
                        samples: ["incidents.csv": "station,week,category,reporter_gender\nCentral,2026-11-16,fare,Black\nHarbor,2026-11-16,fare,Asian\n"]),
        ],
        nonTriggeringExamples: [
            RuleExample("sample with only declared columns"),
            RuleExample("sample with an extra non-protected column",
                        samples: ["incidents.csv": "station,week,category,officer_notes\nCentral,2026-11-16,fare,none\n"]),
            RuleExample("input column of line colours, one of which is also a group label",
                        manifest: RuleExample.cleanManifest.with { $0.inputs[0].columns.append("line") },
                        samples: ["incidents.csv": "station,week,category,line\nCentral,2026-11-16,fare,Red\nHarbor,2026-11-16,fare,Blue\nPark,2026-11-16,fare,Green\nMarket,2026-11-16,fare,White\n"]),
            RuleExample("input column 'grp' holding race values, declared as a demographic field",
                        manifest: RuleExample.cleanManifest.with {
                            $0.inputs[0].columns.append("grp")
                            $0.demographicFields = [DemographicField(field: "grp", source: "incidents", justification: ManifestCompletenessRule.goodJustification)]
                        },
                        samples: ["incidents.csv": "station,week,category,grp\nCentral,2026-11-16,fare,Black\nHarbor,2026-11-16,fare,White\n"]),
            RuleExample("protected column declared as a demographic field",
                        manifest: RuleExample.cleanManifest.with {
                            $0.inputs[0].columns.append("age_band")
                            $0.demographicFields = [DemographicField(field: "age_band", source: "incidents", justification: ManifestCompletenessRule.goodJustification)]
                        },
                        samples: ["incidents.csv": "station,week,category,age_band\nCentral,2026-11-16,fare,18-24\n"]),
        ])

    public func findings(in context: RuleContext) -> [Finding] {
        let manifest = context.manifest
        let demographic = Set(manifest.demographicFields.map(\.field))
        let labels = GroupLabelMatcher(context.parameters)
        var findings: [Finding] = []
        for input in manifest.inputs {
            guard let url = context.samples[input.name] else {
                findings.append(finding(.error, "The sample '\(input.sample)' for input '\(input.name)' is missing; add the sample file to the product folder or fix 'inputs[].sample'.",
                                        in: context, file: input.sample))
                continue
            }
            let header: [String]
            var distinct: [Int: GroupLabelMatcher.DistinctValues] = [:]
            do {
                let reader = try CSVReader(url: url, displayName: input.sample)
                header = reader.header
                // Values are scanned as well as names: a column renamed to hide what it holds
                // (`grp` full of race labels) must not reach the product as harmless. Only columns
                // the product receives are scanned; the others are withheld from the run anyway.
                for (index, column) in header.enumerated() where input.columns.contains(column) && !demographic.contains(column)
                    && context.parameters.protectedAttribute(forColumn: column) == nil {
                    distinct[index] = GroupLabelMatcher.DistinctValues()
                }
                let scanned = distinct.keys.sorted()
                while !scanned.isEmpty, let record = try reader.next() {
                    for index in scanned where index < record.count && distinct[index]?.overflowed == false {
                        record.withUnsafeBytes(at: index) { distinct[index]?.add($0) }
                    }
                }
            } catch {
                findings.append(finding(.error, error.message, in: context, file: input.sample, row: error.line))
                continue
            }
            for column in input.columns where !header.contains(column) {
                findings.append(finding(.error, "Input '\(input.name)' declares column '\(column)' but the sample '\(input.sample)' has no such column; add it to the sample or remove it from the input's columns.",
                                        in: context, file: input.sample, column: column))
            }
            for (index, column) in header.enumerated() where !demographic.contains(column) {
                if let attribute = context.parameters.protectedAttribute(forColumn: column) {
                    if input.columns.contains(column) {
                        findings.append(finding(.error, "Input '\(input.name)' passes column '\(column)', which is the protected attribute '\(attribute.name)', but it is not declared under 'demographic_fields'; declare it with a justification or remove it from the input's columns.",
                                                in: context, file: input.sample, column: column))
                    } else {
                        findings.append(finding(.warning, "The sample '\(input.sample)' holds column '\(column)' (protected attribute '\(attribute.name)'), which is not declared, so it was withheld from the run; remove it from the sample if the product does not need it.",
                                                in: context, file: input.sample, column: column))
                    }
                } else if let values = distinct[index], let match = labels.match(values) {
                    findings.append(finding(.error, "Input '\(input.name)' passes column '\(column)', whose sample values look like group labels of the protected attribute '\(match.attribute)' (\(match.examples)), but '\(column)' is not declared under 'demographic_fields'; declare it with a justification for the board to approve, or remove it from the input's columns.",
                                            in: context, file: input.sample, column: column,
                                            numbers: ["matching_values": Double(match.values.count), "distinct_values": Double(match.distinctValues)]))
                }
            }
        }
        return findings
    }
}
