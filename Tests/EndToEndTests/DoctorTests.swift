import Foundation
import Testing
import TestSupport

/// `registry doctor` tells what this machine can do, each finding with its fix, and exits 2 exactly
/// when no product could run. The broken machines are real: the built binary runs inside a
/// bubblewrap whose mounts hide bwrap or turn a kernel setting off.
@Suite("Doctor")
struct DoctorTests {
    struct Report: Decodable {
        struct Check: Decodable { let id: String; let status: String; let summary: String; let fix: String? }
        let runs_possible: Bool
        let checks: [Check]

        func check(_ id: String) -> Check? { checks.first { $0.id == id } }
    }

    private func report(_ result: ProcessResult) throws -> Report {
        try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
    }

    @Test("on this machine: runs possible, python3 runs in the sandbox, index missing then fresh, exit 0")
    func healthyMachine() throws {
        let fixture = try FixtureRegistry.withExampleProducts(["station-incident-hotspots"])
        defer { fixture.remove() }

        let first = try fixture.registry("doctor", "--json")
        #expect(first.status == 0, "\(first.stderr)")
        let before = try report(first)
        #expect(before.runs_possible)
        for id in ["bubblewrap", "user_namespaces", "seccomp", "sandbox", "interpreter:python3", "libcurl", "git_identity"] {
            #expect(before.check(id)?.status == "ok", "\(id): \(String(describing: before.check(id)))")
        }
        #expect(before.check("bubblewrap")?.summary.contains("bubblewrap") == true)
        #expect(before.check("libcurl")?.summary.contains("libcurl/") == true, "the version line libcurl gives")
        #expect(before.check("git_identity")?.summary.contains("Fixture Author <fixture@example.org>") == true)
        #expect(before.check("cgroup") != nil)
        #expect(before.check("index")?.status == "warning")
        #expect(before.check("index")?.fix?.contains("registry index") == true)

        #expect(try fixture.registry("index").status == 0)
        let text = try fixture.registry("doctor")
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Products can run on this machine."))
        let head = try fixture.git("rev-parse", "HEAD")
        #expect(text.stdout.contains("at HEAD \(head.prefix(12))"), "\(text.stdout)")
    }

    @Test("outside a registry the machine is still examined and the registry checks say why they were skipped")
    func outsideARegistry() throws {
        let folder = try makeTemporaryDirectory("registry-doctor-empty")
        defer { folder.remove() }
        let result = try runRegistry(["doctor", "--json"], in: folder.url)
        #expect(result.status == 0, "\(result.stderr)")
        let checks = try report(result)
        #expect(checks.check("sandbox")?.status == "ok")
        #expect(checks.check("git_identity")?.status == "skipped")
        #expect(checks.check("index")?.summary.contains("not inside a registry") == true)
    }

    @Test("a product naming a program the sandbox lacks is a warning with the fix, not a refusal")
    func missingInterpreter() throws {
        let fixture = try FixtureRegistry.withExampleProducts(["station-incident-hotspots"])
        defer { fixture.remove() }
        let manifest = fixture.url.appendingPathComponent("Products/station-incident-hotspots/product.yaml")
        let text = try String(contentsOf: manifest, encoding: .utf8)
        try text.replacingOccurrences(of: "    - python3\n", with: "    - Rscript-not-installed\n")
            .write(to: manifest, atomically: true, encoding: .utf8)
        _ = try fixture.git("commit", "--quiet", "-am", "Name a missing interpreter")

        let result = try fixture.registry("doctor", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let check = try #require(try report(result).check("interpreter:Rscript-not-installed"))
        #expect(check.status == "warning")
        #expect(check.summary.contains("station-incident-hotspots"))
        #expect(check.fix?.contains("Install it") == true)
    }

    @Test("without git identity the register fix is named")
    func noGitIdentity() throws {
        let fixture = try FixtureRegistry.withExampleProducts(["station-incident-hotspots"])
        defer { fixture.remove() }
        let home = try makeTemporaryDirectory("registry-doctor-home")
        defer { home.remove() }
        let result = try fixture.registry(["doctor", "--json"], environment: [
            "GIT_AUTHOR_NAME": "", "GIT_AUTHOR_EMAIL": "", "HOME": home.url.path, "XDG_CONFIG_HOME": home.url.path,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let check = try #require(try report(result).check("git_identity"))
        #expect(check.status == "warning")
        #expect(check.fix?.contains("git config --global user.email") == true)
    }

    /// Runs the built registry in a bubblewrap that shares the whole host but with `mounts` on top.
    private func doctorOnAlteredMachine(_ mounts: [String], in directory: URL) throws -> ProcessResult {
        try runProcess("/usr/bin/bwrap", ["--dev-bind", "/", "/"] + mounts + ["--", registryExecutable.path, "doctor"],
                       in: directory, environment: fixtureGitEnvironment)
    }

    @Test("without bubblewrap: exit 2 naming apt-get install bubblewrap")
    func noBubblewrap() throws {
        let fixture = try FixtureRegistry.withExampleProducts(["station-incident-hotspots"])
        defer { fixture.remove() }
        // /dev/null has no execute bit, so bwrap is gone for the registry, root included.
        let result = try doctorOnAlteredMachine(["--ro-bind", "/dev/null", "/usr/bin/bwrap"], in: fixture.url)
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("error") && result.stdout.contains("apt-get install bubblewrap"), "\(result.stdout)")
        #expect(result.stdout.contains("Products cannot run on this machine"))
        #expect(!result.crashed && !result.stderr.contains("bug"))
    }

    @Test("user namespaces switched off: exit 2 naming the sysctl that enables them")
    func userNamespacesOff() throws {
        let fixture = try FixtureRegistry.withExampleProducts(["station-incident-hotspots"])
        defer { fixture.remove() }
        try writeFile("0\n", to: "max_user_namespaces", in: fixture.url)
        let result = try doctorOnAlteredMachine(
            ["--ro-bind", fixture.url.appendingPathComponent("max_user_namespaces").path, "/proc/sys/user/max_user_namespaces"],
            in: fixture.url)
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("'user.max_user_namespaces' is '0'"), "\(result.stdout)")
        #expect(result.stdout.contains("sysctl -w user.max_user_namespaces=15000"))
    }
}
