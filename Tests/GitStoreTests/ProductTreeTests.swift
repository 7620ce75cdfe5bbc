import Foundation
import GitStore
import RegistrySupport
import Testing
import TestSupport

@Suite("Product trees, digests and reading")
struct ProductTreeTests {
    /// A product with nested folders, an executable, an in-folder symlink and names whose git tree
    /// order differs from a naive listing.
    static func buildProduct(_ repo: FixtureRepository) throws -> String {
        try repo.write("id: hotspots\n", to: "Products/hotspots/product.yaml")
        try repo.write("#!/bin/sh\necho run\n", to: "Products/hotspots/run.sh")
        try repo.makeExecutable("Products/hotspots/run.sh")
        try repo.write("a,b\n1,2\n", to: "Products/hotspots/samples/data.csv")
        try repo.write("dash\n", to: "Products/hotspots/samples-old.txt")
        try repo.write("dot\n", to: "Products/hotspots/samples.txt")
        try repo.symlink("Products/hotspots/latest.csv", to: "samples/data.csv")
        try repo.write("id: other\n", to: "Products/other/product.yaml")
        try repo.write("not a product\n", to: "Products/NOTES.md")
        return try repo.commitAll("Add products", date: 1_700_000_000)
    }

    @Test("the tree id equals git rev-parse and the digest equals the shell recipe")
    func treeAndDigestMatchStockTools() throws {
        let repo = try FixtureRepository()
        defer { repo.remove() }
        let commit = try Self.buildProduct(repo)
        let repository = try GitRepository.open(at: repo.url)
        let id = try #require(CommitID(hex: commit))

        let product = try #require(try repository.productTree("hotspots", at: id))
        #expect(product.tree.hex == (try repo.run(["rev-parse", "\(commit):Products/hotspots"])))
        #expect(product.contentDigest == (try repo.shellDigest(of: "hotspots", at: commit)))
        #expect(product.entries.map(\.path) == ["latest.csv", "product.yaml", "run.sh", "samples-old.txt",
                                                "samples.txt", "samples/data.csv"])
        #expect(product.entry(at: "run.sh")?.mode == .executable)
        #expect(product.entry(at: "latest.csv")?.mode == .symlink)
        #expect(product.entry(at: "latest.csv")?.sha256 == SHA256Hex.of("samples/data.csv"))
        #expect(product.entry(at: "samples/data.csv")?.size == 8)
        #expect(try repository.productTree("missing", at: id) == nil)
    }

    @Test("a kept file's bytes are git's, read with its digest or after it was hashed already")
    func keptFileBytes() throws {
        let repo = try FixtureRepository()
        defer { repo.remove() }
        let commit = try #require(CommitID(hex: try Self.buildProduct(repo)))
        let repository = try GitRepository.open(at: repo.url)
        let tree = try #require(try repository.productTree("hotspots", at: commit))
        let other = try #require(try repository.productTree("other", at: commit))
        // "hotspots" was hashed above without keeping anything; "other" is kept in the pass that hashes it.
        var contents: [BlobID: [UInt8]] = [:]
        let kept = try repository.productTree("hotspots", tree: tree.tree, at: commit, keeping: "samples/data.csv",
                                              in: &contents)
        let fresh = try GitRepository.open(at: repo.url)
        let keptFresh = try fresh.productTree("other", tree: other.tree, at: commit, keeping: "product.yaml", in: &contents)
        #expect(kept == tree)
        #expect(keptFresh == other)
        let data = try #require(tree.entry(at: "samples/data.csv")?.blob)
        let manifest = try #require(other.entry(at: "product.yaml")?.blob)
        #expect(contents == [data: Array("a,b\n1,2\n".utf8), manifest: Array("id: other\n".utf8)])
    }

    @Test("changing one byte changes both the tree id and the digest")
    func oneByteChangesIdentity() throws {
        let repo = try FixtureRepository()
        defer { repo.remove() }
        let first = try #require(CommitID(hex: try Self.buildProduct(repo)))
        try repo.write("a,b\n1,3\n", to: "Products/hotspots/samples/data.csv")
        let second = try #require(CommitID(hex: try repo.commitAll("Edit sample")))
        let repository = try GitRepository.open(at: repo.url)
        let before = try #require(try repository.productTree("hotspots", at: first))
        let after = try #require(try repository.productTree("hotspots", at: second))
        #expect(before.tree != after.tree)
        #expect(before.contentDigest != after.contentDigest)
        #expect(after.contentDigest == (try repo.shellDigest(of: "hotspots", at: second.hex)))
    }

    @Test("product ids are the folders under Products, sorted bytewise")
    func productIDs() throws {
        let repo = try FixtureRepository()
        defer { repo.remove() }
        try repo.write("x\n", to: "Products/b-2/product.yaml")
        try repo.write("x\n", to: "Products/b/product.yaml")
        try repo.write("x\n", to: "Products/a9/product.yaml")
        try repo.write("x\n", to: "Products/README.md")
        let commit = try #require(CommitID(hex: try repo.commitAll("Products")))
        let repository = try GitRepository.open(at: repo.url)
        #expect(try repository.productIDs(at: commit) == ["a9", "b", "b-2"])
        let trees = try repository.productTreeIDs(at: commit)
        for (id, tree) in trees {
            #expect(tree.hex == (try repo.run(["rev-parse", "\(commit.hex):Products/\(id)"])))
        }
        #expect(trees.count == 3)
    }

    @Test("a submodule inside a product makes its tree invalid")
    func submoduleIsRejected() throws {
        let repo = try FixtureRepository()
        defer { repo.remove() }
        let first = try Self.buildProduct(repo)
        try repo.run(["update-index", "--add", "--cacheinfo", "160000,\(first),Products/hotspots/vendor"])
        try repo.run(["commit", "-q", "-m", "Vendor a submodule"])
        let commit = try #require(CommitID(hex: try repo.run(["rev-parse", "HEAD"])))
        #expect(try repo.run(["ls-tree", "HEAD", "Products/hotspots/vendor"]).hasPrefix("160000 commit"))
        let repository = try GitRepository.open(at: repo.url)
        let error = try #require(throws: GitError.self) { try repository.productTree("hotspots", at: commit) }
        #expect(error.reason == .invalidProductTree)
        #expect(error.message.contains("Products/hotspots/vendor"))
        #expect(error.category == .invalidContent)
    }

    @Test("files are read from commits, not from the working tree")
    func readFile() throws {
        let repo = try FixtureRepository()
        defer { repo.remove() }
        let commit = try #require(CommitID(hex: try Self.buildProduct(repo)))
        try repo.write("id: changed\n", to: "Products/hotspots/product.yaml")
        let repository = try GitRepository.open(at: repo.url)
        #expect(try repository.readFile("Products/hotspots/product.yaml", at: commit) == Data("id: hotspots\n".utf8))
        #expect(try repository.readFile("Products/hotspots/absent.yaml", at: commit) == nil)
        #expect(throws: GitError.self) { try repository.readFile("Products/hotspots", at: commit) }
        let product = try #require(try repository.productTree("hotspots", at: commit))
        let run = try #require(product.entry(at: "run.sh"))
        #expect(try repository.readBlob(run.blob) == Data("#!/bin/sh\necho run\n".utf8))
    }

    @Test("revisions resolve like git rev-parse, and unknown ones say so")
    func resolveRevisions() throws {
        let repo = try FixtureRepository()
        defer { repo.remove() }
        let repository = try GitRepository.open(at: repo.url)
        #expect(try repository.head() == nil)
        let first = try Self.buildProduct(repo)
        try repo.run(["tag", "-a", "v1", "-m", "first"])
        try repo.write("more\n", to: "Products/other/more.txt")
        let second = try repo.commitAll("More")

        #expect(try repository.head()?.hex == second)
        #expect(try repository.resolve("HEAD").hex == second)
        #expect(try repository.resolve("main").hex == second)
        #expect(try repository.resolve("v1").hex == first)
        #expect(try repository.resolve(String(first.prefix(10))).hex == first)
        #expect(try repository.resolve("HEAD~1").hex == first)
        let error = try #require(throws: GitError.self) { try repository.resolve("no-such-branch") }
        #expect(error.reason == .unknownRevision)
        #expect(error.message.contains("'no-such-branch'"))
    }

    @Test("discovery walks up from a subfolder and explains a missing repository")
    func discovery() throws {
        let repo = try FixtureRepository()
        defer { repo.remove() }
        _ = try Self.buildProduct(repo)
        let nested = repo.url.appendingPathComponent("Products/hotspots/samples")
        let repository = try GitRepository.discover(from: nested)
        #expect(repository.workingDirectory.resolvingSymlinksInPath().path == repo.url.resolvingSymlinksInPath().path)

        let outside = try makeTemporaryDirectory("not-a-repo")
        defer { outside.remove() }
        let error = try #require(throws: GitError.self) { try GitRepository.discover(from: outside.url) }
        #expect(error.reason == .notARepository)
        #expect(error.category == .environment)
        #expect(error.message.contains("--repo"))
        #expect(error.message.contains(outside.url.path))
    }

    @Test("materializing writes plain files with 0755/0644, copies in-folder symlinks and skips exclusions")
    func materialize() throws {
        let repo = try FixtureRepository()
        defer { repo.remove() }
        let commit = try #require(CommitID(hex: try Self.buildProduct(repo)))
        let repository = try GitRepository.open(at: repo.url)
        let target = try makeTemporaryDirectory("materialized")
        defer { target.remove() }
        let out = target.url.appendingPathComponent("product")
        let written = try repository.materializeProduct("hotspots", at: commit, into: out,
                                                        excluding: ["samples-old.txt", "samples"])
        #expect(written.contentDigest == (try repo.shellDigest(of: "hotspots", at: commit.hex)))

        let files = FileManager.default
        func permissions(_ path: String) throws -> Int {
            try #require(try files.attributesOfItem(atPath: out.appendingPathComponent(path).path)[.posixPermissions] as? Int)
        }
        #expect(try permissions("run.sh") == 0o755)
        #expect(try permissions("product.yaml") == 0o644)
        let latest = out.appendingPathComponent("latest.csv")
        #expect(try files.attributesOfItem(atPath: latest.path)[.type] as? FileAttributeType == .typeRegular)
        #expect(try Data(contentsOf: latest) == Data("a,b\n1,2\n".utf8))
        #expect(!files.fileExists(atPath: out.appendingPathComponent("samples-old.txt").path))
        #expect(!files.fileExists(atPath: out.appendingPathComponent("samples/data.csv").path))
        #expect(files.fileExists(atPath: out.appendingPathComponent("samples.txt").path))
    }

    @Test("materializing refuses a symlink that leaves the product folder", arguments: ["../other/product.yaml", "/etc/passwd", "../../README.md"])
    func escapingSymlinkIsRefused(target: String) throws {
        let repo = try FixtureRepository()
        defer { repo.remove() }
        _ = try Self.buildProduct(repo)
        try repo.symlink("Products/hotspots/escape", to: target)
        let commit = try #require(CommitID(hex: try repo.commitAll("Escape")))
        let repository = try GitRepository.open(at: repo.url)
        let destination = try makeTemporaryDirectory("materialized")
        defer { destination.remove() }
        let error = try #require(throws: GitError.self) {
            try repository.materializeProduct("hotspots", at: commit, into: destination.url.appendingPathComponent("p"))
        }
        #expect(error.reason == .invalidProductTree)
        #expect(error.message.contains("'\(target)'"))
    }
}
