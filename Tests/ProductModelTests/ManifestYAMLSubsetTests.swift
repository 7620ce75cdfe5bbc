import Foundation
@testable import ProductModel
import RegistrySupport
import Testing
import TestSupport

/// The subset parser against Yams: wherever the subset parser accepts a text, Yams must compose
/// exactly the same tree (values, styles, lines), and decoding must give the same manifest or the
/// same problems whichever parser runs first.
@Suite struct ManifestYAMLSubsetTests {
    /// Compares the two parsers on one text; returns whether the subset parser accepted it.
    @discardableResult
    static func compare(_ text: String, file: String = fareInspectionFile, name: String,
                        sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Bool {
        let subset = ManifestYAMLSubset.parse(text)
        if let subset {
            let composed = Result { () throws(ManifestError) in try ManifestDecoder.parseSingleDocument(text, file: file) }
            #expect(composed == .success(subset), "\(name): the subset parser's tree differs from Yams'\n\(text)",
                    sourceLocation: sourceLocation)
        }
        let bytes = Array(text.utf8)
        let fast = Result { () throws(ManifestError) in try ManifestDecoder.decodeDocument(bytes, file: file, parsers: .subsetFirst) }
        let yams = Result { () throws(ManifestError) in try ManifestDecoder.decodeDocument(bytes, file: file, parsers: .yamsOnly) }
        #expect(fast == yams, "\(name): decoding differs with the subset parser\n\(text)", sourceLocation: sourceLocation)
        return subset != nil
    }

    /// Every example product's manifest is inside the subset and reads the same.
    @Test func exampleManifests() throws {
        let products = packageRoot.appendingPathComponent("Products")
        let ids = try FileManager.default.contentsOfDirectory(atPath: products.path).sorted()
        #expect(ids.count >= 5)
        for id in ids {
            let text = try String(contentsOf: products.appendingPathComponent("\(id)/product.yaml"), encoding: .utf8)
            let file = "Products/\(id)/product.yaml"
            #expect(Self.compare(text, file: file, name: file), "\(file) is outside the subset")
            #expect(throws: Never.self) { try ManifestDecoder.decodeDocument(Array(text.utf8), file: file) }
        }
    }

