import Foundation
import ProductModel
import RegistrySupport
import Testing
import TestSupport

/// Field changes written straight to JSON bytes against the canonical JSON encoder the index used
/// to store them with: the same bytes for every list.
@Suite struct FieldChangeJSONTests {
    static func expectSameJSON(_ changes: [FieldChange], sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        #expect(FieldChange.canonicalJSON(changes) == (try CanonicalJSON.string(changes)), sourceLocation: sourceLocation)
    }

    /// No changes, and one added, removed and changed value.
    @Test func shapes() throws {
        try Self.expectSameJSON([])
        try Self.expectSameJSON([FieldChange(keyPath: "version", before: "1.4.0", after: "1.5.0")])
        try Self.expectSameJSON([FieldChange(keyPath: "risks[2].risk", before: nil, after: "new"),
                                 FieldChange(keyPath: "data_sources[a/b].fields[x]", before: "x", after: nil)])
    }

    /// Every ASCII character, the characters JSON writers treat specially elsewhere, and text
    /// beyond the Basic Multilingual Plane, in values and key paths.
    @Test func everyCharacter() throws {
        var specials = (0..<0x80).map { String(Unicode.Scalar(UInt8($0))) }
        specials += ["\u{85}", "\u{A0}", "\u{2028}", "\u{2029}", "\u{FEFF}", "é", "中文", "😀", "e\u{301}", "</script>", "\\u0000"]
        for text in specials {
            try Self.expectSameJSON([FieldChange(keyPath: "a\(text)b", before: text, after: "x\(text)")])
        }
        try Self.expectSameJSON([FieldChange(keyPath: "all", before: specials.joined(), after: String(repeating: "long ", count: 5000))])
    }

    /// The changes between successive versions of every generated manifest history.
    @Test func generatedHistories() throws {
        let registry = try FixtureRegistry.generated(products: 8, versions: 5)
        defer { registry.remove() }
        var lists = 0
        for id in try FileManager.default.contentsOfDirectory(atPath: registry.url.appendingPathComponent("Products").path) {
            let file = "Products/\(id)/product.yaml"
            let commits = try registry.git("log", "--format=%H", "--", file).split(separator: "\n").map(String.init)
            let manifests = try commits.map { try ManifestDecoder.decode(Array(try runProcess("/usr/bin/git", ["show", "\($0):\(file)"], in: registry.url).stdout.utf8), file: file) }
            for (new, old) in zip(manifests, manifests.dropFirst()) {
                let changes = ManifestDiff.between(ManifestLeaves(old), ManifestLeaves(new))
                #expect(changes == ManifestDiff.between(old, new))
                try Self.expectSameJSON(changes)
                lists += 1
            }
        }
        #expect(lists >= 8 * 4)
    }
}
