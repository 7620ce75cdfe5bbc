import Foundation
import ProductModel

/// A language the site's pages are written in: its tag, the folder its pages live in and its
/// interface words, each word its own translation or, where it has none, the English word marked
/// with `LanguageMarks` so the page says it is English.
struct SiteLanguage: Sendable {
    /// The language tag (`en`, `es`), as in `<html lang>` and the manifests' `translations`.
    let tag: String
    let words: SiteWords
    let recordWords: RecordWords
    let annualWords: AnnualWords
    /// The site's other languages, for the language switch: tag and name in its own language.
    let others: [(tag: String, name: String)]

    /// Whether this is the language manifests and the site's root pages are written in.
    var isEnglish: Bool { tag == InterfaceStrings.englishTag }

    /// The folder the language's pages live in, relative to the site root.
    var folder: String { Self.folder(of: tag) }

    static func folder(of tag: String) -> String { tag == InterfaceStrings.englishTag ? "" : tag + "/" }

    /// The site's languages: English, the languages the Swift package ships a resource file for,
    /// then those the registry adds (a registry file for a shipped language overrides its words
    /// key by key), English first and the rest by tag.
    static func all(adding registryLanguages: [InterfaceStrings]) -> [SiteLanguage] {
        var tables = Dictionary(uniqueKeysWithValues: InterfaceStrings.builtIn.map { ($0.tag, $0.entries) })
        for language in registryLanguages {
            tables[language.tag, default: [:]].merge(language.entries) { _, registry in registry }
        }
        let english = tables[InterfaceStrings.englishTag] ?? [:]
        let tags = [InterfaceStrings.englishTag] + tables.keys.filter { $0 != InterfaceStrings.englishTag }.sorted()
        // English first, so every key has a text; a language's own words replace it key by key.
        let fallback = english.mapValues(LanguageMarks.english)
        let merged = tags.map { fallback.merging(tables[$0] ?? [:]) { _, own in own } }
        let names = merged.map { $0["site.languageName"] ?? "" }
        return zip(tags, merged).map { tag, entries in
            SiteLanguage(tag: tag, words: InterfaceStrings.decode(SiteWords.self, entries, sections: ["site"], nested: ["states", "statuses", "severities"]),
                         recordWords: InterfaceStrings.decode(RecordWords.self, entries, sections: ["record"]),
                         annualWords: InterfaceStrings.decode(AnnualWords.self, entries, sections: ["annual"]),
                         others: zip(tags, names).filter { $0.0 != tag }.map { ($0.0, $0.1) })
        }
    }
}

/// Every piece of page chrome, per language.
struct SiteWords: Sendable, Decodable {
    var languageName: String
    var skipLink: String
    var navigation: String
    var productsNav: String
    var allegationsNav: String
    var verifyNav: String
    var dataNav: String
    var keyIndicators: String
    var productsInUse: String
    var approvedUnchanged: String
    var usingDemographics: String
    var reviewsOverdue: String
    var checksFailing: String
    var allegationsReceived: String
    var asOf: String
    var summaryCharts: String
    var productsByState: String
    var productsByStateDescription: String
    var allegationsByQuarter: String
    var allegationsByQuarterDescription: String
    var chartData: String
    var filters: String
    var byStatus: String
    var byApproval: String
    var byDemographics: String
    var all: String
    var usesDemographics: String
    var noDemographics: String
    var search: String
    var searchLabel: String
    var products: String
    var productsCaption: String
    var product: String
    var status: String
    var approval: String
    var demographicFields: String
    var lastCheck: String
    var reviewDue: String
    var none: String
    var passed: String
    var failed: String
    var notChecked: String
    var overdue: String
    var showing: String
    var filterPageTitle: String
    var summary: String
    var facts: String
    var id: String
    var version: String
    var tree: String
    var contentDigest: String
    var purpose: String
    var decisionUse: String
    var humanOversight: String
    var nonLawEnforcement: String
    var yes: String
    var no: String
    var owner: String
    var team: String
    var accountableRole: String
    var vendor: String
    var contract: String
    var legalBasis: String
    var risks: String
    var risk: String
    var mitigation: String
    var impactAssessments: String
    var title: String
    var date: String
    var link: String
    var dataSources: String
    var name: String
    var origin: String
    var steward: String
    var fieldsUsed: String
    var field: String
    var source: String
    var justification: String
    var inputsOutputs: String
    var inputs: String
    var outputs: String
    var columns: String
    var format: String
    var level: String
    var directsDeployment: String
    var auditTitle: String
    var auditText: String
    var approvals: String
    var noApprovals: String
    var reviewer: String
    var issued: String
    var expires: String
    var statement: String
    var signature: String
    var howToVerify: String
    var latestCheck: String
    var ranAtCommit: String
    var interpreter: String
    var environmentDigest: String
    var distributions: String
    var findings: String
    var noFindings: String
    var severity: String
    var rule: String
    var messageHeading: String
    var location: String
    var disparity: String
    var group: String
    var count: String
    var selectionRate: String
    var interval: String
    var ratio: String
    var difference: String
    var truePositiveRate: String
    var falsePositiveRate: String
    var referenceGroup: String
    var belowMinimum: String
    var undefined: String
    var history: String
    var commit: String
    var changes: String
    var keyPath: String
    var before: String
    var after: String
    var absent: String
    var noChanges: String
    var withheldFields: String
    var withheldPlaceholder: String
    var reason: String
    var commitment: String
    var reportError: String
    var reportErrorText: String
    var reportSubject: String
    var allegationsMentioning: String
    var allegationsTitle: String
    var allegationsIntro: String
    var noAllegations: String
    var suppressed: String
    var suppressionNote: String
    var quarter: String
    var finding: String
    var total: String
    var basis: String
    var basisNote: String
    var respondingService: String
    var byQuarterAndFinding: String
    var byServiceAndFinding: String
    var byBasis: String
    var byProduct: String
    var period: String
    var verifyTitle: String
    var verifyIntro: String
    var verifyStep1: String
    var verifyStep2: String
    var verifyStep3: String
    var verifyStep4: String
    var allowedSignersMissing: String
    var repository: String
    var dataTitle: String
    var contact: String
    /// Names of approval states, product statuses and finding severities, by raw value.
    var states: [String: String]
    var statuses: [String: String]
    var severities: [String: String]

    func stateName(_ state: ApprovalState) -> String { states[state.rawValue] ?? state.rawValue }
    func statusName(_ status: ProductStatus) -> String { statuses[status.rawValue] ?? status.rawValue }
    func severityName(_ severity: Severity) -> String { severities[severity.rawValue] ?? severity.rawValue }
}

