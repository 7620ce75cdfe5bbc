import ProductModel

/// The published projection of a product: what `catalog.json` holds and every page renders from.
///
/// Withheld fields are `nil` here, so no page, export or digest can ever see their values. Keys
/// that can be withheld: `summary`, `purpose`, `decision_use`, `human_oversight`, `owner`, `vendor`,
/// `legal_basis`, `risks`, `impact_assessments`, `data_sources`, `inputs`, `outputs`, `audit`.
/// The name, status, review date and demographic fields are always published: the board's policy
/// requires the public to see which demographic fields a product uses and why.
public struct PublicProduct: Sendable, Hashable, Codable {
    /// The version of the record shape (`PublicProduct.schemaVersion`).
    public var schemaVersion: Int
    /// The manifest format the product's record was written in (`analytics-registry-product/1`),
    /// `nil` for a manifest that does not say.
    public var format: String?
    /// The product id; stable across versions.
    public var id: String
    /// The name as written.
    public var name: String
    /// The version label shown to people.
    public var version: String
    /// Where it stands in its life cycle.
    public var status: ProductStatus
    /// A short description, `nil` when withheld.
    public var summary: String?
    /// Why the product exists, `nil` when withheld.
    public var purpose: String?
    /// How outputs feed decisions, `nil` when withheld.
    public var decisionUse: String?
    /// The human oversight that applies, `nil` when withheld.
    public var humanOversight: String?
    /// Whether outputs can route to a non-law-enforcement response.
    public var nonLawEnforcementResponse: Bool
    /// The owning team and accountable role, `nil` when withheld.
    public var owner: PublicOwner?
    /// How to object to, or appeal, a decision the product informed; `nil` when the manifest says none.
    public var objectionRoute: String?
    /// The outside supplier, `nil` when none or withheld.
    public var vendor: Vendor?
    /// The legal basis, `nil` when withheld.
    public var legalBasis: String?
    /// Risks and mitigations, `nil` when withheld.
    public var risks: [Risk]?
    /// Impact assessments by date, `nil` when withheld.
    public var impactAssessments: [ImpactAssessment]?
    /// The day the board must review the product again.
    public var reviewDue: CalendarDate
    /// Data sources by id, `nil` when withheld.
    public var dataSources: [DataSource]?
    /// Demographic fields with their justification, always published.
    public var demographicFields: [DemographicField]
    /// Inputs by name, `nil` when withheld.
    public var inputs: [PublicInput]?
    /// Outputs by name, `nil` when withheld.
    public var outputs: [PublicOutput]?
    /// The attributes disparity checks compare by, if audited.
    public var auditAttributes: [String]?
    /// Spanish (and other) translations of the free text, where given; never of a withheld field.
    public var translations: [String: Translation]
    /// How much of the published free text is translated, by language tag of the site's languages.
    public var translationCoverage: [String: TranslationCoverage]
    /// The git tree id of the product folder.
    public var tree: String
    /// The SHA-256 content digest of that tree.
    public var contentDigest: String
    /// The approval state at the latest commit.
    public var approvalState: ApprovalState
    /// Counted approvals, by reviewer.
    public var approvals: [CatalogApproval]
    /// The latest compliance check, if any.
    public var latestCheck: CatalogCheck?
    /// Versions, oldest first.
    public var history: [PublicVersion]
    /// Withheld fields with reason and commitment, by field.
    public var withheld: [CatalogWithheldField]
    /// Published links that failed at the last link check, by key path.
    public var linkFailures: [PublicLinkFailure]

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", format, id, name, version, status, summary, purpose
        case decisionUse = "decision_use", humanOversight = "human_oversight"
        case nonLawEnforcementResponse = "non_law_enforcement_response", owner
        case objectionRoute = "objection_route", vendor
        case legalBasis = "legal_basis", risks, impactAssessments = "impact_assessments"
        case reviewDue = "review_due", dataSources = "data_sources", demographicFields = "demographic_fields"
        case inputs, outputs, auditAttributes = "audit_attributes", translations
        case translationCoverage = "translation_coverage", tree
        case contentDigest = "content_digest", approvalState = "approval_state", approvals
        case latestCheck = "latest_check", history, withheld, linkFailures = "link_failures"
    }

    /// The version of the record shape written into every record.
    public static let schemaVersion = 1

    /// Projects a product, dropping withheld fields and sorting every list.
    public init(_ product: CatalogProduct, languages: [String]) {
        let manifest = product.manifest
        let withheldKeys = Set(manifest.publication.withheld.map(\.field))
            .union(product.withheld.map(\.field))
        func shown<T>(_ key: String, _ value: T) -> T? { withheldKeys.contains(key) ? nil : value }
        schemaVersion = Self.schemaVersion
        format = manifest.format
        id = manifest.id.rawValue
        name = manifest.name
        version = manifest.version
        status = manifest.status
        summary = shown("summary", manifest.summary)
        purpose = shown("purpose", manifest.purpose)
        decisionUse = shown("decision_use", manifest.decisionUse)
        humanOversight = shown("human_oversight", manifest.humanOversight)
        nonLawEnforcementResponse = manifest.nonLawEnforcementResponse
        owner = shown("owner", PublicOwner(team: manifest.owner.team, accountableRole: manifest.owner.accountableRole,
                                           contact: manifest.owner.contact))
        objectionRoute = manifest.objectionRoute
        vendor = withheldKeys.contains("vendor") ? nil : manifest.vendor
        legalBasis = shown("legal_basis", manifest.legalBasis)
        risks = shown("risks", manifest.risks)
        impactAssessments = shown("impact_assessments", manifest.impactAssessments.sorted { ($0.date, $0.title) < ($1.date, $1.title) })
        reviewDue = manifest.reviewDue
        dataSources = shown("data_sources", manifest.dataSources.sorted { $0.id < $1.id })
        demographicFields = manifest.demographicFields.sorted { ($0.field, $0.source) < ($1.field, $1.source) }
        inputs = shown("inputs", manifest.inputs.map { PublicInput(name: $0.name, source: $0.source, columns: $0.columns) }
            .sorted { $0.name < $1.name })
        outputs = shown("outputs", manifest.outputs.map(PublicOutput.init).sorted { $0.name < $1.name })
        auditAttributes = withheldKeys.contains("audit") ? nil : manifest.audit.map { $0.attributes.sorted() }
        translations = manifest.translations.mapValues { $0.published(withholding: withheldKeys) }
        translationCoverage = Dictionary(uniqueKeysWithValues: languages.map { language in
            let paths = manifest.translatableKeyPaths(in: language)
            return (language, TranslationCoverage(translated: paths.filter(\.translated).count, total: paths.count))
        })
        tree = product.tree
        contentDigest = product.contentDigest
        approvalState = product.approvalState
        approvals = product.approvals.map { approval in
            var published = approval
            published.statement = nil
            published.signature = nil
            return published
        }.sorted { ($0.reviewer, $0.issued, $0.statementPath) < ($1.reviewer, $1.issued, $1.statementPath) }
        latestCheck = product.latestCheck.map { check in
            var sorted = check
            sorted.findings = check.findings.sorted(by: Self.findingOrder)
            sorted.disparity = check.disparity.map { table in
                DisparityTable(attribute: table.attribute, referenceGroup: table.referenceGroup,
                               rows: table.rows.sorted { $0.group < $1.group }, hasLabels: table.hasLabels)
            }.sorted { $0.attribute < $1.attribute }
            return sorted
        }
        history = product.history.sorted { ($0.date, $0.commit) < ($1.date, $1.commit) }.map { version in
            PublicVersion(commit: version.commit, date: version.date, version: version.version, message: version.message,
                          changes: version.changes.sorted { $0.keyPath < $1.keyPath }.map { change in
                              let root = String(change.keyPath.prefix { $0 != "." && $0 != "[" })
                              guard withheldKeys.contains(root) else {
                                  return PublicFieldChange(keyPath: change.keyPath, before: change.before,
                                                           after: change.after, withheld: false)
                              }
                              return PublicFieldChange(keyPath: change.keyPath, before: nil, after: nil, withheld: true)
                          })
        }
        linkFailures = product.linkFailures.flatMap { link in
            link.citedBy.filter { $0.product == manifest.id.rawValue }.map { citation in
                PublicLinkFailure(address: link.address, keyPath: citation.keyPath, outcome: link.outcome,
                                  httpStatus: link.httpStatus, checkedOn: String(link.checkedAt.prefix(10)),
                                  failingSince: String((link.failingSince ?? link.checkedAt).prefix(10)))
            }
        }.filter { !withheldKeys.contains(String($0.keyPath.prefix { $0 != "." && $0 != "[" })) }
            .sorted { ($0.keyPath, $0.address) < ($1.keyPath, $1.address) }
        withheld = manifest.publication.withheld.map { field in
            product.withheld.first { $0.field == field.field }
                ?? CatalogWithheldField(field: field.field, reason: field.reason, commitment: "")
        }.sorted { $0.field < $1.field }
    }

    /// Whether a top-level manifest key is withheld.
    func isWithheld(_ key: String) -> Bool { withheld.contains { $0.field == key } }

    /// The withheld record for a key, if withheld.
    func withheldRecord(_ key: String) -> CatalogWithheldField? { withheld.first { $0.field == key } }

    /// Whether the product is in use and its review date lies before `day`.
    func reviewOverdue(asOf day: CalendarDate) -> Bool {
        status != .retired && reviewDue < day
    }

    /// The commit date of the first version, or `nil` without history.
    var registeredDate: String? { history.first?.date }

    /// Findings ordered most severe first, then by rule and place, so pages and data are stable.
    static func findingOrder(_ lhs: Finding, _ rhs: Finding) -> Bool {
        func place(_ finding: Finding) -> (String, String, Int, String, String) {
            (finding.location.file ?? "", finding.location.column ?? "", finding.location.row ?? 0,
             finding.location.group ?? "", finding.location.keyPath ?? "")
        }
        if (lhs.severity, lhs.rule) != (rhs.severity, rhs.rule) { return (lhs.severity, lhs.rule) < (rhs.severity, rhs.rule) }
        if place(lhs) != place(rhs) { return place(lhs) < place(rhs) }
        return lhs.message < rhs.message
    }
}

