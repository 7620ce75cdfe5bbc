import ProductModel

/// Everything the public catalog shows, gathered by the caller (RegistryCore) from git, the index,
/// the reviews and the policy; the catalog itself reads nothing else.
///
/// Every array is rendered in a sorted order chosen by the catalog, so the caller may fill them in
/// any order and still get byte-identical output. Text written by analysts (manifest fields, commit
/// messages, comments) is always escaped; it is shown as plain paragraphs, never as markup.
public struct CatalogInput: Sendable, Hashable, Codable {
    /// Who publishes the catalog and where the public can ask questions.
    public var registry: RegistryInfo
    /// The day the catalog describes ("reviews overdue as of"), printed on the index.
    ///
    /// The catalog never reads the clock: pass the commit date or the build date explicitly.
    public var asOf: CalendarDate
    /// The board's minimum cell size (`PolicyParameters.minimumCellSize`): counts from 1 to this
    /// minus one are suppressed in the allegations report.
    public var minimumCellSize: Int
    /// Every product in the registry, retired ones included.
    public var products: [CatalogProduct]

    /// Creates the input for one catalog build.
    public init(registry: RegistryInfo, asOf: CalendarDate, minimumCellSize: Int = 11,
                products: [CatalogProduct]) {
        self.registry = registry; self.asOf = asOf; self.minimumCellSize = minimumCellSize
        self.products = products
    }
}

/// The publishing agency and its public contact.
public struct RegistryInfo: Sendable, Hashable, Codable {
    /// The catalog's title (`Public Safety Analytics Registry`).
    public var title: String
    /// The agency's full name, used in exports to other registers (`organization`, `Agency`).
    public var agency: String
    /// The address for public questions and error reports (a mailbox, never a person).
    public var contactEmail: String
    /// The absolute `https://` address the site will be served from, if known; used for Atom ids
    /// and links in exports. Without it, Atom ids use a `tag:` URI and exports leave links out.
    public var siteURL: String?
    /// The public address of the registry repository, if published, linked from the verify page.
    public var repositoryURL: String?
    /// The OpenSSH `allowed_signers` text for the current board (`registry board allowed-signers`),
    /// published as `reviews/allowed_signers` so anyone can verify approvals with `ssh-keygen`.
    public var allowedSigners: String?
    /// Where the public reports an error in a product's record; `contactEmail` when `nil`.
    public var correctionsContact: String?
    /// The title in other languages, by language tag.
    public var translatedTitles: [String: String]
    /// The agency's name in other languages, by language tag.
    public var translatedAgencies: [String: String]

    /// Creates the registry description.
    public init(title: String, agency: String, contactEmail: String, siteURL: String? = nil,
                repositoryURL: String? = nil, allowedSigners: String? = nil, correctionsContact: String? = nil,
                translatedTitles: [String: String] = [:], translatedAgencies: [String: String] = [:]) {
        self.title = title; self.agency = agency; self.contactEmail = contactEmail
        self.siteURL = siteURL; self.repositoryURL = repositoryURL; self.allowedSigners = allowedSigners
        self.correctionsContact = correctionsContact
        self.translatedTitles = translatedTitles; self.translatedAgencies = translatedAgencies
    }

    /// Where to report an error in the record.
    public var correctionsAddress: String { correctionsContact ?? contactEmail }
}

/// One product at its latest committed version, with its review and check evidence.
public struct CatalogProduct: Sendable, Hashable, Codable {
    /// The manifest at the latest commit. Fields listed in `manifest.publication.withheld` are never
    /// published: the catalog shows their reason and `withheld[].commitment` instead.
    public var manifest: ProductManifest
    /// The git tree id of `Products/<id>` at that commit.
    public var tree: String
    /// The SHA-256 content digest of that tree (DESIGN section 2).
    public var contentDigest: String
    /// The approval state at that commit.
    public var approvalState: ApprovalState
    /// The counted approvals of the approved content (empty unless someone approved it).
    public var approvals: [CatalogApproval]
    /// The latest policy check of this tree, if one ran.
    public var latestCheck: CatalogCheck?
    /// Every committed version, any order; the first by date is the registration.
    public var history: [CatalogVersion]
    /// The SHA-256 commitments of withheld fields, computed by the caller.
    public var withheld: [CatalogWithheldField]
    /// The product's links that failed at the last `registry links` on the building machine.
    public var linkFailures: [EvidenceLinkResult]

