import Foundation
@testable import ProductModel
import Testing
import TestSupport

/// The section-by-section decoder of successive versions against decoding each version whole:
/// for every version of every history, the same manifest, or nil exactly when decoding throws.
@Suite struct ManifestVersionDecoderTests {
    /// Decodes `versions` in order with one version decoder and each on its own; returns how many
    /// decoded and how many sections the version decoder reused.
    @discardableResult
    /// With `wholeFirst`, the first version is decoded whole (with its lines) as the index decodes
    /// a product's newest version, and the versions after it reuse its sections.
    static func compare(_ versions: [String], file: String = fareInspectionFile, name: String, wholeFirst: Bool = false,
                        sourceLocation: Testing.SourceLocation = #_sourceLocation) -> (decoded: Int, reused: Int) {
        var decoder = ManifestVersionDecoder(file: file)
        var decoded = 0
        for (number, text) in versions.enumerated() {
            let bytes = Array(text.utf8)
            if wholeFirst && number == 0 {
                let whole = Result { () throws(ManifestError) in try ManifestDecoder.decodeDocument(bytes, file: file) }
                #expect(decoder.document(bytes) == whole, "\(name): the whole document differs", sourceLocation: sourceLocation)
                if case .success = whole { decoded += 1 }
                continue
            }
            let whole = try? ManifestDecoder.decode(bytes, file: file)
            let sectionwise = decoder.manifest(bytes)
            #expect(sectionwise == whole, "\(name), version \(number): the version decoder differs\n\(text)",
                    sourceLocation: sourceLocation)
            if whole != nil { decoded += 1 }
        }
        return (decoded, decoder.reusedSections)
    }

    /// Every version of every manifest the benchmarks' generator writes, oldest first and newest first.
    @Test func generatedHistories() throws {
        let registry = try FixtureRegistry.generated(products: 12, versions: 5)
        defer { registry.remove() }
        let products = try FileManager.default.contentsOfDirectory(atPath: registry.url.appendingPathComponent("Products").path)
        #expect(products.count >= 12)
        var versions = 0
        var reused = 0
        for id in products.sorted() {
            let file = "Products/\(id)/product.yaml"
            let commits = try registry.git("log", "--format=%H", "--", file).split(separator: "\n").map(String.init)
            let texts = try commits.map { try runProcess("/usr/bin/git", ["show", "\($0):\(file)"], in: registry.url).stdout }
            let newestFirst = Self.compare(texts, file: file, name: "\(id) newest first")
            let oldestFirst = Self.compare(texts.reversed(), file: file, name: "\(id) oldest first")
            let seeded = Self.compare(texts, file: file, name: "\(id) newest first, whole", wholeFirst: true)
            #expect(newestFirst.decoded == texts.count && oldestFirst.decoded == texts.count && seeded.decoded == texts.count)
            // The sections of the version decoded whole serve the next version as well as sections read one by one.
            #expect(seeded.reused == newestFirst.reused)
            versions += texts.count
            reused += newestFirst.reused
        }
        #expect(versions >= 12 * 5)
        // Each version after the first changes a section or two of about twenty: the rest are reused.
        #expect(reused > (versions - 12) * 15, "reused \(reused) sections over \(versions) versions")
    }

    /// Histories of small edits, each version an edit of the one before or of a clean base: the
    /// edits YAML gives meaning to (the subset parser's mutations), malformed manifests, values
    /// changed in place, sections reordered, CRLF line endings and tabs.
    @Test func mutatedHistories() throws {
        let products = packageRoot.appendingPathComponent("Products")
        var bases = [(text: fareInspectionYAML, file: fareInspectionFile)]
        for id in try FileManager.default.contentsOfDirectory(atPath: products.path).sorted() {
            bases.append((try String(contentsOf: products.appendingPathComponent("\(id)/product.yaml"), encoding: .utf8),
                          "Products/\(id)/product.yaml"))
        }
        var random = SeededRandom(seed: 19)
        var decoded = 0
        var refused = 0
        for history in 0..<120 {
            let (base, file) = bases[history % bases.count]
            var versions = [base]
            for _ in 0..<8 {
                let previous = versions[versions.count - 1]
                let next: String
                switch random.next(6) {
                case 0, 1: next = ManifestYAMLSubsetTests.mutate(previous, &random)
                case 2: next = ManifestYAMLSubsetTests.mutate(base, &random)
                case 3: next = Self.reorderSections(previous, &random)
                case 4: next = malformedManifests[random.next(malformedManifests.count - 1)].text
                case 5: next = random.next(1) == 0 ? base.replacingOccurrences(of: "\n", with: "\r\n")
                    : base.replacingOccurrences(of: "\n  ", with: "\n\t")
                default: next = Self.changeOneValue(previous, &random)
                }
                versions.append(next)
            }
            let count = Self.compare(versions, file: file, name: "history \(history)", wholeFirst: history % 2 == 0).decoded
            decoded += count
            refused += versions.count - count
        }
        // Both outcomes must be common, or the comparison above tested little.
        #expect(decoded > 200 && refused > 200, "decoded \(decoded), refused \(refused)")
    }

    /// Malformed manifests between valid versions whose sections they share.
    @Test func malformedBetweenValidVersions() {
        for manifest in malformedManifests {
            Self.compare([fareInspectionYAML, manifest.text, fareInspectionYAML, manifest.text], name: manifest.name)
        }
    }

    /// An anchor-like word in a section that does not change still calls for the whole text's
    /// alias-key check when another section gains a line that looks like an alias key.
    @Test func anchorInAnUnchangedSection() throws {
        let name = try #require(fareInspectionYAML.split(separator: "\n").first { $0.hasPrefix("name: ") })
        let anchored = edited(fareInspectionYAML, String(name), "name: \"Fares &checks\"")
        let aliasKey = edited(anchored, "\nsummary: ", "\nsummary: |\n  *checks: here\nx_summary: ")
            .replacingOccurrences(of: "\nx_summary: ", with: "\n  ")
        let (decoded, _) = Self.compare([anchored, aliasKey, anchored], name: "alias key")
        #expect(decoded == 2)
    }

    /// The same section bytes under a different product folder are read again for that folder.
    @Test func folderIsPartOfTheReading() {
        var decoder = ManifestVersionDecoder(file: fareInspectionFile)
        #expect(decoder.manifest(Array(fareInspectionYAML.utf8)) != nil)
        var other = ManifestVersionDecoder(file: "Products/another-product/product.yaml")
        #expect(other.manifest(Array(fareInspectionYAML.utf8)) == nil)
    }

    /// One scalar value on a random line changed in place, so that exactly one section differs.
    static func changeOneValue(_ text: String, _ random: inout SeededRandom) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let candidates = lines.indices.filter { lines[$0].contains(": ") && !lines[$0].hasSuffix(": |") && !lines[$0].hasSuffix(": >") }
        guard !candidates.isEmpty else { return text }
        let index = candidates[random.next(candidates.count - 1)]
        lines[index] += ["x", " and more", "1", "é", "\"", " #"][random.next(5)]
        return lines.joined(separator: "\n")
    }

    /// Two top-level sections swapped, which changes no value.
    static func reorderSections(_ text: String, _ random: inout SeededRandom) -> String {
        var sections: [[Substring]] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if sections.isEmpty || line.first?.isLetter == true {
                sections.append([line])
            } else {
                sections[sections.count - 1].append(line)
            }
        }
        guard sections.count > 3 else { return text }
        let first = 1 + random.next(sections.count - 3)
        sections.swapAt(first, first + 1)
        return sections.flatMap { $0 }.joined(separator: "\n")
    }
}
