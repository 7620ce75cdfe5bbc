import ProductModel

/// The manifest says what the product is for, who oversees it, and why each demographic field is vital.
public struct ManifestCompletenessRule: PolicyRule {
    public init() {}

    public static let description = RuleDescription(
        id: "manifest-completeness",
        summary: "The manifest states purpose, decision use, oversight and legal basis, and justifies every demographic field in full sentences.",
        rationale: "The Public Safety Analytics Policy requires accountability for how data is used, and the Bias-Free Policing Policy allows demographic data only where it is deemed vital: neither can be judged from an empty or placeholder description.",
        policies: [.publicSafetyAnalytics, .biasFreePolicing],
        triggeringExamples: [
            RuleExample("empty purpose", manifest: RuleExample.cleanManifest.with { $0.purpose = " " }),
            RuleExample("no human oversight", manifest: RuleExample.cleanManifest.with { $0.humanOversight = "" }),
            RuleExample("placeholder justification",
                        manifest: RuleExample.cleanManifest.with(demographicJustification: "TBD", assessed: true)),
            RuleExample("demographic field without an impact assessment",
                        manifest: RuleExample.cleanManifest.with(demographicJustification: ManifestCompletenessRule.goodJustification, assessed: false)),
        ],
        nonTriggeringExamples: [
            RuleExample("complete manifest without demographic fields"),
            RuleExample("justified demographic field with an impact assessment",
                        manifest: RuleExample.cleanManifest.with(demographicJustification: ManifestCompletenessRule.goodJustification, assessed: true)),
        ])

    static let goodJustification = "Age band is needed to route riders under 18 to youth outreach staff instead of security officers."

    /// Words that show a justification was never written.
    private static let placeholders: Set<String> = ["tbd", "todo", "n/a", "na", "none", "tbc", "see above", "same as above", "needed", "required", "lorem ipsum", "-", "."]

    /// Fewer words than this cannot say why a field is vital and how misuse is avoided.
    static let minimumJustificationWords = 8

    public func findings(in context: RuleContext) -> [Finding] {
        let manifest = context.manifest
        var findings: [Finding] = []
        let required: [(key: String, value: String, what: String)] = [
            ("name", manifest.name, "the product's name"),
            ("summary", manifest.summary, "a one-sentence summary people can read"),
            ("purpose", manifest.purpose, "what the product is for"),
            ("decision_use", manifest.decisionUse, "how outputs feed decisions and who acts on them"),
            ("human_oversight", manifest.humanOversight, "what human review happens before anything is acted on"),
            ("legal_basis", manifest.legalBasis, "the legal basis for the data use"),
            ("owner.team", manifest.owner.team, "the owning team"),
            ("owner.accountable_role", manifest.owner.accountableRole, "the accountable role"),
            ("owner.contact", manifest.owner.contact, "an internal contact"),
        ]
        for field in required where field.value.trimmed.isEmpty {
            findings.append(finding(.error, "The manifest key '\(field.key)' is empty; write \(field.what).",
                                    in: context, file: "product.yaml", keyPath: field.key))
        }
        if manifest.risks.isEmpty {
            findings.append(finding(.warning, "The manifest lists no risks; add at least one risk of using the product and how it is mitigated under 'risks'.",
                                    in: context, file: "product.yaml", keyPath: "risks"))
        }
        let sourceIDs = Set(manifest.dataSources.map(\.id))
        var seenJustifications: [String: String] = [:]
        for (index, field) in manifest.demographicFields.enumerated() {
            let keyPath = "demographic_fields[\(index)].justification"
            let text = field.justification.trimmed
            let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
            let lowered = text.lowercased()
            if Self.placeholders.contains(lowered) || words.count < Self.minimumJustificationWords {
                findings.append(finding(.error, "The justification for demographic field '\(field.field)' is '\(text)' (\(words.count) words); write at least one full sentence of \(Self.minimumJustificationWords) or more words saying why the field is vital and how its use avoids discrimination.",
                                        in: context, file: "product.yaml", keyPath: keyPath, numbers: ["words": Double(words.count)]))
            } else if let first = text.first, !first.isUppercase || !(text.hasSuffix(".") || text.hasSuffix("!") || text.hasSuffix("?")) {
                findings.append(finding(.error, "The justification for demographic field '\(field.field)' is not written as a sentence; start it with a capital letter and end it with a full stop.",
                                        in: context, file: "product.yaml", keyPath: keyPath))
            } else if let other = seenJustifications[lowered] {
                findings.append(finding(.error, "Demographic field '\(field.field)' copies the justification of '\(other)'; explain why this field in particular is vital.",
                                        in: context, file: "product.yaml", keyPath: keyPath))
            }
            seenJustifications[lowered] = seenJustifications[lowered] ?? field.field
            if !sourceIDs.contains(field.source) {
                findings.append(finding(.error, "Demographic field '\(field.field)' names source '\(field.source)', which is not in 'data_sources'; use one of the declared source ids.",
                                        in: context, file: "product.yaml", keyPath: "demographic_fields[\(index)].source"))
            }
        }
        if !manifest.demographicFields.isEmpty && manifest.impactAssessments.isEmpty {
            let names = manifest.demographicFieldNames.joined(separator: ", ")
            findings.append(finding(.error, "The product uses demographic fields (\(names)) but lists no impact assessment; complete an equity impact assessment and add its title, date and link under 'impact_assessments'.",
                                    in: context, file: "product.yaml", keyPath: "impact_assessments"))
        }
        return findings
    }
}

extension ProductManifest {
    /// The clean example with an `age_band` demographic field justified by `justification`.
    fileprivate func with(demographicJustification justification: String, assessed: Bool) -> ProductManifest {
        with {
            $0.demographicFields = [DemographicField(field: "age_band", source: "incidents", justification: justification)]
            $0.inputs[0].columns.append("age_band")
            $0.impactAssessments = assessed
                ? [ImpactAssessment(title: "Equity impact assessment", date: CalendarDate(year: 2026, month: 9, day: 1), link: "https://agency.example/eia/hotspots")]
                : []
        }
    }
}
