import Foundation
import GitStore
import ProductModel
import RegistryIndex
import RegistrySupport
import Sandbox

/// What `registry doctor` found: every check, and whether products can run here at all.
public struct DoctorReport: Codable, Sendable {
    /// False when a check that every run depends on failed (bubblewrap, user namespaces, seccomp, a sandboxed run).
    public var runsPossible: Bool
    /// The checks in the order they were made.
    public var checks: [DoctorCheck]

    enum CodingKeys: String, CodingKey {
        case checks
        case runsPossible = "runs_possible"
    }
}

/// One thing `registry doctor` looked at, what it found and how to fix it.
public struct DoctorCheck: Codable, Sendable {
    /// How a check came out; only `error` on a run-critical check makes runs impossible.
    public enum Status: String, Codable, Sendable {
        case ok, warning, error, skipped
    }

    /// A stable name: `bubblewrap`, `user_namespaces`, `cgroup`, `seccomp`, `sandbox`,
    /// `interpreter:<program>`, `libcurl`, `git_identity`, `index`.
    public var id: String
    public var status: Status
    /// One sentence saying what was found.
    public var summary: String
    /// One sentence saying what to do; nil when there is nothing to do.
    public var fix: String?
}

/// The checks behind `registry doctor`; it reads the machine and the registry and changes neither.
public enum Doctor {
    /// Examines this machine and, when `start` lies in a registry, that registry.
    public static func examine(from start: URL) async -> DoctorReport {
        var checks: [DoctorCheck] = []
        let bubblewrap: DoctorCheck
        do {
            let found = try SandboxHost.bubblewrap()
            bubblewrap = DoctorCheck(id: "bubblewrap", status: .ok, summary: "\(found.version) at \(found.path).")
        } catch .bubblewrapMissing(let searched) {
            bubblewrap = DoctorCheck(id: "bubblewrap", status: .error,
                                     summary: "bubblewrap is not installed (looked for \(searched.joined(separator: ", "))), so no product can run.",
                                     fix: "Install it with 'apt-get install bubblewrap'.")
        } catch {
            bubblewrap = DoctorCheck(id: "bubblewrap", status: .error, summary: error.message,
                                     fix: "Reinstall it with 'apt-get install --reinstall bubblewrap'.")
        }
        checks.append(bubblewrap)
        checks.append(userNamespaces())
        checks.append(cgroup())
        checks.append(seccomp())
        let critical = checks.filter { $0.status == .error }
        let repository = try? GitRepository.discover(from: start)
        let products = repository.flatMap(registryProducts)
        if critical.isEmpty {
            checks.append(await sandboxProbe())
            if let products {
                for (program, ids) in interpreters(of: products) {
                    checks.append(await interpreterProbe(program, namedBy: ids))
                }
            }
        } else {
            checks.append(DoctorCheck(id: "sandbox", status: .skipped,
                                      summary: "No sandboxed run was tried, because of the errors above."))
        }
        checks.append(libcurl())
        checks.append(gitIdentity(repository, start: start))
        checks.append(index(repository, isRegistry: products != nil, start: start))
        let runChecks: Set<String> = ["bubblewrap", "user_namespaces", "seccomp", "sandbox"]
        return DoctorReport(runsPossible: !checks.contains { runChecks.contains($0.id) && $0.status == .error },
                            checks: checks)
    }

    private static func userNamespaces() -> DoctorCheck {
        let settings = SandboxHost.userNamespaceSettings()
        let present = settings.filter { $0.value != nil }
        let values = present.map { "\($0.name)=\($0.value ?? "")" }.joined(separator: ", ")
        guard let blocking = settings.first(where: \.blocksSandbox) else {
            let absent = settings.filter { $0.value == nil }.map(\.name)
            let note = absent.isEmpty ? "" : " (\(absent.joined(separator: " and ")) not present on this kernel)"
            return DoctorCheck(id: "user_namespaces", status: .ok,
                               summary: "Unprivileged user namespaces are allowed: \(values.isEmpty ? "no limiting setting" : values)\(note).")
        }
        var fix = "Run '\(blocking.fix)' (add it to /etc/sysctl.d/ to keep it)."
        if blocking.name == "kernel.apparmor_restrict_unprivileged_userns" {
            fix = "On Ubuntu 24.04 and later AppArmor blocks them: run '\(blocking.fix)' on a throw-away runner, or make it permanent in /etc/sysctl.d/."
        }
        return DoctorCheck(id: "user_namespaces", status: .error,
                           summary: "'\(blocking.name)' is '\(blocking.value ?? "")', so bubblewrap cannot create the sandbox's user namespace.",
                           fix: fix)
    }

