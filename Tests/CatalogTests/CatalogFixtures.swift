import Catalog
import Foundation
import ProductModel
import RegistrySupport
import TestSupport

/// Builds `CatalogInput` values for tests; the real registry wiring lives in RegistryCore.
enum CatalogFixtures {
    /// Text that must come out escaped wherever analysts can write.
    static let payloads = [
        "<script>alert('x')</script>",
        "\"><img src=x onerror=alert(1)>",
        "javascript:alert(document.cookie)",
    ]

    static func hex(_ seed: String, length: Int) -> String {
        var out = ""
        var counter = 0
        while out.count < length {
            out += SHA256Probe.hex("\(seed)-\(counter)")
            counter += 1
        }
        return String(out.prefix(length))
    }

    /// A manifest whose every analyst-written field carries `text`.
    static func manifest(id: String, text: String, status: ProductStatus = .inUse, demographic: Bool = false,
                         withheld: [WithheldField] = [], version: String = "1.0.0") -> ProductManifest {
        guard let productID = ProductID(id) else { fatalError("fixture id '\(id)' is not a product id") }
        return ProductManifest(
            id: productID, name: "Name \(text)", version: version, status: status, summary: "Summary \(text)",
            purpose: "Purpose \(text)\n\nSecond paragraph \(text)", decisionUse: "Decision use \(text)",
            humanOversight: "Oversight \(text)", nonLawEnforcementResponse: true,
            owner: ProductOwner(team: "Team \(text)", accountableRole: "Role \(text)", contact: "internal-only@agency.example"),
            vendor: Vendor(name: "Vendor \(text)", product: "Model \(text)", contract: "Contract \(text)"),
            legalBasis: "Legal basis \(text)", risks: [Risk(risk: "Risk \(text)", mitigation: "Mitigation \(text)")],
            impactAssessments: [ImpactAssessment(title: "Assessment \(text)", date: CalendarDate(year: 2026, month: 3, day: 1),
                                                 link: text),
                                ImpactAssessment(title: "Equity review", date: CalendarDate(year: 2026, month: 4, day: 2),
                                                 link: "https://agency.example/equity")],
            reviewDue: CalendarDate(year: 2026, month: 6, day: 30),
            dataSources: [DataSource(id: "incidents", name: "Incidents \(text)", origin: .internal, steward: "Steward \(text)",
                                     fields: ["station", "hour", "field \(text)"])],
            demographicFields: demographic
                ? [DemographicField(field: "age_band", source: "incidents", justification: "Justification \(text)")] : [],
            inputs: [ProductInput(name: "incidents.csv", source: "incidents", sample: "samples/incidents.csv",
                                  columns: ["station", "hour"])],
            outputs: [ProductOutput(name: "hotspots.csv", format: .csv, level: .aggregate,
                                    columns: [OutputColumn(name: "station", type: .string), OutputColumn(name: "count", type: .integer)],
                                    countColumn: "count", directsDeployment: true)],
            run: RunSpec(command: ["python3", "run.py"]),
            audit: AuditSpec(file: "audit/attributes.csv", key: "station", attributes: ["race", "gender"], output: "hotspots.csv",
                             decisionColumn: "flag", selectedValue: "1", selectionIs: .adverse),
            publication: PublicationSpec(withheld: withheld),
            translations: ["es": Translation(name: "Nombre \(text)", summary: "Resumen \(text)")])
    }

    /// A product with approvals, a failing check with disparity, history and the given text everywhere.
    static func product(id: String, text: String, status: ProductStatus = .inUse, state: ApprovalState = .approved,
                        demographic: Bool = false, withheld: [WithheldField] = [], versions: Int = 2,
                        passed: Bool = false) -> CatalogProduct {
        let manifest = manifest(id: id, text: text, status: status, demographic: demographic, withheld: withheld,
                                version: "1.\(versions - 1).0")
        let digest = hex("\(id)-content-\(versions)", length: 64)
        let statementPath = "Reviews/\(id)/\(manifest.version)/alice.approval"
        let history = (0..<versions).map { index in
            CatalogVersion(commit: hex("\(id)-commit-\(index)", length: 40),
                           date: "2026-0\(1 + index % 9)-1\(index % 10)T08:30:00Z", version: "1.\(index).0",
                           message: "Message \(index) \(text)",
                           changes: index == 0 ? [] : [
                               FieldChange(keyPath: "summary", before: "Old \(text)", after: "New \(text)"),
                               FieldChange(keyPath: "vendor.name", before: "Secret vendor A", after: "Secret vendor B"),
                               FieldChange(keyPath: "version", before: "1.\(index - 1).0", after: "1.\(index).0"),
                           ])
        }
        return CatalogProduct(
            manifest: manifest, tree: hex("\(id)-tree", length: 40), contentDigest: digest, approvalState: state,
            approvals: state == .approved ? [
                CatalogApproval(reviewer: "alice", issued: "2026-10-01T09:00:00Z", expires: "2027-04-01T00:00:00Z",
                                version: manifest.version, contentDigest: digest, statementPath: statementPath,
                                signaturePath: statementPath + ".sig",
                                statement: "format: analytics-registry/1\ntype: approval\nproduct: \(id)\n",
                                signature: "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n"),
            ] : [],
            latestCheck: CatalogCheck(
                passed: passed, commit: hex("\(id)-commit-\(versions - 1)", length: 40), commitDate: "2026-10-02T10:00:00Z",
                findings: passed ? [] : [
                    Finding(rule: "disparity", severity: .error, message: "Message \(text)",
                            location: FindingLocation(product: manifest.id, file: "hotspots.csv", column: "flag", group: "group \(text)"),
                            numbers: ["ratio": 0.71]),
                ],
                disparity: [DisparityTable(attribute: "race \(text)", referenceGroup: "White", rows: [
                    DisparityRow(group: "White", count: 120, selectionRate: 0.25, wilsonLower: 0.18, wilsonUpper: 0.33, ratio: 1,
                                 difference: 0, truePositiveRate: 0.5, falsePositiveRate: 0.125, belowMinimumGroupSize: false),
                    DisparityRow(group: "Group \(text)", count: 0, selectionRate: nil, wilsonLower: nil, wilsonUpper: nil, ratio: nil,
                                 difference: nil, truePositiveRate: nil, falsePositiveRate: nil, belowMinimumGroupSize: true),
                ], hasLabels: true)]),
            history: history,
            withheld: withheld.map { CatalogWithheldField(field: $0.field, reason: $0.reason, commitment: hex("\($0.field)-commitment", length: 64)) })
    }