/// The public part of a product's owner: the team, the accountable role and where to write to them.
public struct PublicOwner: Sendable, Hashable, Codable {
    /// The owning team.
    public var team: String
    /// The role accountable for the product.
    public var accountableRole: String
    /// The owner's contact address or channel, published so the public can reach whoever answers
    /// for the product (the policy's "way to object"); the board members who own it stay private.
    public var contact: String

    enum CodingKeys: String, CodingKey { case team, accountableRole = "accountable_role", contact }
}

/// An input as published: which source and which columns, not where the sample lives.
public struct PublicInput: Sendable, Hashable, Codable {
    /// The file name under `/input`.
    public var name: String
    /// The data source id it is drawn from.
    public var source: String
    /// Column names.
    public var columns: [String]
}

/// An output as published.
public struct PublicOutput: Sendable, Hashable, Codable {
    /// The file name under `/output`.
    public var name: String
    /// The file format.
    public var format: OutputFormat
    /// Aggregate or record level.
    public var level: OutputLevel
    /// Column names.
    public var columns: [String]
    /// Whether it directs deployment of security or law enforcement.
    public var directsDeployment: Bool

    enum CodingKeys: String, CodingKey {
        case name, format, level, columns, directsDeployment = "directs_deployment"
    }

    init(_ output: ProductOutput) {
        name = output.name; format = output.format; level = output.level
        columns = output.columns.map(\.name); directsDeployment = output.directsDeployment
    }
}

/// A version as published; changes to withheld fields show only that something changed.
public struct PublicVersion: Sendable, Hashable, Codable {
    /// The commit id.
    public var commit: String
    /// The commit date (UTC, ISO 8601).
    public var date: String
    /// The version label shown to people.
    public var version: String
    /// The first line of the commit message.
    public var message: String
    /// Field-level changes from the previous version.
    public var changes: [PublicFieldChange]
}

/// A field change as published.
public struct PublicFieldChange: Sendable, Hashable, Codable {
    /// The manifest key path.
    public var keyPath: String
    /// The value before, or `nil` when absent.
    public var before: String?
    /// The value after, or `nil` when absent.
    public var after: String?
    /// The field is withheld: the values are left out.
    public var withheld: Bool

    enum CodingKeys: String, CodingKey { case keyPath = "key_path", before, after, withheld }
}
