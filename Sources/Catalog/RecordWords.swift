/// Page chrome for a product's routes to object, to correct the record, and for translation
/// coverage and link checks, per language.
struct RecordWords: Sendable, Decodable {
    var objectionTitle: String
    var objectionIntro: String
    var noObjectionRoute: String
    var ownerContact: String
    var translationCoverage: String
    /// "{translated} of {total} texts translated."
    var coverage: String
    /// "All texts translated ({total} of {total})." — so a whole translation never says part is left in English.
    var coverageComplete: String
    /// "link failed on {date} ({reason})"
    var linkFailed: String
    /// "failing since {date}"
    var linkFailingSince: String
    var linkChecks: String
    var linkTimeout: String
    var linkNotPublic: String
    var linkUnreachable: String

    /// "12 of 20 texts translated.", or "All texts translated (20 of 20)."
    func coverage(_ coverage: TranslationCoverage) -> String {
        (coverage.translated == coverage.total ? coverageComplete : self.coverage).replacingOccurrences(of: "{translated}", with: String(coverage.translated))
            .replacingOccurrences(of: "{total}", with: String(coverage.total))
    }
}

extension RecordWords {
    /// "link failed on 2026-12-01 (HTTP 404), failing since 2026-11-02".
    func failure(_ link: PublicLinkFailure) -> String {
        let reason = switch link.outcome {
        case .httpError: link.httpStatus.map { "HTTP \($0)" } ?? "HTTP"
        case .timeout: linkTimeout
        case .notPublic: linkNotPublic
        case .unreachable: linkUnreachable
        case .ok: ""
        }
        let failed = linkFailed.replacingOccurrences(of: "{date}", with: link.checkedOn).replacingOccurrences(of: "{reason}", with: reason)
        return link.failingSince == link.checkedOn ? failed
            : failed + ", " + linkFailingSince.replacingOccurrences(of: "{date}", with: link.failingSince)
    }
}
