import ProductModel

/// Canonical JSON for the catalog's records, written directly: keys sorted, no whitespace,
/// slashes unescaped, absent optionals left out — the same rules as `CanonicalJSON`.
///
/// `catalog.json` and every page digest go through here on each build, including incremental
/// ones; `JSONEncoder` spent most of an incremental build on them.
struct CatalogJSONWriter {
    private(set) var text = ""
    private var lastKeys: [String?] = []

    mutating func string(_ value: String) {
        text.append("\"")
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            text.append(value)
            text.append("\"")
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text.append("\\\"")
            case "\\": text.append("\\\\")
            case "\n": text.append("\\n")
            case "\r": text.append("\\r")
            case "\t": text.append("\\t")
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default: text.unicodeScalars.append(scalar)
            }
        }
        text.append("\"")
    }

    /// A string as a JSON string literal.
    static func quoted(_ value: String) -> String {
        var writer = CatalogJSONWriter()
        writer.string(value)
        return writer.text
    }

    mutating func number(_ value: Double) {
        text.append(value.isFinite ? (value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)") : "null")
    }

    mutating func object(_ body: (inout CatalogJSONWriter) -> Void) {
        text.append("{")
        lastKeys.append(nil)
        body(&self)
        lastKeys.removeLast()
        text.append("}")
    }

    mutating func array<T>(_ items: [T], _ element: (inout CatalogJSONWriter, T) -> Void) {
        text.append("[")
        for (index, item) in items.enumerated() {
            if index > 0 { text.append(",") }
            element(&self, item)
        }
        text.append("]")
    }

    /// Starts a member; keys must come in sorted order, which debug builds check.
    private mutating func key(_ name: String) {
        if let previous = lastKeys[lastKeys.count - 1] {
            assert(previous < name, "keys out of order: \(previous) before \(name)")
            text.append(",")
        }
        lastKeys[lastKeys.count - 1] = name
        string(name)
        text.append(":")
    }

    mutating func field(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name); string(value)
    }

    mutating func field(_ name: String, _ value: Bool) {
        key(name); text.append(value ? "true" : "false")
    }

    mutating func field(_ name: String, _ value: Int?) {
        guard let value else { return }
        key(name); text.append(String(value))
    }

    mutating func field(_ name: String, _ value: Double?) {
        guard let value else { return }
        key(name); number(value)
    }

    mutating func field(_ name: String, strings: [String]?) {
        guard let strings else { return }
        key(name); array(strings) { $0.string($1) }
    }

    /// A member holding an object of texts by key, keys sorted.
    mutating func field(_ name: String, texts: [String: String]?) {
        guard let texts else { return }
        field(name) { o in
            for key in texts.keys.sorted() { o.field(key, texts[key]) }
        }
    }

    mutating func field<T>(_ name: String, _ items: [T]?, _ element: (inout CatalogJSONWriter, T) -> Void) {
        guard let items else { return }
        key(name); array(items, element)
    }

    mutating func field(_ name: String, object body: (inout CatalogJSONWriter) -> Void) {
        key(name); object(body)
    }

    /// A member holding raw JSON text already written canonically.
    mutating func field(_ name: String, raw: String) {
        key(name); text.append(raw)
    }

    /// A member holding an array of raw JSON values already written canonically.
    mutating func field(_ name: String, rawElements elements: [String]) {
        key(name)
        text.append("[")
        for (index, element) in elements.enumerated() {
            if index > 0 { text.append(",") }
            text.append(element)
        }
        text.append("]")
    }

    /// Makes room for a document of about this many bytes.
    mutating func reserveCapacity(_ bytes: Int) { text.reserveCapacity(bytes) }

    /// Ends the document with a newline, as every file the catalog writes does.
    mutating func newline() { text.append("\n") }
}

