import Foundation
import ProductModel

/// A field value in an export to another register.
public enum ExportValue: Sendable, Hashable, Encodable {
    case text(String)
    case list([String])
    /// Title and link pairs (`lawful_basis_grouping`, `impacttoetsen_grouping`).
    case links([ExportLink])

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let text): try container.encode(text)
        case .list(let list): try container.encode(list)
        case .links(let links): try container.encode(links)
        }
    }
}

/// A titled link in an export.
public struct ExportLink: Sendable, Hashable, Encodable {
    /// The link text.
    public var title: String
    /// The address.
    public var link: String
}

/// One field of another register's standard: whether it is required, its length limit and allowed values.
public struct ExportField: Sendable, Hashable {
    /// The field name as the standard spells it.
    public var name: String
    /// Whether the standard requires the field.
    public var required: Bool
    /// Maximum length in characters, if limited.
    public var maxLength: Int?
    /// The only values allowed, if restricted.
    public var permittedValues: [String]?

    init(_ name: String, required: Bool = false, maxLength: Int? = nil, permittedValues: [String]? = nil) {
        self.name = name; self.required = required; self.maxLength = maxLength; self.permittedValues = permittedValues
    }
}

/// The published standards the catalog exports to, with the limits each export must respect.
public struct ExportStandard: Sendable {
    /// A short id (`nl-algoritmeregister-1.0`).
    public var id: String
    /// The standard's fields.
    public var fields: [ExportField]

    /// Problems with one record: missing required fields, values over limits or not permitted.
    public func violations(of record: [String: ExportValue]) -> [String] {
        var problems: [String] = []
        for field in fields {
            guard let value = record[field.name] else {
                if field.required { problems.append("'\(field.name)' is required but missing") }
                continue
            }
            let texts: [String]
            switch value {
            case .text(let text): texts = [text]
            case .list(let list): texts = list
            case .links(let links): texts = links.flatMap { [$0.title, $0.link] }
            }
            if field.required && texts.allSatisfy({ $0.isEmpty }) { problems.append("'\(field.name)' is required but empty") }
            if let limit = field.maxLength, let long = texts.first(where: { $0.count > limit }) {
                problems.append("'\(field.name)' has \(long.count) characters; the limit is \(limit)")
            }
            if let permitted = field.permittedValues, let bad = texts.first(where: { !permitted.contains($0) }) {
                problems.append("'\(field.name)' has '\(bad)', which is not one of \(permitted.joined(separator: ", "))")
            }
        }
        let known = Set(fields.map(\.name))
        for key in record.keys.sorted() where !known.contains(key) { problems.append("'\(key)' is not a field of \(id)") }
        return problems
    }

    /// The Dutch Algoritmeregister publication standard 1.0, copied from its field configuration
    /// (`nl-algoritmeregister-publicatiestandaard-1.0.config.json`): names, required flags, limits.
    public static let algoritmeregister = ExportStandard(id: "nl-algoritmeregister-1.0", fields: [
        ExportField("name", required: true, maxLength: 100),
        ExportField("description_short", required: true, maxLength: 400),
        ExportField("organization", required: true, maxLength: 100),
        ExportField("category", permittedValues: [
            "Organisatie en bedrijfsvoering", "Cultuur en recreatie", "Economie", "Overheidsfinanciën", "Wonen",
            "Internationaal", "Migratie en integratie", "Natuur en milieu", "Onderwijs en wetenschap",
            "Openbare orde en veiligheid", "Recht", "Ruimte en infrastructuur", "Sociale zekerheid", "Verkeer", "Werk",
            "Zorg en gezondheid"]),
        ExportField("status", required: true, permittedValues: ["In ontwikkeling", "In gebruik", "Buiten gebruik"]),
        ExportField("begin_date", maxLength: 7),
        ExportField("end_date", maxLength: 7),
        ExportField("contact_email", required: true, maxLength: 500),
        ExportField("website", maxLength: 500),
        ExportField("publication_category", required: true,
                    permittedValues: ["Hoog-risico AI-systeem", "Impactvolle algoritmes", "Overige algoritmes"]),
        ExportField("url", maxLength: 500),
        ExportField("goal", maxLength: 2500),
        ExportField("proportionality", maxLength: 2500),
        ExportField("human_intervention", maxLength: 2500),
        ExportField("risks", maxLength: 2500),
        ExportField("lawful_basis", maxLength: 2500),
        ExportField("lawful_basis_grouping", maxLength: 500),
        ExportField("process_index_url", maxLength: 500),
        ExportField("impacttoetsen_grouping", maxLength: 500),
        ExportField("impacttoetsen", maxLength: 2500),
        ExportField("source_data", maxLength: 2500),
        ExportField("source_data_grouping", maxLength: 500),
        ExportField("methods_and_models", maxLength: 5000),
        ExportField("provider", maxLength: 200),
        ExportField("publiccode", maxLength: 500),
        ExportField("lang", required: true, permittedValues: ["nld"]),
        ExportField("standard_version", permittedValues: ["1.0"]),
        ExportField("source_id", maxLength: 100),
        ExportField("tags", maxLength: 2500),
        ExportField("lars"),
        ExportField("publication_dt"),
    ])

