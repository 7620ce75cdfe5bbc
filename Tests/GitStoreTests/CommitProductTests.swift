import Foundation
import GitStore
import Testing
import TestSupport

@Suite("Registering a product commits only its folder")
struct CommitProductTests {
    /// A repository with one committed product, opened with the fixture identity.
    static func makeRegistry() throws -> FixtureRepository {
        let repo = try FixtureRepository()
        try repo.write("*.tmp\nbuild/\n", to: ".gitignore")
        try repo.write("id: hotspots\n", to: "Products/hotspots/product.yaml")
        try repo.write("old\n", to: "Products/hotspots/old.txt")
        try repo.write("id: other\n", to: "Products/other/product.yaml")
        try repo.commitAll("Start", date: 1_700_000_000)
        return repo
    }

    @Test("the commit holds exactly the working tree of the product; other staged files stay staged")
    func commitsOnlyTheProduct() throws {
        let repo = try Self.makeRegistry()
        defer { repo.remove() }
        let before = try repo.run(["rev-parse", "HEAD"])
        try repo.write("id: hotspots\nname: Hotspots\n", to: "Products/hotspots/product.yaml")
        try repo.write("#!/bin/sh\n", to: "Products/hotspots/run.sh")
        try repo.makeExecutable("Products/hotspots/run.sh")
        try repo.write("scratch\n", to: "Products/hotspots/scratch.tmp")
        try repo.write("built\n", to: "Products/hotspots/build/out.bin")
        try repo.symlink("Products/hotspots/link.yaml", to: "product.yaml")
        try repo.delete("Products/hotspots/old.txt")
        try repo.write("staged elsewhere\n", to: "Products/other/staged.txt")
        try repo.run(["add", "Products/other/staged.txt"])

        let repository = try GitRepository.open(at: repo.url, environment: fixtureGitEnvironment)
        let registered = try repository.commitProduct("hotspots", message: "Register hotspots\n\nWith a body.  \n")

        #expect(registered.commit.hex == (try repo.run(["rev-parse", "HEAD"])))
        #expect(try repo.run(["rev-parse", "HEAD^"]) == before)
        #expect(registered.productTree?.hex == (try repo.run(["rev-parse", "HEAD:Products/hotspots"])))
        #expect(try repo.run(["ls-tree", "-r", "--format=%(objectmode) %(path)", "HEAD", "Products/hotspots"])
                    .split(separator: "\n") == ["120000 Products/hotspots/link.yaml", "100644 Products/hotspots/product.yaml",
                                                "100755 Products/hotspots/run.sh"])
        #expect(try repo.run(["diff", "--name-only", "HEAD^", "HEAD"]).split(separator: "\n")
                    == ["Products/hotspots/link.yaml", "Products/hotspots/old.txt", "Products/hotspots/product.yaml",
                        "Products/hotspots/run.sh"])
        #expect(try repo.run(["log", "-1", "--format=%an <%ae>%n%B"]) == "Fixture Author <fixture@example.org>\nRegister hotspots\n\nWith a body.")
        #expect(try repo.run(["status", "--porcelain"]) == "A  Products/other/staged.txt")
        #expect(try repo.run(["reflog", "-1", "--format=%gs", "main"]) == "commit: Register hotspots")
        try repo.run(["fsck", "--strict", "--no-progress"])
    }

    @Test("a product whose folder was deleted is removed from the branch")
    func removesDeletedProduct() throws {
        let repo = try Self.makeRegistry()
        defer { repo.remove() }
        try repo.delete("Products/hotspots")
        let repository = try GitRepository.open(at: repo.url, environment: fixtureGitEnvironment)
        let registered = try repository.commitProduct("hotspots", message: "Retire hotspots")
        #expect(registered.productTree == nil)
        #expect(try repository.productIDs(at: registered.commit) == ["other"])
        #expect(try repo.run(["status", "--porcelain"]) == "")
        try repo.run(["fsck", "--strict", "--no-progress"])
    }

    @Test("the first commit on an unborn branch works")
    func firstCommit() throws {
        let repo = try FixtureRepository()
        defer { repo.remove() }
        try repo.write("id: first\n", to: "Products/first/product.yaml")
        try repo.write("later\n", to: "README.md")
        let repository = try GitRepository.open(at: repo.url, environment: fixtureGitEnvironment)
        let registered = try repository.commitProduct("first", message: "First product")
        #expect(try repository.head() == registered.commit)
        #expect(try repo.run(["ls-tree", "-r", "--name-only", "HEAD"]) == "Products/first/product.yaml")
        #expect(try repo.run(["status", "--porcelain"]) == "?? README.md")
        try repo.run(["fsck", "--strict", "--no-progress"])
    }

    @Test("registering an unchanged product is refused")
    func nothingToCommit() throws {
        let repo = try Self.makeRegistry()
        defer { repo.remove() }
        let repository = try GitRepository.open(at: repo.url, environment: fixtureGitEnvironment)
        let error = try #require(throws: GitError.self) { try repository.commitProduct("hotspots", message: "Again") }
        #expect(error.reason == .nothingToCommit)
        #expect(error.message.contains("Products/hotspots"))
    }

    @Test("without a configured identity the error says to run git config")
    func missingIdentity() throws {
        let repo = try Self.makeRegistry()
        defer { repo.remove() }
        let home = try makeTemporaryDirectory("empty-home")
        defer { home.remove() }
        try repo.write("changed\n", to: "Products/hotspots/old.txt")
        let environment = ["HOME": home.url.path, "GIT_CONFIG_NOSYSTEM": "1"]
        let repository = try GitRepository.open(at: repo.url, environment: environment)
        let error = try #require(throws: GitError.self) { try repository.commitProduct("hotspots", message: "Edit") }
        #expect(error.reason == .missingIdentity)
        #expect(error.category == .environment)
        #expect(error.message.contains("git config user.name"))
        #expect(error.message.contains("user.email"))

        try repo.run(["config", "user.name", "Local Person"])
        try repo.run(["config", "user.email", "local@example.org"])
        let configured = try GitRepository.open(at: repo.url, environment: environment)
        _ = try configured.commitProduct("hotspots", message: "Edit")
        #expect(try repo.run(["log", "-1", "--format=%an <%ae>"]) == "Local Person <local@example.org>")
    }

    @Test("registering on a detached HEAD is refused with the way out")
    func detachedHead() throws {
        let repo = try Self.makeRegistry()
        defer { repo.remove() }
        try repo.run(["checkout", "-q", "--detach"])
        try repo.write("edited\n", to: "Products/hotspots/old.txt")
        let repository = try GitRepository.open(at: repo.url, environment: fixtureGitEnvironment)
        let error = try #require(throws: GitError.self) { try repository.commitProduct("hotspots", message: "Edit") }
        #expect(error.reason == .detachedHead)
        #expect(error.message.contains("git switch"))
    }

    @Test("a nested git repository inside the product is refused")
    func nestedRepositoryIsRefused() throws {
        let repo = try Self.makeRegistry()
        defer { repo.remove() }
        let nested = repo.url.appendingPathComponent("Products/hotspots/vendor")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        try runProcess("/usr/bin/git", ["init", "-q"], in: nested)
        let repository = try GitRepository.open(at: repo.url, environment: fixtureGitEnvironment)
        let error = try #require(throws: GitError.self) { try repository.commitProduct("hotspots", message: "Vendor") }
        #expect(error.reason == .invalidProductTree)
        #expect(error.message.contains("Products/hotspots/vendor"))
    }

    @Test("concurrent registrations of different products all land")
    func concurrentCommitsAllLand() async throws {
        let repo = try Self.makeRegistry()
        defer { repo.remove() }
        let products = ["p1", "p2", "p3", "p4"]
        let rounds = 3
        for product in products {
            try repo.write("id: \(product)\n", to: "Products/\(product)/product.yaml")
        }
        let root = repo.url
        try await withThrowingTaskGroup(of: Void.self) { group in
            for product in products {
                group.addTask {
                    let repository = try GitRepository.open(at: root, environment: fixtureGitEnvironment)
                    for round in 1...rounds {
                        try writeFile("round \(round)\n", to: "Products/\(product)/round.txt", in: root)
                        _ = try repository.commitProduct(product, message: "Register \(product) round \(round)")
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try repo.run(["rev-list", "--count", "HEAD"]) == "\(1 + products.count * rounds)")
        for product in products {
            #expect(try repo.run(["show", "HEAD:Products/\(product)/round.txt"]) == "round \(rounds)")
        }
        #expect(try repo.run(["status", "--porcelain"]) == "")
        try repo.run(["fsck", "--strict", "--no-progress"])
    }

    @Test("a stale index.lock commits nothing and names the lock file to remove")
    func staleIndexLock() throws {
        let repo = try Self.makeRegistry()
        defer { repo.remove() }
        let before = try repo.run(["rev-parse", "HEAD"])
        try repo.write("edited\n", to: "Products/hotspots/old.txt")
        try repo.write("", to: ".git/index.lock")
        let repository = try GitRepository.open(at: repo.url, environment: fixtureGitEnvironment)
        let error = try #require(throws: GitError.self) { try repository.commitProduct("hotspots", message: "Edit under a lock") }
        #expect(error.reason == .locked)
        #expect(error.category == .environment)
        #expect(error.message.contains(".git/index.lock") && error.message.contains("another git process may be running"))
        #expect(try repo.run(["rev-parse", "HEAD"]) == before)
        try repo.delete(".git/index.lock")
        _ = try repository.commitProduct("hotspots", message: "Edit once the lock is gone")
        #expect(try repo.run(["status", "--porcelain"]) == "")
        try repo.run(["fsck", "--strict", "--no-progress"])
    }

    @Test("the command trailer is on the commit and found again; the ledger chains entries and links commits")
    func trailerAndLedger() throws {
        let repo = try Self.makeRegistry()
        defer { repo.remove() }
        try repo.write("edited\n", to: "Products/hotspots/old.txt")
        let repository = try GitRepository.open(at: repo.url, environment: fixtureGitEnvironment)
        let registered = try repository.commitProduct("hotspots", message: "Edit", command: "register hotspots")
        #expect(try repo.run(["log", "-1", "--format=%(trailers:key=Registry-Command,valueonly)"]) == "register hotspots")
        let marked = try repository.markedCommits(from: registered.commit, notReachableFrom: GitRepository.auditReference)
        #expect(marked.map(\.commit) == [registered.commit])
        #expect(try repository.ledger(GitRepository.auditReference) == nil)

        try repository.appendToLedger(GitRepository.auditReference, linking: nil) { previous in
            #expect(previous == nil)
            return "first\n"
        }
        let second = try repository.appendToLedger(GitRepository.auditReference, linking: registered.commit,
                                                   onlyIfUnlinked: true) { "second after \($0?.message ?? "")" }
        #expect(second != nil)
        let again = try repository.appendToLedger(GitRepository.auditReference, linking: registered.commit,
                                                  onlyIfUnlinked: true) { _ in "duplicate\n" }
        #expect(again == nil)
        let ledger = try #require(try repository.ledger(GitRepository.auditReference))
        #expect(ledger.map(\.message) == ["first\n", "second after first\n"])
        #expect(ledger.map(\.linked) == [nil, registered.commit])
        #expect(try repository.markedCommits(from: registered.commit, notReachableFrom: GitRepository.auditReference).isEmpty)
        #expect(try repo.run(["rev-list", "--first-parent", "--count", GitRepository.auditReference]) == "3", "two entries and the root")
        try repo.run(["fsck", "--strict", "--no-progress"])
    }

    @Test("a lock on the audit ref left by a killed writer is cleared; one taken during the append is named")
    func ledgerLocks() throws {
        let repo = try Self.makeRegistry()
        defer { repo.remove() }
        let lock = repo.url.appendingPathComponent(".git/refs/registry/audit.lock")
        try repo.write("", to: ".git/refs/registry/audit.lock")
        let repository = try GitRepository.open(at: repo.url, environment: fixtureGitEnvironment)
        try repository.appendToLedger(GitRepository.auditReference, linking: nil) { _ in "entry\n" }
        #expect(try repository.ledger(GitRepository.auditReference)?.map(\.message) == ["entry\n"])
        #expect(!FileManager.default.fileExists(atPath: lock.path))

        // A lock newer than the append's start belongs to a git process still at work: never removed.
        try repo.write("", to: ".git/refs/registry/audit.lock")
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(3_600)], ofItemAtPath: lock.path)
        let error = try #require(throws: GitError.self) {
            try repository.appendToLedger(GitRepository.auditReference, linking: nil) { _ in "second\n" }
        }
        #expect(error.reason == .locked)
        #expect(error.message.contains("refs/registry/audit.lock"))
        #expect(FileManager.default.fileExists(atPath: lock.path))
    }

    @Test("a branch lock held by someone else is named in the error, and the branch is untouched")
    func lockedBranch() throws {
        let repo = try Self.makeRegistry()
        defer { repo.remove() }
        let before = try repo.run(["rev-parse", "HEAD"])
        try repo.write("edited\n", to: "Products/hotspots/old.txt")
        try repo.write("", to: ".git/refs/heads/main.lock")
        let repository = try GitRepository.open(at: repo.url, environment: fixtureGitEnvironment)
        let error = try #require(throws: GitError.self) { try repository.commitProduct("hotspots", message: "Edit") }
        #expect(error.reason == .locked)
        #expect(error.message.contains("refs/heads/main.lock"))
        #expect(error.category == .environment)
        #expect(try repo.run(["rev-parse", "HEAD"]) == before)
        try repo.run(["fsck", "--strict", "--no-progress"])
    }

    @Test("working-tree changes report untracked, modified, staged and deleted files under a folder")
    func workingTreeChanges() throws {
        let repo = try Self.makeRegistry()
        defer { repo.remove() }
        try repo.write("new\n", to: "Products/hotspots/new.txt")
        try repo.write("id: hotspots\nname: H\n", to: "Products/hotspots/product.yaml")
        try repo.write("ignored\n", to: "Products/hotspots/x.tmp")
        try repo.delete("Products/hotspots/old.txt")
        try repo.write("staged\n", to: "Products/hotspots/staged.txt")
        try repo.run(["add", "Products/hotspots/staged.txt"])
        try repo.write("elsewhere\n", to: "Products/other/new.txt")
        try repo.write("similar name\n", to: "Products/hotspots-two/product.yaml")
        let repository = try GitRepository.open(at: repo.url)

        let changes = try repository.workingTreeChanges(under: "Products/hotspots")
        #expect(changes == [
            WorkingTreeChange(path: "Products/hotspots/new.txt", kind: .untracked, staged: false),
            WorkingTreeChange(path: "Products/hotspots/old.txt", kind: .deleted, staged: false),
            WorkingTreeChange(path: "Products/hotspots/product.yaml", kind: .modified, staged: false),
            WorkingTreeChange(path: "Products/hotspots/staged.txt", kind: .added, staged: true),
        ])
        #expect(try repository.workingTreeChanges(under: "Products/clean").isEmpty)
    }
}