extension PublicProduct {
    /// This record as canonical JSON, the form `catalog.json` holds and page digests cover.
    func canonicalJSON() -> String {
        var json = CatalogJSONWriter()
        json.object { o in
            o.field("approval_state", approvalState.rawValue)
            o.field("approvals", approvals) { w, a in
                w.object { o in
                    o.field("content_digest", a.contentDigest); o.field("expires", a.expires); o.field("issued", a.issued)
                    o.field("reviewer", a.reviewer); o.field("signature", a.signature); o.field("signature_path", a.signaturePath)
                    o.field("statement", a.statement); o.field("statement_path", a.statementPath); o.field("version", a.version)
                }
            }
            o.field("audit_attributes", strings: auditAttributes)
            o.field("content_digest", contentDigest)
            o.field("data_sources", dataSources) { w, s in
                w.object { o in
                    o.field("fields", strings: s.fields); o.field("id", s.id); o.field("name", s.name)
                    o.field("origin", s.origin.rawValue); o.field("steward", s.steward)
                }
            }
            o.field("decision_use", decisionUse)
            o.field("demographic_fields", demographicFields) { w, d in
                w.object { o in o.field("field", d.field); o.field("justification", d.justification); o.field("source", d.source) }
            }
            o.field("format", format)
            o.field("history", history) { w, v in
                w.object { o in
                    o.field("changes", v.changes) { w, c in
                        w.object { o in
                            o.field("after", c.after); o.field("before", c.before); o.field("key_path", c.keyPath)
                            o.field("withheld", c.withheld)
                        }
                    }
                    o.field("commit", v.commit); o.field("date", v.date); o.field("message", v.message); o.field("version", v.version)
                }
            }
            o.field("human_oversight", humanOversight)
            o.field("id", id)
            o.field("impact_assessments", impactAssessments) { w, a in
                w.object { o in o.field("date", a.date.description); o.field("link", a.link); o.field("title", a.title) }
            }
            o.field("inputs", inputs) { w, i in
                w.object { o in o.field("columns", strings: i.columns); o.field("name", i.name); o.field("source", i.source) }
            }
            if let check = latestCheck {
                o.field("latest_check") { o in check.writeJSON(&o) }
            }
            o.field("legal_basis", legalBasis)
            o.field("link_failures", linkFailures) { w, l in
                w.object { o in
                    o.field("address", l.address); o.field("checked_on", l.checkedOn); o.field("failing_since", l.failingSince)
                    o.field("http_status", l.httpStatus); o.field("key_path", l.keyPath); o.field("outcome", l.outcome.rawValue)
                }
            }
            o.field("name", name)
            o.field("non_law_enforcement_response", nonLawEnforcementResponse)
            o.field("objection_route", objectionRoute)
            o.field("outputs", outputs) { w, p in
                w.object { o in
                    o.field("columns", strings: p.columns); o.field("directs_deployment", p.directsDeployment)
                    o.field("format", p.format.rawValue); o.field("level", p.level.rawValue); o.field("name", p.name)
                }
            }
            if let owner {
                o.field("owner") { o in
                    o.field("accountable_role", owner.accountableRole); o.field("contact", owner.contact); o.field("team", owner.team)
                }
            }
            o.field("purpose", purpose)
            o.field("review_due", reviewDue.description)
            o.field("risks", risks) { w, r in
                w.object { o in o.field("mitigation", r.mitigation); o.field("risk", r.risk) }
            }
            o.field("schema_version", schemaVersion)
            o.field("status", status.rawValue)
            o.field("summary", summary)
            o.field("translation_coverage") { o in
                for language in translationCoverage.keys.sorted() {
                    guard let coverage = translationCoverage[language] else { continue }
                    o.field(language) { o in o.field("total", coverage.total); o.field("translated", coverage.translated) }
                }
            }
            o.field("translations") { o in
                for language in translations.keys.sorted() {
                    guard let t = translations[language] else { continue }
                    o.field(language) { o in
                        o.field("data_sources", texts: t.dataSources); o.field("decision_use", t.decisionUse)
                        o.field("demographic_fields", texts: t.demographicFields); o.field("human_oversight", t.humanOversight)
                        o.field("legal_basis", t.legalBasis); o.field("name", t.name); o.field("objection_route", t.objectionRoute)
                        o.field("purpose", t.purpose)
                        o.field("risks", t.risks) { w, r in
                            w.object { o in o.field("mitigation", r.mitigation); o.field("risk", r.risk) }
                        }
                        o.field("summary", t.summary); o.field("withheld", texts: t.withheld)
                    }
                }
            }
            o.field("tree", tree)
            if let vendor {
                o.field("vendor") { o in o.field("contract", vendor.contract); o.field("name", vendor.name); o.field("product", vendor.product) }
            }
            o.field("version", version)
            o.field("withheld", withheld) { w, h in
                w.object { o in o.field("commitment", h.commitment); o.field("field", h.field); o.field("reason", h.reason) }
            }
        }
        return json.text
    }
}

