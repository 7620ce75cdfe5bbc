import ProductModel

/// What a product page shows besides the product itself; part of the page's input digest.
struct ProductPageContext: Hashable {
    var asOf: CalendarDate
    /// Repository-relative review file paths whose bytes are copied into the site.
    var hostedReviewFiles: [String]
    var repositoryURL: String?
    var allegations: PublishedCount?
    var hasAllegationsReport: Bool

    /// Everything above as text for the page digest, one item per line.
    var digestText: String {
        let allegationText = hasAllegationsReport ? (allegations.map { $0.count.map(String.init) ?? "suppressed" } ?? "0") : "none"
        return "\n" + [asOf.description, hostedReviewFiles.joined(separator: "\u{1F}"), repositoryURL ?? "", allegationText]
            .joined(separator: "\n")
    }
}

/// Renders `products/<id>.html`.
struct ProductPage {
    var product: PublicProduct
    var context: ProductPageContext
    var layout: PageLayout

    private var words: SiteWords { layout.words }
    private var record: RecordWords { layout.language.recordWords }
    private var language: SiteLanguage { layout.language }

    func render() -> String {
        var body = ""
        body.reserveCapacity(16_384)
        let title = product.name(in: language)
        body += "<h1>\(product.localized(product.name, in: language, \.name).inline)</h1>\n"
        if let summary = product.localized(product.summary, in: language, \.summary) {
            body += "<div class=\"lead\">\(summary.prose)</div>\n"
        }
        body += facts()
        body += textSection("purpose", words.purpose, product.localized(product.purpose, in: language, \.purpose))
        body += textSection("decision_use", words.decisionUse, product.localized(product.decisionUse, in: language, \.decisionUse))
        body += textSection("human_oversight", words.humanOversight,
                            product.localized(product.humanOversight, in: language, \.humanOversight))
        body += ownerSection()
        body += objectionSection()
        body += textSection("legal_basis", words.legalBasis, product.localized(product.legalBasis, in: language, \.legalBasis))
        body += risksSection()
        body += assessmentsSection()
        body += dataSourcesSection()
        body += demographicSection()
        body += inputsOutputsSection()
        body += approvalsSection()
        body += checkSection()
        body += historySection()
        body += withheldSection()
        body += allegationsSection()
        body += contactSection()
        return layout.page(title: title, body: body, feed: SitePaths.productFeed(product.id))
    }

    private func section(_ id: String, _ heading: String, _ content: String) -> String {
        "<section aria-labelledby=\"h-\(id)\"><h2 id=\"h-\(id)\">\(heading)</h2>\n\(content)</section>\n"
    }

    /// A placeholder that points at the withheld-fields table instead of the value.
    private func withheldNotice(_ key: String) -> String {
        let reason = product.withheldRecord(key).map(withheldReason) ?? ""
        return "<p class=\"withheld\">\(words.withheldPlaceholder): \(reason) (<a href=\"#h-withheld\">\(words.withheldFields)</a>)</p>\n"
    }

    private func textSection(_ key: String, _ heading: String, _ text: LocalizedText?) -> String {
        guard let text else { return section(key, heading, withheldNotice(key)) }
        return section(key, heading, text.prose)
    }

    private func facts() -> String {
        let overdue = product.reviewOverdue(asOf: context.asOf)
        let due = product.reviewDue.description + (overdue ? " <strong class=\"flag\">(\(words.overdue))</strong>" : "")
        let check: String
        if let latest = product.latestCheck {
            check = latest.passed ? "<span class=\"ok\">\(words.passed)</span>" : "<strong class=\"flag\">\(words.failed)</strong>"
        } else {
            check = words.notChecked
        }
        return section("facts", words.facts, Markup.facts([
            (words.id, Markup.code(product.id)),
            (words.version, HTML.escape(product.version)),
            (words.status, words.statusName(product.status)),
            (words.approval, "<span class=\"state state-\(product.approvalState.rawValue)\">\(words.stateName(product.approvalState))</span>"),
            (words.lastCheck, check),
            (words.reviewDue, due),
            (words.nonLawEnforcement, product.nonLawEnforcementResponse ? words.yes : words.no),
            (words.tree, Markup.code(product.tree)),
            (words.contentDigest, Markup.code(product.contentDigest)),
        ] + coverageFact()))
    }

