import ProductModel
import Testing

/// Version labels order by SemVer 2.0.0 precedence, which `register` relies on.
@Suite("Semantic versions")
struct SemanticVersionTests {
    @Test("the precedence example of SemVer 2.0.0 section 11, and numeric cores")
    func precedence() throws {
        let ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
                       "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.9.0", "1.10.0", "2.0.0"]
        let versions = try ordered.map { try #require(SemanticVersion($0), "\($0)") }
        for (lower, higher) in zip(versions, versions.dropFirst()) {
            #expect(lower < higher, "\(lower) < \(higher)")
            #expect(!(higher < lower), "\(higher) is not below \(lower)")
        }
        #expect(SemanticVersion("1.2.3+build.7") == SemanticVersion("1.2.3"), "build metadata has no precedence")
    }

    @Test("labels that are not SemVer are refused", arguments: ["1.0", "01.0.0", "1.0.0-", "1.0.0-01", "v1.0.0", "1.0.0+", "99999999999999999999.0.0"])
    func invalid(_ label: String) {
        #expect(SemanticVersion(label) == nil)
    }

    @Test("the next label suggested after a release or a pre-release")
    func nextPatch() {
        #expect(SemanticVersion("1.1.0")?.nextPatch == "1.1.1")
        #expect(SemanticVersion("1.2.0-rc.1")?.nextPatch == "1.2.0")
    }
}
