import Foundation
import ProductModel
import RegistrySupport

/// A withheld field's value and salt, written out so the agency can disclose both when the
/// reason for withholding lapses (or to an auditor), and anyone can check them.
public struct CommitmentDisclosure: Sendable, Encodable {
    /// The product id.
    public var product: String
    /// The withheld top-level manifest key.
    public var field: String
    /// The salt from the manifest; disclosing it is what makes the commitment checkable.
    public var salt: String
    /// The commitment the catalog publishes for this field.
    public var commitment: String
    /// Where the disclosed value (`{"value":…}`, the exact committed bytes) was written.
    public var valueFile: String

    enum CodingKeys: String, CodingKey {
        case product, field, salt, commitment, valueFile = "value_file"
    }

    /// The text form: what was written and how to check it with stock tools.
    public var text: String {
        """
        Wrote the value of '\(field)' of \(product) to \(valueFile).
        salt: \(salt)
        commitment: \(commitment)
        Check: printf '%s' '\(salt)' | cat - '\(valueFile)' | sha256sum
        """
    }
}

/// Whether a disclosed value and salt reproduce the published commitment; a mismatch is a
/// verdict (exit 1), not an error.
public struct CommitmentVerification: Sendable, Encodable {
    /// The product id.
    public var product: String
    /// The withheld top-level manifest key.
    public var field: String
    /// Where the published commitment came from (`catalog.json` path, or the registry at HEAD).
    public var publishedIn: String
    /// The commitment as published.
    public var published: String
    /// The commitment recomputed from the disclosed value and salt.
    public var computed: String
    /// Whether the two are equal.
    public var matches: Bool

    enum CodingKeys: String, CodingKey {
        case product, field, published, computed, matches, publishedIn = "published_in"
    }

    /// One line for people.
    public var text: String {
        matches
            ? "The disclosed value of '\(field)' of \(product) matches the commitment published in \(publishedIn) (\(published))."
            : "The disclosed value of '\(field)' of \(product) does NOT match the commitment published in \(publishedIn): published \(published), computed \(computed); the value or salt differs from what was committed."
    }
}

extension RegistryWorkspace {
    /// Writes the committed bytes of a withheld field of a product at HEAD to `valueFile` and
    /// returns its salt and commitment.
    public func discloseWithheld(id text: String, field: String, valueFile: URL) throws -> CommitmentDisclosure {
        let (manifest, salt) = try withheldEntry(id: text, field: field)
        let value = try WithheldCommitment.disclosedValue(of: field, in: manifest)
        do {
            try AtomicFile.write(value, to: valueFile)
        } catch {
            throw CoreError.fileProblem(path: valueFile.path, detail: "\(error.reason); choose a writable path for --out")
        }
        return CommitmentDisclosure(product: text, field: field, salt: salt,
                                    commitment: WithheldCommitment.commitment(salt: salt, disclosedValue: value),
                                    valueFile: valueFile.path)
    }

    /// The commitment the catalog publishes for a withheld field of a product at HEAD.
    public func publishedCommitment(id text: String, field: String) throws -> String {
        let (manifest, salt) = try withheldEntry(id: text, field: field)
        return WithheldCommitment.commitment(salt: salt, disclosedValue: try WithheldCommitment.disclosedValue(of: field, in: manifest))
    }

    private func withheldEntry(id text: String, field: String) throws -> (ProductManifest, String) {
        let id = try Self.productID(text)
        let manifest = try loadManifest(id: id.rawValue, at: try targetCommit(nil))
        guard let entry = manifest.publication.withheld.first(where: { $0.field == field }), let salt = entry.salt else {
            let withheld = manifest.publication.withheld.map(\.field)
            throw CoreError.invalidArgument("'\(field)' is not withheld by \(id) at HEAD; \(withheld.isEmpty ? "it withholds no fields" : "it withholds: \(withheld.joined(separator: ", "))").")
        }
        return (manifest, salt)
    }
}

/// Checks a disclosed withheld value against a published commitment.
public enum CommitmentCheck {
    /// Recomputes the commitment from `valueFile` and `salt` and compares it with `published`.
    public static func verify(product: String, field: String, valueFile: URL, salt: String,
                              published: String, publishedIn: String) throws -> CommitmentVerification {
        guard WithheldCommitment.isSalt(salt) else {
            throw CoreError.invalidArgument("--salt '\(salt)' is not 64 lowercase hex characters; pass the salt disclosed with the value.")
        }
        guard let data = FileManager.default.contents(atPath: valueFile.path) else {
            throw CoreError.fileProblem(path: valueFile.path, detail: "the file cannot be read; pass the disclosed value file with --value-file")
        }
        guard let value = WithheldCommitment.disclosedValue(parsing: data) else {
            throw CoreError.invalidArgument("'\(valueFile.path)' is not a disclosed value: it must be a JSON object with the single key \"value\", as 'registry commitment disclose' writes it.")
        }
        let computed = WithheldCommitment.commitment(salt: salt, disclosedValue: value)
        return CommitmentVerification(product: product, field: field, publishedIn: publishedIn, published: published,
                                      computed: computed, matches: computed == published)
    }

    /// The commitment `catalog.json` (or a site folder holding it) publishes for a product's field.
    public static func publishedCommitment(inCatalog path: URL, product: String, field: String) throws -> (commitment: String, file: String) {
        var isFolder: ObjCBool = false
        let file = FileManager.default.fileExists(atPath: path.path, isDirectory: &isFolder) && isFolder.boolValue
            ? path.appendingPathComponent("catalog.json") : path
        struct Catalog: Decodable {
            struct Product: Decodable {
                struct Withheld: Decodable { let field: String; let commitment: String }
                let id: String
                let withheld: [Withheld]
            }
            let products: [Product]
        }
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw CoreError.fileProblem(path: file.path, detail: "the file cannot be read; pass the site folder or its catalog.json with --catalog")
        }
        guard let catalog = try? JSONDecoder().decode(Catalog.self, from: data) else {
            throw CoreError.fileProblem(path: file.path, detail: "it is not a catalog.json written by 'registry catalog build'")
        }
        guard let entry = catalog.products.first(where: { $0.id == product }) else {
            throw CoreError.invalidArgument("The catalog '\(file.path)' has no product '\(product)'; check the id with the catalog's index.")
        }
        guard let withheld = entry.withheld.first(where: { $0.field == field }) else {
            let fields = entry.withheld.map(\.field)
            throw CoreError.invalidArgument("The catalog '\(file.path)' publishes no commitment for '\(field)' of \(product); \(fields.isEmpty ? "it withholds no fields" : "its withheld fields are: \(fields.joined(separator: ", "))").")
        }
        return (withheld.commitment, file.path)
    }
}