    /// Every version of every manifest the benchmarks' generator writes is inside the subset and reads the same.
    @Test func generatedManifests() throws {
        let registry = try FixtureRegistry.generated(products: 12, versions: 4)
        defer { registry.remove() }
        var count = 0
        for line in try registry.git("rev-list", "--objects", "--all").split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[1].hasSuffix("/product.yaml") else { continue }
            let text = try runProcess("/usr/bin/git", ["cat-file", "blob", String(parts[0])], in: registry.url).stdout
            #expect(Self.compare(text, file: String(parts[1]), name: "\(parts[1]) \(parts[0])"), "\(parts[1]) is outside the subset")
            count += 1
        }
        #expect(count >= 12 * 4)
    }

    /// The malformed manifests of the decoder's tests: same problems either way.
    @Test func malformedManifestsReadTheSame() {
        for manifest in malformedManifests {
            Self.compare(manifest.text, file: manifest.file, name: manifest.name)
        }
    }

    /// Thousands of small edits to real manifests (characters YAML gives meaning to, indentation,
    /// lines duplicated, removed or swapped): the parsers agree on every one the subset accepts,
    /// and decoding agrees on all.
    @Test func mutatedManifests() throws {
        let products = packageRoot.appendingPathComponent("Products")
        var bases = [fareInspectionYAML]
        for id in try FileManager.default.contentsOfDirectory(atPath: products.path).sorted() {
            bases.append(try String(contentsOf: products.appendingPathComponent("\(id)/product.yaml"), encoding: .utf8))
        }
        var random = SeededRandom(seed: 16)
        var accepted = 0
        var refused = 0
        let cases = 600
        for number in 0..<cases {
            var text = bases[number % bases.count]
            for _ in 0...random.next(1) { text = Self.mutate(text, &random) }
            if Self.compare(text, name: "mutation \(number)") { accepted += 1 } else { refused += 1 }
        }
        // Both outcomes must be common, or the comparison above tested little.
        #expect(accepted > cases / 10 && refused > cases / 10, "accepted \(accepted), refused \(refused)")
    }

    static let insertions = [
        " ", "  ", "\n", ":", ": ", "- ", "-", "#", " #", "# ", "'", "''", "\"", "\\", "\\n", "|", ">", "|-", ">-", "|+", "|2",
        "[", "]", "[]", "{", "}", "{}", "[a, b]", "&a ", "*a", "!!str ", "!x ", "? ", "---\n", "...\n", "%YAML 1.1\n", "\t", ",",
        "~", "null", "yes", "1.0", "\n\n", "\n  \n", "   \n", "  - x\n", "- y\n", "key: v\n", "\n  extra\n", "\u{2028}", "\u{85}",
        "\u{FEFF}", "é", "%", "@", "`", ": x", "\r", "a: b: c",
    ]

    /// One random edit.
    static func mutate(_ text: String, _ random: inout SeededRandom) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let index = random.next(lines.count - 1)
        switch random.next(5) {
        case 0, 1:
            var characters = Array(lines[index])
            let at = random.next(characters.count)
            characters.insert(contentsOf: insertions[random.next(insertions.count - 1)], at: at)
            lines[index] = String(characters)
        case 2:
            var characters = Array(lines[index])
            guard !characters.isEmpty else { break }
            let at = random.next(characters.count - 1)
            characters.removeSubrange(at..<min(characters.count, at + 1 + random.next(2)))
            lines[index] = String(characters)
        case 3:
            lines.insert(lines[index], at: index)
        case 4:
            if random.next(1) == 0 {
                lines[index] = String(repeating: " ", count: 1 + random.next(2)) + lines[index]
            } else if lines[index].hasPrefix(" ") {
                lines[index].removeFirst()
            }
        default:
            if index + 1 < lines.count { lines.swapAt(index, index + 1) } else { lines.remove(at: index) }
        }
        return lines.joined(separator: "\n")
    }

    /// Constructs inside the subset, each of which Yams must compose the same way.
    @Test(arguments: [
        "a: b\n",
        "a: b # comment\n# full-line comment\nc: 'd # e'\n",
        "a: 'it''s'\nb: \"quoted: yes\"\nc: plain text, with [brackets] and {braces}\n",
        "a:\n  b:\n    - c\n    - d: e\n      f: g\n  h: []\ni: {}\n",
        "a:\n- b\n- c\nd: e\n",
        "a:\n  - - b\n    - c\n  -   d: e\n      f: g\n",
        "a: |\n  line one\n    indented\n\n  after a blank line\nb: x\n",
        "a: |-\n  keep\n  lines\n\n\nb: >\n  fold these\n  lines\n\n  new paragraph\n",
        "a: >-\n  trailing spaces   \n  kept\n# a comment ends it\nb: c\n",
        "- a\n- b: c\n-\n  d: e\n",
        "a: 2026-01-01\nb: 1.5\nc: true\nd: ~\ne: a#b\nf: x:y\n",
        "a: \"é ü 中文\"\nb: ünïcode plain\n",
        "a:    spaced value   \nb:\n\n\n  c: d\n",
        "a: [b, 'c d', \"e\", ./f.py]\nb: [ ]\n",
    ])
    func subsetConstructs(_ text: String) {
        #expect(Self.compare(text, name: text), "outside the subset:\n\(text)")
    }

    /// Constructs left to Yams.
    @Test(arguments: [
        "a: &x b\n", "a: *x\n", "a: !!str b\n", "a: \"esc\\n\"\n", "a: b\n  c\n", "a: 'multi\n  line'\n", "a:\n",
        "a: b\na: c\n", "a:\tb\n", "a: b\r\n", "---\na: b\n", "%YAML 1.1\n---\na: b\n", "a: [b, c d]\n", "a: [b,]\n", "a: [@b]\n", "a: {b: c}\n",
        "? a\n: b\n", "\"a\": b\n", "a: b", "a: |+\n  b\n", "a: |2\n   b\n", "a: >\n  b\n    more\n  c\n", "a: b: c\n",
        "a: b\u{2028}c\n", "  a: b\n", "a: - b\n", "a: |\n\n  b\n", "a:\n  - b\n   - c\n",
    ])
    func outsideTheSubset(_ text: String) {
        #expect(ManifestYAMLSubset.parse(text) == nil, "accepted:\n\(text)")
    }
}

/// A small deterministic generator (SplitMix64), so the mutation corpus is the same on every run.
struct SeededRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    /// A number from 0 through `upper`.
    mutating func next(_ upper: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        value ^= value >> 31
        return upper <= 0 ? 0 : Int(value % UInt64(upper + 1))
    }
}