extension ProductUse {
    /// A removed product's entry in `catalog.json`'s `removed_products`: what removed it, when and
    /// by whom, its last approved version and the page it keeps.
    func removedRecordJSON() -> String {
        let removal = removingVersion
        var json = CatalogJSONWriter()
        json.object { o in
            o.field("id", id)
            o.field("last_approved_version", raw: self.removal?.lastApprovedVersion.map(CatalogJSONWriter.quoted) ?? "null")
            o.field("name", name)
            o.field("page", SitePaths.product(id))
            o.field("removed_at", removal?.date ?? "")
            o.field("removed_by", removal?.author ?? "")
            o.field("removed_commit", removal?.commit ?? "")
            o.field("schema_version", PublicProduct.schemaVersion)
            o.field("state", "removed")
        }
        return json.text
    }
}

extension CatalogCheck {
    fileprivate func writeJSON(_ o: inout CatalogJSONWriter) {
        o.field("commit", commit)
        o.field("commit_date", commitDate)
        o.field("disparity", disparity) { w, table in
            w.object { o in
                o.field("attribute", table.attribute)
                o.field("has_labels", table.hasLabels)
                o.field("reference_group", table.referenceGroup)
                o.field("rows", table.rows) { w, row in
                    w.object { o in
                        o.field("below_minimum_group_size", row.belowMinimumGroupSize); o.field("count", row.count)
                        o.field("difference", row.difference)
                        o.field("false_positive_rate", row.falsePositiveRate); o.field("group", row.group)
                        o.field("ratio", row.ratio); o.field("selection_rate", row.selectionRate)
                        o.field("true_positive_rate", row.truePositiveRate); o.field("wilson_lower", row.wilsonLower)
                        o.field("wilson_upper", row.wilsonUpper)
                    }
                }
            }
        }
        o.field("findings", findings) { w, finding in
            w.object { o in
                o.field("location") { o in
                    let place = finding.location
                    o.field("column", place.column); o.field("file", place.file); o.field("group", place.group)
                    o.field("keyPath", place.keyPath); o.field("product", place.product.rawValue); o.field("row", place.row)
                }
                o.field("message", finding.message)
                o.field("numbers") { o in
                    for name in finding.numbers.keys.sorted() { o.field(name, finding.numbers[name]) }
                }
                o.field("rule", finding.rule)
                o.field("severity", finding.severity.rawValue)
            }
        }
        o.field("passed", passed)
    }
}

extension ExportValue {
    fileprivate func writeJSON(_ w: inout CatalogJSONWriter) {
        switch self {
        case .text(let text): w.string(text)
        case .list(let list): w.array(list) { $0.string($1) }
        case .links(let links):
            w.array(links) { w, link in w.object { o in o.field("link", link.link); o.field("title", link.title) } }
        }
    }
}

extension RegisterExports {
    /// One export record as a canonical JSON object.
    static func objectJSON(_ record: [String: ExportValue]) -> String {
        var json = CatalogJSONWriter()
        json.object { o in
            for name in record.keys.sorted() {
                guard let value = record[name] else { continue }
                var inner = CatalogJSONWriter()
                value.writeJSON(&inner)
                o.field(name, raw: inner.text)
            }
        }
        return json.text
    }

    /// Export records, each already written by `objectJSON`, as a JSON array with a final newline.
    static func json(objects: [String]) -> String {
        "[" + objects.joined(separator: ",") + "]\n"
    }
}
