/// The manifest's own shape: which key is read as what.
extension ManifestReader {
    /// Each top-level key's value, or nil when the root is not a mapping.
    func readManifestParts(_ root: ManifestNode, folder: String?) -> ManifestParts? {
        guard let fields = mapping(root, at: "", shape: .manifest) else { return nil }
        var parts = ManifestParts()
        for key in ManifestParts.readingOrder {
            if let node = fields[key] { parts.values[key] = readPart(key, node, folder: folder) }
        }
        return parts
    }

    /// One top-level key's value. Each is read on its own, whatever the other keys hold, so a
    /// version whose key is written byte for byte as before can reuse what was read then.
    func readPart(_ key: String, _ node: ManifestNode, folder: String?) -> ManifestPart? {
        switch key {
        case "id": .id(readID(node, folder: folder))
        case "format", "name", "version": .text(string(node, at: key))
        case "summary", "purpose", "decision_use", "human_oversight", "objection_route", "legal_basis":
            .text(string(node, at: key, multiline: true))
        case "status": .status(choice(node, at: key, ProductStatus.self))
        case "non_law_enforcement_response": .flag(bool(node, at: key))
        case "owner": .owner(readOwner(node))
        case "vendor": .vendor(readVendor(node))
        case "risks": .risks(list(node, at: key, readRisk))
        case "impact_assessments": .assessments(list(node, at: key, readImpactAssessment))
        case "review_due": .date(date(node, at: key))
        case "data_sources": .sources(list(node, at: key, readDataSource))
        case "demographic_fields": .demographics(list(node, at: key, readDemographicField))
        case "inputs": .inputs(list(node, at: key, readInput))
        case "outputs": .outputs(list(node, at: key, readOutput))
        case "run": .run(readRun(node))
        case "audit": .audit(readAudit(node))
        case "public": .publication(readPublication(node))
        case "translations": .translations(dictionary(node, at: key, readTranslation))
        default: nil
        }
    }

    private func text(_ fields: Fields, _ key: String) -> String? {
        fields[key].flatMap { string($0, at: fields.path(key)) }
    }

    /// Prose, which may run over several lines.
    private func prose(_ fields: Fields, _ key: String) -> String? {
        fields[key].flatMap { string($0, at: fields.path(key), multiline: true) }
    }

    private func readID(_ node: ManifestNode, folder: String?) -> ProductID? {
        guard let text = string(node, at: "id") else { return nil }
        guard let id = ProductID(text) else {
            if ProductID.reserved.contains(text) {
                report("id", node, "the id '\(text)' is reserved for the board's own folder",
                       fix: "choose another id and rename the product folder to match")
            } else {
                report("id", node, "the id '\(text)' is not a valid product id",
                       fix: "use 2 to 63 lower-case letters, digits and hyphens, starting with a letter or digit, and rename the folder to match")
            }
            return nil
        }
        if let folder, folder != text {
            report("id", node, "the id '\(text)' differs from the product folder name '\(folder)'",
                   fix: "set id to '\(folder)' or rename the folder to '\(text)'")
            return nil
        }
        return id
    }

    private func readOwner(_ node: ManifestNode) -> ProductOwner? {
        guard let fields = mapping(node, at: "owner", shape: .owner) else { return nil }
        let team = text(fields, "team"), role = text(fields, "accountable_role"), contact = text(fields, "contact")
        let members = fields["board_members"].map { stringList($0, at: fields.path("board_members")) }
        guard let team, let role, let contact, members != .some(nil) else { return nil }
        return ProductOwner(team: team, accountableRole: role, contact: contact, boardMembers: (members ?? nil) ?? [])
    }

    private func readVendor(_ node: ManifestNode) -> Vendor? {
        guard let fields = mapping(node, at: "vendor", shape: .vendor) else { return nil }
        let name = text(fields, "name")
        let product = fields["product"].map { string($0, at: fields.path("product")) }
        let contract = fields["contract"].map { string($0, at: fields.path("contract")) }
        guard let name, product != .some(nil), contract != .some(nil) else { return nil }
        return Vendor(name: name, product: product ?? nil, contract: contract ?? nil)
    }

    private func readRisk(_ node: ManifestNode, _ path: String) -> Risk? {
        guard let fields = mapping(node, at: path, shape: .risk) else { return nil }
        guard let risk = prose(fields, "risk"), let mitigation = prose(fields, "mitigation") else { return nil }
        return Risk(risk: risk, mitigation: mitigation)
    }

