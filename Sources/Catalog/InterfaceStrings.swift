import Foundation
import ProductModel

/// The site's interface words in one language, as a resource file of the Catalog module
/// (`Resources/<tag>.json`, compiled into the binary) or a registry's `Languages/<tag>.json` writes
/// them: an object of sections (`site`, `states`, `statuses`, `severities`, `record`, `annual`),
/// each an object of keys and texts. Only English must have every key; any other language falls
/// back to English key by key.
public struct InterfaceStrings: Sendable, Hashable {
    /// The language tag, from the file's name.
    public let tag: String
    /// Texts by `section.key`.
    let entries: [String: String]

    /// The language every other one falls back to.
    static let englishTag = "en"

    /// The languages compiled into the binary, English first. They are embedded as bytes
    /// (`.embedInCode`), so a copied binary never looks for a resource bundle.
    static let builtIn: [InterfaceStrings] = [
        (englishTag, PackageResources.en_json), ("es", PackageResources.es_json),
    ].map { tag, bytes in
        // A shipped file that does not parse is a build defect that `InterfaceStringsTests` catches.
        (try? parse(bytes, tag: tag, file: "Resources/\(tag).json", known: nil)) ?? InterfaceStrings(tag: tag, entries: [:])
    }

    /// Every key English has, which is every key a page reads.
    static let knownKeys = Set(builtIn[0].entries.keys)

    /// Reads a registry's `Languages/<tag>.json`: the tag must be a language tag, the file an object
    /// of the known sections holding known keys with plain-text values.
    public static func parse(registryFile bytes: [UInt8], path: String) throws(CatalogError) -> InterfaceStrings {
        let name = (path as NSString).lastPathComponent
        guard name.hasSuffix(".json") else {
            throw .badLanguageFile(file: path, reason: "only <language tag>.json files belong in Languages/")
        }
        let tag = String(name.dropLast(".json".count))
        guard isLanguageTag(tag) else {
            throw .badLanguageFile(file: path, reason: "'\(tag)' is not a language tag such as 'fr' or 'pt-BR'")
        }
        let strings = try parse(bytes, tag: tag, file: path, known: knownKeys)
        if builtIn.allSatisfy({ $0.tag != tag }), strings.entries["site.languageName"] == nil {
            throw .badLanguageFile(file: path, reason: "site.languageName is missing; the language switch shows the language by its own name")
        }
        return strings
    }

    /// Parses a strings file; with `known`, a key outside it is refused.
    static func parse(_ bytes: [UInt8], tag: String, file: String, known: Set<String>?) throws(CatalogError) -> InterfaceStrings {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)), let sections = object as? [String: Any] else {
            throw .badLanguageFile(file: file, reason: "the file is not a JSON object of sections")
        }
        var entries: [String: String] = [:]
        for (section, value) in sections.sorted(by: { $0.key < $1.key }) {
            guard let keys = value as? [String: Any] else {
                throw .badLanguageFile(file: file, reason: "'\(section)' is not an object of keys and texts")
            }
            for (key, text) in keys.sorted(by: { $0.key < $1.key }) {
                let path = section + "." + key
                if let known, !known.contains(path) {
                    throw .badLanguageFile(file: file, reason: "unknown key '\(path)'; the keys are those of the English file listed in the README")
                }
                guard let text = text as? String, !text.isEmpty else {
                    throw .badLanguageFile(file: file, reason: "'\(path)' is not a non-empty text")
                }
                // Texts go into pages and attribute values as they are: no markup, no quote marks.
                if let character = text.first(where: { "<>&\"".contains($0) }) {
                    throw .badLanguageFile(file: file, reason: "'\(path)' contains '\(character)'; write plain text (typographic quotes “ ” or « » are fine)")
                }
                entries[path] = text
            }
        }
        return InterfaceStrings(tag: tag, entries: entries)
    }

    /// `xx`, `xxx` or either followed by `-` subtags of letters and digits, lower-case language.
    static func isLanguageTag(_ tag: String) -> Bool {
        let parts = tag.split(separator: "-", omittingEmptySubsequences: false)
        guard let language = parts.first, (2...3).contains(language.count),
              language.allSatisfy({ $0.isASCII && $0.isLowercase }) else { return false }
        return parts.dropFirst().allSatisfy { (1...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    }

    /// The texts of `sections` decoded as `T`'s properties, with each of `nested` as a dictionary property.
    static func decode<T: Decodable>(_ type: T.Type, _ entries: [String: String], sections: [String], nested: [String] = []) -> T {
        func section(_ name: String) -> [String: String] {
            Dictionary(uniqueKeysWithValues: entries.compactMap { key, value in
                key.hasPrefix(name + ".") ? (String(key.dropFirst(name.count + 1)), value) : nil
            })
        }
        var object: [String: Any] = [:]
        for name in sections { object.merge(section(name)) { first, _ in first } }
        for name in nested { object[name] = section(name) }
        do {
            return try JSONDecoder().decode(T.self, from: JSONSerialization.data(withJSONObject: object))
        } catch {
            // English has every key (a test holds it to that), and every language falls back to it.
            preconditionFailure("the English interface strings lack a key of \(T.self): \(error)")
        }
    }

    /// The texts as one line for page digests.
    var digestText: String {
        tag + "\u{1F}" + entries.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\u{1F}")
    }
}

/// English words on a page in another language, marked so the page can say they are English
/// (WCAG 3.1.2): a word carries two private-use characters around it until `PageLayout` resolves
/// them into a `lang="en"` span in text, or drops them where no element may stand (attribute
/// values, and elements that hold only text: `<title>`, `<option>`, SVG `<desc>` and `<text>`).
enum LanguageMarks {
    static let start: Unicode.Scalar = "\u{E000}"
    static let end: Unicode.Scalar = "\u{E001}"

    /// An English text marked as such.
    static func english(_ text: String) -> String { "\u{E000}\(text)\u{E001}" }

    /// The page with every mark resolved.
    static func resolve(_ page: String) -> String {
        // Private-use characters of this block start with byte 0xEE in UTF-8; most pages have none.
        guard page.utf8.contains(0xEE), page.unicodeScalars.contains(start) else { return page }
        var out = String.UnicodeScalarView()
        let textOnlyElements: Set<String> = ["title", "desc", "text", "option", "textarea"]
        var inTag = false, readingName = false, textOnly = false
        var name = ""
        for scalar in page.unicodeScalars {
            switch scalar {
            case start, end:
                if !inTag && !textOnly { out.append(contentsOf: (scalar == start ? "<span lang=\"en\">" : "</span>").unicodeScalars) }
                continue
            case "<":
                inTag = true; readingName = true; name = ""
            case ">" where inTag:
                inTag = false; readingName = false
                let element = name.lowercased()
                if textOnlyElements.contains(element) { textOnly = true }
                if element.hasPrefix("/"), textOnlyElements.contains(String(element.dropFirst())) { textOnly = false }
            default:
                if readingName {
                    if scalar.properties.isAlphabetic || scalar == "/" { name.unicodeScalars.append(scalar) } else { readingName = false }
                }
            }
            out.append(scalar)
        }
        return String(out)
    }
}
