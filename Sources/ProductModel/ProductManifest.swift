/// The content of `Products/<id>/product.yaml`: what a product is, what it reads, what it writes,
/// how it runs and how it is audited.
///
/// Keys in YAML are the snake_case names given by `CodingKeys`; the JSON Schema in
/// `Schemas/product.schema.json` describes the same document. Decode with `ManifestDecoder`, which
/// is strict; `Codable` conformance here is for JSON output only.
public struct ProductManifest: Sendable, Hashable, Codable {
    /// The manifest format this document is written in (`analytics-registry-product/1`); `nil` in
    /// manifests written before the key existed, which still read so history stays readable.
    public var format: String?
    public var id: ProductID
    public var name: String
    /// SemVer label shown to people (`1.2.0`).
    public var version: String
    public var status: ProductStatus
    public var summary: String
    public var purpose: String
    /// How outputs feed decisions (who acts on them and how).
    public var decisionUse: String
    /// What human oversight applies before anything is acted on.
    public var humanOversight: String
    /// Whether outputs can route to a non-law-enforcement response (outreach, maintenance, medical).
    public var nonLawEnforcementResponse: Bool
    public var owner: ProductOwner
    /// How a member of the public objects to, or appeals, a decision the product informed: whom to
    /// write to, by when and who decides. Required for products in use that direct deployment.
    public var objectionRoute: String?
    public var vendor: Vendor?
    public var legalBasis: String
    public var risks: [Risk]
    public var impactAssessments: [ImpactAssessment]
    /// The date by which the board must review the product again (`YYYY-MM-DD`).
    public var reviewDue: CalendarDate
    public var dataSources: [DataSource]
    public var demographicFields: [DemographicField]
    public var inputs: [ProductInput]
    public var outputs: [ProductOutput]
    public var run: RunSpec
    public var audit: AuditSpec?
    public var publication: PublicationSpec
    /// Optional translations of people-facing text, keyed by language tag (`es`).
    public var translations: [String: Translation]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case format
        case id, name, version, status, summary, purpose
        case decisionUse = "decision_use"
        case humanOversight = "human_oversight"
        case nonLawEnforcementResponse = "non_law_enforcement_response"
        case owner
        case objectionRoute = "objection_route"
        case vendor
        case legalBasis = "legal_basis"
        case risks
        case impactAssessments = "impact_assessments"
        case reviewDue = "review_due"
        case dataSources = "data_sources"
        case demographicFields = "demographic_fields"
        case inputs, outputs, run, audit
        case publication = "public"
        case translations
    }

    public init(id: ProductID, name: String, version: String, status: ProductStatus, summary: String,
                purpose: String, decisionUse: String, humanOversight: String,
                nonLawEnforcementResponse: Bool, owner: ProductOwner, vendor: Vendor? = nil,
                legalBasis: String, risks: [Risk], impactAssessments: [ImpactAssessment],
                reviewDue: CalendarDate, dataSources: [DataSource], demographicFields: [DemographicField],
                inputs: [ProductInput], outputs: [ProductOutput], run: RunSpec, audit: AuditSpec? = nil,
                publication: PublicationSpec = PublicationSpec(), translations: [String: Translation] = [:],
                format: String? = ProductManifest.currentFormat, objectionRoute: String? = nil) {
        self.format = format; self.objectionRoute = objectionRoute
        self.id = id; self.name = name; self.version = version; self.status = status
        self.summary = summary; self.purpose = purpose; self.decisionUse = decisionUse
        self.humanOversight = humanOversight; self.nonLawEnforcementResponse = nonLawEnforcementResponse
        self.owner = owner; self.vendor = vendor; self.legalBasis = legalBasis; self.risks = risks
        self.impactAssessments = impactAssessments; self.reviewDue = reviewDue
        self.dataSources = dataSources; self.demographicFields = demographicFields
        self.inputs = inputs; self.outputs = outputs; self.run = run; self.audit = audit
        self.publication = publication; self.translations = translations
    }

    /// The manifest format this version of the registry reads and writes.
    public static let currentFormat = "analytics-registry-product/1"

    /// Whether the product names no route for objection or appeal though it needs one: it is in use
    /// and one of its outputs directs deployment, so a person can be affected by what it says.
    public var lacksObjectionRoute: Bool {
        status == .inUse && outputs.contains(where: \.directsDeployment) && (objectionRoute ?? "").allSatisfy(\.isWhitespace)
    }

    /// The demographic field names, sorted: the value a review statement's `demographic-fields` must carry.
    public var demographicFieldNames: [String] {
        demographicFields.map(\.field).sorted()
    }

    /// Every path inside the product folder that the product must never see in its sandbox
    /// (samples are projected into `/input`; audit files are held back entirely).
    public var heldBackPaths: [String] {
        inputs.map(\.sample) + (audit.map { [$0.file] } ?? [])
    }
}