    private static func cgroup() -> DoctorCheck {
        let hierarchy = SandboxHost.cgroupHierarchy
        if SandboxHost.canCreateRunCgroup() {
            return DoctorCheck(id: "cgroup", status: .ok,
                               summary: "cgroup \(hierarchy) hierarchy; each run gets its own v1 memory and pids group (a test group was created and removed).")
        }
        let why = geteuid() != 0 ? "the registry is not running as root"
            : "the cgroup v1 memory and pids controllers are not mounted writable (the hierarchy is \(hierarchy))"
        return DoctorCheck(id: "cgroup", status: .warning,
                           summary: "Runs get no cgroup of their own because \(why); memory and processes are limited by rlimits only (address space, processes per uid).",
                           fix: "For whole-run memory and process limits, run the registry as root on a host with the cgroup v1 memory and pids controllers mounted.")
    }

    /// Whether `registry links` can fetch: libcurl is opened only by it, so nothing else fails without it.
    private static func libcurl() -> DoctorCheck {
        if let problem = HTTPProbe.loadLibrary() {
            return DoctorCheck(id: "libcurl", status: .warning,
                               summary: "libcurl could not be loaded (\(problem)), so 'registry links' cannot fetch; no other command needs it.",
                               fix: "For 'registry links', \(HTTPProbe.installAdvice).")
        }
        return DoctorCheck(id: "libcurl", status: .ok, summary: "'registry links' fetches through \(HTTPProbe.libraryVersion).")
    }

    private static func seccomp() -> DoctorCheck {
        guard let architecture = SandboxHost.seccompArchitecture else {
            return DoctorCheck(id: "seccomp", status: .error,
                               summary: "The system call filter has no table for this machine's architecture.",
                               fix: "Run the registry on an x86_64 or aarch64 machine.")
        }
        return DoctorCheck(id: "seccomp", status: .ok, summary: "The system call filter is built for \(architecture).")
    }

    /// Runs `program --version` in the sandbox exactly as a product would run, with the standard limits.
    private static func sandboxed(_ command: [String]) async -> (run: SandboxRun?, failure: String?) {
        do {
            let scratch = try RegistryWorkspace.runScratch(for: "doctor")
            defer { scratch.remove() }
            let product = scratch.url.appendingPathComponent("product", isDirectory: true)
            let input = scratch.url.appendingPathComponent("input", isDirectory: true)
            for folder in [product, input] {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            }
            let profile = SandboxProfile(productDirectory: product, inputDirectory: input,
                                         collectionDirectory: scratch.url.appendingPathComponent("collected", isDirectory: true),
                                         command: command, declaredOutputs: [], timeLimitSeconds: 20,
                                         workRoot: scratch.url.deletingLastPathComponent())
            return (try await Sandbox.run(profile), nil)
        } catch let error as RegistryDiagnostic {
            return (nil, error.message)
        } catch {
            return (nil, "\(error)")
        }
    }

    private static func sandboxProbe() async -> DoctorCheck {
        let result = await sandboxed(["true"])
        guard let run = result.run, run.succeeded else {
            let detail = result.failure ?? result.run.map { "\($0.explanation) \(firstLine($0.stderr))" } ?? ""
            return DoctorCheck(id: "sandbox", status: .error,
                               summary: "A sandboxed run of 'true' failed: \(detail.trimmingCharacters(in: .whitespaces))",
                               fix: "Fix what the message names, then run 'registry doctor' again; as a non-root user on Ubuntu, running the registry as root also works.")
        }
        let isolation = run.isolation
        return DoctorCheck(id: "sandbox", status: .ok,
                           summary: "A sandboxed run works: uid \(isolation.uid), cgroup \(isolation.cgroupBackend.rawValue), seccomp \(isolation.seccompArchitecture ?? "off"), no network.")
    }

    private static func interpreterProbe(_ program: String, namedBy ids: [String]) async -> DoctorCheck {
        let users = "named by \(ids.prefix(3).joined(separator: ", "))\(ids.count > 3 ? " and \(ids.count - 3) more" : "")"
        let result = await sandboxed([program, "--version"])
        // Only bubblewrap's own exec failure means the program is missing: some (dash) reject --version.
        if let run = result.run, !firstLine(run.stderr).hasPrefix("bwrap: execvp") {
            let output = firstLine(run.stdout).isEmpty ? firstLine(run.stderr) : firstLine(run.stdout)
            let version = run.exitStatus == 0 ? output : "it does not take --version"
            return DoctorCheck(id: "interpreter:\(program)", status: .ok,
                               summary: "'\(program)' (\(users)) runs inside the sandbox: \(version).")
        }
        let package = debianPackages[program].map { "'apt-get install \($0)'" } ?? "the package that provides it"
        return DoctorCheck(id: "interpreter:\(program)", status: .warning,
                           summary: "'\(program)' (\(users)) does not run inside the sandbox, so those products fail their checks.",
                           fix: "Install it on this machine below /usr (the sandbox sees the host's /usr) with \(package).")
    }