    static let registry = RegistryInfo(title: "Transit Public Safety Analytics Registry", agency: "Metro Transit Agency",
                                       contactEmail: "analytics-registry@transit.example",
                                       siteURL: "https://registry.transit.example/",
                                       allowedSigners: "alice namespaces=\"review@analytics-registry\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFixture\n")

    /// Three example products, one of them with every analyst field holding each injection payload.
    static func input() -> CatalogInput {
        let payload = payloads.joined(separator: " ")
        return CatalogInput(registry: registry, asOf: CalendarDate(year: 2026, month: 11, day: 25), minimumCellSize: 11, products: [
            product(id: "station-incident-hotspots", text: payload, demographic: true,
                    withheld: [WithheldField(field: "vendor", reason: "Contract terms \(payload)", salt: hex("vendor-salt", length: 64))]),
            product(id: "fare-inspection-allocation", text: "fare inspection", state: .changed, passed: true),
            product(id: "calls-for-service-triage", text: "triage", status: .development, state: .pending, versions: 1, passed: true),
        ])
    }

    /// History for `input()` plus a removed product whose texts carry every payload: two years
    /// of use, review decisions and checks.
    static func history() -> UseHistory {
        let payload = payloads.joined(separator: " ")
        let inUse = UseState(status: .inUse, reviewDue: CalendarDate(year: 2026, month: 6, day: 30), demographicFields: ["age_band"])
        func version(_ commit: String, _ date: String, _ label: String, removed: Bool = false, _ changes: [FieldChange] = []) -> UseVersion {
            UseVersion(commit: hex(commit, length: 40), date: date + "T09:00:00Z", version: label, author: "Author \(payload)",
                       message: "Message \(payload)", changes: changes, removed: removed)
        }
        let present = input().products.map { product in
            ProductUse(id: product.id, name: product.manifest.name,
                       versions: [version(product.id, "2025-03-01", product.manifest.version)], newest: inUse)
        }
        let removed = ProductUse(id: "retired-survey-1", name: "Survey \(payload)",
                                 versions: [version("removal", "2026-05-20", "", removed: true),
                                            version("survey-2", "2025-09-01", "1.1.0",
                                                    [FieldChange(keyPath: "status", before: "development", after: "in-use")]),
                                            version("survey-1", "2025-02-01", "1.0.0")],
                                 newest: inUse, removal: ProductRemoval(lastApprovedVersion: "1.1.0"))
        return UseHistory(
            products: present + [removed],
            reviews: [ReviewEvent(product: "station-incident-hotspots", version: "1.0.0", reviewer: "alice", decision: .approval,
                                  issued: CalendarDate(year: 2025, month: 4, day: 1))],
            checks: [CheckEvent(product: "station-incident-hotspots", day: CalendarDate(year: 2026, month: 2, day: 1), passed: false)])
    }

    /// `count` products, each with `versions` versions of history.
    static func largeInput(count: Int, versions: Int) -> CatalogInput {
        let states = ApprovalState.allCases
        let statuses = ProductStatus.allCases
        return CatalogInput(registry: registry, asOf: CalendarDate(year: 2026, month: 11, day: 25), products: (0..<count).map { index in
            product(id: "product-\(index)", text: "text \(index)", status: statuses[index % statuses.count],
                    state: states[index % states.count], demographic: index % 7 == 0, versions: versions, passed: index % 3 != 0)
        })
    }

    /// The demo allegations shipped in `Data/`.
    static func demoAllegations() throws -> [Allegation] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Data/allegations-demo.csv")
        return try AllegationsImporter.parse(contentsOf: url, fileName: "Data/allegations-demo.csv")
    }
}

/// Test-side digest helper, so fixtures get realistic-looking hex.
enum SHA256Probe {
    static func hex(_ text: String) -> String { SHA256Hex.of(text) }
}

extension AllegationsImporter {
    /// Parses CSV text given in a test by writing it to a temporary file first.
    static func parse(csv bytes: [UInt8], fileName: String, knownProducts: Set<ProductID>? = nil,
                      latestDate: CalendarDate? = nil) throws(CatalogError) -> [Allegation] {
        guard let directory = try? makeTemporaryDirectory("allegations") else {
            throw .cannotWrite(path: NSTemporaryDirectory(), reason: "no temporary folder")
        }
        defer { directory.remove() }
        let url = directory.url.appendingPathComponent(fileName)
        do { try Data(bytes).write(to: url) } catch { throw .cannotWrite(path: url.path, reason: "\(error)") }
        return try parse(contentsOf: url, fileName: fileName, knownProducts: knownProducts, latestDate: latestDate)
    }
}
