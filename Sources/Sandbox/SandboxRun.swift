import Foundation

/// What happened in one sandboxed run: a value for the run record, never a thrown error.
public struct SandboxRun: Sendable, Codable, Equatable {
    /// The exit status the product's command returned, when it exited on its own.
    public var exitStatus: Int32?
    /// The signal that ended the product's command, when one did.
    public var terminatingSignal: Int32?
    /// Why the run ended the way it did; `.none` for a clean exit with status 0.
    public var stopReason: SandboxStopReason
    /// One sentence explaining `stopReason` for people.
    public var explanation: String
    /// Standard output, cut at the profile's cap.
    public var stdout: Data
    /// Standard error, cut at the profile's cap.
    public var stderr: Data
    /// Wall-clock time from launch to the end of the process tree, in seconds.
    public var durationSeconds: Double
    /// User plus system CPU time of the process tree, in seconds (cgroup accounting where available).
    public var cpuSeconds: Double
    /// Peak memory in bytes (cgroup peak where available, else the largest process's resident size).
    public var peakMemoryBytes: UInt64
    /// Declared outputs that were accepted and copied to the collection folder.
    public var outputs: [CollectedOutput]
    /// Entries in `/output` that were not collected, with the reason.
    public var rejectedOutputs: [RejectedOutput]
    /// Declared outputs the product did not produce.
    public var missingOutputs: [String]
    /// The isolation the run actually had.
    public var isolation: IsolationReport

    /// Whether the product exited with status 0 and nothing was stopped, rejected or missing.
    public var succeeded: Bool {
        stopReason == .none && rejectedOutputs.isEmpty && missingOutputs.isEmpty
    }
}

/// Why a run ended; every breach attempt maps to one of these.
public enum SandboxStopReason: String, Sendable, Codable, Equatable, CaseIterable {
    /// The product exited with status 0.
    case none
    /// The product exited with a non-zero status.
    case nonZeroExit
    /// The product was ended by a signal not explained by a limit.
    case killedBySignal
    /// The wall-clock limit passed and the process tree was killed.
    case timedOut
    /// The CPU-time rlimit ended the product.
    case cpuTimeLimit
    /// The memory limit was reached (cgroup OOM kill or refused allocation).
    case memoryLimit
    /// A fork or clone was refused at the process limit and the product failed.
    case processLimit
    /// `/output` grew past its byte or entry quota.
    case outputQuota
    /// Standard output passed its cap.
    case stdoutCap
    /// Standard error passed its cap.
    case stderrCap
    /// A file reached the file-size rlimit.
    case fileSizeLimit
    /// The launcher or bubblewrap failed before the product started.
    case setupFailed
    /// The calling task was cancelled and the process tree was killed.
    case cancelled
}

/// A declared output accepted from `/output`.
public struct CollectedOutput: Sendable, Codable, Equatable {
    /// The declared file name.
    public var name: String
    /// Where the copy was written in the collection folder.
    public var url: URL
    /// Lowercase hex SHA-256 of the collected bytes.
    public var sha256: String
    /// Size in bytes.
    public var size: UInt64
}

/// An entry in `/output` that was not collected.
public struct RejectedOutput: Sendable, Codable, Equatable {
    /// The entry's name in `/output`.
    public var name: String
    /// Why it was refused, as a phrase (`"is a symbolic link"`).
    public var reason: String
}

/// The isolation a run actually had, recorded with every run.
public struct IsolationReport: Sendable, Codable, Equatable {
    /// `bwrap --version` output.
    public var bubblewrapVersion: String
    /// Whether bubblewrap ran unprivileged inside a new user namespace.
    public var userNamespace: Bool
    /// Whether nested user namespaces were disabled inside the sandbox.
    public var nestedUserNamespacesDisabled: Bool
    /// The cgroup backend that enforced memory and process limits.
    public var cgroupBackend: CgroupBackend
    /// Whether the seccomp filter was installed, and for which architecture.
    public var seccompArchitecture: String?
    /// The host uid the product ran as.
    public var uid: UInt32
    /// The host gid the product ran as.
    public var gid: UInt32
    /// The resource limits set before bubblewrap started, by name (`RLIMIT_AS`, …).
    public var rlimits: [String: UInt64]
    /// Processes of the run found still alive after the final kill (should always be 0).
    public var leftoverProcesses: Int
}

/// How memory and process-count limits were enforced.
public enum CgroupBackend: String, Sendable, Codable, Equatable {
    /// A per-run group under the cgroup v1 memory and pids hierarchies.
    case cgroupV1
    /// No cgroup could be used; only rlimits applied.
    case none
}
