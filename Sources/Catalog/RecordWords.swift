/// Page chrome for a product's routes to object, to correct the record, and for translation
/// coverage and link checks, per language.
struct RecordWords: Sendable {
    var objectionTitle: String
    var objectionIntro: String
    var noObjectionRoute: String
    var ownerContact: String
    var translationCoverage: String
    /// "12 of 20 texts translated; the rest are shown in English."
    var coverage: @Sendable (TranslationCoverage) -> String
    var linkFailed: @Sendable (_ date: String, _ reason: String) -> String
    var linkFailingSince: @Sendable (_ date: String) -> String
    var linkChecks: String
    var linkTimeout: String
    var linkNotPublic: String
    var linkUnreachable: String
}

extension SiteLanguage {
    /// The record words in this language.
    var recordWords: RecordWords { self == .english ? .english : .spanish }
}

extension RecordWords {
    static let english = RecordWords(
        objectionTitle: "How to object or appeal",
        objectionIntro: "If a decision this product informed affected you, this is how to object or appeal:",
        noObjectionRoute: "The record names no route for objection or appeal; write to the owner below.",
        ownerContact: "Owner's contact",
        translationCoverage: "Translation coverage",
        coverage: { "\($0.translated) of \($0.total) texts translated." },
        linkFailed: { date, reason in "link failed on \(date) (\(reason))" },
        linkFailingSince: { "failing since \($0)" },
        linkChecks: "Links that failed when last checked",
        linkTimeout: "no response in time",
        linkNotPublic: "not a public address",
        linkUnreachable: "server unreachable")

    static let spanish = RecordWords(
        objectionTitle: "Cómo oponerse o recurrir",
        objectionIntro: "Si una decisión basada en este producto le afectó, así puede oponerse o recurrir:",
        noObjectionRoute: "El registro no indica una vía de oposición o recurso; escriba al responsable indicado abajo.",
        ownerContact: "Contacto del responsable",
        translationCoverage: "Cobertura de la traducción",
        coverage: { "\($0.translated) de \($0.total) textos traducidos; el resto se muestra en inglés." },
        linkFailed: { date, reason in "el enlace falló el \(date) (\(reason))" },
        linkFailingSince: { "falla desde el \($0)" },
        linkChecks: "Enlaces que fallaron en la última comprobación",
        linkTimeout: "sin respuesta a tiempo",
        linkNotPublic: "no es una dirección pública",
        linkUnreachable: "servidor inaccesible")
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
        let failed = linkFailed(link.checkedOn, reason)
        return link.failingSince == link.checkedOn ? failed : failed + ", " + linkFailingSince(link.failingSince)
    }
}