/// Where a product is in its life.
public enum ProductStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case proposed, development
    case inUse = "in-use"
    case retired
}

/// Who answers for a product.
public struct ProductOwner: Sendable, Hashable, Codable {
    public var team: String
    /// The role accountable for the product (a title, not a person).
    public var accountableRole: String
    /// An internal contact address or channel.
    public var contact: String
    /// Board member ids who own the product; their approvals do not count towards its quorum.
    public var boardMembers: [String]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case team
        case accountableRole = "accountable_role"
        case contact
        case boardMembers = "board_members"
    }

    public init(team: String, accountableRole: String, contact: String, boardMembers: [String] = []) {
        self.team = team; self.accountableRole = accountableRole; self.contact = contact
        self.boardMembers = boardMembers
    }
}

/// An outside supplier of a product or of its model.
public struct Vendor: Sendable, Hashable, Codable {
    public var name: String
    public var product: String?
    public var contract: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case name, product, contract }

    public init(name: String, product: String? = nil, contract: String? = nil) {
        self.name = name; self.product = product; self.contract = contract
    }
}

/// A known risk of using the product and how it is mitigated.
public struct Risk: Sendable, Hashable, Codable {
    public var risk: String
    public var mitigation: String

    enum CodingKeys: String, CodingKey, CaseIterable { case risk, mitigation }

    public init(risk: String, mitigation: String) { self.risk = risk; self.mitigation = mitigation }
}

/// A completed impact assessment (equity, privacy, civil rights) with where to read it.
public struct ImpactAssessment: Sendable, Hashable, Codable {
    public var title: String
    public var date: CalendarDate
    public var link: String

    enum CodingKeys: String, CodingKey, CaseIterable { case title, date, link }

    public init(title: String, date: CalendarDate, link: String) {
        self.title = title; self.date = date; self.link = link
    }
}

/// Where a product's data comes from.
public struct DataSource: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var origin: DataOrigin
    /// Who is responsible for the data (a team or role).
    public var steward: String
    /// The fields the product uses from this source.
    public var fields: [String]

    enum CodingKeys: String, CodingKey, CaseIterable { case id, name, origin, steward, fields }

    public init(id: String, name: String, origin: DataOrigin, steward: String, fields: [String]) {
        self.id = id; self.name = name; self.origin = origin; self.steward = steward; self.fields = fields
    }
}

/// Whether data is the agency's own or comes from outside.
public enum DataOrigin: String, Sendable, Hashable, Codable, CaseIterable {
    case `internal`, external
}

/// A protected attribute the product reads, with why it is vital.
public struct DemographicField: Sendable, Hashable, Codable {
    /// The column name as it appears in inputs or outputs.
    public var field: String
    /// The data source id it comes from.
    public var source: String
    /// Why the use is vital and not discriminatory.
    public var justification: String

    enum CodingKeys: String, CodingKey, CaseIterable { case field, source, justification }

