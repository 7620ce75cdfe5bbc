import Foundation
import Testing
import TestSupport

/// `registry --version` never claims a commit it cannot know: a plain `swift build` says so, and
/// release builds (Tests/Release/release_test.sh) name the commit they were built from.
@Suite("Build version")
struct BuildVersionTests {
    @Test("a development build prints the version and says its commit is unknown")
    func developmentBuild() throws {
        let folder = try makeTemporaryDirectory("registry-version")
        defer { folder.remove() }
        let result = try runRegistry(["--version"], in: folder.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.wholeMatch(of: /registry \d+\.\d+\.\d+ \(commit unknown: development build\)\n/) != nil,
                "\(result.stdout)")
    }
}
