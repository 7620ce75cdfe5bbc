import ProductModel

/// A small product, described in text, that a rule must flag or pass; run as a test.
///
/// Every example starts from `RuleExample.cleanProduct`, which passes every rule, and changes only
/// what the example is about, so the example reads as "this one change triggers the rule".
public struct RuleExample: Sendable {
    /// What the example shows, in a few words.
    public var summary: String
    /// The product's manifest (usually the clean one with one change).
    public var manifest: ProductManifest
    /// The policy parameters the example is checked under.
    public var parameters: PolicyParameters
    /// The day the example is checked on.
    public var today: CalendarDate
    /// Sample CSV text by input name.
    public var samples: [String: String]
    /// Audit CSV text, when the example has an audit file.
    public var audit: String?
    /// How the run ended; outputs and second-run digests are filled from the texts below.
    public var run: RunEvidence?
    /// Output file text by output name.
    public var outputs: [String: String]
    /// Output text from a second run, when reproducibility is shown; `nil` for no second run.
    public var secondRunOutputs: [String: String]?

    /// An example that differs from the clean product only in the arguments given.
    public init(_ summary: String, manifest: ProductManifest = RuleExample.cleanManifest,
                parameters: PolicyParameters = .defaults, today: CalendarDate = RuleExample.today,
                samples: [String: String] = RuleExample.cleanSamples, audit: String? = nil,
                run: RunEvidence? = RunEvidence(termination: .exited(status: 0)),
                outputs: [String: String] = RuleExample.cleanOutputs,
                secondRunOutputs: [String: String]? = nil) {
        self.summary = summary; self.manifest = manifest; self.parameters = parameters; self.today = today
        self.samples = samples; self.audit = audit; self.run = run; self.outputs = outputs
        self.secondRunOutputs = secondRunOutputs
    }

    /// The date examples are checked on.
    public static let today = CalendarDate(year: 2026, month: 11, day: 25)

    /// A complete product with one input and one published aggregate output, which passes every rule.
    public static let cleanManifest = ProductManifest(
        id: ProductID("station-incident-hotspots")!,
        name: "Station incident hotspots", version: "1.0.0", status: .inUse,
        summary: "Weekly counts of reported incidents per station.",
        purpose: "Show which stations had the most reported incidents so outreach staff can be scheduled there.",
        decisionUse: "The outreach coordinator reads the weekly table when planning shifts.",
        humanOversight: "A supervisor reviews every schedule change before it is published.",
        nonLawEnforcementResponse: true,
        owner: ProductOwner(team: "Safety Analytics", accountableRole: "Director of Safety Analytics", contact: "safety-analytics@agency.example"),
        legalBasis: "Board resolution 2026-14.",
        risks: [Risk(risk: "Counts reflect reporting, not incidence.", mitigation: "Tables are shown with reporting rates.")],
        impactAssessments: [],
        reviewDue: CalendarDate(year: 2027, month: 6, day: 30),
        dataSources: [DataSource(id: "incidents", name: "Incident reports", origin: .internal, steward: "Records Unit", fields: ["station", "week", "category"])],
        demographicFields: [],
        inputs: [ProductInput(name: "incidents.csv", source: "incidents", sample: "samples/incidents.csv", columns: ["station", "week", "category"])],
        outputs: [ProductOutput(name: "hotspots.csv", format: .csv, level: .aggregate,
                                columns: [OutputColumn(name: "station", type: .string), OutputColumn(name: "week", type: .date),
                                          OutputColumn(name: "incidents", type: .integer)],
                                countColumn: "incidents", directsDeployment: true, published: true)],
        run: RunSpec(command: ["python3", "hotspots.py"]))

    /// Sample text for the clean product.
    public static let cleanSamples = ["incidents.csv": "station,week,category\nCentral,2026-11-16,fare\nHarbor,2026-11-16,vandalism\n"]

    /// Output text for the clean product.
    public static let cleanOutputs = ["hotspots.csv": "station,week,incidents\nCentral,2026-11-16,14\nHarbor,2026-11-16,0\n"]
}

extension ProductManifest {
    /// A copy with one change applied, for writing examples.
    public func with(_ change: (inout ProductManifest) -> Void) -> ProductManifest {
        var copy = self
        change(&copy)
        return copy
    }
}
