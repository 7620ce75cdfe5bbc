import Foundation
import Glibc
import RegistrySupport
@testable import Sandbox
import Testing
import TestSupport

/// Host probes remembered between commands: reused only while the probed program is the same file,
/// and only from a file that nobody else can have written.
@Suite("Host probes remembered between commands")
struct HostProbesTests {
    /// A fake program that answers its version and counts how often it was started.
    struct FakeProgram {
        let folder: TemporaryDirectory
        var path: String { folder.url.appendingPathComponent("fake-bwrap").path }
        var starts: String { folder.url.appendingPathComponent("starts").path }
        var probes: HostProbes { HostProbes(file: folder.url.appendingPathComponent("host-probes.json")) }

        init() throws {
            folder = try makeTemporaryDirectory("host-probes")
            try install(version: "fake 1.0")
        }

        /// Replaces the program with a new file (a new inode), as a package upgrade does.
        func install(version: String) throws {
            let staged = path + ".new"
            try writeFile("#!/bin/sh\necho started >> '\(starts)'\necho '\(version)'\n", to: "fake-bwrap.new", in: folder.url)
            chmod(staged, 0o755)
            rename(staged, path)
        }

        /// What the program answers, through the memory.
        func version() throws -> String? {
            try probes.answer(program: path, arguments: ["--version"]) {
                let result = try runProcess(path, ["--version"])
                return result.status == 0 ? result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
            }
        }

        var startCount: Int {
            ((try? String(contentsOfFile: starts, encoding: .utf8)) ?? "").split(separator: "\n").count
        }
    }

    @Test func anUnchangedProgramIsProbedOnce() throws {
        let fake = try FakeProgram()
        defer { fake.folder.remove() }
        #expect(try fake.version() == "fake 1.0")
        #expect(try fake.version() == "fake 1.0")
        #expect(fake.startCount == 1)
        var info = stat()
        #expect(stat(fake.probes.file.path, &info) == 0 && info.st_mode & 0o022 == 0)
    }

    @Test func aReplacedOrTouchedProgramIsProbedAgain() throws {
        let fake = try FakeProgram()
        defer { fake.folder.remove() }
        #expect(try fake.version() == "fake 1.0")
        try fake.install(version: "fake 2.0")
        #expect(try fake.version() == "fake 2.0")
        #expect(fake.startCount == 2)
        // Same inode and size, a new modification time.
        var times = [timespec(tv_sec: 1_000_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, fake.path, &times, 0) == 0)
        #expect(try fake.version() == "fake 2.0")
        #expect(fake.startCount == 3)
        #expect(try fake.version() == "fake 2.0")
        #expect(fake.startCount == 3)
    }

    @Test func aCorruptMemoryIsIgnoredAndRewritten() throws {
        let fake = try FakeProgram()
        defer { fake.folder.remove() }
        try Data("{\"not\": [json".utf8).write(to: fake.probes.file)
        #expect(try fake.version() == "fake 1.0")
        #expect(fake.startCount == 1)
        let rewritten = try JSONSerialization.jsonObject(with: Data(contentsOf: fake.probes.file)) as? [String: Any]
        #expect(rewritten?.count == 1)
        #expect(try fake.version() == "fake 1.0")
        #expect(fake.startCount == 1)
    }

    @Test func aMemoryOthersCouldHaveWrittenIsNotBelieved() throws {
        let fake = try FakeProgram()
        defer { fake.folder.remove() }
        #expect(try fake.version() == "fake 1.0")
        let file = fake.probes.file.path
        let forged = try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "fake 1.0", with: "forged 9.9")
        try Data(forged.utf8).write(to: fake.probes.file)
        chmod(file, 0o666)
        #expect(try fake.version() == "fake 1.0")
        #expect(fake.startCount == 2)
        var info = stat()
        #expect(stat(file, &info) == 0 && info.st_mode & 0o022 == 0, "rewritten as a file only its owner can write")

        // Nor through a link to a file that says something else.
        let elsewhere = fake.folder.url.appendingPathComponent("elsewhere.json").path
        try Data(forged.utf8).write(to: URL(fileURLWithPath: elsewhere))
        unlink(file)
        symlink(elsewhere, file)
        #expect(try fake.version() == "fake 1.0")
        #expect(fake.startCount == 3)
    }

    @Test func aProgramOthersCanWriteIsNeverRemembered() throws {
        let fake = try FakeProgram()
        defer { fake.folder.remove() }
        chmod(fake.path, 0o777)
        #expect(try fake.version() == "fake 1.0")
        #expect(try fake.version() == "fake 1.0")
        #expect(fake.startCount == 2)
        #expect(!FileManager.default.fileExists(atPath: fake.probes.file.path))
    }

    @Test func aFailedProbeIsNotRemembered() throws {
        let fake = try FakeProgram()
        defer { fake.folder.remove() }
        let probes = fake.probes
        var attempts = 0
        for _ in 0..<2 {
            let answer = probes.answer(program: fake.path, arguments: ["--version"]) { () -> String? in
                attempts += 1
                return nil
            }
            #expect(answer == nil)
        }
        #expect(attempts == 2)
    }
}