    /// Creates a product record.
    public init(manifest: ProductManifest, tree: String, contentDigest: String, approvalState: ApprovalState,
                approvals: [CatalogApproval] = [], latestCheck: CatalogCheck? = nil,
                history: [CatalogVersion] = [], withheld: [CatalogWithheldField] = [],
                linkFailures: [EvidenceLinkResult] = []) {
        self.manifest = manifest; self.tree = tree; self.contentDigest = contentDigest
        self.approvalState = approvalState; self.approvals = approvals; self.latestCheck = latestCheck
        self.history = history; self.withheld = withheld; self.linkFailures = linkFailures
    }

    /// The product id's text.
    public var id: String { manifest.id.rawValue }
}

/// One counted approval statement, with where its bytes live so the public can verify it.
public struct CatalogApproval: Sendable, Hashable, Codable {
    /// The board member id (`alice`).
    public var reviewer: String
    /// The statement's `issued` value (`2026-11-25T08:30:00Z`), shown as written.
    public var issued: String
    /// The statement's `expires` value.
    public var expires: String
    /// The version label the statement approves.
    public var version: String
    /// The statement's `content-sha256` value: the exact content approved.
    public var contentDigest: String
    /// The statement's path relative to the repository root (`Reviews/<id>/<version>/alice.approval`).
    public var statementPath: String
    /// The signature's path relative to the repository root (the statement path plus `.sig`).
    public var signaturePath: String
    /// The statement's exact text; when present it is copied into the site beside its signature.
    public var statement: String?
    /// The SSHSIG armoured signature text; copied into the site when present.
    public var signature: String?


    enum CodingKeys: String, CodingKey {
        case reviewer, issued, expires, version, contentDigest = "content_digest"
        case statementPath = "statement_path", signaturePath = "signature_path", statement, signature
    }

    /// Creates an approval record.
    public init(reviewer: String, issued: String, expires: String, version: String, contentDigest: String,
                statementPath: String, signaturePath: String, statement: String? = nil, signature: String? = nil) {
        self.reviewer = reviewer; self.issued = issued; self.expires = expires; self.version = version
        self.contentDigest = contentDigest; self.statementPath = statementPath
        self.signaturePath = signaturePath; self.statement = statement; self.signature = signature
    }
}

/// The latest policy check of a product's tree.
public struct CatalogCheck: Sendable, Hashable, Codable {
    /// Whether no finding of severity `error` was raised.
    public var passed: Bool
    /// The commit the check ran at.
    public var commit: String
    /// That commit's date (`2026-11-25T08:30:00Z`), never the time the check happened to run.
    public var commitDate: String
    /// Every finding, any order.
    public var findings: [Finding]
    /// The disparity tables, one per compared attribute or intersection.
    public var disparity: [DisparityTable]
    /// What the checked run ran with; `nil` for checks recorded before runs named it.
    public var environment: CatalogRunEnvironment?

    enum CodingKeys: String, CodingKey {
        case passed, commit, commitDate = "commit_date", findings, disparity, environment
    }

    /// Creates a check record.
    public init(passed: Bool, commit: String, commitDate: String, findings: [Finding] = [],
                disparity: [DisparityTable] = [], environment: CatalogRunEnvironment? = nil) {
        self.passed = passed; self.commit = commit; self.commitDate = commitDate
        self.findings = findings; self.disparity = disparity; self.environment = environment
    }
}

/// The interpreter and installed distributions a checked run used, as the product page lists them.
public struct CatalogRunEnvironment: Sendable, Hashable, Codable {
    /// `system interpreter`, or the environment's interpreter (`/env/bin/python3`).
    public var interpreter: String
    public var interpreterVersion: String?
    /// The environment's digest; `nil` for the system interpreter.
    public var digest: String?
    /// `name version` of every installed distribution.
    public var distributions: [String]

    /// Creates an environment record.
    public init(interpreter: String, interpreterVersion: String?, digest: String?, distributions: [String]) {
        self.interpreter = interpreter; self.interpreterVersion = interpreterVersion
        self.digest = digest; self.distributions = distributions
    }
}

