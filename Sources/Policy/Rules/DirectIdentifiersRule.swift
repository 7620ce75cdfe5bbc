import ProductModel

/// Published and deployment outputs hold no names, dates of birth, emails, phone numbers, card numbers or addresses.
public struct DirectIdentifiersRule: PolicyRule {
    public init() {}

    public static let description = RuleDescription(
        id: "direct-identifiers",
        summary: "Outputs that are published or direct deployment contain no direct identifiers, by column name or by value.",
        rationale: "The Public Safety Analytics Policy requires a public dashboard without exposing riders, and the Bias-Free Policing Policy requires that deployment be directed at places and times, not at identified people.",
        policies: [.publicSafetyAnalytics, .biasFreePolicing],
        triggeringExamples: [
            RuleExample("email column by name", manifest: withColumn("Email-Address"), outputs: output(column: "Email-Address", value: "n/a")),
            RuleExample("email addresses as values", manifest: withColumn("note"), outputs: output(column: "note", value: "rider@example.org")),
            RuleExample("phone numbers", manifest: withColumn("note"), outputs: output(column: "note", value: "(415) 555-0134")),
            RuleExample("card number passing the Luhn check", manifest: withColumn("note"), outputs: output(column: "note", value: "4111 1111 1111 1111")),
            RuleExample("street address", manifest: withColumn("note"), outputs: output(column: "note", value: "1200 Market St")),
            RuleExample("date of birth column", manifest: withColumn("dob"), outputs: output(column: "dob", value: "1990-04-02")),
        ],
        nonTriggeringExamples: [
            RuleExample("station counts"),
            RuleExample("sixteen digits failing the Luhn check", manifest: withColumn("note"), outputs: output(column: "note", value: "4111 1111 1111 1112")),
            RuleExample("identifiers in an internal output that neither publishes nor deploys",
                        manifest: withColumn("contact_email").with { $0.outputs[0].published = false; $0.outputs[0].directsDeployment = false },
                        outputs: output(column: "contact_email", value: "rider@example.org")),
        ])

    public func findings(in context: RuleContext) -> [Finding] {
        guard let run = context.run else { return [] }
        var findings: [Finding] = []
        for output in context.manifest.outputs where output.published || output.directsDeployment {
            guard let url = run.outputs[output.name] else { continue }
            let audience = output.published ? "published" : "used to direct deployment"
            var hits: [String: (kind: String, row: Int, count: Int)] = [:]
            var dateCounts = [(dates: Int, birthLike: Int, values: Int)](repeating: (0, 0, 0), count: output.columns.count)
            let header: [String]
            do {
                header = try OutputRows.read(url, output: output) { row, fields in
                    for (index, value) in fields.enumerated() where !value.isEmpty && index < output.columns.count {
                        let column = output.columns[index].name
                        dateCounts[index].values += 1
                        if let date = ValueShapes.date(value) {
                            dateCounts[index].dates += 1
                            let age = context.today.year - date.year
                            if (14...100).contains(age) { dateCounts[index].birthLike += 1 }
                        }
                        guard let kind = Self.identifierKind(of: value) else { continue }
                        let key = column + "\u{0}" + kind
                        let first = hits[key] ?? (kind, row, 0)
                        hits[key] = (kind, first.row, first.count + 1)
                    }
                }
            } catch {
                continue
            }
            for column in header {
                guard let kind = context.parameters.identifierKind(forColumn: column) else { continue }
                findings.append(finding(.error, "Output '\(output.name)' is \(audience) but has column '\(column)', a direct identifier (\(kind)); remove the column or aggregate it away.",
                                        in: context, file: output.name, column: column))
            }
            for (key, hit) in hits.sorted(by: { $0.key < $1.key }) {
                let column = String(key.split(separator: "\u{0}")[0])
                guard context.parameters.identifierKind(forColumn: column) == nil else { continue }
                findings.append(finding(.error, "Output '\(output.name)' is \(audience) but column '\(column)' holds \(hit.count) value(s) that look like \(hit.kind), the first on row \(hit.row); remove or generalise those values.",
                                        in: context, file: output.name, column: column, row: hit.row, numbers: ["values": Double(hit.count)]))
            }
            for (index, counts) in dateCounts.enumerated() where counts.values > 0 && counts.dates == counts.values {
                let column = output.columns[index].name
                guard context.parameters.identifierKind(forColumn: column) == nil,
                      Double(counts.birthLike) >= 0.8 * Double(counts.values), counts.values >= 5 else { continue }
                findings.append(finding(.warning, "Output '\(output.name)' column '\(column)' holds dates that are mostly 14 to 100 years old, which look like dates of birth; publish an age band instead.",
                                        in: context, file: output.name, column: column, numbers: ["birth_like_values": Double(counts.birthLike)]))
            }
        }
        return findings
    }

    /// The kind of identifier a single value looks like, if any.
    static func identifierKind(of value: String) -> String? {
        if ValueShapes.isEmail(value) { return "email addresses" }
        if ValueShapes.isCardNumber(value) { return "card numbers" }
        if ValueShapes.isPhoneNumber(value) { return "phone numbers" }
        if ValueShapes.isStreetAddress(value) { return "street addresses" }
        return nil
    }

    private static func withColumn(_ name: String) -> ProductManifest {
        RuleExample.cleanManifest.with { $0.outputs[0].columns.insert(OutputColumn(name: name, type: .string), at: 1) }
    }

    private static func output(column: String, value: String) -> [String: String] {
        ["hotspots.csv": "station,\(column),week,incidents\nCentral,\(value),2026-11-16,14\n"]
    }
}
