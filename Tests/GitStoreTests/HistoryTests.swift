import Foundation
import GitStore
import Testing
import TestSupport

@Suite("Product history matches git log")
struct HistoryTests {
    /// Builds a history with several products, two branches merged twice (once differing from both
    /// parents, once TREESAME to one parent), renames, a clock that runs backwards on a side branch,
    /// a side branch whose change was reverted before its merge, and a product deleted then re-added. `clock` maps a step to its commit date.
    static func buildHistory(_ repo: FixtureRepository, clock: (Int) -> Int) throws {
        try repo.write("id: alpha\n", to: "Products/alpha/product.yaml")
        try repo.write("print('a')\n", to: "Products/alpha/run.py")
        try repo.write("id: beta\n", to: "Products/beta/product.yaml")
        try repo.write("notes\n", to: "Products/beta/notes.txt")
        try repo.write("readme\n", to: "README.md")
        try repo.commitAll("Add alpha and beta", date: clock(1))
        try repo.write("print('a2')\n", to: "Products/alpha/run.py")
        try repo.commitAll("Edit alpha", date: clock(2))
        try repo.write("notes 2\n", to: "Products/beta/notes.txt")
        try repo.commitAll("Edit beta", date: clock(3))

        try repo.run(["checkout", "-q", "-b", "feature"])
        try repo.write("x\n", to: "Products/alpha/x.txt")
        try repo.commitAll("Feature: alpha gets x", date: clock(5))
        try repo.write("id: beta\nname: Beta\n", to: "Products/beta/product.yaml")
        try repo.commitAll("Feature: name beta", date: clock(8))

        try repo.run(["checkout", "-q", "main"])
        try repo.write("y\n", to: "Products/alpha/y.txt")
        try repo.commitAll("Main: alpha gets y", date: clock(6))
        try repo.write("id: gamma\n", to: "Products/gamma/product.yaml")
        try repo.commitAll("Add gamma", date: clock(7))
        try repo.run(["merge", "-q", "--no-ff", "-m", "Merge feature", "feature"], date: clock(9))

        try repo.run(["checkout", "-q", "-b", "side"])
        try repo.write("id: gamma\nname: Gamma\n", to: "Products/gamma/product.yaml")
        try repo.commitAll("Side: name gamma", date: clock(10))
        try repo.run(["checkout", "-q", "main"])
        try repo.write("notes 3\n", to: "Products/beta/notes.txt")
        try repo.commitAll("Main: edit beta", date: clock(11))
        try repo.run(["merge", "-q", "--no-ff", "-m", "Merge side", "side"], date: clock(12))

        try repo.run(["checkout", "-q", "-b", "experiment"])
        try repo.write("print('experiment')\n", to: "Products/alpha/run.py")
        try repo.commitAll("Experiment: change alpha", date: clock(12))
        try repo.run(["revert", "--no-edit", "HEAD"], date: clock(12))
        try repo.run(["checkout", "-q", "main"])
        try repo.run(["merge", "-q", "--no-ff", "-m", "Merge experiment", "experiment"], date: clock(12))

        try repo.run(["mv", "Products/beta/notes.txt", "Products/beta/docs-notes.txt"])
        try repo.commitAll("Rename a beta file", date: clock(13))
        try repo.run(["mv", "Products/gamma", "Products/delta"])
        try repo.commitAll("Rename gamma to delta", date: clock(14))

        let alphaBefore = try repo.run(["rev-parse", "HEAD:Products/alpha"])
        try repo.run(["rm", "-q", "-r", "Products/alpha"])
        try repo.commitAll("Retire alpha", date: clock(15))
        try repo.run(["checkout", "-q", "HEAD~1", "--", "Products/alpha"])
        try repo.commitAll("Bring alpha back", date: clock(16))
        #expect(try repo.run(["rev-parse", "HEAD:Products/alpha"]) == alphaBefore)

        try repo.run(["checkout", "-q", "-b", "late"])
        try repo.write("print('a3')\n", to: "Products/alpha/run.py")
        try repo.commitAll("Late: edit alpha", date: clock(20))
        try repo.write("z\n", to: "Products/alpha/z.txt")
        try repo.commitAll("Late: alpha gets z with a skewed clock", date: clock(17))
        try repo.run(["checkout", "-q", "main"])
        try repo.write("notes 4\n", to: "Products/beta/docs-notes.txt")
        try repo.commitAll("Main: edit beta again", date: clock(18))
        try repo.run(["merge", "-q", "--no-ff", "-m", "Merge late", "late"], date: clock(21))
    }

    static let clocks: [(name: String, clock: @Sendable (Int) -> Int)] = [
        ("distinct dates", { 1_700_000_000 + $0 * 3_600 }),
        ("one shared date", { _ in 1_700_000_000 }),
    ]

