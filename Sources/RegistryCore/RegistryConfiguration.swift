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
    /// SHA-256 of `Reviews/board/keyring.v0001`, the root of trust for reviews.
    public var trustAnchor: String?
    /// The package index `registry env build` installs Python environments from (default PyPI).
    public var pythonIndexURL: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case title, agency, contact
        case trustAnchor = "trust_anchor"
        case pythonIndexURL = "python_index_url"
    }

    public static let fileName = "registry.json"

    public init(title: String, agency: String, contact: String, trustAnchor: String? = nil) {
        self.title = title; self.agency = agency; self.contact = contact; self.trustAnchor = trustAnchor
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
            guard let value = object[key.stringValue] else {
                if required { throw Problem(detail: "the key '\(key.stringValue)' is missing; add it") }
                return nil
            }
            guard let string = value as? String else {
                throw Problem(detail: "the key '\(key.stringValue)' holds \(jsonKind(value)) but must hold a string")
            }
            // The title, agency and contact head every catalog page: a control character there
            // would break the HTML or drive the terminal of whoever prints it.
            if let control = string.unicodeScalars.first(where: \.isControlCharacter) {
                throw Problem(detail: "the key '\(key.stringValue)' holds the control character \(control.codePointName); remove it")
            }
            return string
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
                                                  contact: try text(.contact, required: true) ?? "", trustAnchor: anchor)
        configuration.pythonIndexURL = index
        return configuration
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