/// Selection rates per group for one attribute (`race`) or intersection (`race × gender`).
public struct DisparityTable: Sendable, Hashable, Codable {
    /// The attribute or intersection compared.
    public var attribute: String
    /// The group the ratios are taken against, if any.
    public var referenceGroup: String?
    /// One row per group.
    public var rows: [DisparityRow]
    /// Whether true outcomes were known, so the rows carry true- and false-positive rates.
    public var hasLabels: Bool

    enum CodingKeys: String, CodingKey {
        case attribute, referenceGroup = "reference_group", rows, hasLabels = "has_labels"
    }

    /// Creates a disparity table.
    public init(attribute: String, referenceGroup: String? = nil, rows: [DisparityRow], hasLabels: Bool) {
        self.attribute = attribute; self.referenceGroup = referenceGroup; self.rows = rows; self.hasLabels = hasLabels
    }
}

/// One group's numbers. `nil` means undefined (an empty denominator) and is shown as "undefined", never 0.
public struct DisparityRow: Sendable, Hashable, Codable {
    /// The group label (`Black`, `Female × 18-24`).
    public var group: String
    /// People or events in the group.
    public var count: Int
    /// Selected ÷ count.
    public var selectionRate: Double?
    /// The 95% Wilson score interval of the selection rate.
    public var wilsonLower: Double?
    /// The upper end of the interval.
    public var wilsonUpper: Double?
    /// This group's selection rate over the reference group's (Aequitas' disparity).
    public var ratio: Double?
    /// Demographic parity difference to the reference group: this group's selection rate minus the reference's.
    public var difference: Double?
    /// Selected among those whose true outcome is positive (needs labels).
    public var truePositiveRate: Double?
    /// Selected among those whose true outcome is negative (needs labels).
    public var falsePositiveRate: Double?
    /// Whether the group is below the minimum group size, so it gets no verdict.
    public var belowMinimumGroupSize: Bool

    enum CodingKeys: String, CodingKey {
        case group, count, selectionRate = "selection_rate", wilsonLower = "wilson_lower"
        case wilsonUpper = "wilson_upper", ratio, difference, belowMinimumGroupSize = "below_minimum_group_size"
        case truePositiveRate = "true_positive_rate", falsePositiveRate = "false_positive_rate"
    }

    /// Creates a row; every number is passed explicitly, so none can be left undefined by omission.
    public init(group: String, count: Int, selectionRate: Double?, wilsonLower: Double?, wilsonUpper: Double?,
                ratio: Double?, difference: Double?, truePositiveRate: Double?, falsePositiveRate: Double?,
                belowMinimumGroupSize: Bool) {
        self.group = group; self.count = count; self.selectionRate = selectionRate
        self.wilsonLower = wilsonLower; self.wilsonUpper = wilsonUpper; self.ratio = ratio
        self.difference = difference; self.truePositiveRate = truePositiveRate; self.falsePositiveRate = falsePositiveRate
        self.belowMinimumGroupSize = belowMinimumGroupSize
    }
}

/// One committed version of a product.
public struct CatalogVersion: Sendable, Hashable, Codable {
    /// The commit that registered this version.
    public var commit: String
    /// The commit date (`2026-11-25T08:30:00Z`, UTC); feed entries take their dates from here.
    public var date: String
    /// The version label at that commit.
    public var version: String
    /// The first line of the commit message.
    public var message: String
    /// The manifest fields that changed from the previous version, computed by the caller.
    public var changes: [FieldChange]

    /// Creates a version record.
    public init(commit: String, date: String, version: String, message: String, changes: [FieldChange] = []) {
        self.commit = commit; self.date = date; self.version = version; self.message = message
        self.changes = changes
    }
}

/// A manifest field kept out of the catalog, shown only by its reason and commitment.
public struct CatalogWithheldField: Sendable, Hashable, Codable {
    /// The top-level manifest key (`vendor`).
    public var field: String
    /// The stated reason from `public.withheld[].reason`.
    public var reason: String
    /// The SHA-256 commitment to the withheld value (lowercase hex), so it can be proven later.
    public var commitment: String

    /// Creates a withheld field record.
    public init(field: String, reason: String, commitment: String) {
        self.field = field; self.reason = reason; self.commitment = commitment
    }
}