    public init(field: String, source: String, justification: String) {
        self.field = field; self.source = source; self.justification = justification
    }
}

/// A file the product reads at run time from `/input/<name>`.
public struct ProductInput: Sendable, Hashable, Codable {
    /// File name under `/input`.
    public var name: String
    /// The data source id it is drawn from.
    public var source: String
    /// The sample file (relative to the product folder) that feeds it in checks.
    public var sample: String
    /// The only columns the product may see; others are removed before the run.
    public var columns: [String]

    enum CodingKeys: String, CodingKey, CaseIterable { case name, source, sample, columns }

    public init(name: String, source: String, sample: String, columns: [String]) {
        self.name = name; self.source = source; self.sample = sample; self.columns = columns
    }
}

/// A file the product writes to `/output/<name>`.
public struct ProductOutput: Sendable, Hashable, Codable {
    public var name: String
    public var format: OutputFormat
    public var level: OutputLevel
    public var columns: [OutputColumn]
    /// For aggregate outputs: the column holding counts of people or events (small-cell rules).
    public var countColumn: String?
    /// Whether the output is used to direct deployment of security or law enforcement.
    public var directsDeployment: Bool
    /// Whether the output is published in the catalog.
    public var published: Bool

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, format, level, columns
        case countColumn = "count_column"
        case directsDeployment = "directs_deployment"
        case published = "public"
    }

    public init(name: String, format: OutputFormat, level: OutputLevel, columns: [OutputColumn],
                countColumn: String? = nil, directsDeployment: Bool, published: Bool = false) {
        self.name = name; self.format = format; self.level = level; self.columns = columns
        self.countColumn = countColumn; self.directsDeployment = directsDeployment; self.published = published
    }
}

/// The file format of an output.
public enum OutputFormat: String, Sendable, Hashable, Codable, CaseIterable {
    case csv
    case jsonLines = "jsonl"
}

/// Whether an output holds one row per person or event, or counts over groups.
public enum OutputLevel: String, Sendable, Hashable, Codable, CaseIterable {
    case aggregate
    case record
}

/// One declared output column.
public struct OutputColumn: Sendable, Hashable, Codable {
    public var name: String
    public var type: ColumnType

    enum CodingKeys: String, CodingKey, CaseIterable { case name, type }

    public init(name: String, type: ColumnType) { self.name = name; self.type = type }
}

/// The value type of an output column.
public enum ColumnType: String, Sendable, Hashable, Codable, CaseIterable {
    case string, integer, number, boolean, date
}

/// How to run the product.
public struct RunSpec: Sendable, Hashable, Codable {
    /// argv; the first element is a program on the sandbox's PATH or a path relative to the product folder.
    public var command: [String]
    public var timeLimitSeconds: Int
    public var memoryLimitMB: Int

    enum CodingKeys: String, CodingKey, CaseIterable {
        case command
        case timeLimitSeconds = "time_limit_seconds"
        case memoryLimitMB = "memory_limit_mb"
    }

    public init(command: [String], timeLimitSeconds: Int = 60, memoryLimitMB: Int = 512) {
        self.command = command; self.timeLimitSeconds = timeLimitSeconds; self.memoryLimitMB = memoryLimitMB
    }
}

/// What the disparity checks compare, using attributes the product never sees.
public struct AuditSpec: Sendable, Hashable, Codable {
    /// CSV (relative to the product folder) of held-back attributes, one row per join key.
    public var file: String
    /// The column joining the audit file to the decision output.
    public var key: String
    /// Protected attribute columns in the audit file to compare groups by.
    public var attributes: [String]
    /// Optional column of true outcomes (`1`/`0`), enabling error-rate metrics.
    public var labelColumn: String?
    /// The output file holding the product's decisions.
    public var output: String
    /// The column in that output holding the decision.
    public var decisionColumn: String
    /// The decision value that means "selected" (flagged, inspected, prioritised).
    public var selectedValue: String
    /// Whether being selected is good or bad for the person (for the four-fifths rule).
    public var selectionIs: OutcomePolarity

