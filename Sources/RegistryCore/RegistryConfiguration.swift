import Foundation
import RegistrySupport

/// The committed settings of a registry (`registry.json` at the repository root).
public struct RegistryConfiguration: Codable, Sendable, Equatable {
    /// The catalog's title.
    public var title: String
    /// The agency publishing the catalog.
    public var agency: String
    /// Where the public writes with questions or corrections.
    public var contact: String
    /// Where the public reports an error in a product's record, when not `contact`.
    public var correctionsContact: String?
    /// The title and agency name in other languages, by language tag (`es`).
    public var translations: [String: RegistryTranslation]
    /// SHA-256 of `Reviews/board/keyring.v0001`, the root of trust for reviews.
    public var trustAnchor: String?
    /// The package index `registry env build` installs Python environments from (default PyPI).
    public var pythonIndexURL: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case title, agency, contact
        case correctionsContact = "corrections_contact"
        case translations
        case trustAnchor = "trust_anchor"
        case pythonIndexURL = "python_index_url"
    }

    public static let fileName = "registry.json"

    public init(title: String, agency: String, contact: String, correctionsContact: String? = nil,
                translations: [String: RegistryTranslation] = [:], trustAnchor: String? = nil) {
        self.title = title; self.agency = agency; self.contact = contact; self.correctionsContact = correctionsContact
        self.translations = translations; self.trustAnchor = trustAnchor
    }

    /// Encodes without an empty `translations` object, so `registry init` writes the file it always wrote.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(title, forKey: .title)
        try container.encode(agency, forKey: .agency)
        try container.encode(contact, forKey: .contact)
        try container.encodeIfPresent(correctionsContact, forKey: .correctionsContact)
        if !translations.isEmpty { try container.encode(translations, forKey: .translations) }
        try container.encodeIfPresent(trustAnchor, forKey: .trustAnchor)
        try container.encodeIfPresent(pythonIndexURL, forKey: .pythonIndexURL)
    }

    /// Reads the configuration, or defaults when the file is absent.
    static func load(from root: URL) throws -> RegistryConfiguration {
        let url = root.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            return RegistryConfiguration(title: "Analytics Registry", agency: "", contact: "")
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw CoreError.configuration(path: fileName, detail: "it cannot be read; check that it is a readable file")
        }
        do {
            return try decode(data)
        } catch {
            throw CoreError.configuration(path: fileName, detail: error.detail)
        }
    }

    /// Why a `registry.json` document was refused, as the end of a sentence naming the key.
    struct Problem: Error {
        let detail: String
    }

    /// Decodes `registry.json` strictly: one JSON object, each known key at most once with a string
    /// value, no other keys. A lenient decoder would silently take the last of two `trust_anchor`
    /// keys, which is the root of trust for every review.
    static func decode(_ data: Data) throws(Problem) -> RegistryConfiguration {
        let document: Any
        do {
            document = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw Problem(detail: "it is not valid JSON; fix the syntax (it must be one object such as {\"title\": \"…\", \"agency\": \"…\", \"contact\": \"…\"})")
        }
        guard let object = document as? [String: Any] else {
            throw Problem(detail: "it holds \(jsonKind(document)) but must hold one JSON object with the keys \(knownKeys)")
        }
        if let duplicate = JSONDuplicateKeys.first(in: data) {
            throw Problem(detail: "the key '\(duplicate)' appears twice; keep one")
        }
        if let unknown = object.keys.sorted().first(where: { CodingKeys(stringValue: $0) == nil }) {
            throw Problem(detail: "the key '\(unknown)' is not known; remove or rename it (the keys are \(knownKeys))")
        }
        func text(_ key: CodingKeys, required: Bool) throws(Problem) -> String? {
            try string(in: object, key.stringValue, at: key.stringValue, required: required)
        }
        let anchor = try text(.trustAnchor, required: false)
        if let anchor, anchor.utf8.count != 64 || !anchor.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) {
            throw Problem(detail: "the key 'trust_anchor' is '\(anchor)' but must be the 64 lowercase hex digits of the SHA-256 of Reviews/board/keyring.v0001 (sha256sum prints it)")
        }
        let index = try text(.pythonIndexURL, required: false)
        if let index, !(index.hasPrefix("https://") || index.hasPrefix("http://") || index.hasPrefix("file://")) {
            throw Problem(detail: "the key 'python_index_url' is '\(index)' but must be the URL of a package index (https://…/simple)")
        }
        var configuration = RegistryConfiguration(title: try text(.title, required: true) ?? "", agency: try text(.agency, required: true) ?? "",
                                                  contact: try text(.contact, required: true) ?? "",
                                                  correctionsContact: try text(.correctionsContact, required: false),
                                                  translations: try translations(object["translations"]), trustAnchor: anchor)
        configuration.pythonIndexURL = index
        return configuration
    }

    /// One string member of a JSON object, named by its key path in messages.
    private static func string(in object: [String: Any], _ key: String, at path: String, required: Bool) throws(Problem) -> String? {
        guard let value = object[key] else {
            if required { throw Problem(detail: "the key '\(path)' is missing; add it") }
            return nil
        }
        guard let string = value as? String else {
            throw Problem(detail: "the key '\(path)' holds \(jsonKind(value)) but must hold a string")
        }
        // The title, agency and contact head every catalog page: a control character there
        // would break the HTML or drive the terminal of whoever prints it.
        if let control = string.unicodeScalars.first(where: \.isControlCharacter) {
            throw Problem(detail: "the key '\(path)' holds the control character \(control.codePointName); remove it")
        }
        return string
    }

    /// `translations`: `{"es": {"title": "…", "agency": "…"}}`, each key optional.
    private static func translations(_ value: Any?) throws(Problem) -> [String: RegistryTranslation] {
        guard let value else { return [:] }
        guard let languages = value as? [String: Any] else {
            throw Problem(detail: "the key 'translations' holds \(jsonKind(value)) but must hold an object such as {\"es\": {\"title\": \"…\", \"agency\": \"…\"}}")
        }
        var result: [String: RegistryTranslation] = [:]
        for language in languages.keys.sorted() {
            let path = "translations.\(language)"
            guard let fields = languages[language] as? [String: Any] else {
                throw Problem(detail: "the key '\(path)' holds \(jsonKind(languages[language] as Any)) but must hold an object with 'title' and 'agency'")
            }
            if let unknown = fields.keys.sorted().first(where: { RegistryTranslation.CodingKeys(stringValue: $0) == nil }) {
                throw Problem(detail: "the key '\(path).\(unknown)' is not known; remove or rename it (the keys are 'agency' and 'title')")
            }
            result[language] = RegistryTranslation(title: try string(in: fields, "title", at: "\(path).title", required: false),
                                                   agency: try string(in: fields, "agency", at: "\(path).agency", required: false))
        }
        return result
    }

    private static var knownKeys: String {
        let names = CodingKeys.allCases.map { "'\($0.stringValue)'" }.sorted()
        return names.dropLast().joined(separator: ", ") + " and " + names[names.count - 1]
    }

    /// How a decoded JSON value is named in messages.
    private static func jsonKind(_ value: Any) -> String {
        switch value {
        case is NSNull: "null"
        case is [Any]: "an array"
        case is [String: Any]: "an object"
        case is String: "a string"
        case let number as NSNumber: String(cString: number.objCType) == "c" ? "a boolean" : "a number"
        default: "a value"
        }
    }

    func write(to root: URL) throws {
        var data = try JSONEncoder.pretty.encode(self)
        data.append(0x0A)
        try AtomicFile.write(data, to: root.appendingPathComponent(Self.fileName))
    }
}

extension JSONEncoder {
    static var pretty: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// The registry's title and agency name in one other language.
public struct RegistryTranslation: Codable, Sendable, Equatable {
    /// The catalog's title in that language.
    public var title: String?
    /// The agency's name in that language.
    public var agency: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case title, agency }
}