    /// The UK Algorithmic Transparency Recording Standard (v3 template): tier 1 summary fields and
    /// the tier 2 detail fields we can fill. Limits follow the template's guidance for tier 1 text.
    public static let ukATRS = ExportStandard(id: "uk-atrs", fields: [
        ExportField("tier1.name", required: true, maxLength: 200),
        ExportField("tier1.description", required: true, maxLength: 1500),
        ExportField("tier1.website", maxLength: 500),
        ExportField("tier1.contact_email", required: true, maxLength: 254),
        ExportField("tier2.owner_and_responsibility.organisation", required: true, maxLength: 200),
        ExportField("tier2.owner_and_responsibility.team", required: true, maxLength: 200),
        ExportField("tier2.owner_and_responsibility.senior_responsible_owner", required: true, maxLength: 200),
        ExportField("tier2.owner_and_responsibility.external_supplier", maxLength: 200),
        ExportField("tier2.description_and_rationale.detailed_description", required: true, maxLength: 10000),
        ExportField("tier2.description_and_rationale.benefits", maxLength: 10000),
        ExportField("tier2.decision_making_process.process_integration", required: true, maxLength: 10000),
        ExportField("tier2.decision_making_process.human_decisions_and_review", required: true, maxLength: 10000),
        ExportField("tier2.data.source_data_name", maxLength: 2000),
        ExportField("tier2.data.data_description", maxLength: 10000),
        ExportField("tier2.data.sensitive_attributes", maxLength: 10000),
        ExportField("tier2.impact_assessments", maxLength: 10000),
        ExportField("tier2.risks", maxLength: 10000),
        ExportField("tier2.legal_basis", maxLength: 10000),
        ExportField("phase", required: true, permittedValues: ["Pre-deployment", "Production", "Retired"]),
    ])

    /// New York City Local Law 35 of 2022 algorithmic tool reporting, one row per tool.
    public static let nycLocalLaw35 = ExportStandard(id: "nyc-local-law-35", fields: [
        ExportField("agency", required: true, maxLength: 200),
        ExportField("tool_name", required: true, maxLength: 200),
        ExportField("purpose", required: true, maxLength: 4000),
        ExportField("how_used", required: true, maxLength: 4000),
        ExportField("data_analyzed", required: true, maxLength: 4000),
        ExportField("demographic_data_used", required: true, maxLength: 2000),
        ExportField("developed_by_vendor", required: true, permittedValues: ["Yes", "No", "Withheld"]),
        ExportField("vendor_name", maxLength: 200),
        ExportField("year_first_used", maxLength: 4),
        ExportField("currently_in_use", required: true, permittedValues: ["Yes", "No"]),
        ExportField("catalog_id", required: true, maxLength: 100),
    ])
}