    private func readImpactAssessment(_ node: ManifestNode, _ path: String) -> ImpactAssessment? {
        guard let fields = mapping(node, at: path, shape: .impactAssessment) else { return nil }
        let title = text(fields, "title"), link = text(fields, "link")
        let day = fields["date"].flatMap { date($0, at: fields.path("date")) }
        guard let title, let day, let link else { return nil }
        return ImpactAssessment(title: title, date: day, link: link)
    }

    private func readDataSource(_ node: ManifestNode, _ path: String) -> DataSource? {
        guard let fields = mapping(node, at: path, shape: .dataSource) else { return nil }
        let id = text(fields, "id"), name = text(fields, "name"), steward = text(fields, "steward")
        let origin = fields["origin"].flatMap { choice($0, at: fields.path("origin"), DataOrigin.self) }
        let names = fields["fields"].flatMap { stringList($0, at: fields.path("fields")) }
        guard let id, let name, let origin, let steward, let names else { return nil }
        return DataSource(id: id, name: name, origin: origin, steward: steward, fields: names)
    }

    private func readDemographicField(_ node: ManifestNode, _ path: String) -> DemographicField? {
        guard let fields = mapping(node, at: path, shape: .demographicField) else { return nil }
        guard let field = text(fields, "field"), let source = text(fields, "source"),
              let justification = prose(fields, "justification") else { return nil }
        return DemographicField(field: field, source: source, justification: justification)
    }

    private func readInput(_ node: ManifestNode, _ path: String) -> ProductInput? {
        guard let fields = mapping(node, at: path, shape: .input) else { return nil }
        let name = text(fields, "name"), source = text(fields, "source"), sample = text(fields, "sample")
        let columns = fields["columns"].flatMap { stringList($0, at: fields.path("columns")) }
        guard let name, let source, let sample, let columns else { return nil }
        return ProductInput(name: name, source: source, sample: sample, columns: columns)
    }

    private func readOutput(_ node: ManifestNode, _ path: String) -> ProductOutput? {
        guard let fields = mapping(node, at: path, shape: .output) else { return nil }
        let name = text(fields, "name")
        let format = fields["format"].flatMap { choice($0, at: fields.path("format"), OutputFormat.self) }
        let level = fields["level"].flatMap { choice($0, at: fields.path("level"), OutputLevel.self) }
        let columns = fields["columns"].flatMap { list($0, at: fields.path("columns"), readColumn) }
        let countColumn = fields["count_column"].map { string($0, at: fields.path("count_column")) }
        let directs = fields["directs_deployment"].flatMap { bool($0, at: fields.path("directs_deployment")) }
        let published = fields["public"].map { bool($0, at: fields.path("public")) }
        guard let name, let format, let level, let columns, let directs,
              countColumn != .some(nil), published != .some(nil) else { return nil }
        return ProductOutput(name: name, format: format, level: level, columns: columns, countColumn: countColumn ?? nil,
                             directsDeployment: directs, published: (published ?? nil) ?? false)
    }

    private func readColumn(_ node: ManifestNode, _ path: String) -> OutputColumn? {
        guard let fields = mapping(node, at: path, shape: .outputColumn) else { return nil }
        let name = text(fields, "name")
        let type = fields["type"].flatMap { choice($0, at: fields.path("type"), ColumnType.self) }
        guard let name, let type else { return nil }
        return OutputColumn(name: name, type: type)
    }

    private func readRun(_ node: ManifestNode) -> RunSpec? {
        guard let fields = mapping(node, at: "run", shape: .run) else { return nil }
        let command = fields["command"].flatMap { stringList($0, at: fields.path("command")) }
        let time = fields["time_limit_seconds"].map { integer($0, at: fields.path("time_limit_seconds")) }
        let memory = fields["memory_limit_mb"].map { integer($0, at: fields.path("memory_limit_mb")) }
        guard let command, time != .some(nil), memory != .some(nil) else { return nil }
        let defaults = RunSpec(command: command)
        return RunSpec(command: command, timeLimitSeconds: (time ?? nil) ?? defaults.timeLimitSeconds,
                       memoryLimitMB: (memory ?? nil) ?? defaults.memoryLimitMB)
    }

