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

    enum CodingKeys: String, CodingKey {
        case title, agency, contact
        case trustAnchor = "trust_anchor"
    }

    public static let fileName = "registry.json"

    public init(title: String, agency: String, contact: String, trustAnchor: String? = nil) {
        self.title = title; self.agency = agency; self.contact = contact; self.trustAnchor = trustAnchor
    }

    /// Reads the configuration, or defaults when the file is absent.
    static func load(from root: URL) throws -> RegistryConfiguration {
        let url = root.appendingPathComponent(fileName)
        guard let data = try? Data(contentsOf: url) else {
            return RegistryConfiguration(title: "Analytics Registry", agency: "", contact: "")
        }
        do {
            return try JSONDecoder().decode(RegistryConfiguration.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw CoreError.configuration(path: fileName, detail: "the key '\(key.stringValue)' is missing; add it")
        } catch let DecodingError.typeMismatch(_, context) {
            throw CoreError.configuration(path: fileName, detail: "the key '\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type")
        } catch {
            throw CoreError.configuration(path: fileName, detail: "it is not valid JSON; fix the syntax")
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