/// Builds the export records from published products, fitting text to each field's limit.
enum RegisterExports {
    /// Text cut to a limit at a character boundary, ending in an ellipsis when cut.
    static func fit(_ text: String, _ limit: Int?) -> String {
        // A UTF-8 length within the limit means the character count is too, without counting characters.
        guard let limit, text.utf8.count > limit, text.count > limit else { return text }
        return String(text.prefix(max(0, limit - 1))) + "…"
    }

    /// Drops empty optional text and fits every value to its field's limit.
    static func finished(_ record: [String: ExportValue], standard: ExportStandard) -> [String: ExportValue] {
        var out: [String: ExportValue] = [:]
        for field in standard.fields {
            guard let value = record[field.name] else { continue }
            switch value {
            case .text(let text):
                if text.isEmpty && !field.required { continue }
                out[field.name] = .text(fit(text, field.maxLength))
            case .list(let list):
                out[field.name] = .list(list.map { fit($0, field.maxLength) })
            case .links(let links):
                out[field.name] = .links(links.map { ExportLink(title: fit($0.title, 100), link: $0.link) }
                    .filter { $0.link.count <= (field.maxLength ?? Int.max) })
            }
        }
        return out
    }

    /// The month (`YYYY-MM`) of an ISO date-time, or nil.
    private static func month(_ date: String?) -> String? {
        guard let date, date.count >= 7 else { return nil }
        return String(date.prefix(7))
    }

    /// The month a product first appeared with a given status, from its history.
    private static func firstMonth(_ product: PublicProduct, status: ProductStatus) -> String? {
        let changed = product.history.first { version in
            version.changes.contains { $0.keyPath == "status" && $0.after == status.rawValue }
        }
        if let changed { return month(changed.date) }
        return product.status == status ? month(product.registeredDate) : nil
    }

    static func productURL(_ id: String, registry: RegistryInfo) -> String? {
        guard let site = registry.siteURL, HTML.safeLinkTarget(site) != nil else { return nil }
        return (site.hasSuffix("/") ? site : site + "/") + SitePaths.product(id)
    }

    private static func withheld(_ text: String?) -> String { text ?? "Withheld from publication." }

    static func algoritmeregister(_ product: PublicProduct, registry: RegistryInfo) -> [String: ExportValue] {
        let status: String = switch product.status {
        case .proposed, .development: "In ontwikkeling"
        case .inUse: "In gebruik"
        case .retired: "Buiten gebruik"
        }
        let details: [String: ExportValue] = [
            "description_short": .text(withheld(product.summary)),
            "goal": .text([product.purpose, product.decisionUse].compactMap { $0 }.joined(separator: "\n\n")),
            "proportionality": .text(product.demographicFields.map { "\($0.field): \($0.justification)" }.joined(separator: "\n")),
            "human_intervention": .text(withheld(product.humanOversight)),
            "risks": .text(product.risks.map { $0.map { "\($0.risk) — \($0.mitigation)" }.joined(separator: "\n") } ?? withheld(nil)),
            "lawful_basis": .text(withheld(product.legalBasis)),
            "impacttoetsen": .text(product.impactAssessments.map { $0.map { "\($0.title) (\($0.date))" }.joined(separator: "\n") } ?? ""),
            "impacttoetsen_grouping": .links((product.impactAssessments ?? []).compactMap { assessment in
                HTML.safeLinkTarget(assessment.link).map { ExportLink(title: assessment.title, link: $0) }
            }),
            "source_data": .text(product.dataSources.map { $0.map { "\($0.name) (\($0.origin.rawValue)): \($0.fields.joined(separator: ", "))" }.joined(separator: "\n") } ?? withheld(nil)),
            "provider": .text(product.vendor?.name ?? ""),
        ]
        var record = algoritmeregisterEntry(product.id, name: product.name, status: status, registry: registry)
        record.merge(details) { _, new in new }
        if let begin = firstMonth(product, status: .inUse) { record["begin_date"] = .text(begin) }
        if product.status == .retired, let end = firstMonth(product, status: .retired) { record["end_date"] = .text(end) }
        return finished(record, standard: .algoritmeregister)
    }