    private func readAudit(_ node: ManifestNode) -> AuditSpec? {
        guard let fields = mapping(node, at: "audit", shape: .audit) else { return nil }
        let file = text(fields, "file"), key = text(fields, "key"), output = text(fields, "output")
        let attributes = fields["attributes"].flatMap { stringList($0, at: fields.path("attributes")) }
        let label = fields["label_column"].map { string($0, at: fields.path("label_column")) }
        let decision = text(fields, "decision_column"), selected = text(fields, "selected_value")
        let polarity = fields["selection_is"].flatMap { choice($0, at: fields.path("selection_is"), OutcomePolarity.self) }
        guard let file, let key, let attributes, label != .some(nil), let output, let decision, let selected,
              let polarity else { return nil }
        return AuditSpec(file: file, key: key, attributes: attributes, labelColumn: label ?? nil, output: output,
                         decisionColumn: decision, selectedValue: selected, selectionIs: polarity)
    }

    private func readPublication(_ node: ManifestNode) -> PublicationSpec? {
        guard let fields = mapping(node, at: "public", shape: .publication) else { return nil }
        guard let withheld = fields["withheld"].flatMap({ list($0, at: fields.path("withheld"), readWithheld) }) else { return nil }
        return PublicationSpec(withheld: withheld)
    }

    private func readWithheld(_ node: ManifestNode, _ path: String) -> WithheldField? {
        guard let fields = mapping(node, at: path, shape: .withheldField) else { return nil }
        guard let field = text(fields, "field"), let reason = prose(fields, "reason") else { return nil }
        // A missing salt is left to the validator, so history written before salts still reads.
        let salt = fields["salt"].map { string($0, at: fields.path("salt")) }
        if salt == .some(nil) { return nil }
        return WithheldField(field: field, reason: reason, salt: salt ?? nil)
    }

    private func readTranslation(_ node: ManifestNode, _ path: String) -> Translation? {
        guard let fields = mapping(node, at: path, shape: .translation) else { return nil }
        func line(_ key: String) -> String?? { fields[key].map { string($0, at: fields.path(key)) } }
        func prose(_ key: String) -> String?? { fields[key].map { string($0, at: fields.path(key), multiline: true) } }
        func byKey(_ key: String) -> [String: String]?? {
            fields[key].map { dictionary($0, at: fields.path(key)) { string($0, at: $1, multiline: true) } }
        }
        let name = line("name"), summary = prose("summary"), purpose = prose("purpose")
        let decisionUse = prose("decision_use"), oversight = prose("human_oversight")
        let objection = prose("objection_route"), legalBasis = prose("legal_basis")
        let risks = fields["risks"].map { list($0, at: fields.path("risks"), readTranslatedRisk) }
        let sources = byKey("data_sources"), demographics = byKey("demographic_fields"), withheld = byKey("withheld")
        let texts = [name, summary, purpose, decisionUse, oversight, objection, legalBasis]
        guard !texts.contains(where: { $0 == .some(nil) }), risks != .some(nil), sources != .some(nil),
              demographics != .some(nil), withheld != .some(nil) else { return nil }
        return Translation(name: name ?? nil, summary: summary ?? nil, purpose: purpose ?? nil,
                           decisionUse: decisionUse ?? nil, humanOversight: oversight ?? nil,
                           objectionRoute: objection ?? nil, legalBasis: legalBasis ?? nil, risks: risks ?? nil,
                           dataSources: sources ?? nil, demographicFields: demographics ?? nil, withheld: withheld ?? nil)
    }

    private func readTranslatedRisk(_ node: ManifestNode, _ path: String) -> Risk? {
        guard let fields = mapping(node, at: path, shape: .translatedRisk) else { return nil }
        guard let risk = prose(fields, "risk"), let mitigation = prose(fields, "mitigation") else { return nil }
        return Risk(risk: risk, mitigation: mitigation)
    }
}

/// One top-level key's value as read; the value inside is nil when the key was present but could
/// not be read, after a problem was reported.
enum ManifestPart: Sendable {
    case text(String?)
    case id(ProductID?)
    case status(ProductStatus?)
    case flag(Bool?)
    case owner(ProductOwner?)
    case vendor(Vendor?)
    case risks([Risk]?)
    case assessments([ImpactAssessment]?)
    case date(CalendarDate?)
    case sources([DataSource]?)
    case demographics([DemographicField]?)
    case inputs([ProductInput]?)
    case outputs([ProductOutput]?)
    case run(RunSpec?)
    case audit(AuditSpec?)
    case publication(PublicationSpec?)
    case translations([String: Translation]?)

