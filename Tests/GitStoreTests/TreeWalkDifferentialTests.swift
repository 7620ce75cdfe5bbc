import Foundation
import GitStore
import Testing
import TestSupport

/// The all-products walk reads each commit's `Products` tree as stored bytes and compares it with
/// its parent's; these histories are made to trip it: names that sort differently in git's tree
/// order than bytewise ("p1-x", "p1.x", "p1" and "p10"), files and a submodule beside the product
/// folders, a folder replaced by a file and back, renames, removals and re-added products, an
/// executable bit flipped, and the whole `Products` folder removed and restored.
@Suite("The stored-bytes tree walk equals git")
struct TreeWalkDifferentialTests {
    /// Folder names the random steps use; "s" is only ever swapped with a file, so it is not compared.
    static let names = ["p1", "p1-x", "p1.x", "p10", "p2", "q", "s"]

    /// Builds a random linear history of `steps` commits from `seed`, one change per commit. Fixed
    /// steps swap "s" between folder and file, add a submodule and empty `Products` once, so every
    /// seed has them; the other steps are random.
    static func buildRandomHistory(_ repo: FixtureRepository, seed: UInt64, steps: Int) throws {
        var random = SplitMix64(seed: seed)
        var existing = Set<String>()
        func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: repo.url.appendingPathComponent(path).path) }
        try repo.write("readme\n", to: "README.md")
        for step in 1...steps {
            let name = names[Int(random.next() % UInt64(names.count))]
            let folder = "Products/\(name)"
            let choice = random.next() % 4
            if step == steps / 2 {
                // The whole Products folder gone for one commit, then restored with what it held.
                let before = try repo.run(["rev-parse", "HEAD"])
                try repo.run(["rm", "-q", "-r", "Products"])
                try repo.commitAll("Step \(step): no products", date: 1_700_000_000 + step * 60)
                try repo.run(["checkout", "-q", before, "--", "Products"])
            } else if step == steps / 3 {
                // A submodule entry beside the product folders (a gitlink, no checkout needed).
                let commit = try repo.run(["rev-parse", "HEAD"])
                try repo.run(["update-index", "--add", "--cacheinfo", "160000,\(commit),Products/vendored"])
                try repo.run(["commit", "-q", "-m", "Step \(step): submodule"], date: 1_700_000_000 + step * 60)
                continue
            } else if step % 10 == 0 {
                // The folder "s" replaced by a file of the same name, and back.
                if existing.remove("s") != nil {
                    try repo.run(["rm", "-q", "-r", "Products/s"])
                    try repo.write("now a file \(step)\n", to: "Products/s")
                } else {
                    if exists("Products/s") { try repo.delete("Products/s") }
                    try repo.write("back \(step)\n", to: "Products/s/run.sh")
                    existing.insert("s")
                }
            } else if choice == 0, name != "s", existing.contains(name) {
                try repo.run(["rm", "-q", "-r", folder])
                existing.remove(name)
            } else if choice == 1, name != "s", existing.contains(name),
                      let target = names.first(where: { !existing.contains($0) && $0 != "s" }) {
                try repo.run(["mv", folder, "Products/\(target)"])
                existing.remove(name)
                existing.insert(target)
            } else if choice == 2, existing.contains(name) {
                try repo.makeExecutable("\(folder)/run.sh")
            } else if choice == 3, step % 3 == 0 {
                try repo.write("notes \(step)\n", to: "Products/NOTES.md")
            } else if name == "s", !existing.contains("s"), exists(folder) {
                try repo.write("file \(step)\n", to: folder)
            } else {
                try repo.write("#!/bin/sh\necho \(step)\n", to: "\(folder)/run.sh")
                try repo.write("id: \(name)\nstep: \(step)\n", to: "\(folder)/product.yaml")
                existing.insert(name)
            }
            try repo.commitAll("Step \(step)", date: 1_700_000_000 + step * 60)
        }
    }

    @Test("on random linear histories, every product's versions and trees equal git log's and the per-product walk's",
          arguments: [1, 2, 3] as [UInt64])
    func linearWalkEqualsGit(seed: UInt64) throws {
        let repo = try FixtureRepository()
        defer { repo.remove() }
        try Self.buildRandomHistory(repo, seed: seed, steps: 150)
        let repository = try GitRepository.open(at: repo.url)
        let head = try #require(try repository.head())
        // Over 128 commits, so the walk compares the two halves of the chain on two threads.
        #expect((Int(try repo.run(["rev-list", "--count", "HEAD"])) ?? 0) >= 128)
        let all = try #require(try repository.linearHistories(from: head))
        let compared = Self.names.filter { $0 != "s" }
        #expect(Set(all.keys).isSuperset(of: compared), "every name was a product at some point (seed \(seed))")
        #expect(!all.keys.contains("NOTES.md") && !all.keys.contains("vendored"), "files and submodules are not products")
        #expect(!(try repo.run(["log", "--format=%H", "--", "Products/vendored"])).isEmpty, "the history has a submodule")
        #expect(try repo.run(["log", "--format=%s"]).contains("no products"), "the history has a commit without Products")
        for id in compared {
            let expected = try repo.run(["log", "--format=%H", "--", "Products/\(id)"]).split(separator: "\n").map(String.init)
            #expect((all[id] ?? []).map(\.commit.hex) == expected, "\(id), seed \(seed)")
            let single = try repository.history(of: id, from: head)
            #expect((all[id] ?? []).map(\.tree) == single.map(\.tree), "\(id), seed \(seed)")
        }

        // The incremental paths use the same comparison: versions added since any earlier commit
        // are the newer part of each history, and the products changed by each commit are those
        // `git log --name-only` names a file below.
        let chain = try repo.run(["rev-list", "HEAD"]).split(separator: "\n").map(String.init)
        for base in [chain[chain.count / 2], chain[1], chain[chain.count - 1]] {
            let baseID = try #require(CommitID(hex: base))
            let added = try #require(try repository.versionsAdded(from: head, since: baseID))
            let newer = Set(chain.prefix { $0 != base })
            for (id, versions) in all {
                let expected = versions.filter { newer.contains($0.commit.hex) }
                #expect((added[id] ?? []).map(\.commit) == expected.map(\.commit), "\(id) since \(base.prefix(7))")
                #expect((added[id] ?? []).map(\.tree) == expected.map(\.tree), "\(id) since \(base.prefix(7))")
            }
        }
        let commits = try repository.commits(from: head, notReachableFrom: nil)
        for commit in commits {
            let named = try repo.run(["show", "--root", "--no-renames", "--name-only", "--format=", commit.id.hex, "--", "Products"])
            let expected = Set(named.split(separator: "\n").compactMap { line -> String? in
                let parts = line.split(separator: "/", omittingEmptySubsequences: false)
                return parts.count >= 3 ? String(parts[1]) : nil
            })
            #expect(try repository.productsChanged(in: [commit]) == expected, "commit \(commit.id.short), seed \(seed)")
        }
    }

    @Test("with merges, the products each commit changed against each parent equal git's")
    func changedProductsAcrossMerges() throws {
        let repo = try FixtureRepository()
        defer { repo.remove() }
        try HistoryTests.buildHistory(repo, clock: HistoryTests.clocks[0].clock)
        let repository = try GitRepository.open(at: repo.url)
        let head = try #require(try repository.head())
        var merges = 0
        for commit in try repository.commits(from: head, notReachableFrom: nil) {
            var expected = Set<String>()
            for parent in commit.parents.isEmpty ? [nil] : commit.parents.map(\.hex) {
                let arguments = parent.map { ["diff", "--no-renames", "--name-only", $0, commit.id.hex, "--", "Products"] }
                    ?? ["show", "--root", "--no-renames", "--name-only", "--format=", commit.id.hex, "--", "Products"]
                for line in try repo.run(arguments).split(separator: "\n") {
                    let parts = line.split(separator: "/")
                    if parts.count >= 3 { expected.insert(String(parts[1])) }
                }
            }
            if commit.parents.count > 1 { merges += 1 }
            #expect(try repository.productsChanged(in: [commit]) == expected, "commit \(commit.id.short)")
        }
        #expect(merges >= 3)
    }
}