    /// On a translated page, how much of the product's text is translated.
    private func coverageFact() -> [(String, String)] {
        guard let coverage = product.translationCoverage[language.tag] else { return [] }
        return [(record.translationCoverage, HTML.escape(record.coverage(coverage)))]
    }

    private func withheldReason(_ field: CatalogWithheldField) -> String {
        product.localized(field.reason, in: language) { $0.withheld?[field.field] }.inline
    }

    /// A flag after a link that failed when last checked.
    private func linkFailureNote(_ address: String) -> String {
        guard let failure = product.linkFailures.first(where: { $0.address == address }) else { return "" }
        return " <strong class=\"flag\">(\(HTML.escape(record.failure(failure))))</strong>"
    }

    /// Failed links cited outside the impact assessments (contact, contract, legal basis, objection route).
    private func otherLinkFailures() -> String {
        let others = product.linkFailures.filter { !$0.keyPath.hasPrefix("impact_assessments[") }
        guard !others.isEmpty else { return "" }
        return "<h3>\(record.linkChecks)</h3>\n<ul>" + others.map { failure in
            "<li>\(Markup.code(failure.keyPath)): \(HTML.escape(failure.address)) <strong class=\"flag\">(\(HTML.escape(record.failure(failure))))</strong></li>"
        }.joined() + "</ul>\n"
    }

    /// Whom to write to about a decision the product informed, and how to object or appeal.
    private func objectionSection() -> String {
        var content = "<p>\(record.objectionIntro)</p>\n"
        content += product.localized(product.objectionRoute, in: language, \.objectionRoute)?.prose
            ?? "<p>\(record.noObjectionRoute)</p>\n"
        if let owner = product.owner {
            content += Markup.facts([(record.ownerContact, Self.contactLink(owner.contact))])
        }
        return section("objection", record.objectionTitle, content)
    }