    /// The Debian packages of the interpreters products commonly name.
    private static let debianPackages = ["python3": "python3", "Rscript": "r-base-core", "R": "r-base-core",
                                         "bash": "bash", "perl": "perl", "node": "nodejs", "julia": "julia"]

    private static func firstLine(_ data: Data) -> String {
        String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
    }

    /// The run commands of every product at HEAD, by product id; nil when this is not a registry.
    private static func registryProducts(_ repository: GitRepository) -> [String: (command: [String], files: Set<String>)]? {
        let root = repository.workingDirectory
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("Products").path) else { return nil }
        guard let head = try? repository.head(), let ids = try? repository.productIDs(at: head) else { return [:] }
        var products: [String: (command: [String], files: Set<String>)] = [:]
        for id in ids {
            let folder = RegistryWorkspace.productPath(id)
            guard let data = try? repository.readFile(folder + "/product.yaml", at: head),
                  let document = try? ManifestDecoder.decodeDocument(Array(data), file: folder + "/product.yaml"),
                  let first = document.manifest.run.command.first else { continue }
            let ownFile = (try? repository.readFile(folder + "/" + first, at: head)) != nil
            products[id] = (document.manifest.run.command, ownFile ? [first] : [])
        }
        return products
    }

    /// The programs products start from the host's `PATH` (not a file of their own), with the products naming each.
    private static func interpreters(of products: [String: (command: [String], files: Set<String>)]) -> [(String, [String])] {
        var programs: [String: [String]] = [:]
        for (id, product) in products {
            guard let first = product.command.first, !first.contains("/"), !product.files.contains(first) else { continue }
            programs[first, default: []].append(id)
        }
        return programs.keys.sorted().map { ($0, programs[$0, default: []].sorted()) }
    }

    private static func gitIdentity(_ repository: GitRepository?, start: URL) -> DoctorCheck {
        guard let repository else {
            return DoctorCheck(id: "git_identity", status: .skipped, summary: "'\(start.path)' is not inside a git repository.")
        }
        guard let identity = repository.configuredIdentity() else {
            return DoctorCheck(id: "git_identity", status: .warning,
                               summary: "Git has no user name and email, so 'registry register' cannot commit.",
                               fix: "Run 'git config --global user.name \"Your Name\"' and 'git config --global user.email you@example.org'.")
        }
        return DoctorCheck(id: "git_identity", status: .ok, summary: "'registry register' commits as \(identity).")
    }

    private static func index(_ repository: GitRepository?, isRegistry: Bool, start: URL) -> DoctorCheck {
        guard let repository, isRegistry else {
            return DoctorCheck(id: "index", status: .skipped, summary: "'\(start.path)' is not inside a registry (no Products/ folder); pass --repo to check one.")
        }
        let url = RegistryWorkspace.stateDirectory(repository.workingDirectory).appendingPathComponent("index.sqlite")
        guard FileManager.default.fileExists(atPath: url.path) else {
            return DoctorCheck(id: "index", status: .warning, summary: "There is no index at '\(url.path)' yet.",
                               fix: "Run 'registry index' (any other command builds it too).")
        }
        let indexed: String?
        do {
            indexed = try RegistryDatabase.open(at: url, verifyingIntegrity: true).indexedHead()
        } catch {
            return DoctorCheck(id: "index", status: .error,
                               summary: "The index '\(url.path)' is damaged: \((error as? RegistryDiagnostic)?.message ?? "\(error)")",
                               fix: "Run 'registry index --rebuild': it moves the damaged file aside (its run history stays there) and rebuilds from git.")
        }
        let head = (try? repository.head())?.hex
        guard indexed == head else {
            return DoctorCheck(id: "index", status: .warning,
                               summary: "The index is behind HEAD (indexed \(indexed.map { String($0.prefix(12)) } ?? "nothing"), HEAD \(head.map { String($0.prefix(12)) } ?? "none")).",
                               fix: "Run 'registry index' (any other command brings it up to date too).")
        }
        return DoctorCheck(id: "index", status: .ok, summary: "The index is present, intact and at HEAD \(head.map { String($0.prefix(12)) } ?? "(no commits)").")
    }
}