extension TreeWalkDifferentialTests {
    @Test("a folder whose mode is spelt 040000 instead of 40000, with the same id, is no new version")
    func zeroPaddedFolderModeIsNoChange() throws {
        let repo = try FixtureRepository()
        defer { repo.remove() }
        try repo.write("id: a\n", to: "Products/a/product.yaml")
        try repo.write("id: b\n", to: "Products/b/product.yaml")
        try repo.commitAll("Add a and b", date: 1_700_000_000)
        // The same Products tree written again with a zero-padded folder mode for "a", as some old
        // tools wrote trees; git treats the two spellings as one mode.
        let products = try repo.run(["rev-parse", "HEAD:Products"])
        let script = """
            set -e
            a=$(git rev-parse HEAD:Products/a); b=$(git rev-parse HEAD:Products/b)
            tree=$( { printf '040000 a\\0'; printf '%s' "$a" | xxd -r -p; printf '40000 b\\0'; printf '%s' "$b" | xxd -r -p; } \
                | git hash-object -t tree -w --literally --stdin)
            root=$(printf '40000 Products\\0' | cat - <(printf '%s' "$tree" | xxd -r -p) | git hash-object -t tree -w --literally --stdin)
            commit=$(git commit-tree "$root" -p HEAD -m 'Same products, padded mode')
            git update-ref refs/heads/main "$commit"
            """
        let result = try runProcess("/bin/bash", ["-c", script], in: repo.url, environment: fixtureGitEnvironment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try repo.run(["rev-parse", "HEAD:Products"]) != products, "the padded tree is a different object")
        let repository = try GitRepository.open(at: repo.url)
        let head = try #require(try repository.head())
        let all = try #require(try repository.linearHistories(from: head))
        for id in ["a", "b"] {
            let expected = try repo.run(["log", "--format=%H", "--", "Products/\(id)"]).split(separator: "\n").map(String.init)
            #expect(all[id]?.map(\.commit.hex) == expected, "\(id)")
            #expect(expected.count == 1)
        }
    }
}

/// SplitMix64: the same numbers on every run, so a failing history can be rebuilt from its seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