    /// A contact as a link when it is an email address or a web address, else as text.
    static func contactLink(_ contact: String) -> String {
        if HTML.safeLinkTarget(contact) != nil { return HTML.outsideLink(contact) }
        let parts = contact.split(separator: "@", omittingEmptySubsequences: false)
        if parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
           !contact.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) {
            return "<a href=\"mailto:\(HTML.escape(contact))\">\(HTML.escape(contact))</a>"
        }
        return HTML.escape(contact)
    }

    private func ownerSection() -> String {
        var content = ""
        if let owner = product.owner {
            content += Markup.facts([(words.team, HTML.escape(owner.team)), (words.accountableRole, HTML.escape(owner.accountableRole)),
                                     (record.ownerContact, Self.contactLink(owner.contact))])
        } else {
            content += withheldNotice("owner")
        }
        if product.isWithheld("vendor") {
            content += "<h3>\(words.vendor)</h3>" + withheldNotice("vendor")
        } else if let vendor = product.vendor {
            var pairs = [(words.vendor, HTML.escape(vendor.name))]
            if let name = vendor.product { pairs.append((words.product, HTML.escape(name))) }
            if let contract = vendor.contract { pairs.append((words.contract, HTML.escape(contract))) }
            content += "<h3>\(words.vendor)</h3>" + Markup.facts(pairs)
        }
        return section("owner", words.owner, content)
    }

    private func risksSection() -> String {
        guard let risks = product.risks else { return section("risks", words.risks, withheldNotice("risks")) }
        guard !risks.isEmpty else { return section("risks", words.risks, "<p>\(words.none)</p>") }
        return section("risks", words.risks, Markup.table(
            caption: words.risks, headers: [words.risk, words.mitigation],
            rows: risks.indices.compactMap { index in
                product.risk(index, in: language).map { [$0.risk.inline, $0.mitigation.inline] }
            }))
    }

    private func assessmentsSection() -> String {
        guard let assessments = product.impactAssessments else {
            return section("impact_assessments", words.impactAssessments, withheldNotice("impact_assessments"))
        }
        guard !assessments.isEmpty else { return section("impact_assessments", words.impactAssessments, "<p>\(words.none)</p>") }
        return section("impact_assessments", words.impactAssessments, Markup.table(
            caption: words.impactAssessments, headers: [words.title, words.date, words.link],
            rows: assessments.map { [HTML.escape($0.title), $0.date.description, HTML.outsideLink($0.link) + linkFailureNote($0.link)] })
            + otherLinkFailures())
    }

    private func dataSourcesSection() -> String {
        guard let sources = product.dataSources else {
            return section("data_sources", words.dataSources, withheldNotice("data_sources"))
        }
        return section("data_sources", words.dataSources, Markup.table(
            caption: words.dataSources, headers: [words.id, words.name, words.origin, words.steward, words.fieldsUsed],
            rows: sources.map {
                [HTML.escape($0.id), product.localized($0.name, in: language) { [id = $0.id] in $0.dataSources?[id] }.inline,
                 $0.origin.rawValue, HTML.escape($0.steward),
                 HTML.escape($0.fields.joined(separator: ", "))]
            }))
    }

    private func demographicSection() -> String {
        guard !product.demographicFields.isEmpty else {
            return section("demographic_fields", words.demographicFields, "<p>\(words.none)</p>")
        }
        return section("demographic_fields", words.demographicFields, Markup.table(
            caption: words.demographicFields, headers: [words.field, words.source, words.justification],
            rows: product.demographicFields.map { field in
                [HTML.escape(field.field), HTML.escape(field.source),
                 product.localized(field.justification, in: language) { $0.demographicFields?[field.field] }.prose]
            }))
    }

    private func inputsOutputsSection() -> String {
        var content = ""
        if let inputs = product.inputs {
            content += Markup.table(caption: words.inputs, headers: [words.name, words.source, words.columns],
                                    rows: inputs.map { [HTML.escape($0.name), HTML.escape($0.source), HTML.escape($0.columns.joined(separator: ", "))] })
        } else {
            content += withheldNotice("inputs")
        }
        if let outputs = product.outputs {
            content += Markup.table(
                caption: words.outputs, headers: [words.name, words.format, words.level, words.columns, words.directsDeployment],
                rows: outputs.map {
                    [HTML.escape($0.name), $0.format.rawValue, $0.level.rawValue, HTML.escape($0.columns.joined(separator: ", ")),
                     $0.directsDeployment ? words.yes : words.no]
                })
        } else {
            content += withheldNotice("outputs")
        }
        if let attributes = product.auditAttributes {
            content += "<h3>\(words.auditTitle)</h3><p>\(words.auditText) \(HTML.escape(attributes.joined(separator: ", ")))</p>\n"
        }
        return section("inputs", words.inputsOutputs, content)
    }

    /// A link to a review file: the copy in this site, else the repository, else the path alone.
    private func reviewFileLink(_ path: String, label: String) -> String {
        if context.hostedReviewFiles.contains(path), let sitePath = SitePaths.reviewFile(path) {
            return "<a href=\"\(layout.toSiteRoot)\(HTML.escape(sitePath))\">\(label)</a>"
        }
        if let repository = context.repositoryURL, HTML.safeLinkTarget(repository) != nil {
            return HTML.outsideLink(repository + "/" + path, label: label)
        }
        return Markup.code(path)
    }

    private func approvalsSection() -> String {
        var content = ""
        if product.approvals.isEmpty {
            content += "<p>\(words.noApprovals)</p>\n"
        } else {
            content += Markup.table(
                caption: words.approvals,
                headers: [words.reviewer, words.issued, words.expires, words.version, words.contentDigest, words.statement, words.signature],
                rows: product.approvals.map {
                    [HTML.escape($0.reviewer), HTML.escape($0.issued), HTML.escape($0.expires), HTML.escape($0.version),
                     Markup.code($0.contentDigest), reviewFileLink($0.statementPath, label: words.statement),
                     reviewFileLink($0.signaturePath, label: words.signature)]
                })
        }
        content += "<p><a href=\"\(layout.toLanguageRoot)verify.html\">\(words.howToVerify)</a></p>\n"
        return section("approvals", words.approvals, content)
    }

    private func location(_ location: FindingLocation) -> String {
        var parts: [String] = []
        if let file = location.file { parts.append(file) }
        if let column = location.column { parts.append(column) }
        if let row = location.row { parts.append("#\(row)") }
        if let group = location.group { parts.append(group) }
        if let keyPath = location.keyPath { parts.append(keyPath) }
        return HTML.escape(parts.joined(separator: " · "))
    }

    private func checkSection() -> String {
        guard let check = product.latestCheck else {
            return section("check", words.latestCheck, "<p>\(words.notChecked)</p>\n")
        }
        var content = Markup.facts([
            (words.lastCheck, check.passed ? words.passed : "<strong class=\"flag\">\(words.failed)</strong>"),
            (words.ranAtCommit, Markup.code(check.commit)),
            (words.date, HTML.escape(check.commitDate)),
        ] + environmentFacts(check.environment))
        content += "<h3>\(words.findings)</h3>\n"
        if check.findings.isEmpty {
            content += "<p>\(words.noFindings)</p>\n"
        } else {
            content += Markup.table(
                caption: words.findings, headers: [words.rule, words.severity, words.messageHeading, words.location],
                rows: check.findings.map {
                    [HTML.escape($0.rule), "<span class=\"severity-\($0.severity.rawValue)\">\(words.severityName($0.severity))</span>",
                     HTML.escape($0.message), location($0.location)]
                })
        }
        if !check.disparity.isEmpty {
            content += "<h3>\(words.disparity)</h3>\n"
            for table in check.disparity {
                var caption = "\(words.disparity): \(HTML.escape(table.attribute))"
                if let reference = table.referenceGroup { caption += " (\(words.referenceGroup): \(HTML.escape(reference)))" }
                var headers = [words.group, words.count, words.selectionRate, words.interval, words.ratio, words.difference]
                // Error rates exist only when the audit file holds true outcomes; without them the
                // columns would read "undefined" for a reason other than an empty denominator.
                if table.hasLabels { headers += [words.truePositiveRate, words.falsePositiveRate] }
                content += Markup.table(
                    caption: caption, headers: headers,
                    rows: table.rows.map { row in
                        let number = { (value: Double?) in HTML.decimal(value, undefined: words.undefined) }
                        let interval = row.wilsonLower == nil || row.wilsonUpper == nil
                            ? words.undefined
                            : "\(number(row.wilsonLower))–\(number(row.wilsonUpper))"
                        let group = HTML.escape(row.group) + (row.belowMinimumGroupSize ? " <small>(\(words.belowMinimum))</small>" : "")
                        var cells = [group, String(row.count), number(row.selectionRate), interval, number(row.ratio), number(row.difference)]
                        if table.hasLabels { cells += [number(row.truePositiveRate), number(row.falsePositiveRate)] }
                        return cells
                    }, className: "numbers")
            }
        }
        return section("check", words.latestCheck, content)
    }

    /// The interpreter and distributions the check's run used, so readers see what computed the numbers.
    private func environmentFacts(_ environment: CatalogRunEnvironment?) -> [(String, String)] {
        guard let environment else { return [] }
        let version = environment.interpreterVersion.map { environment.digest == nil ? " (python3 \($0))" : " \($0)" } ?? ""
        var facts = [(words.interpreter, HTML.escape(environment.interpreter + version))]
        if let digest = environment.digest {
            facts.append((words.environmentDigest, Markup.code(digest)))
            facts.append((words.distributions, HTML.escape(environment.distributions.joined(separator: ", "))))
        }
        return facts
    }

    private func historySection() -> String {
        guard !product.history.isEmpty else { return section("history", words.history, "<p>\(words.none)</p>\n") }
        var content = "<ol class=\"history\" reversed>\n"
        for version in product.history.reversed() {
            content += "<li><h3>\(HTML.escape(version.version)) · \(HTML.escape(version.date))</h3>\n"
            content += "<p>\(HTML.escape(version.message)) <span class=\"commit\">\(words.commit) \(Markup.code(version.commit))</span></p>\n"
            if version.changes.isEmpty {
                content += "<p>\(words.noChanges)</p>\n"
            } else {
                content += Markup.table(
                    caption: "\(words.changes) \(HTML.escape(version.version))", headers: [words.keyPath, words.before, words.after],
                    rows: version.changes.map { change in
                        if change.withheld {
                            return [HTML.escape(change.keyPath), words.withheldPlaceholder, words.withheldPlaceholder]
                        }
                        return [HTML.escape(change.keyPath), change.before.map(HTML.escape) ?? words.absent,
                                change.after.map(HTML.escape) ?? words.absent]
                    })
            }
            content += "</li>\n"
        }
        content += "</ol>\n"
        return section("history", words.history, content)
    }

    private func withheldSection() -> String {
        guard !product.withheld.isEmpty else { return "" }
        return section("withheld", words.withheldFields, Markup.table(
            caption: words.withheldFields, headers: [words.field, words.reason, words.commitment],
            rows: product.withheld.map { [HTML.escape($0.field), withheldReason($0), Markup.code($0.commitment)] }))
    }

    private func allegationsSection() -> String {
        guard context.hasAllegationsReport else { return "" }
        let count = context.allegations.map { $0.count.map(String.init) ?? words.suppressed } ?? "0"
        return section("allegations", words.allegationsMentioning,
                       "<p>\(words.allegationsMentioning): <strong>\(count)</strong> · <a href=\"\(layout.toLanguageRoot)allegations.html\">\(words.allegationsTitle)</a></p>\n")
    }

    private func contactSection() -> String {
        let subject = HTML.mailtoComponent("\(words.reportSubject) \(product.id) \(product.version)")
        let contact = layout.registry.correctionsAddress
        let link = HTML.safeLinkTarget(contact) != nil
            ? HTML.outsideLink(contact) : "<a href=\"mailto:\(HTML.escape(contact))?subject=\(subject)\">\(HTML.escape(contact))</a>"
        return section("contact", words.reportError, "<p>\(words.reportErrorText) \(link)</p>\n")
    }
}

/// Where things live inside the site.
enum SitePaths {
    /// The page of a product, relative to a language root.
    static func product(_ id: String) -> String { "products/\(id).html" }

    /// The Atom feed of a product, relative to the site root (one feed serves both languages).
    static func productFeed(_ id: String) -> String { "products/\(id).atom" }

    /// Where a repository review file is copied in the site, or `nil` when the path is unsafe.
    ///
    /// Only relative paths under `Reviews/` made of plain components qualify, so a crafted path
    /// can never write outside `reviews/`.
    static func reviewFile(_ repositoryPath: String) -> String? {
        let parts = repositoryPath.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == "Reviews",
              parts.dropFirst().allSatisfy({ part in
                  !part.isEmpty && part != "." && part != ".." &&
                  part.utf8.allSatisfy { byte in
                      (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                          || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "-_.@+".utf8.contains(byte)
                  }
              })
        else { return nil }
        return "reviews/" + parts.dropFirst().joined(separator: "/")
    }
}
