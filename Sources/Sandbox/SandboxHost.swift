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
        guard let path = bubblewrapCandidates.first(where: { access($0, X_OK) == 0 }) else {
            throw .bubblewrapMissing(searched: bubblewrapCandidates)
        }
        try checkUserNamespaces(kernelSettings)
        let version: (status: Int32, output: String)
        do {
            version = try LinuxSystem.capture(path, arguments: ["--version"])
        } catch {
            throw .bubblewrapUnusable(path: path, detail: error.detail)
        }
        guard version.status == 0 else {
            throw .bubblewrapUnusable(path: path, detail: "exit status \(version.status)")
        }
        let root = geteuid() == 0
        let versionText = version.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return SandboxCapabilities(
            bubblewrapPath: path,
            bubblewrapVersion: versionText,
            // --disable-userns arrived in 0.8.0; an unreadable version is taken as older.
            supportsDisableUserns: !releaseNumbers(versionText).lexicographicallyPrecedes([0, 8]),
            runningAsRoot: root,
            cgroupBackend: root && RunCgroup.hostSupportsV1 ? .cgroupV1 : .none,
            seccompArchitecture: architecture.rawValue)
    }

    /// The numbers of a `bwrap --version` line ("bubblewrap 0.8.0" → [0, 8, 0]); empty when there are none.
    static func releaseNumbers(_ version: String) -> [Int] {
        let release = version.split(separator: " ").last ?? ""
        let numbers = release.split(separator: ".").map { Int($0) }
        return numbers.contains(nil) ? [] : numbers.compactMap { $0 }
    }

    /// Refuses hosts where an unprivileged bubblewrap cannot create its user namespace.
    private static func checkUserNamespaces(_ settings: URL) throws(SandboxError) {
        func read(_ relative: String) -> String? {
            (try? String(contentsOf: settings.appendingPathComponent(relative), encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let value = read("user/max_user_namespaces"), value == "0" {
            throw .userNamespacesDisabled(setting: "user.max_user_namespaces", value: value,
                                          fix: "sysctl -w user.max_user_namespaces=15000")
        }
        if let value = read("kernel/unprivileged_userns_clone"), value == "0" {
            throw .userNamespacesDisabled(setting: "kernel.unprivileged_userns_clone", value: value,
                                          fix: "sysctl -w kernel.unprivileged_userns_clone=1")
        }
        if let value = read("kernel/apparmor_restrict_unprivileged_userns"), value == "1" {
            throw .userNamespacesDisabled(setting: "kernel.apparmor_restrict_unprivileged_userns", value: value,
                                          fix: "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0")
        }
    }
}