    var text: String? { if case .text(let value) = self { value } else { nil } }
    var id: ProductID? { if case .id(let value) = self { value } else { nil } }
    var status: ProductStatus? { if case .status(let value) = self { value } else { nil } }
    var flag: Bool? { if case .flag(let value) = self { value } else { nil } }
    var owner: ProductOwner? { if case .owner(let value) = self { value } else { nil } }
    var vendor: Vendor? { if case .vendor(let value) = self { value } else { nil } }
    var risks: [Risk]? { if case .risks(let value) = self { value } else { nil } }
    var assessments: [ImpactAssessment]? { if case .assessments(let value) = self { value } else { nil } }
    var date: CalendarDate? { if case .date(let value) = self { value } else { nil } }
    var sources: [DataSource]? { if case .sources(let value) = self { value } else { nil } }
    var demographics: [DemographicField]? { if case .demographics(let value) = self { value } else { nil } }
    var inputs: [ProductInput]? { if case .inputs(let value) = self { value } else { nil } }
    var outputs: [ProductOutput]? { if case .outputs(let value) = self { value } else { nil } }
    var run: RunSpec? { if case .run(let value) = self { value } else { nil } }
    var audit: AuditSpec? { if case .audit(let value) = self { value } else { nil } }
    var publication: PublicationSpec? { if case .publication(let value) = self { value } else { nil } }
    var translations: [String: Translation]? { if case .translations(let value) = self { value } else { nil } }
}

/// The top-level keys of a manifest as read, put together into the manifest once all are in.
struct ManifestParts: Sendable {
    /// The order keys are read in (as the type declares them), which orders problems reported on the same line.
    static let readingOrder = ProductManifest.CodingKeys.allCases.map(\.rawValue)

    /// Each key present, by name.
    var values: [String: ManifestPart] = [:]

    /// nil when the key is absent, `.some(nil)` when it was present but unreadable.
    private func part<T>(_ key: String, _ value: (ManifestPart) -> T?) -> T?? {
        values[key].map(value)
    }

    /// The manifest, when every required key was read and every optional key present was read too.
    var manifest: ProductManifest? {
        guard let id = part("id", \.id) ?? nil, let name = part("name", \.text) ?? nil,
              let version = part("version", \.text) ?? nil, let status = part("status", \.status) ?? nil,
              let summary = part("summary", \.text) ?? nil, let purpose = part("purpose", \.text) ?? nil,
              let decisionUse = part("decision_use", \.text) ?? nil,
              let humanOversight = part("human_oversight", \.text) ?? nil,
              let nonLawEnforcement = part("non_law_enforcement_response", \.flag) ?? nil,
              let owner = part("owner", \.owner) ?? nil, let legalBasis = part("legal_basis", \.text) ?? nil,
              let risks = part("risks", \.risks) ?? nil, let assessments = part("impact_assessments", \.assessments) ?? nil,
              let reviewDue = part("review_due", \.date) ?? nil, let sources = part("data_sources", \.sources) ?? nil,
              let demographics = part("demographic_fields", \.demographics) ?? nil,
              let inputs = part("inputs", \.inputs) ?? nil, let outputs = part("outputs", \.outputs) ?? nil,
              let run = part("run", \.run) ?? nil
        else { return nil }
        let vendor = part("vendor", \.vendor), audit = part("audit", \.audit)
        let publication = part("public", \.publication), translations = part("translations", \.translations)
        let format = part("format", \.text), objectionRoute = part("objection_route", \.text)
        // An optional section that was present but unreadable has been reported; do not drop it silently.
        if vendor == .some(nil) || audit == .some(nil) || publication == .some(nil) || translations == .some(nil)
            || format == .some(nil) || objectionRoute == .some(nil) {
            return nil
        }
        return ProductManifest(
            id: id, name: name, version: version, status: status, summary: summary, purpose: purpose,
            decisionUse: decisionUse, humanOversight: humanOversight, nonLawEnforcementResponse: nonLawEnforcement,
            owner: owner, vendor: vendor ?? nil, legalBasis: legalBasis, risks: risks, impactAssessments: assessments,
            reviewDue: reviewDue, dataSources: sources, demographicFields: demographics, inputs: inputs,
            outputs: outputs, run: run, audit: audit ?? nil, publication: (publication ?? nil) ?? PublicationSpec(),
            translations: (translations ?? nil) ?? [:], format: format ?? nil, objectionRoute: objectionRoute ?? nil)
    }
}
