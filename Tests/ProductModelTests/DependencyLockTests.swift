import Foundation
import ProductModel
import Testing

@Suite("Dependency locks")
struct DependencyLockTests {
    private let hash = "--hash=sha256:" + String(repeating: "0", count: 64)

    private func parse(_ text: String, _ name: String = "requirements.lock") throws(DependencyLockError) -> DependencyLock {
        try DependencyLock.parse(Data(text.utf8), fileName: name, displayPath: "Products/p/\(name)")
    }

    @Test("continuations, comments and several hashes per requirement, as pip-compile writes them")
    func pipCompileOutput() throws {
        let lock = try parse("""
            # generated
            numpy==2.4.6 \\
                \(hash) \\
                \(hash.replacingOccurrences(of: "0", with: "1"))
                # via pandas

            Python_Dateutil==4.0.0 \(hash)  # a trailing comment
            """)
        #expect(lock.requirements.map(\.name) == ["numpy", "Python_Dateutil"])
        #expect(lock.requirements[0].hashes.count == 2)
    }

    @Test("each refusal names the line the requirement starts on", arguments: [
        ("pandas~=2.2 --hash=sha256:\(String(repeating: "0", count: 64))\n", 1, "is not pinned"),
        ("# a\n\nnumpy==2.4.6\n", 3, "has no hash"),
        ("numpy==2.4.6 --hash=md5:abc\n", 1, "is not 'sha256:'"),
        ("numpy==2.4.6 --hash=sha256:\(String(repeating: "0", count: 64)) ; python_version < \"3.12\"\n", 1, "environment marker"),
        ("--extra-index-url https://example.org\n", 1, "is not allowed"),
        ("numpy==2.4.6 --hash=sha256:\(String(repeating: "0", count: 64))\nNumPy==2.4.6 --hash=sha256:\(String(repeating: "0", count: 64))\n", 2, "already pinned on line 1"),
        ("numpy==2.* --hash=sha256:\(String(repeating: "0", count: 64))\n", 1, "is not pinned"),
    ])
    func refusals(_ text: String, _ line: Int, _ words: String) {
        #expect(throws: DependencyLockError.self) { try parse(text) }
        do {
            _ = try parse(text)
        } catch {
            #expect(error.line == line)
            #expect(error.message.hasPrefix("Products/p/requirements.lock:\(line): "))
            #expect(error.message.contains(words), "\(error.message)")
        }
    }

    @Test("an empty lock is refused rather than taken as no dependencies")
    func empty() {
        #expect(throws: DependencyLockError.self) { try parse("# nothing\n") }
    }

    @Test("renv.lock: R's version and every package with a version and hash; other sources refused")
    func renv() throws {
        let good = #"{"R": {"Version": "4.3.1"}, "Packages": {"dplyr": {"Package": "dplyr", "Version": "1.1.4", "Source": "Repository", "Hash": "fedd9d00c2944ff00a0e2696ccf048ec"}}}"#
        let lock = try parse(good, "renv.lock")
        #expect(lock.language == .r)
        #expect(lock.rVersion == "4.3.1")
        #expect(lock.requirements.map(\.name) == ["dplyr"])
        #expect(lock.requirements.first?.version == "1.1.4")
        let unhashed = good.replacingOccurrences(of: #", "Hash": "fedd9d00c2944ff00a0e2696ccf048ec""#, with: "")
        #expect(throws: DependencyLockError.self) { try parse(unhashed, "renv.lock") }
        let github = good.replacingOccurrences(of: "Repository", with: "GitHub")
        #expect(throws: DependencyLockError.self) { try parse(github, "renv.lock") }
    }
}