    @Test("history lists exactly the commits git log lists, in the same order", arguments: [0, 1])
    func historyMatchesGitLog(clockIndex: Int) throws {
        let repo = try FixtureRepository()
        defer { repo.remove() }
        try Self.buildHistory(repo, clock: Self.clocks[clockIndex].clock)
        let repository = try GitRepository.open(at: repo.url)
        let head = try #require(try repository.head())

        for product in ["alpha", "beta", "gamma", "delta", "never-existed"] {
            let expected = try repo.run(["log", "--format=%H", "main", "--", "Products/\(product)"])
                .split(separator: "\n").map(String.init)
            let history = try repository.history(of: product, from: head)
            #expect(history.map(\.commit.hex) == expected, "\(product) with \(Self.clocks[clockIndex].name)")
        }

        let alpha = try repository.history(of: "alpha", from: head)
        let subjects = alpha.map { $0.message.split(separator: "\n").first.map(String.init) ?? "" }
        #expect(subjects.contains("Merge feature"), "a merge that differs from both parents is shown")
        #expect(!subjects.contains("Merge late"), "a merge TREESAME to one parent is hidden")
        #expect(!subjects.contains("Experiment: change alpha"), "a side branch behind a TREESAME merge is not walked")
        #expect(subjects.contains("Retire alpha") && subjects.contains("Bring alpha back"))
    }

    @Test("the all-products walk equals the per-product walk, on a linear history and with merges")
    func batchHistoriesEqualSingleHistories() throws {
        let linear = try FixtureRepository()
        defer { linear.remove() }
        for step in 1...12 {
            try linear.write("step \(step)\n", to: "Products/p\(step % 4)/notes.txt")
            // "p1-x" sorts before "p1" in git's tree order ("p1/" > "p1-x/"), unlike plain byte order.
            if step % 3 == 0 { try linear.write("x \(step)\n", to: "Products/p\(step % 4)-x/notes.txt") }
            if step == 7 { try linear.run(["rm", "-q", "-r", "Products/p2"]) }
            if step == 9 { try linear.write("back\n", to: "Products/p2/notes.txt") }
            try linear.write("other \(step)\n", to: "README.md")
            try linear.commitAll("Step \(step)", date: 1_700_000_000 + step)
        }
        let merged = try FixtureRepository()
        defer { merged.remove() }
        try Self.buildHistory(merged, clock: Self.clocks[0].clock)
        for repo in [linear, merged] {
            let repository = try GitRepository.open(at: repo.url)
            let head = try #require(try repository.head())
            let ids: Set<String> = ["p0", "p1", "p2", "p3", "p0-x", "p1-x", "p2-x", "p3-x", "alpha", "beta", "gamma", "delta"]
            let batch = try repository.histories(of: ids, from: head)
            for id in ids {
                let single = try repository.history(of: id, from: head)
                #expect((batch[id] ?? []).map(\.commit) == single.map(\.commit), "\(id)")
                #expect((batch[id] ?? []).map(\.tree) == single.map(\.tree), "\(id)")
                let expected = try repo.run(["log", "--format=%H", "--", "Products/\(id)"]).split(separator: "\n").map(String.init)
                #expect((batch[id] ?? []).map(\.commit.hex) == expected, "\(id)")
            }
        }
    }

    @Test("each history entry carries the product tree id git reports, and none where it was removed")
    func historyTreeIDsMatchGit() throws {
        let repo = try FixtureRepository()
        defer { repo.remove() }
        try Self.buildHistory(repo, clock: Self.clocks[0].clock)
        let repository = try GitRepository.open(at: repo.url)
        let head = try #require(try repository.head())

        for entry in try repository.history(of: "alpha", from: head) {
            if let tree = entry.tree {
                #expect(tree.hex == (try repo.run(["rev-parse", "\(entry.commit.hex):Products/alpha"])))
            } else {
                #expect(throws: FixtureError.self) { try repo.run(["rev-parse", "--verify", "-q", "\(entry.commit.hex):Products/alpha"]) }
            }
            #expect(entry.author.name == "Fixture Author")
            #expect(entry.message == (try repo.run(["log", "-1", "--format=%B", entry.commit.hex])) + "\n")
            let committed = try repo.run(["log", "-1", "--format=%ct", entry.commit.hex])
            #expect(Int(entry.committerDate.timeIntervalSince1970) == Int(committed))
        }
    }

    @Test("commits(from:notReachableFrom:) returns only new commits, parents first")
    func incrementalCommits() throws {
        let repo = try FixtureRepository()
        defer { repo.remove() }
        try Self.buildHistory(repo, clock: Self.clocks[0].clock)
        let repository = try GitRepository.open(at: repo.url)
        let head = try #require(try repository.head())

        let all = try repository.commits(from: head, notReachableFrom: nil)
        let expected = Set(try repo.run(["rev-list", "main"]).split(separator: "\n").map(String.init))
        #expect(Set(all.map(\.id.hex)) == expected)
        var position: [CommitID: Int] = [:]
        for (offset, info) in all.enumerated() { position[info.id] = offset }
        for info in all {
            let own = try #require(position[info.id])
            for parent in info.parents {
                #expect(try #require(position[parent]) < own)
            }
        }

        let fresh = try repository.commits(from: head, notReachableFrom: repository.resolve("feature"))
        let expectedFresh = Set(try repo.run(["rev-list", "main", "^feature"]).split(separator: "\n").map(String.init))
        #expect(Set(fresh.map(\.id.hex)) == expectedFresh)
        #expect(!fresh.isEmpty && fresh.count < all.count)

        // A base that is not in the repository (a rewritten history) hides nothing.
        let gone = try #require(CommitID(hex: String(repeating: "0", count: 39) + "1"))
        #expect(try repository.commits(from: head, notReachableFrom: gone).map(\.id) == all.map(\.id))
    }
}
