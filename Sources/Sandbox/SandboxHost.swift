import Foundation
import Glibc
import SandboxLaunch

/// What this machine offers the sandbox; every run checks it first so nothing runs unconfined.
public struct SandboxCapabilities: Sendable, Codable, Equatable {
    /// Absolute path of the `bwrap` executable.
    public var bubblewrapPath: String
    /// `bwrap --version` output, for the run record.
    public var bubblewrapVersion: String
    /// Whether this bubblewrap accepts `--disable-userns` (0.8.0 and later).
    public var supportsDisableUserns: Bool
    /// Whether the registry runs as root, and therefore drops to a per-run uid.
    public var runningAsRoot: Bool
    /// The cgroup backend runs will use for memory and process limits.
    public var cgroupBackend: CgroupBackend
    /// The architecture the seccomp filter is built for.
    public var seccompArchitecture: String
}

/// Detects whether and how this host can run sandboxed products.
public enum SandboxHost {
    /// Where bubblewrap is looked for; `PATH` is not consulted so a planted `bwrap` cannot win.
    public static let bubblewrapCandidates = ["/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap"]

    /// Checks for bubblewrap, user namespaces and cgroups, throwing a `SandboxError` that says how to fix a gap.
    ///
    /// The host is examined once per process and the answer, a refusal included, is reused by every
    /// later run: a check of many products would otherwise start bubblewrap again for each of them.
    public static func detect() throws(SandboxError) -> SandboxCapabilities {
        try detected.get()
    }

    private static let detected = Result { () throws(SandboxError) in
        try detect(bubblewrapCandidates: bubblewrapCandidates,
                   kernelSettings: URL(fileURLWithPath: "/proc/sys", isDirectory: true))
    }

    /// `detect()` with the places to look made explicit, so each refusal can be exercised.
    static func detect(bubblewrapCandidates: [String], kernelSettings: URL) throws(SandboxError) -> SandboxCapabilities {
        guard let architecture = SeccompFilter.Architecture.current else { throw .unsupportedArchitecture }
        let bubblewrap = try bubblewrap(candidates: bubblewrapCandidates)
        if let blocking = userNamespaceSettings(kernelSettings).first(where: \.blocksSandbox) {
            throw .userNamespacesDisabled(setting: blocking.name, value: blocking.value ?? "", fix: blocking.fix)
        }
        let root = geteuid() == 0
        return SandboxCapabilities(
            bubblewrapPath: bubblewrap.path,
            bubblewrapVersion: bubblewrap.version,
            // --disable-userns arrived in 0.8.0; an unreadable version is taken as older.
            supportsDisableUserns: !releaseNumbers(bubblewrap.version).lexicographicallyPrecedes([0, 8]),
            runningAsRoot: root,
            cgroupBackend: root && RunCgroup.hostSupportsV1 ? .cgroupV1 : .none,
            seccompArchitecture: architecture.rawValue)
    }

    /// The bubblewrap runs would use and its `--version` line, or why there is none that works.
    public static func bubblewrap() throws(SandboxError) -> (path: String, version: String) {
        try bubblewrap(candidates: bubblewrapCandidates)
    }

    private static func bubblewrap(candidates: [String]) throws(SandboxError) -> (path: String, version: String) {
        guard let path = candidates.first(where: { access($0, X_OK) == 0 }) else {
            throw .bubblewrapMissing(searched: candidates)
        }
        // Remembered between commands while the executable stays the same file (`HostProbes`):
        // starting bubblewrap only to read its version cost every command a process.
        func probe() throws(SandboxError) -> String? {
            let version: (status: Int32, output: String)
            do {
                version = try LinuxSystem.capture(path, arguments: ["--version"])
            } catch {
                throw .bubblewrapUnusable(path: path, detail: error.detail)
            }
            guard version.status == 0 else {
                throw .bubblewrapUnusable(path: path, detail: "exit status \(version.status)")
            }
            return version.output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let answer: String?
        if let probes = HostProbes.current {
            answer = try probes.answer(program: path, arguments: ["--version"], probe: probe)
        } else {
            answer = try probe()
        }
        return (path, answer ?? "")
    }

    /// The architecture the seccomp filter is built for on this machine, or nil when it has no table for it.
    public static var seccompArchitecture: String? { SeccompFilter.Architecture.current?.rawValue }

    /// The numbers of a `bwrap --version` line ("bubblewrap 0.8.0" → [0, 8, 0]); empty when there are none.
    static func releaseNumbers(_ version: String) -> [Int] {
        let release = version.split(separator: " ").last ?? ""
        let numbers = release.split(separator: ".").map { Int($0) }
        return numbers.contains(nil) ? [] : numbers.compactMap { $0 }
    }

    /// The kernel settings that decide whether an unprivileged bubblewrap can create its user
    /// namespace, read from this machine's `/proc/sys`.
    public static func userNamespaceSettings() -> [UserNamespaceSetting] {
        userNamespaceSettings(URL(fileURLWithPath: "/proc/sys", isDirectory: true))
    }

    /// Each setting with the value that blocks the sandbox and the command that lifts the block;
    /// a setting this kernel lacks (Ubuntu's AppArmor one elsewhere) blocks nothing.
    private static func userNamespaceSettings(_ settings: URL) -> [UserNamespaceSetting] {
        let known = [("user/max_user_namespaces", "0", "15000"),
                     ("kernel/unprivileged_userns_clone", "0", "1"),
                     ("kernel/apparmor_restrict_unprivileged_userns", "1", "0")]
        return known.map { relative, blocking, enabling in
            let value = (try? String(contentsOf: settings.appendingPathComponent(relative), encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let name = relative.replacingOccurrences(of: "/", with: ".")
            return UserNamespaceSetting(name: name, value: value, blocksSandbox: value == blocking,
                                        fix: "sysctl -w \(name)=\(enabling)")
        }
    }

    /// How this machine mounts cgroups: v2 (unified), v1, both (hybrid), or none.
    public static var cgroupHierarchy: String {
        let root = "/sys/fs/cgroup"
        if access(root + "/cgroup.controllers", F_OK) == 0 { return "v2" }
        guard access(root + "/memory", F_OK) == 0 else { return "none" }
        return access(root + "/unified/cgroup.controllers", F_OK) == 0 ? "hybrid" : "v1"
    }

    /// Whether runs get a cgroup of their own: as root on a host with the v1 memory and pids
    /// controllers, proved by creating and removing a group the way a run does.
    public static func canCreateRunCgroup() -> Bool {
        guard geteuid() == 0, RunCgroup.hostSupportsV1 else { return false }
        // Named like a run's group, so one left by a killed process is removed by the next run.
        let name = RunStage.prefix + RunOwner.current.token + "-probe"
        guard let group = try? RunCgroup.create(name: name, memoryBytes: 64 << 20, processes: 16) else {
            return false
        }
        group.remove()
        return true
    }
}

/// One kernel setting that can stop unprivileged processes from creating user namespaces.
public struct UserNamespaceSetting: Sendable, Equatable {
    /// The sysctl name, such as `kernel.apparmor_restrict_unprivileged_userns`.
    public var name: String
    /// Its value on this machine; nil when the kernel does not have the setting.
    public var value: String?
    /// Whether the value stops bubblewrap from creating the sandbox's user namespace.
    public var blocksSandbox: Bool
    /// The command that lifts the block.
    public var fix: String
}