    /// The fields every Algoritmeregister record carries, present or removed.
    private static func algoritmeregisterEntry(_ id: String, name: String, status: String,
                                               registry: RegistryInfo) -> [String: ExportValue] {
        var record: [String: ExportValue] = [
            "name": .text(name),
            "organization": .text(registry.agency),
            "category": .list(["Openbare orde en veiligheid"]),
            "status": .text(status),
            "contact_email": .text(registry.contactEmail),
            "publication_category": .text("Impactvolle algoritmes"),
            "lang": .text("nld"),
            "standard_version": .text("1.0"),
            "source_id": .text(id),
        ]
        if let url = productURL(id, registry: registry) { record["url"] = .text(url) }
        return record
    }

    /// What a removed product's export says in place of the text the catalog no longer publishes.
    private static func removedNote(_ product: ProductUse, registry: RegistryInfo) -> String {
        let removal = product.removingVersion
        let page = productURL(product.id, registry: registry) ?? SitePaths.product(product.id)
        return "Removed from the registry on \(removal.map { String($0.date.prefix(10)) } ?? "an unknown day")"
            + (removal.map { " (commit \($0.commit.prefix(12)))" } ?? "") + "; its page keeps its history: \(page)"
    }

    /// A removed product as a withdrawn Algoritmeregister entry: status `Buiten gebruik`, with the
    /// month of its removal as `end_date`, the standard's own fields for an algorithm taken out of use.
    static func algoritmeregister(removed product: ProductUse, registry: RegistryInfo) -> [String: ExportValue] {
        var record = algoritmeregisterEntry(product.id, name: product.name, status: "Buiten gebruik", registry: registry)
        record["description_short"] = .text(removedNote(product, registry: registry))
        if let end = month(product.removingVersion?.date) { record["end_date"] = .text(end) }
        return finished(record, standard: .algoritmeregister)
    }

    /// A removed product as a UK ATRS record in its `Retired` phase; the detail fields point to its page.
    static func ukATRS(removed product: ProductUse, registry: RegistryInfo) -> [String: ExportValue] {
        let note = ExportValue.text(removedNote(product, registry: registry))
        var record: [String: ExportValue] = [
            "tier1.name": .text(product.name),
            "tier1.description": note,
            "tier1.contact_email": .text(registry.contactEmail),
            "tier2.owner_and_responsibility.organisation": .text(registry.agency),
            "tier2.owner_and_responsibility.team": note,
            "tier2.owner_and_responsibility.senior_responsible_owner": note,
            "tier2.description_and_rationale.detailed_description": note,
            "tier2.decision_making_process.process_integration": note,
            "tier2.decision_making_process.human_decisions_and_review": note,
            "tier2.data.sensitive_attributes": .text(product.newest.demographicFields.isEmpty ? "None." : product.newest.demographicFields.joined(separator: ", ")),
            "phase": .text("Retired"),
        ]
        if let url = productURL(product.id, registry: registry) { record["tier1.website"] = .text(url) }
        return finished(record, standard: .ukATRS)
    }

    /// A removed product as a Local Law 35 row: `currently_in_use` `No`; what it was used for is on its page.
    static func nycLocalLaw35(removed product: ProductUse, registry: RegistryInfo) -> [String: ExportValue] {
        let note = ExportValue.text(removedNote(product, registry: registry))
        return finished([
            "agency": .text(registry.agency),
            "tool_name": .text(product.name),
            "purpose": note,
            "how_used": note,
            "data_analyzed": note,
            "demographic_data_used": .text(product.newest.demographicFields.isEmpty ? "None" : product.newest.demographicFields.joined(separator: ", ")),
            "developed_by_vendor": .text("Withheld"),
            "currently_in_use": .text("No"),
            "catalog_id": .text(product.id),
        ], standard: .nycLocalLaw35)
    }

