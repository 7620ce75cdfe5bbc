import Foundation
import SandboxLaunch

/// Everything one sandboxed run needs: what to run, what it may see, and how much it may use.
public struct SandboxProfile: Sendable, Codable, Equatable {
    /// The launcher executable (`registry-launcher`), which sets the run up and execs bubblewrap.
    public var launcherExecutable: URL
    /// The product folder at the version being checked, mounted read-only at `/product`.
    ///
    /// It and `inputDirectory` must be the caller's private copies: a registry running as root
    /// stages their files as hard links, which leaves them owned by root and read-only.
    public var productDirectory: URL
    /// The prepared inputs (declared columns only), mounted read-only at `/input`.
    public var inputDirectory: URL
    /// Where accepted outputs are copied after the run; created if missing.
    public var collectionDirectory: URL
    /// The command and its arguments; a first word naming a file in the product resolves inside `/product`.
    public var command: [String]
    /// The output file names the manifest declares; anything else in `/output` is rejected.
    public var declaredOutputs: [String]
    /// Wall-clock limit in seconds, after which the whole process tree is killed.
    public var timeLimitSeconds: Double
    /// Memory limit in bytes for the whole run (cgroup where available, address space otherwise).
    public var memoryLimitBytes: UInt64
    /// The remaining caps: streams, outputs, scratch space, processes, descriptors.
    public var limits: SandboxLimits
    /// A folder on the host, traversable by any user, below which the run's private staging lives.
    public var workRoot: URL
    /// A built product environment (a Python virtual environment), mounted read-only at
    /// `SandboxProfile.environmentMountPoint` with its `bin` first on `PATH`; `nil` runs the system interpreter.
    ///
    /// Mounted, not staged: an environment holds thousands of files that every run shares, so it
    /// must be readable by any user (the registry builds it so). As root, the launcher binds it
    /// into the run's stage first, so the folders above it may be closed to other users.
    public var environmentDirectory: URL?

    /// Where a product environment appears inside the sandbox; it is built to work from there.
    public static let environmentMountPoint = "/env"

    /// Creates a profile with the standard caps, staging below the run folder (`RunFolder.current`).
    public init(launcherExecutable: URL = SandboxProfile.installedLauncher,
                productDirectory: URL,
                inputDirectory: URL,
                collectionDirectory: URL,
                command: [String],
                declaredOutputs: [String],
                timeLimitSeconds: Double = 60,
                memoryLimitBytes: UInt64 = 512 << 20,
                limits: SandboxLimits = .standard,
                workRoot: URL = RunFolder.current,
                environmentDirectory: URL? = nil) {
        self.launcherExecutable = launcherExecutable
        self.productDirectory = productDirectory
        self.inputDirectory = inputDirectory
        self.collectionDirectory = collectionDirectory
        self.command = command
        self.declaredOutputs = declaredOutputs
        self.timeLimitSeconds = timeLimitSeconds
        self.memoryLimitBytes = memoryLimitBytes
        self.limits = limits
        self.workRoot = workRoot
        self.environmentDirectory = environmentDirectory
    }

    /// The launcher executable beside the running binary, which is resolved from `/proc/self/exe`
    /// so a later rename cannot redirect it; release archives ship the two together.
    public static var installedLauncher: URL {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(SandboxLauncher.executableName)
    }
}

/// Byte, count and size caps for one run, beyond time and memory.
public struct SandboxLimits: Sendable, Codable, Equatable {
    /// Bytes of standard output kept; more stops the run with `stdoutCap`.
    public var stdoutBytes: Int
    /// Bytes of standard error kept; more stops the run with `stderrCap`.
    public var stderrBytes: Int
    /// Total bytes allowed in `/output`; also the largest file the product may write anywhere.
    public var outputBytes: UInt64
    /// Number of entries allowed in `/output`, folders included.
    public var outputFiles: Int
    /// Size of the `/tmp` tmpfs.
    public var tmpBytes: UInt64
    /// Processes and threads the product may have at once.
    public var processes: UInt64
    /// Open file descriptors per process.
    public var openFiles: UInt64

    /// Creates a set of caps.
    public init(stdoutBytes: Int, stderrBytes: Int, outputBytes: UInt64, outputFiles: Int,
                tmpBytes: UInt64, processes: UInt64, openFiles: UInt64) {
        self.stdoutBytes = stdoutBytes
        self.stderrBytes = stderrBytes
        self.outputBytes = outputBytes
        self.outputFiles = outputFiles
        self.tmpBytes = tmpBytes
        self.processes = processes
        self.openFiles = openFiles
    }

    /// Caps that suit an analytic product run on sample data.
    public static let standard = SandboxLimits(
        stdoutBytes: 1 << 20, stderrBytes: 1 << 20, outputBytes: 64 << 20, outputFiles: 64,
        tmpBytes: 64 << 20, processes: 64, openFiles: 256)
}
