import Foundation
import RegistrySupport
import TestSupport

/// A throwaway git repository built with the `git` CLI, with a controllable commit clock.
struct FixtureRepository {
    let directory: TemporaryDirectory
    var url: URL { directory.url }

    /// Creates an empty repository on branch `main`.
    init() throws {
        directory = try makeTemporaryDirectory("gitstore")
        try run(["init", "-q", "-b", "main"])
    }

    func remove() { directory.remove() }

    /// Runs git in the repository; `date` (seconds since 1970) fixes both author and committer dates.
    @discardableResult
    func run(_ arguments: [String], date: Int? = nil) throws -> String {
        var environment = fixtureGitEnvironment
        if let date {
            environment["GIT_AUTHOR_DATE"] = "@\(date) +0000"
            environment["GIT_COMMITTER_DATE"] = "@\(date) +0000"
        }
        let result = try runProcess("/usr/bin/git", arguments, in: url, environment: environment)
        guard result.status == 0 else {
            throw FixtureError("git \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func write(_ text: String, to path: String) throws {
        try writeFile(text, to: path, in: url)
    }

    func delete(_ path: String) throws {
        try FileManager.default.removeItem(at: url.appendingPathComponent(path))
    }

    func makeExecutable(_ path: String) throws {
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.appendingPathComponent(path).path)
    }

    func symlink(_ path: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: url.appendingPathComponent(path).path, withDestinationPath: target)
    }

    /// Stages everything and commits it, returning the new commit id.
    @discardableResult
    func commitAll(_ message: String, date: Int? = nil) throws -> String {
        try run(["add", "-A"])
        try run(["commit", "-q", "--allow-empty", "-m", message], date: date)
        return try run(["rev-parse", "HEAD"])
    }

    /// The content digest of DESIGN section 2 computed with stock tools only: `git ls-tree -r`,
    /// `git cat-file blob | sha256sum`, lines sorted bytewise by `sort`, then `sha256sum`.
    func shellDigest(of product: String, at commit: String) throws -> String {
        let script = """
        set -e
        git ls-tree -r "$1:Products/$2" | while IFS="$(printf '\\t')" read -r meta path; do
          set -- $meta
          printf '%s %s %s\\n' "$1" "$(git cat-file blob "$3" | sha256sum | cut -d' ' -f1)" "$path"
        done | LC_ALL=C sort -t' ' -k3 | sha256sum | cut -d' ' -f1
        """
        let result = try runProcess("/bin/sh", ["-c", script, "digest", commit, product], in: url,
                                    environment: fixtureGitEnvironment)
        guard result.status == 0 else { throw FixtureError("digest script failed: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
