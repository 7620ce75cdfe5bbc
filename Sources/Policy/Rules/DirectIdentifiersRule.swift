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
            // Keyed by header position: rows hold whatever columns the product wrote, declared or not.
            var hits: [IdentifierHit: (row: Int, count: Int)] = [:]
            var dateCounts: [Int: (dates: Int, birthLike: Int, values: Int)] = [:]
            let header: [String]
            do {
                header = try OutputRows.read(url, output: output) { row, fields in
                    for (index, value) in fields.enumerated() where !value.isEmpty {
                        var counts = dateCounts[index] ?? (0, 0, 0)
                        counts.values += 1
                        if let date = ValueShapes.date(value) {
                            counts.dates += 1
                            let age = context.today.year - date.year
                            if (14...100).contains(age) { counts.birthLike += 1 }
                        }
                        dateCounts[index] = counts
                        guard let kind = Self.identifierKind(of: value) else { continue }
                        let hit = IdentifierHit(column: index, kind: kind)
                        let first = hits[hit] ?? (row, 0)
                        hits[hit] = (first.row, first.count + 1)
                    }
                }.header
            } catch {
                continue
            }
            for column in header {
                guard let kind = context.parameters.identifierKind(forColumn: column) else { continue }
                findings.append(finding(.error, "Output '\(output.name)' is \(audience) but has column '\(column)', a direct identifier (\(kind)); remove the column or aggregate it away.",
                                        in: context, file: output.name, column: column))
            }
            for (hit, first) in hits.sorted(by: { (header[$0.key.column], $0.key.kind) < (header[$1.key.column], $1.key.kind) }) {
                let column = header[hit.column]
                guard context.parameters.identifierKind(forColumn: column) == nil else { continue }
                findings.append(finding(.error, "Output '\(output.name)' is \(audience) but column '\(column)' holds \(first.count) value(s) that look like \(hit.kind), the first on row \(first.row); remove or generalise those values.",
                                        in: context, file: output.name, column: column, row: first.row, numbers: ["values": Double(first.count)]))
            }
            for (index, counts) in dateCounts.sorted(by: { $0.key < $1.key }) where counts.values > 0 && counts.dates == counts.values {
                let column = header[index]
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

    /// A kind of identifier found in the column at one header position.
    private struct IdentifierHit: Hashable {
        let column: Int
        let kind: String
    }

    private static func withColumn(_ name: String) -> ProductManifest {
        RuleExample.cleanManifest.with { $0.outputs[0].columns.insert(OutputColumn(name: name, type: .string), at: 1) }
    }

    private static func output(column: String, value: String) -> [String: String] {
        ["hotspots.csv": "station,\(column),week,incidents\nCentral,\(value),2026-11-16,14\n"]
    }
}
