import Foundation
import Glibc

/// The re-exec side of the sandbox: the registry binary started as `registry __sandbox-launch PLAN`.
///
/// It runs in a fresh single-threaded process, so everything that must hold for the product and
/// for bubblewrap itself (session, descriptors, limits, cgroup, uid, no_new_privs, seccomp) is set
/// here, in order, before `execv` of bwrap. Any failure is reported on the status descriptor and
/// ends the process; the product never starts with a step missing.
public enum SandboxLauncher {
    /// The first argument that turns the registry binary into the launcher.
    public static let argument = "__sandbox-launch"

    /// Becomes the launcher when the process was started with `argument`; returns otherwise.
    ///
    /// Call it first thing in `main.swift`, before any thread, task or argument parsing exists.
    public static func runIfRequested() {
        let arguments = CommandLine.arguments
        guard arguments.count == 3, arguments[1] == argument else { return }
        guard let plan = try? JSONDecoder().decode(LaunchPlan.self, from: Data(arguments[2].utf8)) else {
            fail("the launch plan could not be read")
        }
        do {
            try launch(plan)
        } catch {
            fail(error.detail)
        }
    }

    /// The descriptor both the launcher (failures) and bubblewrap (`--json-status-fd`) report on.
    static let statusDescriptor: Int32 = 3

    private static func launch(_ plan: LaunchPlan) throws(SandboxSetupFailure) -> Never {
        guard setsid() >= 0 else { throw SandboxSetupFailure("setsid: \(LinuxSystem.lastError)") }
        let null = open("/dev/null", O_RDONLY)
        guard null >= 0, dup2(null, 0) == 0 else { throw SandboxSetupFailure("stdin: \(LinuxSystem.lastError)") }
        for descriptor in LinuxSystem.openDescriptors() where descriptor > statusDescriptor {
            close(descriptor)
        }
        for file in plan.cgroupProcsFiles {
            try RunCgroup.write("\(getpid())", to: URL(fileURLWithPath: file))
        }
        let seccompDescriptor = try seccompProgram(plan.seccomp)
        if let identity = plan.identity {
            try dropPrivileges(to: identity)
        }
        for limit in plan.rlimits {
            var value = rlimit(rlim_cur: rlim_t(limit.value), rlim_max: rlim_t(limit.hardValue))
            guard setrlimit(__rlimit_resource_t(limit.resource), &value) == 0 else {
                throw SandboxSetupFailure("setrlimit \(limit.name)=\(limit.value): \(LinuxSystem.lastError)")
            }
        }
        guard LinuxSystem.prctl(LinuxSystem.setNoNewPrivileges, 1) == 0,
              LinuxSystem.prctl(LinuxSystem.getNoNewPrivileges, 0) == 1 else {
            throw SandboxSetupFailure("PR_SET_NO_NEW_PRIVS: \(LinuxSystem.lastError)")
        }
        let argv = [plan.bubblewrap] + plan.options
            + ["--json-status-fd", "\(statusDescriptor)", "--seccomp", "\(seccompDescriptor)", "--"] + plan.command
        let cArguments = argv.map { strdup($0) } + [nil]
        let environment: [UnsafeMutablePointer<CChar>?] = [nil]
        execve(plan.bubblewrap, cArguments, environment)
        throw SandboxSetupFailure("exec \(plan.bubblewrap): \(LinuxSystem.lastError)")
    }

    /// Writes the filter into a pipe bubblewrap reads at start-up, and returns the read end.
    private static func seccompProgram(_ architecture: SeccompFilter.Architecture) throws(SandboxSetupFailure) -> Int32 {
        let bytes = SeccompFilter(architecture: architecture).bytes
        var ends: [Int32] = [-1, -1]
        guard Glibc.pipe(&ends) == 0 else { throw SandboxSetupFailure("pipe: \(LinuxSystem.lastError)") }
        guard write(ends[1], bytes, bytes.count) == bytes.count else {
            throw SandboxSetupFailure("writing the seccomp filter: \(LinuxSystem.lastError)")
        }
        close(ends[1])
        return ends[0]
    }

    /// Drops to the run's uid and gid for good, and proves root cannot be regained.
    private static func dropPrivileges(to identity: LaunchPlan.Identity) throws(SandboxSetupFailure) {
        guard setgroups(0, nil) == 0 else { throw SandboxSetupFailure("setgroups: \(LinuxSystem.lastError)") }
        // As root, setgid and setuid replace the real, effective and saved ids together.
        guard setgid(identity.gid) == 0 else {
            throw SandboxSetupFailure("setgid \(identity.gid): \(LinuxSystem.lastError)")
        }
        guard setuid(identity.uid) == 0 else {
            throw SandboxSetupFailure("setuid \(identity.uid): \(LinuxSystem.lastError)")
        }
        guard getuid() == identity.uid, geteuid() == identity.uid, getgid() == identity.gid,
              getegid() == identity.gid, setuid(0) != 0, setgid(0) != 0, seteuid(0) != 0 else {
            throw SandboxSetupFailure("uid \(identity.uid) could regain root after dropping privileges")
        }
    }

    private static func fail(_ detail: String) -> Never {
        let line = (try? JSONEncoder().encode(["launch-error": detail])).map { $0 + Data("\n".utf8) } ?? Data()
        _ = line.withUnsafeBytes { write(statusDescriptor, $0.baseAddress, $0.count) }
        _exit(127)
    }
}

/// What the parent asks the launcher to do, passed as one JSON argument.
struct LaunchPlan: Codable, Sendable {
    /// The uid and gid to drop to, when the parent runs as root.
    struct Identity: Codable, Sendable {
        var uid: UInt32
        var gid: UInt32
    }

    var bubblewrap: String
    var options: [String]
    var command: [String]
    var identity: Identity?
    var rlimits: [ResourceLimit]
    var cgroupProcsFiles: [String]
    var seccomp: SeccompFilter.Architecture
}

/// One `setrlimit` the launcher applies.
struct ResourceLimit: Codable, Sendable, Equatable {
    var name: String
    var resource: Int32
    var value: UInt64
    var hardValue: UInt64

    static func addressSpace(_ bytes: UInt64) -> ResourceLimit { .init(name: "RLIMIT_AS", resource: 9, value: bytes, hardValue: bytes) }
    static func processes(_ count: UInt64) -> ResourceLimit { .init(name: "RLIMIT_NPROC", resource: 6, value: count, hardValue: count) }
    /// Soft limit sends SIGXCPU; the hard limit one second later sends SIGKILL.
    static func cpu(_ seconds: UInt64) -> ResourceLimit { .init(name: "RLIMIT_CPU", resource: 0, value: seconds, hardValue: seconds + 1) }
    static func fileSize(_ bytes: UInt64) -> ResourceLimit { .init(name: "RLIMIT_FSIZE", resource: 1, value: bytes, hardValue: bytes) }
    static func openFiles(_ count: UInt64) -> ResourceLimit { .init(name: "RLIMIT_NOFILE", resource: 7, value: count, hardValue: count) }
    static let noCoreDumps = ResourceLimit(name: "RLIMIT_CORE", resource: 4, value: 0, hardValue: 0)
}