    enum CodingKeys: String, CodingKey, CaseIterable {
        case file, key, attributes
        case labelColumn = "label_column"
        case output
        case decisionColumn = "decision_column"
        case selectedValue = "selected_value"
        case selectionIs = "selection_is"
    }

    public init(file: String, key: String, attributes: [String], labelColumn: String? = nil, output: String,
                decisionColumn: String, selectedValue: String, selectionIs: OutcomePolarity) {
        self.file = file; self.key = key; self.attributes = attributes; self.labelColumn = labelColumn
        self.output = output; self.decisionColumn = decisionColumn; self.selectedValue = selectedValue
        self.selectionIs = selectionIs
    }
}

/// Whether a selection is a favourable or an adverse outcome for the person selected.
public enum OutcomePolarity: String, Sendable, Hashable, Codable, CaseIterable {
    case favourable, adverse
}

/// What of the manifest is withheld from the public catalog, and why.
public struct PublicationSpec: Sendable, Hashable, Codable {
    public var withheld: [WithheldField]

    enum CodingKeys: String, CodingKey, CaseIterable { case withheld }

    public init(withheld: [WithheldField] = []) { self.withheld = withheld }
}

/// One manifest field kept out of the catalog, replaced there by its salted SHA-256 commitment
/// (`WithheldCommitment`).
public struct WithheldField: Sendable, Hashable, Codable {
    /// A top-level manifest key (`vendor`, `risks`, `legal_basis`).
    public var field: String
    /// The stated reason (security, ongoing investigation, contract terms).
    public var reason: String
    /// 32 random bytes as 64 lowercase hex characters, kept with the withheld value and never
    /// published, so a short value (yes/no, a date) cannot be guessed from its commitment.
    /// `nil` only in a manifest that `validate` rejects.
    public var salt: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case field, reason, salt }

    public init(field: String, reason: String, salt: String?) {
        self.field = field; self.reason = reason; self.salt = salt
    }
}

/// Translated people-facing text for one language. Every key is optional: what is missing is shown
/// in the manifest's own language, marked as such.
public struct Translation: Sendable, Hashable, Codable {
    public var name: String?
    public var summary: String?
    public var purpose: String?
    /// `decision_use`, `human_oversight`, `objection_route` and `legal_basis` in this language.
    public var decisionUse: String?
    public var humanOversight: String?
    public var objectionRoute: String?
    public var legalBasis: String?
    /// Risks and mitigations in the manifest's order, one entry per risk.
    public var risks: [Risk]?
    /// Data source names, by data source id.
    public var dataSources: [String: String]?
    /// Justifications, by demographic field name.
    public var demographicFields: [String: String]?
    /// Reasons for withholding, by withheld field.
    public var withheld: [String: String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, summary, purpose
        case decisionUse = "decision_use"
        case humanOversight = "human_oversight"
        case objectionRoute = "objection_route"
        case legalBasis = "legal_basis"
        case risks
        case dataSources = "data_sources"
        case demographicFields = "demographic_fields"
        case withheld
    }

    /// A translation of the given texts; what is `nil` is shown in the original language.
    public init(name: String? = nil, summary: String? = nil, purpose: String? = nil, decisionUse: String? = nil,
                humanOversight: String? = nil, objectionRoute: String? = nil, legalBasis: String? = nil,
                risks: [Risk]? = nil, dataSources: [String: String]? = nil, demographicFields: [String: String]? = nil,
                withheld: [String: String]? = nil) {
        self.name = name; self.summary = summary; self.purpose = purpose; self.decisionUse = decisionUse
        self.humanOversight = humanOversight; self.objectionRoute = objectionRoute; self.legalBasis = legalBasis
        self.risks = risks; self.dataSources = dataSources; self.demographicFields = demographicFields
        self.withheld = withheld
    }
}
