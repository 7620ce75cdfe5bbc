import ProductModel

/// Analyst-written text as a page in one language shows it: the translation when there is one,
/// otherwise the original marked with its language so screen readers switch voice (WCAG 3.1.2).
struct LocalizedText: Hashable {
    var text: String
    /// The original's language tag when the text is not in the page's language.
    var originalLanguage: String?

    /// The text as escaped paragraphs, inside a `lang` block when it is not in the page's language.
    var prose: String {
        guard let originalLanguage else { return HTML.prose(text) }
        return "<div lang=\"\(originalLanguage)\">\(HTML.prose(text))</div>"
    }

    /// The text escaped for inline use (a table cell, a heading), inside a `lang` span when needed.
    var inline: String {
        guard let originalLanguage else { return HTML.escape(text) }
        return "<span lang=\"\(originalLanguage)\">\(HTML.escape(text))</span>"
    }
}

/// How much of a product's free text is translated into one language.
public struct TranslationCoverage: Sendable, Hashable, Codable {
    /// Texts translated.
    public var translated: Int
    /// Texts that can be translated (withheld fields excluded).
    public var total: Int
}

extension Translation {
    /// The translation with every withheld field's text removed, so no page or export shows it.
    func published(withholding keys: Set<String>) -> Translation {
        func shown<T>(_ key: String, _ value: T?) -> T? { keys.contains(key) ? nil : value }
        return Translation(name: name, summary: shown("summary", summary), purpose: shown("purpose", purpose),
                           decisionUse: shown("decision_use", decisionUse),
                           humanOversight: shown("human_oversight", humanOversight),
                           objectionRoute: shown("objection_route", objectionRoute),
                           legalBasis: shown("legal_basis", legalBasis), risks: shown("risks", risks),
                           dataSources: shown("data_sources", dataSources), demographicFields: demographicFields,
                           withheld: withheld)
    }
}

extension PublicProduct {
    /// The language manifests are written in.
    static let manifestLanguage = InterfaceStrings.englishTag

    /// Text in `language`: its translation when given, else the original marked as English.
    func localized(_ original: String?, in language: SiteLanguage, _ translated: (Translation) -> String?) -> LocalizedText? {
        original.map { localized($0, in: language, translated) }
    }

    /// Text in `language`: its translation when given, else the original marked as English.
    func localized(_ original: String, in language: SiteLanguage, _ translated: (Translation) -> String?) -> LocalizedText {
        if language.isEnglish { return LocalizedText(text: original) }
        if let text = translations[language.tag].flatMap(translated) { return LocalizedText(text: text) }
        return LocalizedText(text: original, originalLanguage: Self.manifestLanguage)
    }

    /// The name in a language, falling back to the manifest's own.
    func name(in language: SiteLanguage) -> String {
        translations[language.tag]?.name ?? name
    }

    /// The summary in a language, falling back to the manifest's own.
    func summary(in language: SiteLanguage) -> String? {
        localized(summary, in: language, \.summary)?.text
    }

    /// A risk and its mitigation in a language, by position in the manifest's list.
    func risk(_ index: Int, in language: SiteLanguage) -> (risk: LocalizedText, mitigation: LocalizedText)? {
        guard let risks, risks.indices.contains(index) else { return nil }
        let translated = translations[language.tag]?.risks.flatMap { $0.indices.contains(index) ? $0[index] : nil }
        return (localized(risks[index].risk, in: language) { _ in translated?.risk },
                localized(risks[index].mitigation, in: language) { _ in translated?.mitigation })
    }
}

extension RegistryInfo {
    /// The catalog's title on a page in `language`, marked as English when not translated.
    func title(in language: SiteLanguage) -> LocalizedText {
        Self.localized(title, translated: translatedTitles, in: language)
    }

    /// The agency's name on a page in `language`, marked as English when not translated.
    func agency(in language: SiteLanguage) -> LocalizedText {
        Self.localized(agency, translated: translatedAgencies, in: language)
    }

    /// The translated title and agency as one line for page digests, sorted by language.
    public var localizedHeaderDigestText: String {
        (translatedTitles.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            + translatedAgencies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: "\u{1F}")
    }

    private static func localized(_ original: String, translated: [String: String], in language: SiteLanguage) -> LocalizedText {
        if language.isEnglish { return LocalizedText(text: original) }
        if let text = translated[language.tag] { return LocalizedText(text: text) }
        return LocalizedText(text: original, originalLanguage: PublicProduct.manifestLanguage)
    }
}

/// A published link that failed when last checked, as product pages and `catalog.json` show it.
public struct PublicLinkFailure: Sendable, Hashable, Codable {
    /// The address as the manifest writes it.
    public var address: String
    /// Where the manifest cites it.
    public var keyPath: String
    public var outcome: EvidenceLinkOutcome
    /// The final HTTP status, when the server answered.
    public var httpStatus: Int?
    /// The day of the last check (UTC).
    public var checkedOn: String
    /// The day it started failing (UTC).
    public var failingSince: String

    enum CodingKeys: String, CodingKey {
        case address, outcome
        case keyPath = "key_path"
        case httpStatus = "http_status"
        case checkedOn = "checked_on"
        case failingSince = "failing_since"
    }
}