    static func ukATRS(_ product: PublicProduct, registry: RegistryInfo) -> [String: ExportValue] {
        let phase = switch product.status {
        case .proposed, .development: "Pre-deployment"
        case .inUse: "Production"
        case .retired: "Retired"
        }
        var record: [String: ExportValue] = [
            "tier1.name": .text(product.name),
            "tier1.description": .text(withheld(product.summary)),
            "tier1.contact_email": .text(registry.contactEmail),
            "tier2.owner_and_responsibility.organisation": .text(registry.agency),
            "tier2.owner_and_responsibility.team": .text(product.owner?.team ?? withheld(nil)),
            "tier2.owner_and_responsibility.senior_responsible_owner": .text(product.owner?.accountableRole ?? withheld(nil)),
            "tier2.owner_and_responsibility.external_supplier": .text(product.isWithheld("vendor") ? withheld(nil) : product.vendor?.name ?? ""),
            "tier2.description_and_rationale.detailed_description": .text(withheld(product.purpose)),
            "tier2.decision_making_process.process_integration": .text(withheld(product.decisionUse)),
            "tier2.decision_making_process.human_decisions_and_review": .text(withheld(product.humanOversight)),
            "tier2.data.source_data_name": .text(product.dataSources.map { $0.map(\.name).joined(separator: "; ") } ?? withheld(nil)),
            "tier2.data.data_description": .text(product.dataSources.map { $0.map { "\($0.name): \($0.fields.joined(separator: ", "))" }.joined(separator: "\n") } ?? withheld(nil)),
            "tier2.data.sensitive_attributes": .text(product.demographicFields.isEmpty ? "None."
                : product.demographicFields.map { "\($0.field): \($0.justification)" }.joined(separator: "\n")),
            "tier2.impact_assessments": .text(product.impactAssessments.map { $0.map { "\($0.title) (\($0.date)) \($0.link)" }.joined(separator: "\n") } ?? withheld(nil)),
            "tier2.risks": .text(product.risks.map { $0.map { "\($0.risk) — \($0.mitigation)" }.joined(separator: "\n") } ?? withheld(nil)),
            "tier2.legal_basis": .text(withheld(product.legalBasis)),
            "phase": .text(phase),
        ]
        if let url = productURL(product.id, registry: registry) { record["tier1.website"] = .text(url) }
        return finished(record, standard: .ukATRS)
    }

    static func nycLocalLaw35(_ product: PublicProduct, registry: RegistryInfo) -> [String: ExportValue] {
        let vendor: String = product.isWithheld("vendor") ? "Withheld" : (product.vendor == nil ? "No" : "Yes")
        let record: [String: ExportValue] = [
            "agency": .text(registry.agency),
            "tool_name": .text(product.name),
            "purpose": .text(withheld(product.purpose)),
            "how_used": .text(withheld(product.decisionUse)),
            "data_analyzed": .text(product.dataSources.map { $0.map { "\($0.name): \($0.fields.joined(separator: ", "))" }.joined(separator: "; ") } ?? withheld(nil)),
            "demographic_data_used": .text(product.demographicFields.isEmpty ? "None" : product.demographicFields.map(\.field).joined(separator: ", ")),
            "developed_by_vendor": .text(vendor),
            "vendor_name": .text(product.isWithheld("vendor") ? "" : product.vendor?.name ?? ""),
            "year_first_used": .text(firstMonth(product, status: .inUse).map { String($0.prefix(4)) } ?? ""),
            "currently_in_use": .text(product.status == .inUse ? "Yes" : "No"),
            "catalog_id": .text(product.id),
        ]
        return finished(record, standard: .nycLocalLaw35)
    }

    /// One Local Law 35 record as a CSV row, columns in the standard's order.
    static func nycRow(_ record: [String: ExportValue]) -> [String] {
        ExportStandard.nycLocalLaw35.fields.map { field in
            if case .text(let text)? = record[field.name] { return text }
            return ""
        }
    }

    /// The Local Law 35 rows as CSV.
    static func nycCSV(_ rows: [[String]]) -> String {
        PublishedCSV.render(header: ExportStandard.nycLocalLaw35.fields.map(\.name), rows: rows)
    }
}
